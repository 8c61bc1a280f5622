"""Service requests, replies within 24 clock hours, scheduling, quotes and co-signed visits.

Free of the Flask request: every function takes the ``actor``; nothing here commits.
The warranty rule (voucher > sale label > production date, the category's months) is the
one returns use: ``toolkit.warranty_period``.
"""
from __future__ import annotations

import re
import struct
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import defaultload, lazyload

from core.toolkit import (N_, Conflict, Dealer, NotFound, PermissionDenied, Product, Transition, User,
                          ValidationError, Workflow, acting_dealer, activity, attachments, business_zone,
                          check, db, ensure_dealer_may_file, events, local_date, next_number, notify, plugin_hook,
                          scope_clause, settings, users_with_role, warranty_period)
from core.toolkit import now as business_now
from plugins.service.models import (OPEN_STATES, SIGNATURE, STATES, ServiceRequest, ServiceVisit)

MODEL = "service_request"
VISIT_MODEL = "service_visit"
# roles that see every request their record rule allows; a technician without one of them sees only its own
WIDE_ROLES = ("admin", "customer_service", "order_dept", "technical", "supervision", "hr", "auditor",
              "regional_manager")
PHONE_RE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?|400-?\d{3}-?\d{4})$")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE_PIXELS = 4096


def now() -> datetime:
    """The current moment (aware); tests move it."""
    return business_now()


# --- rules ------------------------------------------------------------------------------


def normalise_phone(raw: str) -> str:
    """A mainland China mobile (11 digits, 1[3-9]…), landline with area code, or 400 number; else 422."""
    phone = re.sub(r"[\s()]", "", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:].lstrip("-")
    elif phone.startswith("0086"):
        phone = phone[4:].lstrip("-")
    if not PHONE_RE.match(phone):
        raise ValidationError(_("invalid phone"), {"customer_phone": _(
            "not a Chinese phone number (mobile 1xxxxxxxxxx, landline 0xx-xxxxxxxx or 400 number)")})
    return phone


def reply_due(received_at: datetime) -> datetime:
    """Clock hours, not working days: the hotline runs 24 hours a day, every day."""
    return received_at + timedelta(hours=settings.get("service.reply_hours"))


def reply_overdue(r: ServiceRequest, at: datetime | None = None) -> bool:
    """Not replied (and not cancelled) and past the due moment; a reply after it stays overdue."""
    if r.state == "cancelled" and r.replied_at is None:
        return False
    moment = r.replied_at or at or now()
    return moment > r.reply_due_at


def on_time(arrived_at: datetime, window_to: datetime | None) -> bool | None:
    """On time when arriving no later than the end of the appointment window."""
    if window_to is None:
        return None
    return arrived_at <= window_to


# --- workflow ---------------------------------------------------------------------------


def _quote_accepted_if_repair(record, actor, **kwargs):
    if record.in_warranty is False and record.state == "on_site" and record.quote_accepted_at is None:
        return _l("Out of warranty: the unit must be judged repairable, a fee quoted and the quote accepted "
                  "by the customer before the repair.")


def _close_rule(record, actor, customer_confirmed=False, **kwargs):
    if has_signed_visit(record):
        return None
    if record.on_site is False and not has_any_visit(record) and customer_confirmed:
        return None
    return _l("A request closes only with a co-signed visit record, or for a phone-only resolution "
              "with the customer's confirmation.")


workflow = Workflow(
    model=ServiceRequest,
    states=STATES,
    transitions=(
        Transition("reply", ("received",), "replied", "service.manage", label=_l("Reply")),
        Transition("schedule", ("replied", "scheduled"), "scheduled", "service.manage", label=_l("Schedule a visit")),
        Transition("start_visit", ("scheduled",), "on_site", "service.visit", label=_l("Start the visit")),
        Transition("resolve", ("replied", "on_site"), "resolved", "service.visit",
                   guards=(_quote_accepted_if_repair,), label=_l("Resolve")),
        Transition("take_back", ("on_site",), "taken_back", "service.visit", label=_l("Take the unit back")),
        Transition("close", ("resolved", "taken_back"), "closed", "service.manage", guards=(_close_rule,),
                   label=_l("Close")),
        Transition("cancel", ("received", "replied", "scheduled"), "cancelled", "service.manage",
                   label=_l("Cancel")),
    ),
)
QUOTE_STATES = ("replied", "scheduled", "on_site")
ACTIONS = ("reply", "schedule", "quote", "accept_quote", "start_visit", "resolve", "take_back", "close", "cancel",
           "assign")


def allowed_actions(r: ServiceRequest, user) -> list[str]:
    names = [t.name for t in workflow.allowed(r, user)]
    if "resolve" in names and r.state == "replied" and r.on_site:
        names.remove("resolve")
    if r.in_warranty is False and r.state in QUOTE_STATES and user.can("service.visit"):
        if r.quote_accepted_at is None:
            names.append("quote")
        if r.fee is not None and r.quote_accepted_at is None:
            names.append("accept_quote")
    if r.state in OPEN_STATES and user.can("service.manage"):
        names.append("assign")
    return names


# --- visibility -------------------------------------------------------------------------


def is_narrow_technician(user) -> bool:
    """A technician (and nothing wider) sees only the requests assigned to it."""
    return user.has_role("technician") and not user.has_role(*WIDE_ROLES)


def technician_clause(user):
    """The narrowing record rule of ServiceRequest: a technician (and nothing wider) sees only
    the requests assigned to it; it says nothing for anyone else."""
    if user is None or not getattr(user, "is_authenticated", False) or not is_narrow_technician(user):
        return None
    return or_(ServiceRequest.technician_id == user.id, ServiceRequest.assignee_id == user.id)


def visible_clause(user):
    """Rows of ServiceRequest the user may see: the core dealer rule and ``technician_clause``
    (a record rule, so the chatter and every scoped query see the same rows)."""
    return scope_clause(ServiceRequest, user)


def visible(stmt, user):
    clause = visible_clause(user)
    return stmt if clause is None else stmt.where(clause)


# the users on a request are shown by name: never load their roles
REQUEST_LIGHT = (defaultload(ServiceRequest.assignee).lazyload(User.roles),
                 defaultload(ServiceRequest.technician).lazyload(User.roles))
VISIT_LIGHT = (defaultload(ServiceVisit.technician).lazyload(User.roles),
               defaultload(ServiceVisit.request).defaultload(ServiceRequest.assignee).lazyload(User.roles),
               defaultload(ServiceVisit.request).defaultload(ServiceRequest.technician).lazyload(User.roles))


def get_request(record_id, user) -> ServiceRequest:
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        raise NotFound(_("service request not found"))
    record = db.session.scalars(visible(select(ServiceRequest).options(*REQUEST_LIGHT)
                                        .where(ServiceRequest.id == record_id), user)).first()
    if record is None:
        raise NotFound(_("service request %(record_id)s not found", record_id=record_id))
    return record


def get_visit(visit_id, user) -> ServiceVisit:
    try:
        visit_id = int(visit_id)
    except (TypeError, ValueError):
        raise NotFound(_("visit not found"))
    stmt = visible(select(ServiceVisit).options(*VISIT_LIGHT).join(ServiceVisit.request)
                   .where(ServiceVisit.id == visit_id), user)
    visit = db.session.scalars(stmt).first()
    if visit is None:
        raise NotFound(_("service visit %(visit_id)s not found", visit_id=visit_id))
    return visit


SORTS = ("received_at", "-received_at", "reply_due_at", "-reply_due_at", "number", "-number", "state", "-state")


def list_stmt(query, user):
    stmt = visible(select(ServiceRequest).options(*REQUEST_LIGHT), user)
    q = getattr(query, "q", None)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(ServiceRequest.number.ilike(like), ServiceRequest.customer_name.ilike(like),
                              ServiceRequest.customer_phone.ilike(like), ServiceRequest.serial.ilike(like),
                              ServiceRequest.sku.ilike(like)))
    for attr in ("state", "channel"):
        value = getattr(query, attr, None)
        if value:
            stmt = stmt.where(getattr(ServiceRequest, attr) == value)
    if getattr(query, "dealer_code", None):
        stmt = stmt.where(ServiceRequest.dealer_id.in_(select(Dealer.id).where(Dealer.code == query.dealer_code)))
    if getattr(query, "assignee", None):
        stmt = stmt.where(ServiceRequest.assignee_id.in_(select(User.id).where(User.username == query.assignee)))
    if getattr(query, "technician", None):
        stmt = stmt.where(ServiceRequest.technician_id.in_(select(User.id).where(User.username == query.technician)))
    if getattr(query, "in_warranty", None) is not None:
        stmt = stmt.where(ServiceRequest.in_warranty.is_(query.in_warranty))
    if getattr(query, "overdue", None) is not None:
        overdue = overdue_clause(now())
        stmt = stmt.where(overdue if query.overdue else ~overdue)
    if getattr(query, "open", None):
        stmt = stmt.where(ServiceRequest.state.in_(OPEN_STATES))
    sort = getattr(query, "sort", None) or "-received_at"
    column = getattr(ServiceRequest, sort.lstrip("-"))
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), ServiceRequest.id.desc())


def overdue_clause(at: datetime):
    """Waiting for a reply past its due moment (SQL)."""
    return and_(ServiceRequest.state == "received", ServiceRequest.reply_due_at < at.astimezone(timezone.utc))


def queue_stmt(user):
    """The caller's queue: its open requests (assignee or technician), soonest reply due first."""
    return (visible(select(ServiceRequest).options(*REQUEST_LIGHT), user)
            .where(ServiceRequest.state.in_(OPEN_STATES),
                   or_(ServiceRequest.assignee_id == user.id, ServiceRequest.technician_id == user.id))
            .order_by(ServiceRequest.reply_due_at.asc(), ServiceRequest.id.asc()))


def visits_by_request(ids) -> dict[int, list[ServiceVisit]]:
    out: dict[int, list] = {i: [] for i in ids}
    if ids:
        light = (lazyload(ServiceVisit.request), defaultload(ServiceVisit.technician).lazyload(User.roles))
        for v in db.session.scalars(select(ServiceVisit).options(*light).where(ServiceVisit.request_id.in_(ids))
                                    .order_by(ServiceVisit.id)):
            out[v.request_id].append(v)
    return out


def parts_issued(visit_ids) -> dict[int, list] | None:
    """{visit_id: [issued part]} from the ``service_visit_parts_issued`` hook; None without one (free text)."""
    hook = plugin_hook().service_visit_parts_issued
    if not hook.get_hookimpls():
        return None
    merged: dict[int, list] = {i: [] for i in visit_ids}
    if visit_ids:
        for answer in hook(visit_ids=list(visit_ids)):
            for visit_id, parts in (answer or {}).items():
                merged.setdefault(visit_id, []).extend(parts)
    return merged


def has_signed_visit(r: ServiceRequest) -> bool:
    return (db.session.scalar(select(func.count(ServiceVisit.id)).where(
        ServiceVisit.request_id == r.id, ServiceVisit.state == "completed", ServiceVisit.signature_id.is_not(None)))
        or 0) > 0


def has_any_visit(r: ServiceRequest) -> bool:
    return (db.session.scalar(select(func.count(ServiceVisit.id)).where(ServiceVisit.request_id == r.id)) or 0) > 0


# --- serialisation --------------------------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def _issued_out(parts: list | None):
    if parts is None:
        return None
    return [{"sku": p["sku"], "name": p.get("name") or "", "qty": int(p["qty"]), "movement_id": p["movement_id"],
             "balance_after": p["balance_after"], "reference": p.get("reference") or "",
             "issued_at": _iso(p.get("issued_at"))} for p in parts]


def serialize_visit(v: ServiceVisit, user=None, issued: dict | None = ...) -> dict:
    """``issued``: the ``parts_issued`` map already loaded for many visits (else loaded here)."""
    if issued is ...:
        issued = parts_issued([v.id])
    return {
        "id": v.id, "request_id": v.request_id, "request_number": v.request.number,
        "technician": v.technician.username, "arrived_at": _iso(v.arrived_at), "on_time": v.on_time,
        "tools": list(v.tools or []), "problem_confirmed": bool(v.problem_confirmed),
        "actual_fault": v.actual_fault or "", "work_done": v.work_done or "",
        "parts_used": list(v.parts_used or []),
        "parts_issued": None if issued is None else _issued_out(issued.get(v.id, [])),
        "unsolved": v.unsolved or "", "result": v.result,
        "signature": {"signer_name": v.signer_name, "kind": v.signature_kind, "signed_at": _iso(v.signed_at)}
        if v.signed else None,
        "state": v.state, "completed_at": _iso(v.completed_at), "version": v.version,
    }


def serialize(r: ServiceRequest, user=None, visits: list | None = None, at: datetime | None = None,
              issued: dict | None = ...) -> dict:
    at = at or now()
    if visits is None:
        visits = visits_by_request([r.id])[r.id]
    if issued is ...:
        issued = parts_issued([v.id for v in visits])
    return {
        "id": r.id, "number": r.number, "channel": r.channel, "received_at": _iso(r.received_at),
        "reply_due_at": _iso(r.reply_due_at), "reply_overdue": reply_overdue(r, at),
        "customer_name": r.customer_name, "customer_phone": r.customer_phone,
        "customer_address": r.customer_address or "",
        "dealer_code": r.dealer.code if r.dealer is not None else None,
        "sku": r.sku or "", "serial": r.serial or "", "purchase_date": _iso(r.purchase_date),
        "sale_date": _iso(r.sale_date), "production_date": _iso(r.production_date),
        "warranty_basis": r.warranty_basis, "warranty_end": _iso(r.warranty_end), "in_warranty": r.in_warranty,
        "problem": r.problem or "", "assignee": r.assignee.username if r.assignee is not None else None,
        "state": r.state, "answer": r.answer or "", "on_site": bool(r.on_site), "replied_at": _iso(r.replied_at),
        "technician": r.technician.username if r.technician is not None else None,
        "window_from": _iso(r.window_from), "window_to": _iso(r.window_to),
        "repairable": r.repairable, "fee": f"{r.fee:.2f}" if r.fee is not None else None,
        "quote_accepted": r.quote_accepted_at is not None, "resolved_at": _iso(r.resolved_at),
        "closed_at": _iso(r.closed_at), "customer_confirmed": bool(r.customer_confirmed),
        "cancel_reason": r.cancel_reason or "",
        "visits": [serialize_visit(v, issued=issued) for v in visits],
        "actions": allowed_actions(r, user) if user is not None else [],
        "version": r.version, "created_at": _iso(r.created_at),
    }


# --- writing --------------------------------------------------------------------------


def _dump(data) -> dict:
    return data.model_dump(exclude_unset=True) if hasattr(data, "model_dump") else dict(data)


def aware(value: datetime | None) -> datetime | None:
    """A naive time is as typed in the business time zone; stored in UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=business_zone())
    return value.astimezone(timezone.utc)


def _not_future(errors: dict, key: str, value, moment: datetime) -> None:
    if value is None:
        return
    if isinstance(value, datetime):
        if value > moment + timedelta(minutes=5):
            errors[key] = _("cannot be in the future")
    elif value > local_date(moment):
        errors[key] = _("cannot be in the future")


def _user_by_username(username: str | None, field: str, permission: str) -> User | None:
    if not username:
        return None
    user = db.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None or not user.can(permission):
        raise ValidationError(_("unknown user"), {field: _("no active user %(name)s who may do this", name=username)})
    return user


def create_request(data, actor) -> ServiceRequest:
    check(actor, "service.create")
    values = _dump(data)
    moment = now()
    errors: dict = {}
    received_at = aware(values.get("received_at")) or moment.astimezone(timezone.utc)
    for key in ("received_at", "purchase_date", "sale_date", "production_date"):
        _not_future(errors, key, received_at if key == "received_at" else values.get(key), moment)
    if values.get("purchase_date") and values.get("production_date") and \
            values["purchase_date"] < values["production_date"]:
        errors["purchase_date"] = _("must not be before the production date")
    try:
        phone = normalise_phone(values.get("customer_phone", ""))
    except ValidationError as exc:
        errors.update(exc.fields)
        phone = ""
    product = None
    if values.get("sku"):
        product = db.session.scalar(select(Product).where(Product.sku == values["sku"]))
        if product is None:
            errors["sku"] = _("unknown SKU %(sku)s", sku=values["sku"])
    dealer = None
    channel = values.get("channel") or "hotline"
    if actor.scope == "dealer":
        dealer = acting_dealer(actor, values.get("dealer_code"))
        channel = "dealer"
    elif values.get("dealer_code"):
        dealer = acting_dealer(actor, values.get("dealer_code"))
    elif channel == "dealer":
        errors["dealer_code"] = _("required for the dealer channel")
    try:
        assignee = _user_by_username(values.get("assignee"), "assignee", "service.manage")
    except ValidationError as exc:
        errors.update(exc.fields)
        assignee = None
    if errors:
        raise ValidationError(_("invalid input"), errors)
    ensure_dealer_may_file(dealer)
    period = None
    if product is not None:  # the returns' rule, on the day the request was received
        period = warranty_period(product.category.warranty_months, purchase_date=values.get("purchase_date"),
                                 sale_date=values.get("sale_date"), production_date=values.get("production_date"))
    record = ServiceRequest(
        number=next_number("SR", local_date(received_at).year), channel=channel, received_at=received_at,
        reply_due_at=reply_due(received_at), customer_name=values["customer_name"].strip(), customer_phone=phone,
        customer_address=(values.get("customer_address") or "").strip(), dealer_id=dealer.id if dealer else None,
        dealer=dealer, product_id=product.id if product else None, sku=product.sku if product else "",
        serial=(values.get("serial") or "").strip(), purchase_date=values.get("purchase_date"),
        sale_date=values.get("sale_date"), production_date=values.get("production_date"),
        warranty_basis=period.basis if period else None, warranty_end=period.end if period else None,
        in_warranty=period.covers(local_date(received_at)) if period and period.end else None,
        problem=(values.get("problem") or "").strip(), assignee_id=assignee.id if assignee else None,
        assignee=assignee, state="received", created_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    activity.log(record, "created", {"state": (None, "received")}, actor=actor)
    recipients = [assignee] if assignee else list(users_with_role("customer_service"))
    notify(recipients, N_("Service request %(number)s received"),
           N_("%(customer)s: reply due %(due)s"), link(record), number=record.number,
           customer=record.customer_name, due=_local_text(record.reply_due_at))
    return record


def _local_text(moment: datetime) -> str:
    return moment.astimezone(business_zone()).strftime("%Y-%m-%d %H:%M")


def link(record: ServiceRequest) -> str:
    from flask import url_for

    try:
        return url_for("service.view_request", record_id=record.id)
    except RuntimeError:
        return f"/service/{record.id}"


def _dealer_users(record: ServiceRequest):
    if record.dealer_id is None:
        return []
    return db.session.scalars(select(User).where(User.dealer_id == record.dealer_id, User.active.is_(True))).all()


def assign(record: ServiceRequest, actor, version, assignee: str, comment: str = "") -> ServiceRequest:
    check(actor, "service.manage")
    check_version(record, version)
    if record.state not in OPEN_STATES:
        raise Conflict(_("cannot %(name)s a record in state %(state)r", name=_("assign"), state=record.state),
                       code="illegal_transition")
    user = _user_by_username(assignee, "assignee", "service.manage")
    old = record.assignee.username if record.assignee else None
    record.assignee_id, record.assignee = user.id, user
    record.updated_at = datetime.now(timezone.utc)
    activity.log(record, "assign", {"assignee": (old, user.username)}, comment=comment, actor=actor)
    if user.id != actor.id:
        notify([user], N_("Service request %(number)s assigned to you"), N_("Reply due %(due)s"), link(record),
               number=record.number, due=_local_text(record.reply_due_at))
    return record


def reply(record, actor, version, answer: str, on_site: bool, comment: str = ""):
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError(_("answer required"), {"answer": _("required")})
    at = now().astimezone(timezone.utc)
    changes = activity.apply_changes(record, {"answer": answer, "on_site": bool(on_site), "replied_at": at})
    if record.assignee_id is None:
        record.assignee_id, record.assignee = actor.id, actor
        changes["assignee"] = (None, actor.username)
    workflow.apply(record, "reply", actor, version=version, comment=comment, changes=changes)
    notify(_dealer_users(record), N_("Service request %(number)s answered"), N_("%(answer)s"), link(record),
           number=record.number, answer=answer[:200])
    return record


def schedule(record, actor, version, technician: str, window_from: datetime, window_to: datetime, comment=""):
    tech = _user_by_username(technician, "technician", "service.visit")
    window_from, window_to = aware(window_from), aware(window_to)
    if window_to <= window_from:
        raise ValidationError(_("invalid window"), {"window_to": _("must be after window_from")})
    if window_to - window_from > timedelta(hours=settings.get("service.max_window_hours")):
        raise ValidationError(_("window too long"), {"window_to": _("the appointment window is too long")})
    workflow.check(record, "schedule", actor, version=version)
    changes = activity.apply_changes(record, {"technician_id": tech.id, "window_from": window_from,
                                              "window_to": window_to, "on_site": True})
    record.technician = tech
    workflow.apply(record, "schedule", actor, comment=comment, changes=changes)
    notify([tech], N_("Visit %(number)s scheduled"), N_("%(customer)s, %(address)s, %(window)s"), link(record),
           number=record.number, customer=record.customer_name, address=record.customer_address,
           window=f"{_local_text(window_from)} – {_local_text(window_to)}")
    notify(_dealer_users(record), N_("Visit %(number)s scheduled"), N_("%(window)s"), link(record),
           number=record.number, window=f"{_local_text(window_from)} – {_local_text(window_to)}")
    return record


def check_version(record, version) -> None:
    """Optimistic locking for changes outside the workflow: a stale version is a 409."""
    if version is not None and int(version) != record.version:
        raise Conflict(_("stale version %(version)s; current is %(record_version)s", version=version,
                         record_version=record.version), code="stale_version")


def _plain_check(record, actor, version, permission):
    check(actor, permission)
    check_version(record, version)


def quote(record, actor, version, fee: Decimal, repairable: bool = True, comment: str = ""):
    _plain_check(record, actor, version, "service.visit")
    if record.in_warranty is not False:
        raise Conflict(_("a fee is quoted only for a unit out of warranty"), code="in_warranty")
    if record.state not in QUOTE_STATES or record.quote_accepted_at is not None:
        raise Conflict(_("cannot %(name)s a record in state %(state)r", name=_("quote"), state=record.state),
                       code="illegal_transition")
    if not repairable:
        changes = activity.apply_changes(record, {"repairable": False, "fee": None})
    else:
        if fee is None:
            raise ValidationError(_("fee required"), {"fee": _("required")})
        changes = activity.apply_changes(record, {"repairable": True, "fee": fee})
    record.updated_at = datetime.now(timezone.utc)
    activity.log(record, "quote", changes, comment=comment, actor=actor)
    return record


def accept_quote(record, actor, version, comment: str = ""):
    _plain_check(record, actor, version, "service.visit")
    if record.fee is None or not record.repairable:
        raise Conflict(_("no fee quoted yet"), code="no_quote")
    if record.quote_accepted_at is not None or record.state not in QUOTE_STATES:
        raise Conflict(_("the quote cannot be accepted now"), code="illegal_transition")
    at = now().astimezone(timezone.utc)
    record.quote_accepted_at = at
    record.updated_at = datetime.now(timezone.utc)
    activity.log(record, "accept_quote", {"quote_accepted_at": (None, at)}, comment=comment, actor=actor)
    return record


def start_visit(record, actor, version, comment=""):
    workflow.apply(record, "start_visit", actor, version=version, comment=comment)
    return record


def job(record: ServiceRequest, completed_at: datetime) -> dict:
    """The ``service_job_completed`` payload (see hookspecs)."""
    return {"source": "service", "reference": record.number, "department": "customer_service",
            "completed_at": completed_at, "customer_name": record.customer_name,
            "customer_phone": record.customer_phone,
            "dealer_code": record.dealer.code if record.dealer is not None else None}


def _completed_visit_exists(record) -> bool:
    return (db.session.scalar(select(func.count(ServiceVisit.id)).where(
        ServiceVisit.request_id == record.id, ServiceVisit.state == "completed")) or 0) > 0


def resolve(record, actor, version, comment=""):
    if record.state == "replied" and record.on_site:
        raise Conflict(_("an on-site request is resolved after the visit"), code="illegal_transition")
    at = now().astimezone(timezone.utc)
    workflow.apply(record, "resolve", actor, version=version, comment=comment,
                   changes={"resolved_at": (None, at)})
    record.resolved_at = at
    if not _completed_visit_exists(record):  # a completed visit already announced this job
        events.emit("service_job_completed", job=job(record, at))
    notify(_dealer_users(record), N_("Service request %(number)s resolved"), "", link(record), number=record.number)
    return record


def take_back(record, actor, version, comment=""):
    workflow.apply(record, "take_back", actor, version=version, comment=comment)
    events.emit("service_request_taken_back", request=record, actor=actor)
    notify(_dealer_users(record), N_("Service request %(number)s: unit taken back for repair"), "", link(record),
           number=record.number)
    return record


def close(record, actor, version, customer_confirmed: bool = False, comment=""):
    at = now().astimezone(timezone.utc)
    workflow.apply(record, "close", actor, version=version, comment=comment, customer_confirmed=customer_confirmed,
                   changes={"closed_at": (None, at), "customer_confirmed": (False, bool(customer_confirmed))})
    record.closed_at = at
    record.customer_confirmed = bool(customer_confirmed)
    return record


def cancel(record, actor, version, reason: str, comment=""):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("reason required"), {"reason": _("required")})
    workflow.apply(record, "cancel", actor, version=version, comment=reason,
                   changes={"cancel_reason": ("", reason)})
    record.cancel_reason = reason
    notify(_dealer_users(record), N_("Service request %(number)s cancelled"), N_("%(reason)s"), link(record),
           number=record.number, reason=reason[:200])
    return record


def run_action(record: ServiceRequest, action: str, body, actor):
    """Dispatch an API/page action name to its service."""
    version = getattr(body, "version", None)
    comment = getattr(body, "comment", "") or ""
    if action == "reply":
        return reply(record, actor, version, body.answer, body.on_site, comment)
    if action == "schedule":
        return schedule(record, actor, version, body.technician, body.window_from, body.window_to, comment)
    if action == "quote":
        return quote(record, actor, version, body.fee, getattr(body, "repairable", True), comment)
    if action == "accept_quote":
        return accept_quote(record, actor, version, comment)
    if action == "start_visit":
        return start_visit(record, actor, version, comment)
    if action == "resolve":
        return resolve(record, actor, version, comment)
    if action == "take_back":
        return take_back(record, actor, version, comment)
    if action == "close":
        return close(record, actor, version, bool(getattr(body, "customer_confirmed", False)), comment)
    if action == "cancel":
        return cancel(record, actor, version, body.reason, comment)
    if action == "assign":
        return assign(record, actor, version, body.assignee, comment)
    raise NotFound(_("unknown action %(action)r", action=action))


# --- visits ----------------------------------------------------------------------------


def create_visit(record: ServiceRequest, data, actor) -> ServiceVisit:
    check(actor, "service.visit")
    values = _dump(data)
    if record.state != "on_site":
        raise Conflict(_("a visit record is made once the visit has started (state on_site)"), code="not_on_site")
    if is_narrow_technician(actor) and record.technician_id != actor.id:
        raise PermissionDenied(_("only the scheduled technician records this visit"), code="forbidden")
    moment = now()
    arrived_at = aware(values.get("arrived_at")) or moment.astimezone(timezone.utc)
    errors: dict = {}
    _not_future(errors, "arrived_at", arrived_at, moment)
    if arrived_at < record.received_at:
        errors["arrived_at"] = _("before the request was received")
    if errors:
        raise ValidationError(_("invalid input"), errors)
    parts = [{"sku": p["sku"], "qty": int(p["qty"])} for p in
             (_dump(x) if not isinstance(x, dict) else x for x in values.get("parts_used") or [])]
    result = values.get("result") or "solved"
    if record.in_warranty is False and record.quote_accepted_at is None and (result == "solved" or parts):
        raise Conflict(_("Out of warranty: the customer must accept the quoted fee before the repair "
                         "(record the diagnosis as not solved, or take the unit back)."), code="quote_not_accepted")
    technician = record.technician or actor
    visit = ServiceVisit(
        request_id=record.id, request=record, technician_id=technician.id, technician=technician,
        arrived_at=arrived_at, on_time=on_time(arrived_at, record.window_to), tools=list(values.get("tools") or []),
        problem_confirmed=bool(values.get("problem_confirmed")), actual_fault=values.get("actual_fault") or "",
        work_done=values.get("work_done") or "",
        parts_used=parts, unsolved=values.get("unsolved") or "", result=result, state="open")
    if visit.result == "unsolved" and not visit.unsolved.strip():
        raise ValidationError(_("describe the unsolved faults"), {"unsolved": _("record the unsolved faults in detail")})
    db.session.add(visit)
    db.session.flush()
    activity.log(visit, "created", {"arrived_at": (None, arrived_at), "on_time": (None, visit.on_time)}, actor=actor)
    activity.log(record, "visit_recorded", {"visit": (None, visit.id)}, actor=actor)
    plugin_hook().service_visit_recorded(visit=visit, actor=actor)  # may refuse: the caller rolls back
    return visit


def png_size(data: bytes) -> tuple[int, int] | None:
    if not data.startswith(PNG_MAGIC) or len(data) < 24 or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def add_signature(visit: ServiceVisit, data: bytes, signer_name: str, kind: str, actor, filename="signature.png"):
    """The customer's co-signature: a PNG drawn on the pad, or a photo (PNG/JPEG) of the signed paper."""
    check(actor, "service.visit")
    if visit.state != "open":
        raise Conflict(_("the visit is completed"), code="visit_completed")
    signer_name = (signer_name or "").strip()
    errors = {}
    if not signer_name:
        errors["signer_name"] = _("required")
    limit = settings.get("service.signature_max_kb")
    if not data:
        errors["file"] = _("empty file")
    elif len(data) > limit * 1024:
        errors["file"] = _("larger than %(kb)s KB", kb=limit)
    elif kind == "drawn":
        size = png_size(data)
        if size is None:
            errors["file"] = _("a drawn signature must be a PNG image")
        elif not (0 < size[0] <= MAX_SIGNATURE_PIXELS and 0 < size[1] <= MAX_SIGNATURE_PIXELS):
            errors["file"] = _("image dimensions out of range")
    elif attachments.sniff(data) not in ("image/png", "image/jpeg"):
        errors["file"] = _("a photo of the signed record must be a PNG or JPEG image")
    if errors:
        raise ValidationError(_("invalid signature"), errors)
    att = attachments.add(VISIT_MODEL, visit.id, filename, data, actor=actor, purpose=SIGNATURE, field="file")
    db.session.flush()
    at = now().astimezone(timezone.utc)
    changes = activity.apply_changes(visit, {"signature_id": att.id, "signer_name": signer_name,
                                             "signature_kind": kind, "signed_at": at})
    visit.updated_at = datetime.now(timezone.utc)
    activity.log(visit, "signed", changes, actor=actor)
    return visit


def complete_visit(visit: ServiceVisit, actor, version) -> ServiceVisit:
    check(actor, "service.visit")
    check_version(visit, version)
    if visit.state != "open":
        raise Conflict(_("the visit is already completed"), code="visit_completed")
    if not visit.signed:
        raise Conflict(_("the customer's co-signature is required to complete the visit"), code="signature_required")
    first = not _completed_visit_exists(visit.request)
    at = now().astimezone(timezone.utc)
    visit.state, visit.completed_at = "completed", at
    activity.log(visit, "complete", {"state": ("open", "completed")}, actor=actor)
    activity.log(visit.request, "visit_completed", {"visit": (None, visit.id)}, actor=actor)
    if first and visit.request.state != "resolved":
        events.emit("service_job_completed", job=job(visit.request, at))
    return visit


def signature_attachment(visit: ServiceVisit):
    if visit.signature_id is None:
        raise NotFound(_("no signature"))
    from core.toolkit import attachments as atts

    att = db.session.get(atts.Attachment, visit.signature_id)
    if att is None or att.model != VISIT_MODEL or att.record_id != visit.id:
        raise NotFound(_("no signature"))
    return att


# --- figures -----------------------------------------------------------------------------


def open_by_state(user) -> dict[str, int]:
    stmt = visible(select(ServiceRequest.state, func.count(ServiceRequest.id))
                   .where(ServiceRequest.state.in_(OPEN_STATES)).group_by(ServiceRequest.state), user)
    counts = dict(db.session.execute(stmt).all())
    return {s: counts.get(s, 0) for s in OPEN_STATES}


def overdue_count(user) -> int:
    return db.session.scalar(visible(select(func.count(ServiceRequest.id)).where(overdue_clause(now())), user)) or 0


def on_time_rate(user, since: datetime | None = None, until: datetime | None = None) -> tuple[int, int]:
    """(on-time arrivals, visits with an appointment window) among visits arriving in the period."""
    stmt = select(func.count(ServiceVisit.id), func.sum(case((ServiceVisit.on_time.is_(True), 1), else_=0))) \
        .join(ServiceVisit.request).where(ServiceVisit.on_time.is_not(None))
    if since is not None:
        stmt = stmt.where(ServiceVisit.arrived_at >= since)
    if until is not None:
        stmt = stmt.where(ServiceVisit.arrived_at < until)
    total, good = db.session.execute(visible(stmt, user)).one()
    return int(good or 0), int(total or 0)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "–"


def review_figures(period_from: date, period_to: date):
    """Requests by channel, replies within the reply hours, on-time arrivals over a period (dates inclusive)."""
    zone = business_zone()
    since = datetime.combine(period_from, datetime.min.time(), tzinfo=zone).astimezone(timezone.utc)
    until = datetime.combine(period_to + timedelta(days=1), datetime.min.time(), tzinfo=zone).astimezone(timezone.utc)
    in_period = and_(ServiceRequest.received_at >= since, ServiceRequest.received_at < until)
    by_channel = dict(db.session.execute(select(ServiceRequest.channel, func.count(ServiceRequest.id))
                                         .where(in_period).group_by(ServiceRequest.channel)).all())
    replied, in_time = db.session.execute(select(
        func.count(ServiceRequest.replied_at),
        func.sum(case((ServiceRequest.replied_at <= ServiceRequest.reply_due_at, 1), else_=0))).where(in_period)).one()
    stmt = select(func.count(ServiceVisit.id), func.sum(case((ServiceVisit.on_time.is_(True), 1), else_=0))) \
        .where(ServiceVisit.on_time.is_not(None), ServiceVisit.arrived_at >= since, ServiceVisit.arrived_at < until)
    visits, good = db.session.execute(stmt).one()
    return by_channel, (int(in_time or 0), int(replied or 0)), (int(good or 0), int(visits or 0))


def due_for_reminder(at: datetime | None = None):
    """Requests waiting for a reply that are overdue or due within ``service.remind_before_hours``."""
    at = (at or now()).astimezone(timezone.utc)
    horizon = at + timedelta(hours=settings.get("service.remind_before_hours"))
    return db.session.scalars(select(ServiceRequest).where(ServiceRequest.state == "received",
                                                           ServiceRequest.reply_due_at <= horizon)
                              .order_by(ServiceRequest.reply_due_at)).all()


def remind(at: datetime | None = None) -> int:
    at = at or now()
    rows = due_for_reminder(at)
    staff = None
    for r in rows:
        if r.assignee is not None:
            recipients = [r.assignee]
        else:
            staff = staff if staff is not None else list(users_with_role("customer_service"))
            recipients = staff
        title = N_("Reply overdue: %(number)s") if reply_overdue(r, at) else N_("Reply due soon: %(number)s")
        notify(recipients, title, N_("%(customer)s, reply due %(due)s"), link(r), number=r.number,
               customer=r.customer_name, due=_local_text(r.reply_due_at))
    return len(rows)


def dealer_open_requests(dealer, user, limit: int = 5):
    stmt = visible(select(ServiceRequest, func.count().over()).where(
        ServiceRequest.dealer_id == dealer.id, ServiceRequest.state.in_(OPEN_STATES))
        .order_by(ServiceRequest.reply_due_at).limit(limit), user)
    rows = db.session.execute(stmt).all()
    return (rows[0][1] if rows else 0), [r[0] for r in rows]
