"""Pages: complaints, the follow-up queue and feedback forms, monthly assessments with their
12-month chart, secret inspections, customer visits, suggestions and the public /suggest form."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup
from wtforms import (BooleanField, DateField, DateTimeLocalField, DecimalField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, Optional

from core.toolkit import (Column, form_action, DomainError, Filter, ValidationError, activity, db, events, paginate_page, require, series_chart,
                          with_badge)
from plugins.supervision import services
from plugins.supervision.actions import (ASSESSMENT_ACTIONS, COMPLAINT_ACTIONS, FORM_ACTIONS, INSPECTION_ACTIONS,
                                         SUGGESTION_ACTIONS)
from plugins.supervision.models import (ASSESSED_DEPARTMENTS, CHANNELS, COMPLAINT_STATES, DEPARTMENT_LABELS,
                                        DEPARTMENTS, FORM_CHANNELS, GRADES, SANCTIONS, SEVERITIES, Assessment,
                                        ChecklistTemplate, Complaint, CustomerVisit, Inspection, ServiceJob, Suggestion)

bp = Blueprint("supervision", __name__, template_folder="templates", url_prefix="/supervision")
public = Blueprint("supervision_public", __name__, template_folder="templates")

CHANNEL_LABELS = {"hotline": _l("Hotline"), "online": _l("Online"), "letter": _l("Letter"), "visit": _l("Visit"),
                  "suggestion_form": _l("Suggestion form"), "dealer": _l("Through a dealer")}
SEVERITY_LABELS = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High")}
STATE_LABELS = {"received": _l("Received"), "in_progress": _l("In progress"), "resolved": _l("Resolved"),
                "closed": _l("Closed"), "draft": _l("Draft"), "submitted": _l("Submitted"),
                "confirmed": _l("Confirmed"), "distributed": _l("Distributed"), "reviewed": _l("Reviewed"),
                "published": _l("Published"), "new": _l("New"), "complaint": _l("Turned into a complaint"),
                "improvement": _l("Improvement"), "dismissed": _l("Dismissed")}
STEP_LABELS = {"thanked": _l("Thank the customer"), "listened": _l("Listen fully"), "facts": _l("Gather the facts"),
               "wish": _l("Ask what the customer wants"), "compensated": _l("Compensate quickly")}
FEEDBACK_LABELS = {"satisfied": _l("Satisfied"), "unsatisfied": _l("Unsatisfied")}
OUTCOME_LABELS = {"reward": _l("Reward"), "penalty": _l("Penalty"), "none": _l("Neither")}
SPECIAL_LABELS = {"all_top": _l("Every item top grade: extra reward"),
                  "all_bottom": _l("Every item lowest grade: extra penalty")}
SANCTION_LABELS = {"warning": _l("Warning"), "transfer": _l("Transfer"), "demotion": _l("Demotion"),
                   "dismissal": _l("Dismissal")}
FORM_CHANNEL_LABELS = {"phone_followup": _l("Follow-up call"), "customer_form": _l("Form filled by the customer"),
                       "visit": _l("Visit")}
SOURCE_LABELS = {"rma": _l("Return (RMA)"), "service": _l("On-site service"), "manual": _l("Entered by hand")}
ANSWER_LABELS = {"yes": _l("Yes"), "no": _l("No"), "n_a": _l("Not applicable")}
BADGES = {"received": "primary", "in_progress": "info", "resolved": "success", "closed": "secondary",
          "draft": "secondary", "submitted": "primary", "confirmed": "success", "distributed": "dark",
          "reviewed": "info", "published": "success", "new": "primary", "complaint": "danger",
          "improvement": "success", "dismissed": "secondary"}
LABELS = SimpleNamespace(channel=CHANNEL_LABELS, department=DEPARTMENT_LABELS, severity=SEVERITY_LABELS,
                         state=STATE_LABELS, step=STEP_LABELS, feedback=FEEDBACK_LABELS, outcome=OUTCOME_LABELS,
                         special=SPECIAL_LABELS, sanction=SANCTION_LABELS, form_channel=FORM_CHANNEL_LABELS,
                         source=SOURCE_LABELS, answer=ANSWER_LABELS, badges=BADGES)


def _dt(value) -> str:
    from flask_babel import format_datetime

    return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""


# the status bar's buttons, each page's own words (those of its action forms)
COMPLAINT_ACTION_LABELS = {"step": _l("Record this step"), "resolve": _l("Resolved"),
                           "close": _l("Close with the customer feedback")}
ASSESSMENT_ACTION_LABELS = {"recompute": _l("Recompute"), "submit": _l("Submit to HR"), "confirm": _l("Confirm"),
                            "distribute": _l("Distribute")}
INSPECTION_ACTION_LABELS = {"edit": _l("Fill in the checklist"), "submit": _l("Submit"),
                            "review": _l("Mark as reviewed"), "publish": _l("Publish to the subject")}


def _bar(actions: list[str], aside: str) -> list[str]:
    """The status bar's actions: the page's own, ``aside`` (no move of state) after the moves."""
    return sorted(actions, key=lambda name: name == aside)


def _render(template, status=200, **ctx):
    return render_template(template, labels=LABELS, **ctx), status


def _args_query(**allowed):
    """A namespace of the list filters from the query string (unknown values ignored)."""
    args = request.args
    q = SimpleNamespace(q=(args.get("q") or "").strip()[:100] or None, sort=None)
    active = {}
    for name, choices in allowed.items():
        value = args.get(name)
        if choices is bool:
            setattr(q, name, None if value not in ("1", "0") else value == "1")
        elif choices is None:
            setattr(q, name, value if value else None)
        else:
            setattr(q, name, value if value in choices else None)
        if getattr(q, name) is not None:
            active[name] = value
    return q, active


def _fail(exc: DomainError):
    db.session.rollback()
    if exc.status == 403:
        abort(403)
    if exc.status == 404:
        abort(404)
    flash(exc.message + ("" if not exc.fields else ": " + "; ".join(exc.fields.values())), "danger")


def _list(template_title, stmt, columns, default_sort, filters, active, q, link, new_url=None, extra=None):
    page = paginate_page(stmt.order_by(None), columns, default_sort)
    columns = with_badge(columns, lambda r: BADGES.get(r.state, "secondary"))
    return _render("supervision/list.html", title=template_title, page=page, columns=columns, filters=filters,
                   active_filters=active, q=q.q or "", link=link, new_url=new_url, extra=extra)


# --- complaints -----------------------------------------------------------------------

def _choices(labels, keys):
    return lambda: [(k, labels[k]) for k in keys]


COMPLAINT_COLUMNS = [
    Column(_l("Number"), lambda r: r.number, Complaint.number, "number", link=True),
    Column(_l("Received"), lambda r: _dt(r.received_at), Complaint.received_at, "received_at"),
    Column(_l("Channel"), lambda r: CHANNEL_LABELS[r.channel]),
    Column(_l("Customer"), lambda r: r.customer_name),
    Column(_l("Phone"), lambda r: services.mask_phone(r.customer_phone, current_user)),
    Column(_l("Department"), lambda r: DEPARTMENT_LABELS[r.department]),
    Column(_l("Severity"), lambda r: SEVERITY_LABELS[r.severity]),
    Column(_l("State"), lambda r: STATE_LABELS[r.state], Complaint.state, "state"),
    Column(_l("Response"), lambda r: _("Overdue") if services.is_overdue(r) else _("In time")),
]
COMPLAINT_FILTERS = [
    Filter("state", _l("State"), _choices(STATE_LABELS, COMPLAINT_STATES), None),
    Filter("channel", _l("Channel"), _choices(CHANNEL_LABELS, CHANNELS), None),
    Filter("department", _l("Department"), _choices(DEPARTMENT_LABELS, DEPARTMENTS), None),
    Filter("severity", _l("Severity"), _choices(SEVERITY_LABELS, SEVERITIES), None),
    Filter("overdue", _l("First response"), lambda: [("1", _l("Overdue")), ("0", _l("In time"))], None),
]


@bp.route("/complaints")
@require("supervision.view")
def list_complaints():
    q, active = _args_query(state=COMPLAINT_STATES, channel=CHANNELS, department=DEPARTMENTS, severity=SEVERITIES,
                            overdue=bool)
    return _list(_("Complaints"), services.complaint_stmt(current_user, q), COMPLAINT_COLUMNS, "-received_at",
                 COMPLAINT_FILTERS, active, q, "supervision.view_complaint",
                 url_for("supervision.new_complaint") if current_user.can("supervision.manage") else None)


class ComplaintForm(FlaskForm):
    channel = SelectField(_l("Channel"), choices=[(c, CHANNEL_LABELS[c]) for c in CHANNELS])
    received_at = DateTimeLocalField(_l("Received at"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    customer_name = StringField(_l("Customer"), validators=[DataRequired(), Length(max=120)])
    customer_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    dealer_code = StringField(_l("Dealer code"), validators=[Optional(), Length(max=32)])
    department = SelectField(_l("Department complained about"), choices=[(d, DEPARTMENT_LABELS[d]) for d in DEPARTMENTS])
    rma_number = StringField(_l("RMA number"), validators=[Optional(), Length(max=32)])
    serial = StringField(_l("Serial number"), validators=[Optional(), Length(max=64)])
    severity = SelectField(_l("Severity"), choices=[(s, SEVERITY_LABELS[s]) for s in SEVERITIES], default="medium")
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=4000)])


@bp.route("/complaints/new", methods=["GET", "POST"])
@require("supervision.manage")
def new_complaint():
    from plugins.supervision.schemas import SupervisionComplaintIn
    from core.toolkit import validate

    form = ComplaintForm()

    def run():
        data = {k: (v.strip() if isinstance(v, str) else v) for k, v in form.data.items() if k != "csrf_token"}
        data = {k: v for k, v in data.items() if v not in ("", None)}
        return services.create_complaint(validate(SupervisionComplaintIn, data), current_user)

    return form_action(form, run, lambda record: url_for("supervision.view_complaint", record_id=record.id),
                       lambda status: _render("supervision/form.html", status, form=form, title=_("New complaint"),
                                              back=url_for("supervision.list_complaints")),
                       success=lambda record: _("Complaint %(number)s recorded.", number=record.number))


class StepForm(FlaskForm):
    note = TextAreaField(_l("What was said, found, wished or given"), validators=[Optional(), Length(max=4000)])
    amount = DecimalField(_l("Compensation amount (yuan)"), places=2, validators=[Optional()])
    feedback = SelectField(_l("Customer's feedback"), choices=[(f, FEEDBACK_LABELS[f]) for f in FEEDBACK_LABELS],
                           validate_choice=False)


@bp.route("/complaints/<int:record_id>")
@require("supervision.view")
def view_complaint(record_id):
    return _complaint_page(services.get_complaint(record_id, current_user))


def _complaint_page(record, status=200, form=None):
    return _render("supervision/complaint.html", status, record=record, form=form or StepForm(),
                   phone=services.mask_phone(record.customer_phone, current_user),
                   overdue=services.is_overdue(record), next_step=services.next_step(record),
                   actions=(actions := services.complaint_actions(record, current_user)), bar_actions=actions,
                   action_labels=COMPLAINT_ACTION_LABELS)


@bp.route("/complaints/<int:record_id>/<action>", methods=["POST"])
@require("supervision.view")
def complaint_act(record_id, action):
    form = StepForm()

    def read(act, record) -> dict:
        if not form.validate_on_submit():
            raise ValidationError(_("Please correct the errors below."), {})
        if act.name == "step":
            return {"step": request.form.get("step", ""), "note": form.note.data or "", "amount": form.amount.data}
        return {"feedback": form.feedback.data} if act.name == "close" else {}

    def refused(record_id, exc: DomainError):
        _fail(exc)
        return _complaint_page(services.get_complaint(record_id, current_user),
                               exc.status if exc.status in (409, 422) else 422, form)

    return COMPLAINT_ACTIONS.handle_form(record_id, action, read_form=read, on_error=refused)


# --- the follow-up queue and feedback forms -------------------------------------------

JOB_COLUMNS = [
    Column(_l("Reference"), lambda r: r.reference, ServiceJob.reference, "reference", link=True),
    Column(_l("Completed"), lambda r: _dt(r.completed_at), ServiceJob.completed_at, "completed_at"),
    Column(_l("Source"), lambda r: SOURCE_LABELS[r.source]),
    Column(_l("Department"), lambda r: DEPARTMENT_LABELS.get(r.department, r.department)),
    Column(_l("Customer"), lambda r: r.customer_name),
    Column(_l("Phone"), lambda r: services.mask_phone(r.customer_phone, current_user)),
    Column(_l("Feedback"), lambda r: (_("%(points)s points", points=r.form.points) + ("" if r.form.verified else
                                      " · " + _("not verified"))) if r.form else _("no feedback")),
]
JOB_FILTERS = [
    Filter("department", _l("Department"), _choices(DEPARTMENT_LABELS, ASSESSED_DEPARTMENTS), None),
    Filter("has_feedback", _l("Feedback"), lambda: [("1", _l("With feedback")), ("0", _l("No feedback"))], None),
    Filter("source", _l("Source"), _choices(SOURCE_LABELS, SOURCE_LABELS), None),
]


@bp.route("/jobs")
@require("supervision.view")
def list_jobs():
    q, active = _args_query(department=ASSESSED_DEPARTMENTS, has_feedback=bool, source=tuple(SOURCE_LABELS),
                            month=None)
    if q.month:
        try:
            services.parse_month(q.month)
        except DomainError:
            q.month = None
    return _list(_("Follow-up queue"), services.job_stmt(current_user, q), JOB_COLUMNS, "-completed_at", JOB_FILTERS,
                 active, q, "supervision.view_job",
                 url_for("supervision.new_job") if current_user.can("supervision.jobs.create") else None,
                 extra={"month": q.month or ""})


class JobForm(FlaskForm):
    reference = StringField(_l("Reference (RMA number and line, request number)"),
                            validators=[DataRequired(), Length(max=80)])
    department = SelectField(_l("Department"), choices=[(d, DEPARTMENT_LABELS[d]) for d in ASSESSED_DEPARTMENTS])
    completed_at = DateTimeLocalField(_l("Completed at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    customer_name = StringField(_l("Customer"), validators=[Optional(), Length(max=120)])
    customer_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    dealer_code = StringField(_l("Dealer code"), validators=[Optional(), Length(max=32)])


@bp.route("/jobs/new", methods=["GET", "POST"])
@require("supervision.jobs.create")
def new_job():
    from plugins.supervision.schemas import SupervisionJobIn
    from core.toolkit import validate

    form = JobForm()

    def run():
        data = {k: v for k, v in form.data.items() if k != "csrf_token" and v not in ("", None)}
        return services.create_job(validate(SupervisionJobIn, data), current_user)

    def after(job):
        if current_user.can("supervision.view"):
            return url_for("supervision.view_job", record_id=job.id)
        return url_for("supervision.new_job")

    return form_action(form, run, after,
                       lambda status: _render("supervision/form.html", status, form=form, title=_("Enter a completed job"),
                                              back=url_for("supervision.list_jobs") if current_user.can("supervision.view")
                                              else None),
                       success=_("The job is in the follow-up queue."))


class FeedbackFormForm(FlaskForm):
    channel = SelectField(_l("How the feedback came"), choices=[(c, FORM_CHANNEL_LABELS[c]) for c in FORM_CHANNELS])
    timeliness = SelectField(_l("Timeliness of service"), choices=[(g, g) for g in GRADES], default="C")
    repair_quality = SelectField(_l("Repair quality"), choices=[(g, g) for g in GRADES], default="C")
    attitude = SelectField(_l("Service attitude"), choices=[(g, g) for g in GRADES], default="C")
    comments = TextAreaField(_l("Comments"), validators=[Optional(), Length(max=4000)])


@bp.route("/jobs/<int:record_id>", methods=["GET", "POST"])
@require("supervision.view")
def view_job(record_id):
    job = services.get_job(record_id, current_user)
    form = FeedbackFormForm()
    status = 200
    if request.method == "POST":
        if not current_user.can("supervision.manage"):
            abort(403)
        if form.validate_on_submit():
            data = {k: v for k, v in form.data.items() if k != "csrf_token"}
            data["service_job_id"] = job.id
            if request.form.get("verify"):
                if job.form is None:
                    abort(404)
                return FORM_ACTIONS.handle_form(job.form.id, "verify",
                                                redirect_to=url_for("supervision.view_job", record_id=job.id),
                                                on_error=lambda _id, exc: _job_refused(record_id, form, exc))
            try:
                services.create_form(data, current_user)
                events.commit()
            except DomainError as exc:
                return _job_refused(record_id, form, exc)
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("supervision.view_job", record_id=job.id))
        else:
            status = 422
    return _job_page(job, form, status)


def _job_refused(record_id, form, exc: DomainError):
    _fail(exc)
    return _job_page(services.get_job(record_id, current_user), form, exc.status if exc.status in (409, 422) else 422)


def _job_page(job, form, status=200):
    return _render("supervision/job.html", status, job=job, form=form,
                   phone=services.mask_phone(job.customer_phone, current_user),
                   entries=activity.entries_for("supervision_feedback_form", job.form.id) if job.form else [])


# --- monthly assessments --------------------------------------------------------------

def _may_see_results():
    return current_user.can("supervision.view") or current_user.can("supervision.results")


class AssessmentForm(FlaskForm):
    month = StringField(_l("Month (YYYY-MM)"), validators=[DataRequired(), Length(min=7, max=7)])
    department = SelectField(_l("Department"), choices=[(d, DEPARTMENT_LABELS[d]) for d in ASSESSED_DEPARTMENTS])


ASSESSMENT_COLUMNS = [
    Column(_l("Month"), lambda r: r.month, Assessment.month, "month", link=True),
    Column(_l("Department"), lambda r: DEPARTMENT_LABELS[r.department]),
    Column(_l("Jobs"), lambda r: r.jobs),
    Column(_l("Average"), lambda r: services.fmt(r.average) or "—"),
    Column(_l("Change"), lambda r: services.fmt(r.delta) or "—"),
    Column(_l("Complaints"), lambda r: r.complaints),
    Column(_l("Net amount (yuan)"), lambda r: services.fmt(r.net_amount)),
    Column(_l("State"), lambda r: STATE_LABELS[r.state], Assessment.state, "state"),
]


@bp.route("/assessments", methods=["GET", "POST"])
@login_required
def list_assessments():
    if not _may_see_results():
        abort(403)
    form = AssessmentForm()
    if request.method == "POST":
        if not current_user.can("supervision.assess"):
            abort(403)
        if form.validate_on_submit():
            try:
                record, _created = services.create_assessment(form.month.data.strip(), form.department.data,
                                                              current_user)
                events.commit()
            except DomainError as exc:
                _fail(exc)
            else:
                return redirect(url_for("supervision.view_assessment", record_id=record.id))
    q, active = _args_query(department=ASSESSED_DEPARTMENTS, state=("draft", "submitted", "confirmed", "distributed"))
    filters = [Filter("department", _l("Department"), _choices(DEPARTMENT_LABELS, ASSESSED_DEPARTMENTS), None),
               Filter("state", _l("State"), _choices(STATE_LABELS, ("draft", "submitted", "confirmed", "distributed")),
                      None)]
    return _list(_("Monthly assessments"), services.assessment_stmt(current_user, q), ASSESSMENT_COLUMNS, "-month",
                 filters, active, q, "supervision.view_assessment",
                 extra={"assessment_form": form if current_user.can("supervision.assess") else None,
                        "chart": url_for("supervision.assessment_chart")})


def assessment_chart_spec(rows: list[dict]) -> dict:
    """The monthly average (line, −6..+6) over the complaints (bars, right-hand axis): the shared chart."""
    average, complaints = _("Average per job"), _("Complaints")
    months = [r["month"] for r in rows]
    return series_chart(months, [(average, {r["month"]: r["average"] for r in rows if r["average"] is not None}),
                                 (complaints, {r["month"]: r["complaints"] or 0 for r in rows})],
                        "line", y_min=-6, y_max=6, types={complaints: "bar"}, second_axis=[complaints],
                        y_name=average, y2_name=complaints)


def settings_int(key: str) -> int:
    from core.toolkit import settings

    return int(settings.get(key))


@bp.route("/assessments/chart")
@login_required
def assessment_chart():
    if not _may_see_results():
        abort(403)
    from core.toolkit import settings

    department = request.args.get("department")
    if department not in ASSESSED_DEPARTMENTS:
        department = next((r for r in ASSESSED_DEPARTMENTS if current_user.has_role(r)), "customer_service")
    rows = services.history(department, current_user, settings.get("supervision.chart_months"))
    passed_limit = settings.get("supervision.complaints_acceptable")
    return _render("supervision/chart.html", rows=rows, chart_spec=assessment_chart_spec(rows), department=department,
                   departments=ASSESSED_DEPARTMENTS, bands=services.complaint_bands(), acceptable=passed_limit,
                   sanction_at=settings.get("supervision.complaints_sanction_at"))


@bp.route("/assessments/<int:record_id>")
@login_required
def view_assessment(record_id):
    return _assessment_page(services.get_assessment(record_id, current_user))


def _assessment_page(record, status=200):
    return _render("supervision/assessment.html", status, record=record,
                   data=services.serialize_assessment(record, current_user),
                   actions=(actions := services.assessment_actions(record, current_user)), sanctions=SANCTIONS,
                   bar_actions=_bar(actions, "recompute"), action_labels=ASSESSMENT_ACTION_LABELS,
                   form=FlaskForm())


def _parse_lines(text: str) -> list[dict]:
    lines = []
    for i, raw in enumerate((text or "").splitlines()):
        raw = raw.strip()
        if not raw:
            continue
        parts = raw.replace(",", " ").replace("\t", " ").split()
        try:
            if len(parts) != 2:
                raise InvalidOperation
            lines.append({"username": parts[0], "amount": Decimal(parts[1])})
        except InvalidOperation:
            raise DomainError(_("Each line is a username and an amount."), {"lines": _("line %(n)s: %(text)s",
                                                                                     n=i + 1, text=raw)}) from None
    return lines


@bp.route("/assessments/<int:record_id>/<action>", methods=["POST"])
@login_required
def assessment_act(record_id, action):
    if action in ASSESSMENT_ACTIONS.actions:
        return ASSESSMENT_ACTIONS.handle_form(record_id, action, read_form=_read_assessment_form,
                                              on_error=_assessment_refused)
    if action != "recompute":
        abort(404)
    record = services.get_assessment(record_id, current_user)
    if not FlaskForm().validate_on_submit():
        return _assessment_page(record, 422)
    try:
        services.recompute(record, current_user, request.form.get("version", type=int))
        events.commit()
    except DomainError as exc:
        return _assessment_refused(record_id, exc)
    flash(_("Done."), "success")
    return redirect(url_for("supervision.view_assessment", record_id=record_id))


def _read_assessment_form(action, record) -> dict:
    fields = {"comment": (request.form.get("comment") or "").strip()[:2000]}
    if action.name == "confirm":
        fields["sanction"] = request.form.get("sanction") or None
    if action.name == "distribute":
        fields["lines"] = _parse_lines(request.form.get("lines", ""))
    return fields


def _assessment_refused(record_id, exc: DomainError):
    _fail(exc)
    return _assessment_page(services.get_assessment(record_id, current_user), exc.status if exc.status in (409, 422) else 422)


# --- inspections ----------------------------------------------------------------------

INSPECTION_COLUMNS = [
    Column(_l("Number"), lambda r: r.number, Inspection.number, "number", link=True),
    Column(_l("Visited"), lambda r: _dt(r.visited_at), Inspection.visited_at, "visited_at"),
    Column(_l("Subject"), lambda r: r.dealer.code if r.dealer else DEPARTMENT_LABELS.get(r.subject_department, "")),
    Column(_l("Inspector"), lambda r: _inspector(r)),
    Column(_l("Score"), lambda r: services.fmt(r.score) or "—"),
    Column(_l("State"), lambda r: STATE_LABELS[r.state], Inspection.state, "state"),
]


def _inspector(record) -> str:
    from plugins.supervision.visibility import inspector_name

    return inspector_name(record, current_user)


def _may_see_inspections():
    return (current_user.can("supervision.view") or current_user.can("supervision.results")
            or services.inspector_for(current_user) is not None)


@bp.route("/inspections")
@login_required
def list_inspections():
    if not _may_see_inspections():
        abort(403)
    q, active = _args_query(state=("draft", "submitted", "reviewed", "published"))
    filters = [Filter("state", _l("State"), _choices(STATE_LABELS, ("draft", "submitted", "reviewed", "published")),
                      None)]
    extra = {"inspectors": url_for("supervision.inspectors") if services.may_see_inspectors(current_user) else None,
             "templates": url_for("supervision.list_templates") if current_user.can("supervision.view") else None}
    return _list(_("Secret inspections"), services.inspection_stmt(current_user, q), INSPECTION_COLUMNS,
                 "-visited_at", filters, active, q, "supervision.view_inspection",
                 url_for("supervision.new_inspection") if services.inspector_for(current_user) else None, extra=extra)


class InspectionForm(FlaskForm):
    subject_department = SelectField(_l("Department inspected"), choices=[])
    dealer_code = StringField(_l("or dealer code (mystery-shopper visit)"), validators=[Optional(), Length(max=32)])
    visited_at = DateTimeLocalField(_l("Visited at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    template_id = SelectField(_l("Checklist"), choices=[], validate_choice=False)
    observations = TextAreaField(_l("Observations"), validators=[Optional(), Length(max=8000)])


@bp.route("/inspections/new", methods=["GET", "POST"])
@login_required
def new_inspection():
    from sqlalchemy import select

    if services.inspector_for(current_user) is None:
        abort(403)
    form = InspectionForm()
    form.subject_department.choices = [("", "—")] + [(d, DEPARTMENT_LABELS[d]) for d in
                                                     ("customer_service", "technical", "order_dept")]
    form.template_id.choices = [("", "—")] + [(str(t.id), t.name) for t in db.session.scalars(
        select(ChecklistTemplate).where(ChecklistTemplate.active.is_(True)).order_by(ChecklistTemplate.name))]

    def run():
        data = {"subject_department": form.subject_department.data or None,
                "dealer_code": (form.dealer_code.data or "").strip() or None, "visited_at": form.visited_at.data,
                "place": (form.place.data or "").strip(), "observations": form.observations.data or "",
                "template_id": int(form.template_id.data) if (form.template_id.data or "").isdigit() else None}
        return services.create_inspection(data, current_user)

    return form_action(form, run, lambda record: url_for("supervision.view_inspection", record_id=record.id),
                       lambda status: _render("supervision/form.html", status, form=form, title=_("New inspection"),
                                              back=url_for("supervision.list_inspections")))


class EvidenceForm(FlaskForm):
    file = FileField(_l("Photo, document or audio recording"), validators=[FileRequired()])


@bp.route("/inspections/<int:record_id>", methods=["GET", "POST"])
@login_required
def view_inspection(record_id):
    record = services.get_inspection(record_id, current_user)
    status = 200
    if request.method == "POST":  # the inspector's answers
        form = FlaskForm()
        if form.validate_on_submit():
            answers = [{"id": a.id, "answer": request.form.get(f"answer_{a.id}", a.answer),
                        "note": (request.form.get(f"note_{a.id}") or "")[:500]} for a in record.answers]
            answers = [a for a in answers if a["answer"] in ("yes", "no", "n_a")]
            try:
                services.update_inspection(record, {"answers": answers, "version": request.form.get("version", type=int),
                                                    "observations": request.form.get("observations")}, current_user)
                events.commit()
            except DomainError as exc:
                _fail(exc)
                status = exc.status if exc.status in (409, 422) else 422
                record = services.get_inspection(record_id, current_user)
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("supervision.view_inspection", record_id=record_id))
        else:
            status = 422
    return _inspection_page(record, status)


def _inspection_page(record, status=200, upload=None):
    from core.toolkit import attachments

    return _render("supervision/inspection.html", status, record=record,
                   inspector=_inspector(record),
                   actions=(actions := services.inspection_actions(record, current_user)), form=FlaskForm(),
                   bar_actions=_bar(actions, "edit"), action_labels=INSPECTION_ACTION_LABELS,
                   upload=upload or EvidenceForm(), evidence=attachments.list_for(services.EVIDENCE, record.id))


@bp.route("/inspections/<int:record_id>/<action>", methods=["POST"])
@login_required
def inspection_act(record_id, action):
    def read(act, record) -> dict:
        if not FlaskForm().validate_on_submit():
            raise ValidationError(_("Please correct the errors below."), {})
        return {}

    def refused(record_id, exc: DomainError):
        _fail(exc)
        return _inspection_page(services.get_inspection(record_id, current_user),
                                exc.status if exc.status in (409, 422) else 422)

    return INSPECTION_ACTIONS.handle_form(record_id, action, read_form=read, on_error=refused)


@bp.route("/inspections/<int:record_id>/evidence", methods=["POST"])
@login_required
def upload_evidence(record_id):
    record = services.get_inspection(record_id, current_user)
    form = EvidenceForm()
    if not form.validate_on_submit():
        return _inspection_page(record, 422, upload=form)
    try:
        services.add_evidence(record, form.file.data.filename or "file", form.file.data.read(), current_user)
        events.commit()
    except DomainError as exc:
        db.session.rollback()
        form.file.errors = list(form.file.errors) + list(exc.fields.values() or [exc.message])
        return _inspection_page(services.get_inspection(record_id, current_user), 422, upload=form)
    flash(_("Uploaded."), "success")
    return redirect(url_for("supervision.view_inspection", record_id=record_id))


@bp.route("/inspections/<int:record_id>/evidence/<int:attachment_id>")
@login_required
def evidence(record_id, attachment_id):
    from core.toolkit import attachment_response

    record = services.get_inspection(record_id, current_user)
    return attachment_response(services.get_evidence(record, attachment_id))


# --- checklist templates for inspections ------------------------------------------------

TEMPLATE_COLUMNS = [
    Column(_l("Name"), lambda r: r.name, ChecklistTemplate.name, "name", link=True),
    Column(_l("Items"), lambda r: len(r.items)),
    Column(_l("Total weight"), lambda r: sum(i.weight for i in r.items)),
    Column(_l("In use"), lambda r: _("yes") if r.active else _("no")),
]
BLANK_ROWS = 5


@bp.route("/checklist-templates")
@require("supervision.view")
def list_templates():
    from sqlalchemy import select

    q, active = _args_query(active=bool)
    stmt = select(ChecklistTemplate)
    if q.q:
        stmt = stmt.where(ChecklistTemplate.name.ilike(f"%{q.q}%"))
    if q.active is not None:
        stmt = stmt.where(ChecklistTemplate.active.is_(q.active))
    filters = [Filter("active", _l("In use"), lambda: [("1", _l("yes")), ("0", _l("no"))], None)]
    return _list(_("Checklist templates for secret inspections"), stmt, TEMPLATE_COLUMNS, "name", filters, active, q,
                 "supervision.edit_template",
                 url_for("supervision.edit_template") if current_user.can("supervision.manage") else None)


def _posted_items() -> list[dict]:
    """The item rows of the page (text_N / weight_N); a row left without text is dropped."""
    rows = []
    for n in range(services.MAX_TEMPLATE_ITEMS + BLANK_ROWS):
        text = (request.form.get(f"text_{n}") or "").strip()[:400]
        if text:
            rows.append({"text": text, "weight": (request.form.get(f"weight_{n}") or "").strip()[:6]})
    return rows


@bp.route("/checklist-templates/new", methods=["GET", "POST"], endpoint="edit_template")
@bp.route("/checklist-templates/<int:record_id>", methods=["GET", "POST"], endpoint="edit_template")
@require("supervision.view")
def edit_template(record_id=None):
    record = services.get_template(record_id, current_user) if record_id else None
    can_manage = current_user.can("supervision.manage")
    name = record.name if record else ""
    active = record.active if record else True
    items = [{"text": i.text, "weight": i.weight} for i in record.items] if record else []
    errors, status = {}, 200
    if request.method == "POST":
        if not can_manage:
            abort(403)
        name = (request.form.get("name") or "").strip()[:200]
        active = request.form.get("active") == "1"
        items = _posted_items()
        if not FlaskForm().validate_on_submit():
            abort(400)
        try:
            if record is None:
                record = services.create_template(name, items, current_user, active)
            else:
                services.update_template(record, current_user, name, items, active)
            events.commit()
        except DomainError as exc:
            db.session.rollback()
            record = services.get_template(record_id, current_user) if record_id else None
            errors, status = dict(exc.fields), 422
            flash(exc.message, "danger")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("supervision.edit_template", record_id=record.id))
    rows = items + [{"text": "", "weight": 1} for _n in range(BLANK_ROWS)] if can_manage else items
    return _render("supervision/template.html", status, record=record, name=name, active=active, rows=rows,
                   errors=errors, form=FlaskForm(), can_manage=can_manage,
                   total=sum(int(r["weight"]) for r in items if str(r["weight"]).isdigit()))


class InspectorForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])


@bp.route("/inspectors", methods=["GET", "POST"])
@require("supervision.inspectors")
def inspectors():
    form = InspectorForm()
    return form_action(form, lambda: services.designate_inspector(form.username.data.strip(), current_user,
                                                                  request.form.get("active", "1") == "1"),
                       url_for("supervision.inspectors"),
                       lambda status: _render("supervision/inspectors.html", status, form=form,
                                              items=services.list_inspectors(current_user),
                                              can_designate=current_user.can("supervision.manage")),
                       success=_("Saved."))


# --- customer visits ------------------------------------------------------------------

VISIT_COLUMNS = [
    Column(_l("Customer"), lambda r: r.customer_name, CustomerVisit.customer_name, "customer_name", link=True),
    Column(_l("Class"), lambda r: r.customer_class),
    Column(_l("Visited on"), lambda r: r.visited_on.isoformat(), CustomerVisit.visited_on, "visited_on"),
    Column(_l("Participants"), lambda r: r.participants),
    Column(_l("Follow-up done"), lambda r: _("yes") if r.follow_up_done else _("no")),
]


@bp.route("/visits")
@require("supervision.view")
def list_visits():
    q, active = _args_query(customer_class=("A", "B", "C"), follow_up_done=bool)
    filters = [Filter("customer_class", _l("Class"), lambda: [(c, c) for c in "ABC"], None),
               Filter("follow_up_done", _l("Follow-up done"), lambda: [("1", _l("yes")), ("0", _l("no"))], None)]
    return _list(_("Customer visits"), services.visit_stmt(current_user, q), VISIT_COLUMNS, "-visited_on", filters,
                 active, q, "supervision.edit_visit",
                 url_for("supervision.edit_visit") if current_user.can("supervision.manage") else None)


class VisitForm(FlaskForm):
    customer_name = StringField(_l("Customer"), validators=[DataRequired(), Length(max=120)])
    customer_class = SelectField(_l("Class"), choices=[(c, c) for c in "ABC"])
    dealer_code = StringField(_l("Dealer code"), validators=[Optional(), Length(max=32)])
    visited_on = DateField(_l("Visited on"), validators=[DataRequired()])
    participants = StringField(_l("Participants"), validators=[Optional(), Length(max=300)])
    opinions = TextAreaField(_l("Opinions"), validators=[Optional(), Length(max=8000)])
    follow_up = TextAreaField(_l("Follow-up"), validators=[Optional(), Length(max=4000)])
    follow_up_done = BooleanField(_l("Follow-up done"))


@bp.route("/visits/new", methods=["GET", "POST"], endpoint="edit_visit")
@bp.route("/visits/<int:record_id>", methods=["GET", "POST"], endpoint="edit_visit")
@require("supervision.view")
def edit_visit(record_id=None):
    record = services.get_visit(record_id, current_user) if record_id else None
    form = VisitForm(obj=record) if request.method == "GET" and record else VisitForm()
    if request.method == "POST" and not current_user.can("supervision.manage"):
        abort(403)

    def run():
        data = {k: v for k, v in form.data.items() if k != "csrf_token"}
        data["dealer_code"] = (data.get("dealer_code") or "").strip() or None
        if record is not None:
            data["version"] = request.form.get("version", type=int)
        return services.save_visit(data, current_user, record)

    return form_action(form, run, url_for("supervision.list_visits"),
                       lambda status: _render("supervision/form.html", status, form=form, record=record,
                                              title=record.customer_name if record else _("New customer visit"),
                                              back=url_for("supervision.list_visits"),
                                              readonly=not current_user.can("supervision.manage")),
                       success=_("Saved."))


# --- suggestions ----------------------------------------------------------------------

@bp.route("/suggestions")
@require("supervision.view")
def list_suggestions():
    q, active = _args_query(state=("new", "complaint", "improvement", "dismissed"))
    from core.toolkit import paginate_page as pp

    page = pp(services.suggestion_stmt(current_user, q).order_by(None),
              [Column(_l("Received"), lambda r: r.created_at, Suggestion.created_at, "created_at")], "-created_at")
    return _render("supervision/suggestions.html", page=page, q=q.q or "", active_filters=active,
                   filters=[Filter("state", _l("State"), _choices(STATE_LABELS, ("new", "complaint", "improvement",
                                                                                "dismissed")), None)],
                   form=FlaskForm(), departments=DEPARTMENTS, can_manage=current_user.can("supervision.manage"))


@bp.route("/suggestions/<int:record_id>/<action>", methods=["POST"])
@require("supervision.manage")
def suggestion_act(record_id, action):
    back = url_for("supervision.list_suggestions")

    def refused(_id, exc: DomainError):
        _fail(exc)
        return redirect(back)

    return SUGGESTION_ACTIONS.handle_form(record_id, action, redirect_to=back, on_error=refused,
                                          read_form=_read_suggestion_form)


def _read_suggestion_form(action, record) -> dict:
    if action.name != "to_complaint":
        return {"comment": (request.form.get("note") or "").strip()[:2000]}
    department = request.form.get("department")
    if department not in DEPARTMENTS:
        raise DomainError(_("Choose the department complained about."), {"department": _("required")})
    return {"department": department}


@bp.route("/suggest/poster.pdf")
@require("supervision.view")
def poster():
    from plugins.supervision.poster import poster_pdf

    place = (request.args.get("place") or "").strip()[:80]
    target = url_for("supervision_public.suggest", place=place or None, _external=True)
    resp = Response(poster_pdf(target, place), mimetype="application/pdf")
    resp.headers["Content-Disposition"] = 'inline; filename="suggestion-poster.pdf"'
    return resp


@public.route("/suggest", methods=["GET", "POST"])
def suggest():
    """The public suggestion form (no login): rate-limited per address, with a honeypot field."""
    status, errors, done = 200, {}, False
    values = {"place": (request.values.get("place") or "").strip()[:120]}
    if request.method == "POST":
        values = {k: (request.form.get(k) or "") for k in ("name", "contact", "place", "text", "website")}
        try:
            services.submit_suggestion(values, request.remote_addr)
            events.commit()
            done = True
        except DomainError as exc:
            db.session.rollback()
            if exc.code == "rate_limited":
                status = 429
                errors = {"text": _("Too many suggestions from your address; please try again later.")}
            else:
                status = 422
                errors = {k: _("Please fill this in.") if v == "required" else v for k, v in exc.fields.items()}
    return render_template("supervision/suggest.html", values=values, errors=errors, done=done), status


# --- dashboard widgets ----------------------------------------------------------------

def widget_queue():
    counts = services.dashboard_counts(current_user)
    return Markup(current_app.jinja_env.get_template("supervision/widget_queue.html").render(counts=counts))


def widget_assessment():
    record = db.session.scalar(services.assessment_stmt(current_user).limit(1))
    return Markup(current_app.jinja_env.get_template("supervision/widget_assessment.html").render(
        record=record, fmt=services.fmt, labels=LABELS))
