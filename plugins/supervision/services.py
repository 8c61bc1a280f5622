"""Supervision rules: complaints in five steps, service jobs and feedback forms, the seed's
monthly assessment, secret inspections, customer visits and public suggestions.

Free of the Flask request: every function takes the ``actor``; nothing here commits.
Who sees what (002 §2, supervision separated from execution):
- supervision records (complaints, jobs, forms, visits, suggestions, drafts) are seen by
  ``supervision.view`` holders (supervision, HR, auditors, administrators), never by the
  assessed departments;
- the assessed department's head sees its confirmed assessments and the inspections
  published about it; a dealer sees published mystery-shopper visits to it;
- the customer's phone is masked (``138****1234``) for everyone but supervision;
- who the secret inspectors are is seen by supervision and administrators only; everyone
  else reads ``inspector #N``.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.exc import IntegrityError

from core.toolkit import (N_, Conflict, Dealer, NotFound, PermissionDenied, Transition, User, ValidationError,
                          Workflow, activity, attachments, business_zone, check, db, next_number, notify, plugin_hook,
                          rate_limited, settings, users_with_role, utcnow, visible_dealers_clause)
from plugins.supervision.models import (ASSESSED_DEPARTMENTS, ASSESSMENT_STATES, COMPLAINT_STATES, INSPECTION_STATES, SUGGESTION_STATES,
                                        DEPARTMENT_LABELS,
                                        GRADE_POINTS, SANCTIONS, STEPS, Assessment,
                                        AssessmentLine, ChecklistTemplate, Complaint, ComplaintStep, CustomerVisit,
                                        FeedbackForm, Inspection, InspectionAnswer, Inspector, ServiceJob,
                                        Suggestion)

CENT = Decimal("0.01")
EVIDENCE = "supervision_inspection"  # attachment model name of inspection evidence
ALL_SEEING = ("supervision",)


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value) -> str | None:
    return None if value is None else f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def is_supervision(user) -> bool:
    return user is not None and user.has_role(*ALL_SEEING)


def mask_phone(phone: str | None, user) -> str:
    """``13812341234`` → ``138****1234`` for everyone but supervision."""
    phone = phone or ""
    if is_supervision(user) or not phone:
        return phone
    if len(phone) >= 8:
        return phone[:3] + "****" + phone[-4:]
    return "****" + phone[-2:] if len(phone) > 2 else "****"


def aware(value: datetime) -> datetime:
    """A typed local time is in the business time zone; stored in UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=business_zone())
    return value.astimezone(timezone.utc)


def _not_future(value: datetime, field: str) -> None:
    if value > utcnow() + timedelta(minutes=5):
        raise ValidationError(_("invalid date"), {field: _("cannot be in the future")})


def _values(data) -> dict:
    if hasattr(data, "model_dump"):
        return data.model_dump(exclude_unset=True)
    return dict(data)


def _version(record, version) -> None:
    if version is not None and int(version) != record.version:
        raise Conflict(_("stale version %(version)s; current is %(current)s", version=version, current=record.version),
                       code="stale_version")


def _dealer_by_code(code: str | None, field: str = "dealer_code"):
    if not code:
        return None
    dealer = db.session.scalar(select(Dealer).where(Dealer.code == code))
    if dealer is None:
        raise ValidationError(_("unknown dealer"), {field: _("no dealer with code %(code)r", code=code)})
    return dealer


def _link(endpoint: str, **kw) -> str:
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for(endpoint, **kw)
    except (RuntimeError, BuildError):
        return ""


# --- months ---------------------------------------------------------------------------

def parse_month(month: str, field: str = "month") -> tuple[int, int]:
    try:
        year, mon = (int(x) for x in month.split("-"))
        if len(month) != 7 or not (1 <= mon <= 12) or year < 2000:
            raise ValueError
    except (ValueError, AttributeError):
        raise ValidationError(_("invalid month"), {field: _("expected YYYY-MM")}) from None
    return year, mon


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The month's first and next month's first instant, in the business time zone, as UTC."""
    year, mon = parse_month(month)
    zone = business_zone()
    start = datetime(year, mon, 1, tzinfo=zone)
    end = datetime(year + (mon == 12), 1 if mon == 12 else mon + 1, 1, tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def shift_month(month: str, by: int) -> str:
    year, mon = parse_month(month)
    index = year * 12 + (mon - 1) + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_of(moment: datetime) -> str:
    local = moment.astimezone(business_zone())
    return f"{local.year:04d}-{local.month:02d}"


# --- complaints -----------------------------------------------------------------------

def _all_steps_done(record, actor, **kw):
    if len(record.steps) < len(STEPS):
        return _("all five steps must be recorded first; next is %(step)s", step=next_step(record))


complaint_workflow = Workflow(
    model=Complaint, states=COMPLAINT_STATES, event="supervision_complaint_state_changed",
    transitions=(
        Transition("start", ("received",), "in_progress", "supervision.manage"),
        Transition("resolve", ("in_progress",), "resolved", "supervision.manage", guards=(_all_steps_done,),
                   illegal=_l("Only a complaint in progress can be resolved."),
                   message=_l("The complaint is resolved.")),
        Transition("close", ("resolved",), "closed", "supervision.manage",
                   illegal=_l("Only a resolved complaint can be closed."),
                   message=_l("The complaint is closed with the customer's feedback.")),
    ),
)


def next_step(record: Complaint) -> str | None:
    done = {s.step for s in record.steps}
    for step in STEPS:
        if step not in done:
            return step
    return None


def response_due(received_at: datetime) -> datetime:
    return received_at + timedelta(hours=settings.get("supervision.complaint_response_hours"))


def is_overdue(record: Complaint, at: datetime | None = None) -> bool:
    """The first response came (or is still missing) after the due time."""
    moment = record.first_response_at or at or utcnow()
    return moment > record.response_due_at


def overdue_clause(at: datetime | None = None):
    at = at or utcnow()
    return or_(and_(Complaint.first_response_at.is_(None), Complaint.response_due_at < at),
               Complaint.first_response_at > Complaint.response_due_at)


def complaint_stmt(user, query=None):
    check(user, "supervision.view")
    stmt = select(Complaint)
    if query is None:
        return stmt
    if getattr(query, "q", None):
        like = f"%{query.q}%"
        stmt = stmt.where(or_(Complaint.number.ilike(like), Complaint.customer_name.ilike(like),
                              Complaint.rma_number.ilike(like), Complaint.serial.ilike(like)))
    for attr in ("state", "channel", "department", "severity"):
        value = getattr(query, attr, None)
        if value:
            stmt = stmt.where(getattr(Complaint, attr) == value)
    if getattr(query, "dealer_code", None):
        stmt = stmt.where(Complaint.dealer_id.in_(select(Dealer.id).where(Dealer.code == query.dealer_code)))
    if getattr(query, "month", None):
        start, end = month_bounds(query.month)
        stmt = stmt.where(Complaint.received_at >= start, Complaint.received_at < end)
    if getattr(query, "overdue", None) is not None:
        clause = overdue_clause()
        stmt = stmt.where(clause if query.overdue else ~clause)
    sort = getattr(query, "sort", None) or "-received_at"
    column = getattr(Complaint, sort.lstrip("-"))
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), Complaint.id.desc())


def get_complaint(record_id, user) -> Complaint:
    """The complaint for ``supervision.view`` holders; 404 for everyone else (it does not exist for them)."""
    if user is None or not user.can("supervision.view"):
        raise NotFound(_("complaint not found"))
    try:
        record = db.session.get(Complaint, int(record_id))
    except (TypeError, ValueError):
        record = None
    if record is None:
        raise NotFound(_("complaint not found"))
    return record


def complaint_actions(record: Complaint, user) -> list[str]:
    if not user.can("supervision.manage"):
        return []
    actions = []
    if record.state in ("received", "in_progress") and next_step(record):
        actions.append("step")
    if record.state == "in_progress" and next_step(record) is None:
        actions.append("resolve")
    if record.state == "resolved":
        actions.append("close")
    return actions


def serialize_complaint(r: Complaint, user) -> dict:
    return {
        "id": r.id, "number": r.number, "channel": r.channel, "received_at": r.received_at.isoformat(),
        "customer_name": r.customer_name, "customer_phone": mask_phone(r.customer_phone, user),
        "dealer_code": r.dealer.code if r.dealer else None, "department": r.department,
        "rma_number": r.rma_number or None, "serial": r.serial or None, "description": r.description or "",
        "severity": r.severity, "state": r.state,
        "steps": [{"step": s.step, "note": s.note or "", "amount": fmt(s.amount),
                   "by": (s.by.display_name or s.by.username) if s.by else None, "at": s.at.isoformat()}
                  for s in r.steps],
        "next_step": next_step(r), "first_response_at": iso(r.first_response_at),
        "response_due_at": r.response_due_at.isoformat(), "overdue": is_overdue(r), "feedback": r.feedback,
        "actions": complaint_actions(r, user), "version": r.version, "created_at": r.created_at.isoformat(),
    }


def create_complaint(data, actor) -> Complaint:
    check(actor, "supervision.manage")
    v = _values(data)
    received_at = aware(v.get("received_at") or utcnow())
    _not_future(received_at, "received_at")
    dealer = _dealer_by_code(v.get("dealer_code"))
    record = Complaint(
        number=next_number("TS", received_at.astimezone(business_zone()).year, width=5),
        channel=v["channel"], received_at=received_at, customer_name=v["customer_name"],
        customer_phone=v.get("customer_phone") or "", dealer_id=dealer.id if dealer else None, dealer=dealer,
        department=v["department"], rma_number=v.get("rma_number") or "", serial=v.get("serial") or "",
        description=v.get("description") or "", severity=v.get("severity") or "medium", state="received",
        response_due_at=response_due(received_at), created_by_id=actor.id if actor else None)
    db.session.add(record)
    db.session.flush()
    activity.log(record, "created", {"state": (None, "received")}, actor=actor)
    others = [u for u in users_with_role("supervision") if actor is None or u.id != actor.id]
    notify(others, N_("Complaint %(number)s received"), N_("Respond by %(due)s."),
           _link("supervision.view_complaint", record_id=record.id), number=record.number,
           due=record.response_due_at.astimezone(business_zone()).strftime("%Y-%m-%d %H:%M"))
    return record


def record_step(record: Complaint, step: str, actor, version=None, note: str = "", amount=None) -> Complaint:
    """Record the next of the five steps (thank, listen, facts, wish, compensate); skipping is 409."""
    check(actor, "supervision.manage")
    _version(record, version)
    if record.state not in ("received", "in_progress"):
        raise Conflict(_("a %(state)s complaint takes no more steps", state=record.state), code="illegal_transition")
    if step not in STEPS:
        raise ValidationError(_("unknown step"), {"step": _("one of %(steps)s", steps=', '.join(STEPS))})
    expected = next_step(record)
    if step != expected:
        raise Conflict(_("steps are recorded in order: the next step is %(expected)r, not %(step)r", expected=expected,
                         step=step),
                       code="step_out_of_order")
    note = (note or "").strip()
    if step != "thanked" and not note:
        raise ValidationError(_("note required"), {"note": _("describe what was said, found, wished or given")})
    if amount is not None and step != "compensated":
        raise ValidationError(_("amount only for compensation"), {"amount": _("only for the compensated step")})
    now = utcnow()
    record.steps.append(ComplaintStep(step=step, note=note, amount=amount, by_id=actor.id, at=now))
    changes = {"step": (None, step)}
    if record.first_response_at is None:
        record.first_response_at = now
        changes["first_response_at"] = (None, now)
    if record.state == "received":
        complaint_workflow.apply(record, "start", actor, changes=changes, comment=note)
    else:
        record.updated_at = now
        activity.log(record, f"step_{step}", changes, comment=note, actor=actor)
    return record


def resolve_complaint(record: Complaint, actor, version, comment: str = "") -> Complaint:
    complaint_workflow.apply(record, "resolve", actor, version=version, comment=comment)
    return record


def close_complaint(record: Complaint, actor, version, feedback: str, comment: str = "") -> Complaint:
    complaint_workflow.check(record, "close", actor, version=version)
    if feedback not in ("satisfied", "unsatisfied"):
        raise ValidationError(_("feedback required"), {"feedback": _("satisfied or unsatisfied")})
    record.feedback = feedback
    complaint_workflow.apply(record, "close", actor, comment=comment, changes={"feedback": (None, feedback)})
    return record


# --- service jobs and feedback forms --------------------------------------------------

def job_stmt(user, query=None):
    check(user, "supervision.view")
    stmt = select(ServiceJob)
    if query is None:
        return stmt.order_by(ServiceJob.completed_at.desc(), ServiceJob.id.desc())
    if getattr(query, "q", None):
        like = f"%{query.q}%"
        stmt = stmt.where(or_(ServiceJob.reference.ilike(like), ServiceJob.customer_name.ilike(like)))
    if getattr(query, "month", None):
        start, end = month_bounds(query.month)
        stmt = stmt.where(ServiceJob.completed_at >= start, ServiceJob.completed_at < end)
    for attr in ("department", "source", "dealer_code"):
        if getattr(query, attr, None):
            stmt = stmt.where(getattr(ServiceJob, attr) == getattr(query, attr))
    if getattr(query, "has_feedback", None) is not None:
        has = select(FeedbackForm.id).where(FeedbackForm.service_job_id == ServiceJob.id).exists()
        stmt = stmt.where(has if query.has_feedback else ~has)
    sort = getattr(query, "sort", None) or "-completed_at"
    column = getattr(ServiceJob, sort.lstrip("-"))
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), ServiceJob.id.desc())


def get_job(record_id, user) -> ServiceJob:
    if user is None or not user.can("supervision.view"):
        raise NotFound(_("service job not found"))
    try:
        job = db.session.get(ServiceJob, int(record_id))
    except (TypeError, ValueError):
        job = None
    if job is None:
        raise NotFound(_("service job not found"))
    return job


def serialize_job(j: ServiceJob, user) -> dict:
    form = j.form if user.can("supervision.view") else None
    return {"id": j.id, "source": j.source, "reference": j.reference, "department": j.department,
            "completed_at": j.completed_at.isoformat(), "month": month_of(j.completed_at),
            "customer_name": j.customer_name, "customer_phone": mask_phone(j.customer_phone, user),
            "dealer_code": j.dealer_code, "has_feedback": form is not None,
            "feedback_form_id": form.id if form else None, "verified": bool(form and form.verified),
            "created_at": j.created_at.isoformat()}


def create_job(data, actor=None, source: str | None = None) -> ServiceJob:
    """Enter a completed job (by hand, or from a link plugin with ``actor=None``); a repeated
    (source, reference) is 409 ``duplicate_job``."""
    if actor is not None and not (actor.can("supervision.jobs.create")):
        raise PermissionDenied(_("permission 'supervision.jobs.create' required"))
    v = _values(data)
    source = source or v.get("source") or "manual"
    completed_at = aware(v["completed_at"])
    _not_future(completed_at, "completed_at")
    exists = db.session.scalar(select(ServiceJob.id).where(ServiceJob.source == source,
                                                           ServiceJob.reference == v["reference"]))
    if exists:
        raise Conflict(_("a job %(reference)r from the same source is already in the queue", reference=v['reference']),
                       code="duplicate_job")
    job = ServiceJob(source=source, reference=v["reference"], department=v.get("department") or "customer_service",
                     completed_at=completed_at, customer_name=v.get("customer_name") or "",
                     customer_phone=v.get("customer_phone") or "", dealer_code=v.get("dealer_code") or None,
                     created_by_id=actor.id if actor else None)
    db.session.add(job)
    db.session.flush()
    activity.log(job, "created", {"reference": (None, job.reference)}, actor=actor)
    return job


def form_stmt(user, query=None):
    check(user, "supervision.view")
    stmt = select(FeedbackForm).join(ServiceJob, ServiceJob.id == FeedbackForm.service_job_id)
    if query is not None:
        if getattr(query, "verified", None) is not None:
            stmt = stmt.where(FeedbackForm.verified.is_(query.verified))
        if getattr(query, "month", None):
            start, end = month_bounds(query.month)
            stmt = stmt.where(ServiceJob.completed_at >= start, ServiceJob.completed_at < end)
        if getattr(query, "department", None):
            stmt = stmt.where(ServiceJob.department == query.department)
    return stmt.order_by(FeedbackForm.id.desc())


def get_form(record_id, user) -> FeedbackForm:
    if user is None or not user.can("supervision.view"):
        raise NotFound(_("feedback form not found"))
    try:
        form = db.session.get(FeedbackForm, int(record_id))
    except (TypeError, ValueError):
        form = None
    if form is None:
        raise NotFound(_("feedback form not found"))
    return form


def serialize_form(f: FeedbackForm, user) -> dict:
    return {"id": f.id, "service_job_id": f.service_job_id, "reference": f.job.reference,
            "department": f.job.department, "month": month_of(f.job.completed_at), "channel": f.channel,
            "timeliness": f.timeliness, "repair_quality": f.repair_quality, "attitude": f.attitude,
            "points": f.points, "comments": f.comments or "", "verified": bool(f.verified),
            "verified_at": iso(f.verified_at), "version": f.version, "created_at": f.created_at.isoformat(),
            "actions": ["verify"] if not f.verified and user.can("supervision.manage") else []}


def create_form(data, actor) -> FeedbackForm:
    check(actor, "supervision.manage")
    v = _values(data)
    job = get_job(v["service_job_id"], actor) if v.get("service_job_id") else None
    if job is None:
        raise ValidationError(_("unknown job"), {"service_job_id": _("required")})
    if job.form is not None:
        raise Conflict(_("job %(reference)s already has a feedback form", reference=job.reference), code="form_exists")
    form = FeedbackForm(service_job_id=job.id, job=job, channel=v["channel"], timeliness=v["timeliness"],
                        repair_quality=v["repair_quality"], attitude=v["attitude"], comments=v.get("comments") or "",
                        created_by_id=actor.id)
    db.session.add(form)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("job %(reference)s already has a feedback form", reference=job.reference),
                       code="form_exists") from None
    activity.log(form, "created", {"points": (None, form.points)}, actor=actor)
    return form


def verify_form(form: FeedbackForm, actor, version=None) -> FeedbackForm:
    check(actor, "supervision.manage")
    _version(form, version)
    if form.verified:
        raise Conflict(_("this form is already verified"), code="already_verified")
    form.verified = True
    form.verified_at = utcnow()
    form.verified_by_id = actor.id
    activity.log(form, "verify", {"verified": (False, True)}, actor=actor)
    return form


# --- the monthly assessment -----------------------------------------------------------

def complaint_bands() -> list[tuple[int, int, Decimal]]:
    """The band table setting ``"6-10:1000,11-20:3000,21-29:5000"`` as (low, high, penalty)."""
    bands = []
    for part in str(settings.get("supervision.complaint_bands") or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            span, amount = part.split(":")
            low, high = (int(x) for x in span.split("-"))
            bands.append((low, high, money(amount)))
        except (ValueError, ArithmeticError):
            continue
    return sorted(bands)


def complaint_penalty(count: int) -> tuple[bool, Decimal, bool]:
    """(passed, penalty, sanction proposed) for ``count`` complaints in a month.

    Up to ``complaints_acceptable`` passes; above it the band containing the count gives the
    penalty, and a count above the last band keeps the last band's penalty (the seed adds
    the sanction "in addition to" the economic penalty); from ``complaints_sanction_at`` an
    administrative sanction is proposed.
    """
    passed = count <= settings.get("supervision.complaints_acceptable")
    penalty = Decimal("0.00")
    if not passed:
        bands = complaint_bands()
        for low, high, amount in bands:
            if low <= count <= high:
                penalty = amount
                break
        else:
            if bands and count > bands[-1][1]:
                penalty = bands[-1][2]
    return passed, penalty, count >= settings.get("supervision.complaints_sanction_at")


def _month_rows(month: str, department: str):
    start, end = month_bounds(month)
    return db.session.execute(
        select(ServiceJob.id, ServiceJob.reference, ServiceJob.completed_at, FeedbackForm.id, FeedbackForm.verified,
               FeedbackForm.timeliness, FeedbackForm.repair_quality, FeedbackForm.attitude)
        .outerjoin(FeedbackForm, FeedbackForm.service_job_id == ServiceJob.id)
        .where(ServiceJob.department == department, ServiceJob.completed_at >= start, ServiceJob.completed_at < end)
        .order_by(ServiceJob.completed_at, ServiceJob.id)).all()


def satisfaction(month: str, department: str) -> dict:
    """n, total, average (2 places, half up) and the all-top/all-bottom special of a month.

    n counts every completed job; a job without a verified form adds 0 ("no feedback").
    """
    rows = _month_rows(month, department)
    total = 0
    grades: list[str] = []
    jobs = []
    for job_id, reference, completed_at, form_id, verified, t, q, a in rows:
        counted = form_id is not None and bool(verified)
        points = sum(GRADE_POINTS[g] for g in (t, q, a)) if form_id is not None else None
        if counted:
            total += points
            grades += [t, q, a]
        jobs.append({"job_id": job_id, "reference": reference, "completed_at": completed_at.isoformat(),
                     "form_id": form_id, "grades": [t, q, a] if form_id is not None else None,
                     "points": points if counted else 0, "verified": bool(verified),
                     "no_feedback": not counted})
    n = len(rows)
    average = (Decimal(total) / Decimal(n)).quantize(CENT, rounding=ROUND_HALF_UP) if n else None
    special = None
    if grades and all(g == "A" for g in grades):
        special = "all_top"
    elif grades and all(g == "E" for g in grades):
        special = "all_bottom"
    return {"jobs": n, "total": total, "average": average, "special": special, "rows": jobs}


def previous_average(month: str, department: str) -> Decimal | None:
    """Last month's average: its frozen assessment when past draft, else computed from the data."""
    prev = shift_month(month, -1)
    stored = db.session.scalar(select(Assessment).where(Assessment.month == prev, Assessment.department == department))
    if stored is not None and stored.state != "draft":
        return stored.average
    return satisfaction(prev, department)["average"]


def count_complaints(month: str, department: str) -> int:
    start, end = month_bounds(month)
    return db.session.scalar(select(func.count(Complaint.id)).where(
        Complaint.department == department, Complaint.received_at >= start, Complaint.received_at < end)) or 0


def compute(month: str, department: str) -> dict:
    """Every figure of the seed's monthly assessment (002 §3), exactly."""
    sat = satisfaction(month, department)
    prev = previous_average(month, department)
    average = sat["average"]
    delta = (average - prev) if average is not None and prev is not None else None
    outcome = "none" if delta is None or delta == 0 else ("reward" if delta > 0 else "penalty")
    per_point = Decimal(str(settings.get("supervision.amount_per_point")))
    amount = money(abs(delta) * per_point) if outcome != "none" else Decimal("0.00")
    special = sat["special"]
    special_amount = Decimal("0.00")
    if special == "all_top":
        special_amount = money(settings.get("supervision.all_top_bonus"))
    elif special == "all_bottom":
        special_amount = money(settings.get("supervision.all_bottom_penalty"))
    complaints = count_complaints(month, department)
    passed, penalty, sanction = complaint_penalty(complaints)
    net = ((amount if outcome == "reward" else -amount if outcome == "penalty" else Decimal(0))
           + (special_amount if special == "all_top" else -special_amount if special == "all_bottom" else Decimal(0))
           - penalty)
    return {"jobs": sat["jobs"], "total": sat["total"], "average": average, "previous_average": prev,
            "delta": delta, "outcome": outcome, "amount": amount, "special": special,
            "special_amount": special_amount, "complaints": complaints, "complaints_passed": passed,
            "complaint_penalty": penalty, "sanction_proposed": sanction, "net_amount": money(net),
            "details": {"jobs": sat["rows"]}}


def _apply_figures(record: Assessment, figures: dict) -> dict:
    changes = activity.apply_changes(record, figures)
    record.computed_at = utcnow()
    return {k: v for k, v in changes.items() if k != "details"}


def _distribute_ok(record, actor, **kw):
    if not (actor.has_role(record.department) or actor.has_role("admin")):
        return _("only the head of the assessed department distributes its amount")


def _sanction_ok(record, actor, sanction=None, **kw):
    if record.sanction_proposed and sanction not in SANCTIONS:
        raise ValidationError(_("sanction required"), {"sanction": _("choose one of %(sanctions)s",
                                                                     sanctions=', '.join(SANCTIONS))})
    if not record.sanction_proposed and sanction:
        raise ValidationError(_("no sanction proposed"),
                              {"sanction": _("no administrative sanction is proposed this month")})


assessment_workflow = Workflow(
    model=Assessment, states=ASSESSMENT_STATES, event="supervision_assessment_state_changed",
    transitions=(
        Transition("submit", ("draft",), "submitted", "supervision.assess",
                   message=_l("The assessment is submitted; its figures are frozen.")),
        Transition("confirm", ("submitted",), "confirmed", "supervision.confirm", guards=(_sanction_ok,),
                   message=_l("The assessment is confirmed.")),
        Transition("distribute", ("confirmed",), "distributed", "supervision.distribute", guards=(_distribute_ok,),
                   message=_l("The amount is distributed.")),
    ),
)


def assessment_clause(user):
    """Which assessments ``user`` sees: all with ``supervision.view``; the department head
    its own department's confirmed (published) ones; nobody else any."""
    if user.can("supervision.view"):
        return None
    departments = [r for r in user.role_ids if r in ASSESSED_DEPARTMENTS]
    if user.can("supervision.results") and departments:
        return and_(Assessment.department.in_(departments), Assessment.state.in_(("confirmed", "distributed")))
    return false()


def assessment_stmt(user, query=None):
    stmt = select(Assessment)
    clause = assessment_clause(user)
    if clause is not None:
        stmt = stmt.where(clause)
    if query is not None:
        for attr in ("month", "department", "state"):
            if getattr(query, attr, None):
                stmt = stmt.where(getattr(Assessment, attr) == getattr(query, attr))
    return stmt.order_by(Assessment.month.desc(), Assessment.department)


def get_assessment(record_id, user) -> Assessment:
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        raise NotFound(_("assessment not found")) from None
    record = db.session.scalar(assessment_stmt(user).where(Assessment.id == record_id))
    if record is None:
        raise NotFound(_("assessment not found"))
    return record


def create_assessment(month: str, department: str, actor) -> tuple[Assessment, bool]:
    """Compute (or recompute) the month's draft; 409 when that month is past draft."""
    check(actor, "supervision.assess")
    parse_month(month)
    if department not in ASSESSED_DEPARTMENTS:
        raise ValidationError(_("unknown department"),
                              {"department": _("one of %(departments)s", departments=', '.join(ASSESSED_DEPARTMENTS))})
    start, _end = month_bounds(month)
    if start > utcnow():
        raise ValidationError(_("future month"), {"month": _("this month has not started")})
    record = db.session.scalar(select(Assessment).where(Assessment.month == month,
                                                        Assessment.department == department))
    if record is not None:
        if record.state != "draft":
            raise Conflict(_("the %(month)s assessment of %(department)s is %(state)s; its figures are frozen",
                             month=month, department=DEPARTMENT_LABELS.get(department, department), state=record.state),
                           code="assessment_frozen")
        recompute(record, actor)
        return record, False
    record = Assessment(month=month, department=department, state="draft")
    _apply_figures(record, compute(month, department))
    db.session.add(record)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("this month's assessment was created meanwhile; reload it"), code="stale_version") from None
    activity.log(record, "created", {"state": (None, "draft")}, actor=actor)
    return record, True


def recompute(record: Assessment, actor, version=None) -> Assessment:
    check(actor, "supervision.assess")
    _version(record, version)
    if record.state != "draft":
        raise Conflict(_("a %(state)s assessment never changes", state=record.state), code="assessment_frozen")
    changes = _apply_figures(record, compute(record.month, record.department))
    record.updated_at = utcnow()
    activity.log(record, "recompute", changes, actor=actor)
    return record


def submit_assessment(record: Assessment, actor, version, comment: str = "") -> Assessment:
    assessment_workflow.check(record, "submit", actor, version=version)
    _apply_figures(record, compute(record.month, record.department))  # the figures frozen are today's
    record.submitted_at = utcnow()
    assessment_workflow.apply(record, "submit", actor, comment=comment)
    notify(users_with_role("hr"), N_("Monthly assessment %(month)s (%(department)s) awaits confirmation"),
           N_("Net amount %(amount)s yuan."), _link("supervision.view_assessment", record_id=record.id),
           month=record.month, department=DEPARTMENT_LABELS[record.department], amount=fmt(record.net_amount))
    return record


def confirm_assessment(record: Assessment, actor, version, sanction: str | None = None, comment: str = ""):
    assessment_workflow.check(record, "confirm", actor, version=version, sanction=sanction)
    record.sanction = sanction or None
    record.confirmed_at = utcnow()
    assessment_workflow.apply(record, "confirm", actor, comment=comment,
                              changes={"sanction": (None, sanction)} if sanction else None, sanction=sanction)
    heads = list(users_with_role(record.department)) + list(users_with_role("supervision"))
    notify(heads, N_("Monthly assessment %(month)s confirmed"),
           N_("Net amount %(amount)s yuan for %(department)s; distribute it among the staff."),
           _link("supervision.view_assessment", record_id=record.id), month=record.month,
           department=DEPARTMENT_LABELS[record.department], amount=fmt(record.net_amount))
    return record


def distribute_assessment(record: Assessment, actor, version, lines: list, comment: str = ""):
    """Split the net amount among staff of the department: the lines must sum to it exactly."""
    assessment_workflow.check(record, "distribute", actor, version=version)
    parsed = [(_values(x) if not isinstance(x, dict) else x) for x in lines]
    names = [x["username"] for x in parsed]
    if len(set(names)) != len(names):
        raise ValidationError(_("duplicate staff"), {"lines": _("each person appears once")})
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(names)))} if names else {}
    errors = {}
    for i, x in enumerate(parsed):
        user = users.get(x["username"])
        if user is None or not user.active:
            errors[f"lines.{i}.username"] = _("no active user %(username)r", username=x['username'])
        elif not user.has_role(record.department):
            errors[f"lines.{i}.username"] = _("%(username)s is not in the %(department)s", username=x['username'],
                                                   department=DEPARTMENT_LABELS.get(record.department,
                                                                                    record.department))
    total = sum((money(x["amount"]) for x in parsed), Decimal("0.00"))
    if total != record.net_amount:
        errors["lines"] = _("the lines sum to %(total)s, not to the net amount %(net_amount)s", total=fmt(total),
                            net_amount=fmt(record.net_amount))
    if not parsed and record.net_amount != 0:
        errors["lines"] = _("at least one line is required")
    if errors:
        raise ValidationError(_("the distribution does not add up"), errors)
    record.lines = [AssessmentLine(user_id=users[x["username"]].id, username=x["username"], amount=money(x["amount"]))
                    for x in parsed]
    record.distributed_at = utcnow()
    assessment_workflow.apply(record, "distribute", actor, comment=comment,
                              changes={"lines": (None, [f"{x['username']} {fmt(x['amount'])}" for x in parsed])})
    notify(list(users_with_role("hr")), N_("Monthly assessment %(month)s distributed"),
           N_("%(count)s staff lines for %(department)s."), _link("supervision.view_assessment", record_id=record.id),
           month=record.month, count=len(parsed), department=DEPARTMENT_LABELS[record.department])
    return record


def late_items(record: Assessment) -> list[dict]:
    """Jobs and verified forms of the month that arrived after the figures were frozen."""
    if record.state == "draft":
        return []
    frozen = {j["job_id"]: (None if j["no_feedback"] else j["form_id"]) for j in (record.details or {}).get("jobs", [])}
    late = []
    for job_id, reference, completed_at, form_id, verified, t, q, a in _month_rows(record.month, record.department):
        counted_form = form_id if (form_id is not None and verified) else None
        if job_id in frozen and frozen[job_id] == counted_form:
            continue
        if job_id in frozen and counted_form is None:
            continue
        late.append({"job_id": job_id, "reference": reference, "form_id": form_id,
                     "points": sum(GRADE_POINTS[g] for g in (t, q, a)) if form_id is not None else None,
                     "after": "confirmation"})
    return late


def assessment_actions(record: Assessment, user) -> list[str]:
    actions = [t.name for t in assessment_workflow.allowed(record, user)]
    if "distribute" in actions and _distribute_ok(record, user):
        actions.remove("distribute")
    if record.state == "draft" and user.can("supervision.assess"):
        actions.insert(0, "recompute")
    return actions


def serialize_assessment(r: Assessment, user, with_late: bool = True) -> dict:
    """``with_late``: read the late jobs and forms (one query; the detail page, not lists)."""
    return {
        "id": r.id, "month": r.month, "department": r.department, "state": r.state, "jobs": r.jobs,
        "total": r.total, "average": fmt(r.average), "previous_average": fmt(r.previous_average),
        "delta": fmt(r.delta), "outcome": r.outcome, "amount": fmt(r.amount), "special": r.special,
        "special_amount": fmt(r.special_amount), "complaints": r.complaints,
        "complaints_passed": bool(r.complaints_passed), "complaint_penalty": fmt(r.complaint_penalty),
        "sanction_proposed": bool(r.sanction_proposed), "sanction": r.sanction, "net_amount": fmt(r.net_amount),
        "details": (r.details or {}).get("jobs", []) if user.can("supervision.view") else [],
        "late": late_items(r) if with_late and user.can("supervision.view") else [],
        "lines": [{"username": ln.username, "amount": fmt(ln.amount)} for ln in r.lines],
        "actions": assessment_actions(r, user), "version": r.version,
        "computed_at": iso(r.computed_at), "confirmed_at": iso(r.confirmed_at),
    }


def history(department: str, user, months: int = 12, until: str | None = None) -> list[dict]:
    """The last ``months`` months of a department: stored assessments where they exist
    (visible to ``user``), else the live figures (for supervision only)."""
    until = until or month_of(utcnow())
    labels = [shift_month(until, -i) for i in range(months - 1, -1, -1)]
    stmt = assessment_stmt(user).where(Assessment.department == department, Assessment.month.in_(labels))
    stored = {a.month: a for a in db.session.scalars(stmt)}
    live = user.can("supervision.view")
    out = []
    for month in labels:
        a = stored.get(month)
        if a is not None:
            out.append({"month": month, "average": a.average, "delta": a.delta, "net_amount": a.net_amount,
                        "complaints": a.complaints, "state": a.state, "id": a.id})
        elif live:
            sat = satisfaction(month, department)
            out.append({"month": month, "average": sat["average"], "delta": None, "net_amount": None,
                        "complaints": count_complaints(month, department), "state": None, "id": None})
        else:
            out.append({"month": month, "average": None, "delta": None, "net_amount": None, "complaints": None,
                        "state": None, "id": None})
    return out


# --- secret inspectors and inspections ------------------------------------------------

def may_see_inspectors(user) -> bool:
    return user is not None and user.can("supervision.inspectors")


def inspector_for(user) -> Inspector | None:
    """The user's active inspector record (read once per user object, like its permissions)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    user = user._get_current_object() if hasattr(user, "_get_current_object") else user
    cache = user.__dict__.setdefault("_supervision_inspector", {})
    if "value" not in cache:
        cache["value"] = db.session.scalar(select(Inspector).where(Inspector.user_id == user.id,
                                                                   Inspector.active.is_(True)))
    return cache["value"]


def list_inspectors(user) -> list[Inspector]:
    if not may_see_inspectors(user):
        raise NotFound(_("not found"))
    return list(db.session.scalars(select(Inspector).order_by(Inspector.alias_number)))


def designate_inspector(username: str, actor, active: bool = True) -> Inspector:
    check(actor, "supervision.manage")
    if not may_see_inspectors(actor):
        raise PermissionDenied(_("only supervision designates secret inspectors"))
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ValidationError(_("unknown user"), {"username": _("no user %(username)r", username=username)})
    if user.scope == "dealer":
        raise ValidationError(_("staff only"), {"username": _("secret inspectors are staff members")})
    record = db.session.scalar(select(Inspector).where(Inspector.user_id == user.id))
    user.__dict__.pop("_supervision_inspector", None)
    if record is None:
        number = (db.session.scalar(select(func.max(Inspector.alias_number))) or 0) + 1
        record = Inspector(user_id=user.id, alias_number=number, active=active, designated_by_id=actor.id)
        db.session.add(record)
        db.session.flush()
    else:
        record.active = active
    return record


def inspection_clause(user):
    """Supervision and administrators see every inspection; an inspector their own; the
    subject (department role, dealer) and HR/auditors only published ones."""
    if user.has_role("supervision", "admin"):
        return None
    conds = []
    mine = inspector_for(user)
    if mine is not None:
        conds.append(Inspection.inspector_id == mine.id)
    published = Inspection.state == "published"
    departments = [r for r in user.role_ids if r in ("customer_service", "technical", "order_dept")]
    if departments:
        conds.append(and_(published, Inspection.subject_department.in_(departments)))
    if user.scope in ("dealer", "region"):
        dealers = visible_dealers_clause(Inspection.dealer_id, user)
        if dealers is not None:
            conds.append(and_(published, Inspection.dealer_id.is_not(None), dealers))
    if user.has_role("hr", "auditor"):
        conds.append(published)
    return or_(*conds) if conds else false()


def inspection_stmt(user, query=None):
    stmt = select(Inspection)
    clause = inspection_clause(user)
    if clause is not None:
        stmt = stmt.where(clause)
    if query is not None:
        if getattr(query, "state", None):
            stmt = stmt.where(Inspection.state == query.state)
        if getattr(query, "subject_department", None):
            stmt = stmt.where(Inspection.subject_department == query.subject_department)
        if getattr(query, "dealer_code", None):
            stmt = stmt.where(Inspection.dealer_id.in_(select(Dealer.id).where(Dealer.code == query.dealer_code)))
    return stmt.order_by(Inspection.visited_at.desc(), Inspection.id.desc())


def get_inspection(record_id, user) -> Inspection:
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        raise NotFound(_("inspection not found")) from None
    record = db.session.scalar(inspection_stmt(user).where(Inspection.id == record_id))
    if record is None:
        raise NotFound(_("inspection not found"))
    return record


def score(answers) -> Decimal | None:
    """Sum of the weights answered yes / sum of the applicable (yes or no) weights × 100."""
    applicable = sum(a.weight for a in answers if a.answer in ("yes", "no"))
    if not applicable:
        return None
    yes = sum(a.weight for a in answers if a.answer == "yes")
    return (Decimal(yes) * 100 / Decimal(applicable)).quantize(CENT, rounding=ROUND_HALF_UP)


def inspector_label(record: Inspection, user) -> str:
    if is_supervision(user):
        u = record.inspector.user
        return f"{record.inspector.alias} · {u.display_name or u.username} ({u.username})"
    return record.inspector.alias


def inspection_actions(record: Inspection, user) -> list[str]:
    actions = []
    mine = inspector_for(user)
    own = mine is not None and mine.id == record.inspector_id
    if record.state == "draft" and own:
        actions += ["edit", "submit"]
    if record.state == "submitted" and is_supervision(user) and user.can("supervision.manage"):
        actions.append("review")
    if record.state == "reviewed" and is_supervision(user) and user.can("supervision.manage"):
        actions.append("publish")
    return actions


def serialize_inspection(r: Inspection, user, evidence=None) -> dict:
    if evidence is None:
        evidence = attachments.list_for(EVIDENCE, r.id)
    return {
        "id": r.id, "number": r.number, "inspector": inspector_label(r, user),
        "subject_department": r.subject_department, "dealer_code": r.dealer.code if r.dealer else None,
        "visited_at": r.visited_at.isoformat(), "place": r.place, "template_id": r.template_id,
        "observations": r.observations or "", "score": fmt(r.score), "state": r.state,
        "answers": [{"id": a.id, "text": a.text, "weight": a.weight, "answer": a.answer, "note": a.note or ""}
                    for a in r.answers],
        "evidence": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                      "purpose": a.purpose} for a in evidence],
        "actions": inspection_actions(r, user), "version": r.version, "published_at": iso(r.published_at),
    }


def _subject(v: dict):
    department, dealer_code = v.get("subject_department"), v.get("dealer_code")
    if bool(department) == bool(dealer_code):
        raise ValidationError(_("one subject"),
                              {"subject_department": _("name a department or a dealer_code, not both")})
    return department or None, _dealer_by_code(dealer_code)


def _answers_from(template: ChecklistTemplate | None, given: list | None, existing=None) -> list[InspectionAnswer]:
    given = [(_values(x) if not isinstance(x, dict) else x) for x in (given or [])]
    if existing is not None:
        by_id = {a.id: a for a in existing}
        errors = {}
        for i, x in enumerate(given):
            target = by_id.get(x.get("id"))
            if target is None:
                errors[f"answers.{i}.id"] = _("not an item of this inspection")
                continue
            target.answer = x["answer"]
            target.note = x.get("note") or ""
        if errors:
            raise ValidationError(_("invalid answers"), errors)
        return existing
    answers = []
    if template is not None:
        for pos, item in enumerate(template.items):
            answers.append(InspectionAnswer(position=pos, text=item.text, weight=item.weight, answer="n_a"))
    for i, x in enumerate(given):
        index = x.get("position", i)
        if 0 <= index < len(answers):
            answers[index].answer = x["answer"]
            answers[index].note = x.get("note") or ""
    return answers


def create_inspection(data, actor) -> Inspection:
    mine = inspector_for(actor)
    if mine is None:
        raise PermissionDenied(_("only a designated secret inspector records an inspection"))
    v = _values(data)
    department, dealer = _subject(v)
    visited_at = aware(v["visited_at"])
    _not_future(visited_at, "visited_at")
    template = None
    if v.get("template_id"):
        template = db.session.get(ChecklistTemplate, v["template_id"])
        if template is None or not template.active:
            raise ValidationError(_("unknown template"),
                                  {"template_id": _("no active checklist template with this id")})
    record = Inspection(number=next_number("MJ", visited_at.astimezone(business_zone()).year, width=5),
                        inspector_id=mine.id, inspector=mine, subject_department=department,
                        dealer_id=dealer.id if dealer else None, dealer=dealer, visited_at=visited_at,
                        place=v.get("place") or "", template_id=template.id if template else None,
                        observations=v.get("observations") or "", state="draft",
                        answers=_answers_from(template, v.get("answers")))
    record.score = score(record.answers)
    db.session.add(record)
    db.session.flush()
    activity.log(record, "created", {"state": (None, "draft")}, actor=actor)
    return record


def update_inspection(record: Inspection, data, actor) -> Inspection:
    if "edit" not in inspection_actions(record, actor):
        raise Conflict(_("only the inspector's draft can be changed"), code="not_draft")
    v = _values(data)
    _version(record, v.pop("version", None))
    changes = {}
    for key in ("place", "observations"):
        if v.get(key) is not None:
            changes.update(activity.apply_changes(record, {key: v[key]}))
    if v.get("answers") is not None:
        _answers_from(None, v["answers"], existing=record.answers)
        new_score = score(record.answers)
        if new_score != record.score:
            changes["score"] = (record.score, new_score)
            record.score = new_score
    record.updated_at = utcnow()
    activity.log(record, "updated", changes, actor=actor)
    return record


def _own_inspection(record: Inspection, actor) -> None:
    mine = inspector_for(actor)
    if mine is None or mine.id != record.inspector_id:
        raise PermissionDenied(_("you may not %(action)s this inspection", action=_("submit")))


def _supervision_reviews(verb):
    def guard(record: Inspection, actor) -> None:
        if not is_supervision(actor):
            raise PermissionDenied(_("you may not %(action)s this inspection", action=verb()))
    return guard


# the inspector submits their own draft (no permission of its own); supervision reviews and publishes
inspection_workflow = Workflow(
    model=Inspection, states=INSPECTION_STATES,
    transitions=(
        Transition("submit", ("draft",), "submitted", None, role_guards=(_own_inspection,),
                   illegal=_l("Only a draft inspection can be submitted."),
                   message=_l("The inspection is submitted for review.")),
        Transition("review", ("submitted",), "reviewed", "supervision.manage",
                   role_guards=(_supervision_reviews(lambda: _("review")),),
                   illegal=_l("Only a submitted inspection can be reviewed."),
                   message=_l("The inspection is reviewed.")),
        Transition("publish", ("reviewed",), "published", "supervision.manage",
                   role_guards=(_supervision_reviews(lambda: _("publish")),),
                   illegal=_l("Only a reviewed inspection can be published."),
                   message=_l("The inspection is published to its subject.")),
    ),
)


def _inspection_transition(record: Inspection, action: str, actor, version, comment: str = ""):
    inspection_workflow.check(record, action, actor, version=version)
    changes = {}
    if action == "publish":
        record.published_at = utcnow()
        changes["published_at"] = (None, record.published_at)
    record.updated_at = utcnow()
    inspection_workflow.apply(record, action, actor, version=version, comment=comment, changes=changes)


def submit_inspection(record, actor, version, comment=""):
    _inspection_transition(record, "submit", actor, version, comment)
    notify(users_with_role("supervision"), N_("Inspection %(number)s submitted"), N_("Review it before publishing."),
           _link("supervision.view_inspection", record_id=record.id), number=record.number)
    return record


def review_inspection(record, actor, version, comment=""):
    _inspection_transition(record, "review", actor, version, comment)
    return record


def publish_inspection(record, actor, version, comment=""):
    _inspection_transition(record, "publish", actor, version, comment)
    if record.dealer_id is not None:
        subject = db.session.scalars(select(User).where(User.dealer_id == record.dealer_id, User.active.is_(True)))
    else:
        subject = users_with_role(record.subject_department)
    notify(subject, N_("Inspection %(number)s published"), N_("Score %(score)s."),
           _link("supervision.view_inspection", record_id=record.id), number=record.number,
           score=fmt(record.score) or "—")
    return record


def add_evidence(record: Inspection, filename: str, data: bytes, actor):
    """A photo, document or audio recording (purpose ``photo``, ``document`` or ``audio``)."""
    if "edit" not in inspection_actions(record, actor):
        raise Conflict(_("evidence is added by the inspector while the inspection is a draft"), code="not_draft")
    att = attachments.add(EVIDENCE, record.id, filename, data, actor=actor, purpose="evidence", field="file",
                          allow_audio=True)
    att.purpose = "audio" if att.content_type.startswith("audio/") else (
        "photo" if att.content_type.startswith("image/") else "document")
    db.session.flush()
    activity.log(record, "evidence_added", {"evidence": (None, att.filename)}, actor=actor)
    return att


def get_evidence(record: Inspection, attachment_id):
    """One evidence file of ``record`` (404 when it belongs to another record)."""
    Attachment = attachments.Attachment
    att = db.session.scalar(select(Attachment).where(Attachment.id == int(attachment_id),
                                                     Attachment.model == EVIDENCE, Attachment.record_id == record.id))
    if att is None:
        raise NotFound(_("attachment not found"))
    return att


MAX_TEMPLATE_ITEMS = 100
MAX_ITEM_WEIGHT = 100


def _template_items(items) -> list[tuple[str, int]]:
    """(text, weight) pairs, checked: 1..100 items, text 1..300 characters, weight 1..100 (422 otherwise)."""
    rows = [(_values(x) if not isinstance(x, dict) else x) for x in (items or [])]
    if not rows:
        raise ValidationError(_("A checklist needs at least one item."), {"items": _("at least one item")})
    if len(rows) > MAX_TEMPLATE_ITEMS:
        raise ValidationError(_("Too many items."), {"items": _("at most %(count)d items", count=MAX_TEMPLATE_ITEMS)})
    out, errors = [], {}
    for n, row in enumerate(rows):
        text = " ".join(str(row.get("text") or "").split())
        try:
            weight = int(row.get("weight"))
        except (TypeError, ValueError):
            weight = 0
        if not text or len(text) > 300:
            errors[f"items.{n}.text"] = _("line %(line)d: 1 to 300 characters", line=n + 1)
        if not 1 <= weight <= MAX_ITEM_WEIGHT:
            errors[f"items.{n}.weight"] = _("line %(line)d: a weight from 1 to %(max)d", line=n + 1,
                                            max=MAX_ITEM_WEIGHT)
        out.append((text, weight))
    if errors:
        raise ValidationError(_("Please correct the checklist items."), errors)
    return out


def _template_name(name: str, record_id: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise ValidationError(_("Please correct the name."), {"name": _("1 to 120 characters")})
    clash = select(ChecklistTemplate.id).where(ChecklistTemplate.name == name)
    if record_id is not None:
        clash = clash.where(ChecklistTemplate.id != record_id)
    if db.session.scalar(clash):
        raise ValidationError(_("Please correct the name."), {"name": _("a template with this name exists")})
    return name


def _checked_template(name, items, record_id: int | None = None):
    """The cleaned name and items (None where not given); every field's error at once (422)."""
    errors, message = {}, None
    out = [None, None]
    for index, (given, fn) in enumerate(((name, lambda: _template_name(name, record_id)),
                                         (items, lambda: _template_items(items)))):
        if given is None and record_id is not None:
            continue
        try:
            out[index] = fn()
        except ValidationError as exc:
            errors.update(exc.fields)
            message = message or exc.message
    if errors:
        raise ValidationError(message, errors)
    return out[0], out[1]


def get_template(record_id, user) -> ChecklistTemplate:
    """Supervision and active inspectors read templates; anyone else is told it does not exist."""
    if user is None or (not user.can("supervision.view") and inspector_for(user) is None):
        raise NotFound(_("checklist template not found"))
    record = db.session.get(ChecklistTemplate, record_id) if str(record_id).isdigit() else None
    if record is None:
        raise NotFound(_("checklist template not found"))
    return record


def create_template(name: str, items: list, actor, active: bool = True) -> ChecklistTemplate:
    from plugins.supervision.models import ChecklistItem

    check(actor, "supervision.manage")
    name, rows = _checked_template(name, items)
    template = ChecklistTemplate(name=name, active=active, items=[ChecklistItem(position=i, text=t, weight=w)
                                                                  for i, (t, w) in enumerate(rows)])
    db.session.add(template)
    db.session.flush()
    activity.log(template, "created", {"name": (None, name)}, actor=actor)
    return template


def update_template(record: ChecklistTemplate, actor, name: str | None = None, items: list | None = None,
                    active: bool | None = None) -> ChecklistTemplate:
    """Rename, (de)activate or replace the items; inspections already made keep the items they copied."""
    from plugins.supervision.models import ChecklistItem

    check(actor, "supervision.manage")
    changes = {}
    name, rows = _checked_template(name, items, record.id)
    if name is not None and name != record.name:
        changes["name"] = (record.name, name)
        record.name = name
    if rows is not None:
        before = [(i.text, i.weight) for i in record.items]
        if rows != before:
            record.items.clear()
            db.session.flush()
            record.items.extend(ChecklistItem(position=i, text=t, weight=w) for i, (t, w) in enumerate(rows))
            changes["items"] = (len(before), len(rows))
    if active is not None and bool(active) != bool(record.active):
        changes["active"] = (record.active, bool(active))
        record.active = bool(active)
    if changes:
        record.updated_at = utcnow()
        db.session.flush()
        activity.log(record, "updated", changes, actor=actor)
    return record


# --- customer visits ------------------------------------------------------------------

def visit_stmt(user, query=None):
    check(user, "supervision.view")
    stmt = select(CustomerVisit)
    if query is not None:
        if getattr(query, "q", None):
            stmt = stmt.where(CustomerVisit.customer_name.ilike(f"%{query.q}%"))
        if getattr(query, "customer_class", None):
            stmt = stmt.where(CustomerVisit.customer_class == query.customer_class)
        if getattr(query, "follow_up_done", None) is not None:
            stmt = stmt.where(CustomerVisit.follow_up_done.is_(query.follow_up_done))
    return stmt.order_by(CustomerVisit.visited_on.desc(), CustomerVisit.id.desc())


def get_visit(record_id, user) -> CustomerVisit:
    if user is None or not user.can("supervision.view"):
        raise NotFound(_("visit not found"))
    try:
        record = db.session.get(CustomerVisit, int(record_id))
    except (TypeError, ValueError):
        record = None
    if record is None:
        raise NotFound(_("visit not found"))
    return record


def serialize_visit(r: CustomerVisit, user=None) -> dict:
    return {"id": r.id, "customer_name": r.customer_name, "customer_class": r.customer_class,
            "dealer_code": r.dealer_code, "visited_on": r.visited_on.isoformat(), "participants": r.participants,
            "opinions": r.opinions or "", "follow_up": r.follow_up or "", "follow_up_done": bool(r.follow_up_done),
            "version": r.version}


def save_visit(data, actor, record: CustomerVisit | None = None) -> CustomerVisit:
    check(actor, "supervision.manage")
    v = _values(data)
    if record is not None:
        _version(record, v.pop("version", None))
    else:
        v.pop("version", None)
    if v.get("visited_on") and v["visited_on"] > date.today() + timedelta(days=1):
        raise ValidationError(_("invalid date"), {"visited_on": _("cannot be in the future")})
    if v.get("dealer_code"):
        _dealer_by_code(v["dealer_code"])
    if record is None:
        record = CustomerVisit(created_by_id=actor.id, **{k: val for k, val in v.items() if val is not None})
        db.session.add(record)
        db.session.flush()
        activity.log(record, "created", {"customer_name": (None, record.customer_name)}, actor=actor)
    else:
        changes = activity.apply_changes(record, {k: val for k, val in v.items() if val is not None})
        if changes:
            record.updated_at = utcnow()
            activity.log(record, "updated", changes, actor=actor)
    return record


# --- public suggestions ---------------------------------------------------------------

def submit_suggestion(data: dict, address: str | None) -> Suggestion | None:
    """A public entry: None when the honeypot was filled (a bot is told thanks, nothing is kept);
    429-like ``Conflict(code="rate_limited")`` past the per-address limit."""
    if (data.get("website") or "").strip():
        return None
    text = (data.get("text") or "").strip()
    errors = {}
    if not text:
        errors["text"] = _("required")
    for key, limit in (("text", 4000), ("name", 120), ("contact", 120), ("place", 120)):
        if len((data.get(key) or "").strip()) > limit:
            errors[key] = _("At most %(n)s characters.", n=limit)  # shown as is on the public page
    if errors:
        raise ValidationError(_("invalid input"), errors)
    if rate_limited("supervision.suggest", settings.get("supervision.suggestions_per_hour"), 3600, address or "-"):
        raise Conflict(_("too many suggestions from this address; please try again later"), code="rate_limited")
    record = Suggestion(name=(data.get("name") or "").strip(), contact=(data.get("contact") or "").strip(),
                        place=(data.get("place") or "").strip(), text=text, state="new")
    db.session.add(record)
    db.session.flush()
    activity.log(record, "created", {"state": (None, "new")})
    notify(users_with_role("supervision"), N_("New suggestion from the public"), N_("%(excerpt)s"),
           _link("supervision.list_suggestions"), excerpt=text[:120])
    return record


def suggestion_stmt(user, query=None):
    check(user, "supervision.view")
    stmt = select(Suggestion)
    if query is not None and getattr(query, "state", None):
        stmt = stmt.where(Suggestion.state == query.state)
    if query is not None and getattr(query, "q", None):
        stmt = stmt.where(Suggestion.text.ilike(f"%{query.q}%"))
    return stmt.order_by(Suggestion.id.desc())


def get_suggestion(record_id, user) -> Suggestion:
    if user is None or not user.can("supervision.view"):
        raise NotFound(_("suggestion not found"))
    try:
        record = db.session.get(Suggestion, int(record_id))
    except (TypeError, ValueError):
        record = None
    if record is None:
        raise NotFound(_("suggestion not found"))
    return record


def serialize_suggestion(r: Suggestion, user) -> dict:
    return {"id": r.id, "name": r.name, "contact": mask_phone(r.contact, user) if r.contact.isdigit() else r.contact,
            "place": r.place, "text": r.text, "state": r.state, "complaint_id": r.complaint_id, "note": r.note or "",
            "improvement_ref": r.improvement_ref, "improvement_url": r.improvement_url,
            "created_at": r.created_at.isoformat(), "version": r.version,
            "actions": ["to_complaint", "improvement", "dismiss"]
            if r.state == "new" and user.can("supervision.manage") else []}


suggestion_workflow = Workflow(
    model=Suggestion, states=SUGGESTION_STATES, illegal=_l("This suggestion was already handled."),
    transitions=(
        Transition("to_complaint", ("new",), "complaint", "supervision.manage", activity="complaint",
                   message=_l("The suggestion is now a complaint.")),
        Transition("improvement", ("new",), "improvement", "supervision.manage", activity="improvement",
                   message=_l("The suggestion is taken as an improvement.")),
        Transition("dismiss", ("new",), "dismissed", "supervision.manage", activity="dismissed",
                   message=_l("The suggestion is dismissed.")),
    ),
)


def _handle_suggestion(record: Suggestion, actor, version, action: str, note: str = "") -> None:
    suggestion_workflow.check(record, action, actor, version=version)
    record.note = note or ""
    record.updated_at = utcnow()
    suggestion_workflow.apply(record, action, actor, version=version, comment=note)


def suggestion_to_complaint(record: Suggestion, actor, version, department: str, severity: str = "medium",
                            customer_name: str | None = None, customer_phone: str | None = None,
                            dealer_code: str | None = None) -> Complaint:
    _handle_suggestion(record, actor, version, "to_complaint")
    complaint = create_complaint({"channel": "suggestion_form", "received_at": record.created_at,
                                  "customer_name": customer_name or record.name or "—",
                                  "customer_phone": customer_phone or (record.contact if record.contact.replace(
                                      "-", "").replace(" ", "").isdigit() else ""),
                                  "dealer_code": dealer_code, "department": department,
                                  "description": record.text, "severity": severity}, actor)
    record.complaint_id = complaint.id
    return complaint


def suggestion_improvement(record: Suggestion, actor, version, note: str = "") -> Suggestion:
    """Mark it taken as an improvement; a link plugin (``supervision_suggestion_improvement``) may
    record the improvement in its own register, in this transaction."""
    _handle_suggestion(record, actor, version, "improvement", note)
    created = plugin_hook().supervision_suggestion_improvement(supervision_suggestion=record, note=note or "",
                                                              actor=actor)
    if created:
        record.improvement_ref = str(created["reference"])[:40]
        record.improvement_url = (created.get("url") or None) and str(created["url"])[:300]
    return record


def suggestion_dismiss(record: Suggestion, actor, version, note: str = "") -> Suggestion:
    _handle_suggestion(record, actor, version, "dismiss", note)
    return record


# --- figures for dashboards and other plugins -----------------------------------------

def dashboard_counts(user) -> dict:
    """Open complaints, overdue first responses, jobs without feedback this month, new suggestions: one query."""
    start, end = month_bounds(month_of(utcnow()))
    has_form = select(FeedbackForm.id).where(FeedbackForm.service_job_id == ServiceJob.id).exists()
    row = db.session.execute(select(
        select(func.count(Complaint.id)).where(Complaint.state.in_(("received", "in_progress"))).scalar_subquery(),
        select(func.count(Complaint.id)).where(Complaint.state.in_(("received", "in_progress")),
                                               overdue_clause()).scalar_subquery(),
        select(func.count(ServiceJob.id)).where(ServiceJob.completed_at >= start, ServiceJob.completed_at < end,
                                                ~has_form).scalar_subquery(),
        select(func.count(Suggestion.id)).where(Suggestion.state == "new").scalar_subquery(),
    )).one()
    return {"open": row[0], "overdue": row[1], "no_feedback": row[2], "suggestions": row[3]}


def remind_overdue() -> int:
    """One notification to each supervision user when open complaints are past their first-response time."""
    count = db.session.scalar(select(func.count(Complaint.id)).where(
        Complaint.state == "received", overdue_clause())) or 0
    if count:
        notify(users_with_role("supervision"), N_("%(count)s complaints await a first response"),
               N_("Their first-response time has passed."),
               _link("supervision.list_complaints", overdue="1", state="received"), count=count)
    return count


def _range(period_from: date, period_to: date) -> tuple[datetime, datetime]:
    zone = business_zone()
    start = datetime(period_from.year, period_from.month, period_from.day, tzinfo=zone).astimezone(timezone.utc)
    end_day = period_to + timedelta(days=1)
    end = datetime(end_day.year, end_day.month, end_day.day, tzinfo=zone).astimezone(timezone.utc)
    return start, end


def scorecard(dealer_ids, period_from: date, period_to: date) -> list[dict]:
    """Complaints about each dealer and its mystery-shopper score: two queries."""
    from flask_babel import lazy_gettext as _l

    ids = list(dealer_ids)
    start, end = _range(period_from, period_to)
    complaints = {i: 0 for i in ids}
    scores = {i: None for i in ids}
    if ids:
        for dealer_id, count in db.session.execute(
                select(Complaint.dealer_id, func.count(Complaint.id))
                .where(Complaint.dealer_id.in_(ids), Complaint.received_at >= start, Complaint.received_at < end)
                .group_by(Complaint.dealer_id)):
            complaints[dealer_id] = count
        for dealer_id, avg in db.session.execute(
                select(Inspection.dealer_id, func.avg(Inspection.score))
                .where(Inspection.dealer_id.in_(ids), Inspection.state == "published", Inspection.score.is_not(None),
                       Inspection.visited_at >= start, Inspection.visited_at < end)
                .group_by(Inspection.dealer_id)):
            scores[dealer_id] = float(money(avg))
    return [{"key": "supervision.complaints", "label": str(_l("Complaints about the dealer")),
             "direction": "lower_better", "values": complaints},
            {"key": "supervision.mystery_shopper", "label": str(_l("Mystery-shopper score")),
             "direction": "higher_better", "values": scores}]


def review_inputs(period_from: date, period_to: date) -> list[dict]:
    """Complaints by department, the feedback average and the assessments of a period (management review)."""
    from flask_babel import lazy_gettext as _l

    start, end = _range(period_from, period_to)
    by_dept = db.session.execute(select(Complaint.department, func.count(Complaint.id)).where(
        Complaint.received_at >= start, Complaint.received_at < end).group_by(Complaint.department)
        .order_by(Complaint.department)).all()
    points = (func.coalesce(_grade_case(FeedbackForm.timeliness), 0) + func.coalesce(_grade_case(FeedbackForm.repair_quality), 0)
              + func.coalesce(_grade_case(FeedbackForm.attitude), 0))
    jobs, total = db.session.execute(
        select(func.count(ServiceJob.id), func.coalesce(func.sum(points), 0))
        .outerjoin(FeedbackForm, and_(FeedbackForm.service_job_id == ServiceJob.id, FeedbackForm.verified.is_(True)))
        .where(ServiceJob.completed_at >= start, ServiceJob.completed_at < end)).one()
    average = fmt(Decimal(int(total)) / Decimal(jobs)) if jobs else "—"
    months = (f"{period_from.year:04d}-{period_from.month:02d}", f"{period_to.year:04d}-{period_to.month:02d}")
    assessments = db.session.scalars(select(Assessment).where(
        Assessment.month >= months[0], Assessment.month <= months[1],
        Assessment.state.in_(("confirmed", "distributed"))).order_by(Assessment.month, Assessment.department)).all()
    return [
        {"title": str(_l("Complaints by department")),
         "figures": [{"label": str(department_label(dept)), "value": count} for dept, count in by_dept]},
        {"title": str(_l("Follow-up feedback")),
         "figures": [{"label": str(_l("Completed jobs")), "value": jobs},
                     {"label": str(_l("Average per job (-6 to +6)")), "value": average}]},
        {"title": str(_l("Monthly assessments")),
         "figures": [{"label": f"{a.month} {department_label(a.department)}",
                      "value": f"{fmt(a.average) or '—'} / {fmt(a.net_amount)}"}
                     for a in assessments]},
    ]


def department_label(department: str):
    from flask_babel import lazy_gettext as _l

    return {"customer_service": _l("Customer service department"), "technical": _l("Technical department"),
            "order_dept": _l("Order department"), "dealer": _l("Dealer")}.get(department, department)


def _grade_case(column):
    from sqlalchemy import case

    return case(*[(column == g, p) for g, p in GRADE_POINTS.items()], else_=0)


def nonconformity_sources() -> list[dict]:
    """The audit plugin's ``audit_nonconformity_sources``: complaints and inspections."""
    def load_complaint(source_id, user):
        try:
            return get_complaint(source_id, user)
        except NotFound:
            return None

    def load_inspection(source_id, user):
        try:
            return get_inspection(source_id, user)
        except NotFound:
            return None

    def describe_complaint(r):
        return {"title": f"{r.number} {r.customer_name}: {(r.description or '')[:120]}", "department": r.department,
                "url": _link("supervision.view_complaint", record_id=r.id),
                "dealer_code": r.dealer.code if r.dealer else None}

    def describe_inspection(r):
        return {"title": f"{r.number} {r.place}", "department": r.subject_department or "dealer",
                "url": _link("supervision.view_inspection", record_id=r.id),
                "dealer_code": r.dealer.code if r.dealer else None}

    return [{"source": "complaint", "source_model": Complaint.__tablename__, "load": load_complaint,
             "describe": describe_complaint},
            {"source": "inspection", "source_model": Inspection.__tablename__, "load": load_inspection,
             "describe": describe_inspection}]

