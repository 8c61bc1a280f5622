"""Pages: audits and their checklists, the programme, checklist templates, nonconformities and their
actions, improvement records and management reviews. Rules live in services; pages call them."""
from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.toolkit import (Column, form_action, DomainError, Filter, activity, db, events, paginate_page, require, with_badge)
from plugins.audit import serializers, services
from plugins.audit.actions import (AUDIT_ACTIONS, CORRECTIVE_ACTIONS, IMPROVEMENT_ACTIONS, NC_ACTIONS, REVIEW_ACTIONS)
from plugins.audit.models import (ACTION_KINDS, DEPARTMENTS, EFFECTIVENESS, NC_STATES, ORIGINS, RESULTS,
                                  SEVERITIES, SOURCES, Audit, AuditChecklistTemplate, CorrectiveAction,
                                  Improvement, ManagementReview, Nonconformity)

bp = Blueprint("audit", __name__, template_folder="templates", url_prefix="/audit")

DEPARTMENT_LABELS = {"order_dept": _l("Order department"), "technical": _l("Technical department"),
                     "customer_service": _l("Customer service department"), "supervision": _l("Supervision department"),
                     "hr": _l("Human resources")}
AUDIT_STATES = {"planned": _l("Planned"), "in_progress": _l("In progress"), "reported": _l("Reported"),
                "closed": _l("Closed"), "cancelled": _l("Cancelled")}
RESULT_LABELS = {"conform": _l("Conform"), "nonconform": _l("Nonconform"), "observation": _l("Observation"),
                 "not_applicable": _l("Not applicable")}
SEVERITY_LABELS = {"major": _l("Major"), "minor": _l("Minor"), "observation": _l("Observation")}
SOURCE_LABELS = {"audit": _l("Internal audit"), "complaint": _l("Complaint"), "inspection": _p("audit", "Inspection"),
                 "rma": _l("Return (RMA)"), "management_review": _l("Management review"),
                 "self_assessment": _l("Self-assessment"), "other": _l("Other")}
NC_STATE_LABELS = {"open": _p("audit", "Open"), "analysed": _l("Analysed"), "actions_planned": _l("Actions planned"),
                   "verifying": _l("Verifying"), "closed": _l("Closed"), "cancelled": _l("Cancelled")}
KIND_LABELS = {"containment": _l("Containment"), "corrective": _l("Corrective"), "preventive": _l("Preventive")}
ACTION_STATE_LABELS = {"open": _p("audit", "Open"), "done": _l("Done")}
ORIGIN_LABELS = {"nonconformity": _l("Nonconformity"), "management_review": _l("Management review"),
                 "complaint_trend": _l("Complaint trend"), "suggestion": _l("Suggestion"),
                 "self_assessment": _l("Self-assessment"), "other": _l("Other")}
IMP_STATE_LABELS = {"proposed": _p("audit", "Proposed"), "approved": _p("audit", "Approved"), "implemented": _l("Implemented"),
                    "evaluated": _l("Evaluated"), "closed": _l("Closed")}
EFFECTIVENESS_LABELS = {"effective": _l("Effective"), "partly": _l("Partly effective"),
                        "not_effective": _l("Not effective")}
REVIEW_STATE_LABELS = {"draft": _l("Draft"), "held": _l("Held"), "closed": _l("Closed")}
VERDICT_LABELS = {"effective": _l("Effective"), "not_effective": _l("Not effective")}
DECISION_LABELS = {"improvement": _l("Improvement"), "corrective": _l("Corrective action")}
BADGES = {"planned": "secondary", "in_progress": "primary", "reported": "info", "closed": "success",
          "cancelled": "dark", "open": "warning", "analysed": "info", "actions_planned": "primary",
          "verifying": "info", "proposed": "secondary", "approved": "primary", "implemented": "info",
          "evaluated": "info", "draft": "secondary", "held": "primary", "done": "success"}
LABELS = SimpleNamespace(department=DEPARTMENT_LABELS, audit_state=AUDIT_STATES, result=RESULT_LABELS,
                         severity=SEVERITY_LABELS, source=SOURCE_LABELS, nc_state=NC_STATE_LABELS, kind=KIND_LABELS,
                         action_state=ACTION_STATE_LABELS, origin=ORIGIN_LABELS, imp_state=IMP_STATE_LABELS,
                         effectiveness=EFFECTIVENESS_LABELS, review_state=REVIEW_STATE_LABELS,
                         verdict=VERDICT_LABELS, decision=DECISION_LABELS, badges=BADGES)


def department_label(code: str) -> str:
    return str(DEPARTMENT_LABELS.get(code, code))


def _action_labels(workflow, **extra) -> dict:
    """The status bar's button labels: each transition's own label, and ``extra`` for a page's other actions."""
    return {**{t.name: t.label for t in workflow.transitions}, **extra}


@bp.app_context_processor
def _labels():
    return {"audit_labels": LABELS}


def _names(text: str | None) -> list[str]:
    return [n.strip() for n in (text or "").replace("，", ",").replace("、", ",").split(",") if n.strip()]


def _render_list(title, stmt, columns, filters, default_sort, view_endpoint, new_url=None, export_url=None,
                 empty=None):
    active = {f.name: request.args.get(f.name) for f in filters if request.args.get(f.name)}
    page = paginate_page(stmt, columns, default_sort)
    columns = with_badge(columns, lambda r: LABELS.badges.get(r.state, "secondary"))
    return render_template("audit/list.html", title=title, page=page, columns=columns, filters=filters,
                           active_filters=active, q=request.args.get("q", ""), view_endpoint=view_endpoint,
                           new_url=new_url, export_url=export_url, empty=empty)


def _query(**allowed):
    """A list query from the request's arguments, keeping only allowed values."""
    args = request.args
    q = SimpleNamespace(q=(args.get("q") or "").strip() or None, sort=None)
    for key, values in allowed.items():
        value = args.get(key) or None
        if values == "bool":
            setattr(q, key, {"1": True, "0": False}.get(value))
        elif values is None:
            setattr(q, key, value)
        else:
            setattr(q, key, value if value in values else None)
    return q


def _choices(labels: dict):
    return lambda: [(k, str(v)) for k, v in labels.items()]


YES_NO = lambda: [("1", _("Yes")), ("0", _("No"))]  # noqa: E731


def _flash_refusal(exc: DomainError) -> None:
    flash(exc.message, "danger")
    for key, message in exc.fields.items():
        flash(f"{key}: {message}", "danger")


def _act(fn, endpoint, record_id):
    """Run one action, commit, and go back to the record page (errors flashed)."""
    try:
        fn()
        events.commit()
    except DomainError as exc:
        db.session.rollback()
        _flash_refusal(exc)
    else:
        flash(_("Saved."), "success")
    return redirect(url_for(endpoint, record_id=record_id))


# --- checklist templates --------------------------------------------------------------------

TEMPLATE_COLUMNS = [
    Column(_l("Name"), lambda t: t.name, AuditChecklistTemplate.name, "name", link=True),
    Column(_l("Items"), lambda t: len(t.items)),
    Column(_p("audit", "Active"), lambda t: _("Yes") if t.active else _("No")),
]


class TemplateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_p("audit", "Description"), validators=[Optional(), Length(max=2000)])
    items = TextAreaField(_l("Items (one per line: question | clause)"), validators=[DataRequired(), Length(max=100000)])


@bp.route("/templates/")
@require("audit.view")
def list_templates():
    q = _query()
    stmt = services.templates_stmt(q).order_by(None)
    return _render_list(_("Checklist templates"), stmt, TEMPLATE_COLUMNS, [], "name", "audit.view_template",
                        new_url=url_for("audit.new_template") if current_user.can("audit.manage") else None)


@bp.route("/templates/new", methods=["GET", "POST"])
@require("audit.manage")
def new_template():
    form = TemplateForm()

    def build():
        items = []
        for line in form.items.data.splitlines():
            if line.strip():
                question, _sep, reference = line.partition("|")
                items.append({"question": question.strip()[:1000], "reference": reference.strip()[:200]})
        return {"name": form.name.data.strip(), "description": form.description.data or "", "items": items}

    return _create_page(form, build, services.create_template, "audit.view_template", _("New checklist template"),
                        url_for("audit.list_templates"))


@bp.route("/templates/<int:record_id>")
@require("audit.view")
def view_template(record_id):
    record = services.get_template(record_id)
    return render_template("audit/template_detail.html", record=record,
                           entries=activity.entries_for("audit_checklist_template", record.id))


def _create_page(form, build, create, endpoint, title, back_url):
    """The create pages: a valid form goes to the service, its field errors land on the form (422)."""
    return form_action(form, lambda: create(build(), current_user),
                       lambda record: url_for(endpoint, record_id=record.id),
                       lambda status: (render_template("audit/form.html", form=form, title=title, back_url=back_url),
                                       status))


# --- audits ---------------------------------------------------------------------------------

AUDIT_COLUMNS = [
    Column(_p("audit", "Number"), lambda a: a.number, Audit.number, "number", link=True),
    Column(_l("Title"), lambda a: a.title),
    Column(_l("Planned on"), lambda a: a.planned_on.isoformat(), Audit.planned_on, "planned_on"),
    Column(_l("Departments"), lambda a: "、".join([department_label(d) for d in a.departments] + list(a.dealer_codes))),
    Column(_l("Lead auditor"), lambda a: a.lead_auditor.display_name or a.lead_auditor.username),
    Column(_l("State"), lambda a: AUDIT_STATES[a.state], Audit.state, "state"),
]
AUDIT_FILTERS = [Filter("state", _l("State"), _choices(AUDIT_STATES), None)]


class AuditForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    planned_on = DateField(_l("Planned on"), validators=[DataRequired()])
    departments = SelectMultipleField(_l("Departments"), choices=[], validate_choice=False)
    dealer_codes = StringField(_l("Dealer codes (comma separated)"), validators=[Optional(), Length(max=2000)])
    lead_auditor = StringField(_l("Lead auditor (username)"), validators=[DataRequired(), Length(max=64)])
    auditors = StringField(_l("Auditors (usernames, comma separated)"), validators=[Optional(), Length(max=1000)])
    auditees = StringField(_l("Auditees (usernames, comma separated)"), validators=[Optional(), Length(max=2000)])
    template_id = SelectField(_l("Checklist template"), choices=[], validate_choice=False)
    criteria = StringField(_l("Criteria"), validators=[Optional(), Length(max=2000)])
    scope = TextAreaField(_l("Scope"), validators=[Optional(), Length(max=5000)])


@bp.route("/audits/")
@require("audit.view")
def list_audits():
    q = _query(state=AUDIT_STATES)
    return _render_list(_("Internal audits"), services.audits_stmt(q).order_by(None), AUDIT_COLUMNS, AUDIT_FILTERS,
                        "-planned_on", "audit.view_audit",
                        new_url=url_for("audit.new_audit") if current_user.can("audit.manage") else None)


@bp.route("/audits/new", methods=["GET", "POST"])
@require("audit.manage")
def new_audit():
    form = AuditForm()
    form.departments.choices = [(d, str(DEPARTMENT_LABELS[d])) for d in DEPARTMENTS]
    form.template_id.choices = [("", _("(none)"))] + [
        (str(t.id), t.name) for t in db.session.scalars(select(AuditChecklistTemplate).where(
            AuditChecklistTemplate.active.is_(True)).order_by(AuditChecklistTemplate.name))]
    if request.method == "GET":
        form.lead_auditor.data = current_user.username

    def build():
        data = {"title": form.title.data.strip(), "planned_on": form.planned_on.data,
                "departments": list(form.departments.data or []), "dealer_codes": _names(form.dealer_codes.data),
                "lead_auditor": form.lead_auditor.data.strip(), "auditors": _names(form.auditors.data),
                "auditees": _names(form.auditees.data), "scope": form.scope.data or "",
                "criteria": (form.criteria.data or "").strip() or None,
                "template_id": int(form.template_id.data) if form.template_id.data else None}
        return data

    return _create_page(form, build, services.create_audit, "audit.view_audit", _("Plan an internal audit"),
                        url_for("audit.list_audits"))


@bp.route("/audits/<int:record_id>")
@require("audit.view")
def view_audit(record_id):
    audit = services.get_audit(record_id)
    actions = [t.name for t in services.audit_workflow.allowed(audit, current_user)]
    return render_template("audit/audit_detail.html", record=audit, actions=actions,
                           action_labels=_action_labels(services.audit_workflow),
                           ncs=serializers.nc_numbers_by_item([audit]), files=services.item_attachments([audit]),
                           form=FlaskForm(),
                           can_manage=current_user.can("audit.manage"),
                           can_raise=current_user.can("audit.nc_raise"))


@bp.route("/audits/<int:record_id>/items/<int:item_id>", methods=["POST"])
@require("audit.manage")
def answer_item(record_id, item_id):
    audit = services.get_audit(record_id)
    data = {"result": request.form.get("result") or None, "evidence": request.form.get("evidence", "")[:5000]}
    if data["result"] not in RESULTS:
        data["result"] = None
    return _act(lambda: services.update_item(audit, item_id, data, current_user), "audit.view_audit", record_id)


@bp.route("/audits/<int:record_id>/items/<int:item_id>/evidence", methods=["POST"])
@require("audit.manage")
def upload_evidence(record_id, item_id):
    audit = services.get_audit(record_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file."), "danger")
        return redirect(url_for("audit.view_audit", record_id=record_id))
    return _act(lambda: services.add_item_attachment(audit, item_id, upload.filename, upload.read(), current_user),
                "audit.view_audit", record_id)


@bp.route("/audits/<int:record_id>/items/<int:item_id>/evidence/<int:attachment_id>")
@require("audit.view")
def evidence(record_id, item_id, attachment_id):
    from core.toolkit import attachment_response

    return attachment_response(services.get_item_attachment(services.get_audit(record_id), item_id, attachment_id))


@bp.route("/audits/<int:record_id>/act/<action>", methods=["POST"])
@require("audit.manage")
def act_audit(record_id, action):
    return AUDIT_ACTIONS.handle_form(record_id, action)


@bp.route("/programme")
@require("audit.view")
def programme():
    try:
        year = int(request.args.get("year", services.today().year))
    except ValueError:
        year = services.today().year
    year = min(max(year, 2000), 2100)
    return render_template("audit/programme.html", p=services.programme(year), year=year)


# --- nonconformities ------------------------------------------------------------------------

NC_COLUMNS = [
    Column(_p("audit", "Number"), lambda n: n.number, Nonconformity.number, "number", link=True),
    Column(_l("Title"), lambda n: n.title),
    Column(_l("Severity"), lambda n: SEVERITY_LABELS[n.severity], Nonconformity.severity, "severity"),
    Column(_l("Department"), lambda n: department_label(n.department)),
    Column(_l("Source"), lambda n: SOURCE_LABELS.get(n.source, n.source)),
    Column(_l("Owner"), lambda n: n.owner.username if n.owner else ""),
    Column(_l("Due on"), lambda n: n.due_on.isoformat() if n.due_on else "", Nonconformity.due_on, "due_on"),
    Column(_l("State"), lambda n: NC_STATE_LABELS[n.state], Nonconformity.state, "state"),
]
NC_FILTERS = [
    Filter("state", _l("State"), _choices(NC_STATE_LABELS), None),
    Filter("severity", _l("Severity"), _choices(SEVERITY_LABELS), None),
    Filter("department", _l("Department"), _choices(DEPARTMENT_LABELS), None),
    Filter("source", _l("Source"), _choices(SOURCE_LABELS), None),
    Filter("overdue", _l("Overdue"), YES_NO, None),
]


class NonconformityForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_p("audit", "Description"), validators=[Optional(), Length(max=5000)])
    severity = SelectField(_l("Severity"), choices=[])
    source = SelectField(_l("Source"), choices=[])
    department = SelectField(_l("Department"), choices=[], validate_choice=False)
    dealer_code = StringField(_l("Dealer code (a nonconformity of a dealer)"), validators=[Optional(), Length(max=32)])
    owner = StringField(_l("Owner (username)"), validators=[Optional(), Length(max=64)])
    due_on = DateField(_l("Due on"), validators=[Optional()])
    audit_id = IntegerField(_l("Audit"), validators=[Optional()])
    audit_item_id = IntegerField(_l("Checklist item"), validators=[Optional()])
    source_model = StringField(_l("Source record type"), validators=[Optional(), Length(max=64)])
    source_id = IntegerField(_l("Source record"), validators=[Optional()])


@bp.route("/nonconformities/")
@require("audit.nc_view")
def list_nonconformities():
    q = _query(state=NC_STATES, severity=SEVERITIES, department=None, source=SOURCES, overdue="bool")
    return _render_list(_("Nonconformities"), services.nonconformities_stmt(q).order_by(None), NC_COLUMNS, NC_FILTERS,
                        "-number", "audit.view_nonconformity",
                        new_url=url_for("audit.new_nonconformity") if current_user.can("audit.nc_raise") else None)


@bp.route("/nonconformities/new", methods=["GET", "POST"])
@require("audit.nc_raise")
def new_nonconformity():
    form = NonconformityForm()
    form.severity.choices = [(s, str(SEVERITY_LABELS[s])) for s in SEVERITIES]
    form.source.choices = [(s, str(SOURCE_LABELS[s])) for s in SOURCES]
    form.department.choices = [("", _("(from the dealer or source record)"))] + [
        (d, str(DEPARTMENT_LABELS[d])) for d in DEPARTMENTS]
    if request.method == "GET":
        args = request.args
        form.source_model.data = args.get("source_model") or None
        form.source_id.data = args.get("source_id", type=int)
        form.audit_id.data = args.get("audit_id", type=int)
        form.audit_item_id.data = args.get("audit_item_id", type=int)
        if form.audit_id.data:
            form.source.data = "audit"
        registered = services.nonconformity_sources().get(form.source_model.data or "")
        if registered:
            form.source.data = registered["source"]

    def build():
        data = {"title": form.title.data.strip(), "description": form.description.data or "",
                "severity": form.severity.data, "source": form.source.data,
                "department": form.department.data or None, "dealer_code": (form.dealer_code.data or "").strip() or None,
                "owner": (form.owner.data or "").strip() or None, "due_on": form.due_on.data,
                "audit_id": form.audit_id.data, "audit_item_id": form.audit_item_id.data,
                "source_model": (form.source_model.data or "").strip() or None, "source_id": form.source_id.data}
        return data

    return _create_page(form, build, services.create_nonconformity, "audit.view_nonconformity", _("Raise a nonconformity"),
                        url_for("audit.list_nonconformities"))


@bp.route("/nonconformities/<int:record_id>")
@require("audit.nc_view")
def view_nonconformity(record_id):
    nc = services.get_nonconformity(record_id)
    allowed = services.nc_allowed_actions(nc, current_user) if current_user.can("audit.nc_work") else []
    return render_template("audit/nc_detail.html", record=nc, allowed=allowed, form=FlaskForm(),
                           action_labels=_action_labels(services.nc_workflow, add_action=_l("Add corrective action"),
                                                        verify=_l("Record the effectiveness check")),
                           due=services.verification_due_on(nc), today=services.today(),
                           is_overdue=services.is_overdue, user_id=current_user.id,
                           can_work=current_user.can("audit.nc_work"), is_auditor=services._is_auditor(current_user))


@bp.route("/nonconformities/<int:record_id>/act/<action>", methods=["POST"])
@require("audit.nc_work")
def act_nonconformity(record_id, action):
    if action != "add_action":
        return NC_ACTIONS.handle_form(record_id, action)
    nc = services.get_nonconformity(record_id)
    return _act(lambda: services.add_action(nc, _action_data(request.form), current_user),
                "audit.view_nonconformity", record_id)


def _action_data(f) -> dict:
    from datetime import date

    try:
        due = date.fromisoformat(f.get("due_on", ""))
    except ValueError:
        raise DomainError(_("Please correct the errors below."), {"due_on": _("Enter a date.")}) from None
    return {"kind": f.get("kind"), "description": (f.get("description") or "").strip()[:2000] or "-",
            "owner": (f.get("owner") or "").strip(), "due_on": due}


@bp.route("/actions/<int:action_id>/done", methods=["POST"])
@require("audit.nc_work")
def action_done(action_id):
    return CORRECTIVE_ACTIONS.handle_form(action_id, "done")


ACTION_COLUMNS = [
    Column(_l("Nonconformity"), lambda a: a.nonconformity.number, CorrectiveAction.nonconformity_id, "nonconformity_id",
           link=True),
    Column(_p("audit", "Kind"), lambda a: KIND_LABELS[a.kind]),
    Column(_p("audit", "Description"), lambda a: a.description),
    Column(_l("Owner"), lambda a: a.owner.username),
    Column(_l("Due on"), lambda a: a.due_on.isoformat() + (" ⚠" if services.is_overdue(a) else ""),
           CorrectiveAction.due_on, "due_on"),
    Column(_l("State"), lambda a: ACTION_STATE_LABELS[a.state], CorrectiveAction.state, "state"),
]
ACTION_FILTERS = [Filter("state", _l("State"), _choices(ACTION_STATE_LABELS), None),
                  Filter("overdue", _l("Overdue"), YES_NO, None),
                  Filter("mine", _l("Mine"), YES_NO, None)]


@bp.route("/actions/")
@require("audit.nc_work")
def list_actions():
    q = _query(state=("open", "done"), overdue="bool", kind=ACTION_KINDS)
    if request.args.get("mine") == "1":
        q.owner = current_user.username
    return _render_list(_("Corrective actions"), services.actions_stmt(q).order_by(None), ACTION_COLUMNS,
                        ACTION_FILTERS, "due_on", "audit.view_action")


@bp.route("/actions/<int:record_id>")
@require("audit.nc_view")
def view_action(record_id):
    return redirect(url_for("audit.view_nonconformity", record_id=services.get_action(record_id).nonconformity_id))


# --- improvements ---------------------------------------------------------------------------

IMP_COLUMNS = [
    Column(_p("audit", "Number"), lambda r: r.number, Improvement.number, "number", link=True),
    Column(_l("Title"), lambda r: r.title),
    Column(_l("Origin"), lambda r: ORIGIN_LABELS[r.origin]),
    Column(_l("Owner"), lambda r: r.owner.username),
    Column(_l("Due on"), lambda r: (r.due_on.isoformat() if r.due_on else "")
           + (" ⚠" if services.improvement_overdue(r) else ""), Improvement.due_on, "due_on"),
    Column(_l("State"), lambda r: IMP_STATE_LABELS[r.state], Improvement.state, "state"),
    Column(_l("Effectiveness"), lambda r: EFFECTIVENESS_LABELS[r.effectiveness] if r.effectiveness else ""),
]
IMP_FILTERS = [Filter("state", _l("State"), _choices(IMP_STATE_LABELS), None),
               Filter("origin", _l("Origin"), _choices(ORIGIN_LABELS), None),
               Filter("overdue", _l("Overdue"), YES_NO, None)]


class ImprovementForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    origin = SelectField(_l("Origin"), choices=[])
    link = StringField(_l("Link (record number or address)"), validators=[Optional(), Length(max=300)])
    owner = StringField(_l("Owner (username)"), validators=[Optional(), Length(max=64)])
    indicator = StringField(_l("Indicator (what is measured)"), validators=[Optional(), Length(max=200)])
    baseline = StringField(_l("Baseline"), validators=[Optional(), Length(max=200)])
    target = StringField(_l("Target"), validators=[Optional(), Length(max=200)])
    due_on = DateField(_l("Due on"), validators=[Optional()])
    description = TextAreaField(_p("audit", "Description"), validators=[Optional(), Length(max=5000)])


def _imp_query():
    q = _query(state=tuple(IMP_STATE_LABELS), origin=ORIGINS, owner=None, overdue="bool")
    return q


@bp.route("/improvements/")
@require("audit.view")
def list_improvements():
    q = _imp_query()
    export = url_for("audit.export_improvements", **request.args.to_dict())
    return _render_list(_("Improvement records"), services.improvements_stmt(q).order_by(None), IMP_COLUMNS,
                        IMP_FILTERS, "-number", "audit.view_improvement", export_url=export,
                        new_url=url_for("audit.new_improvement") if current_user.can("audit.improvement_propose") else None)


@bp.route("/improvements/export")
@require("audit.view")
def export_improvements():
    from plugins.audit.exports import improvements_export

    return improvements_export(_imp_query(), "csv" if request.args.get("format") == "csv" else "xlsx")


@bp.route("/improvements/new", methods=["GET", "POST"])
@require("audit.improvement_propose")
def new_improvement():
    form = ImprovementForm()
    form.origin.choices = [(o, str(ORIGIN_LABELS[o])) for o in ORIGINS]
    if request.method == "GET":
        form.owner.data = current_user.username

    def build():
        data = {k: (getattr(form, k).data or "").strip() for k in ("title", "link", "indicator", "baseline", "target")}
        data.update(origin=form.origin.data, owner=(form.owner.data or "").strip() or None,
                    description=form.description.data or "", due_on=form.due_on.data)
        return data

    return _create_page(form, build, services.create_improvement, "audit.view_improvement", _("Propose an improvement"),
                        url_for("audit.list_improvements"))


@bp.route("/improvements/<int:record_id>")
@require("audit.view")
def view_improvement(record_id):
    record = services.get_improvement(record_id)
    return render_template("audit/improvement_detail.html", record=record, form=FlaskForm(),
                           action_labels=_action_labels(services.improvement_workflow),
                           allowed=services.improvement_allowed_actions(record, current_user),
                           overdue=services.improvement_overdue(record))


@bp.route("/improvements/<int:record_id>/act/<action>", methods=["POST"])
@require("audit.view")
def act_improvement(record_id, action):
    return IMPROVEMENT_ACTIONS.handle_form(record_id, action)


# --- management reviews ---------------------------------------------------------------------

REVIEW_COLUMNS = [
    Column(_p("audit", "Number"), lambda r: r.number, ManagementReview.number, "number", link=True),
    Column(_l("Period"), lambda r: f"{r.period_from.isoformat()} – {r.period_to.isoformat()}",
           ManagementReview.period_to, "period_to"),
    Column(_l("Held on"), lambda r: r.held_on.isoformat() if r.held_on else ""),
    Column(_l("Chair"), lambda r: r.chair.display_name or r.chair.username),
    Column(_l("State"), lambda r: REVIEW_STATE_LABELS[r.state]),
]


class ReviewForm(FlaskForm):
    period_from = DateField(_l("Period from"), validators=[DataRequired()])
    period_to = DateField(_l("Period to"), validators=[DataRequired()])
    chair = StringField(_l("Chair (username)"), validators=[DataRequired(), Length(max=64)])
    participants = StringField(_l("Participants (usernames, comma separated)"), validators=[Optional(), Length(max=2000)])


@bp.route("/reviews/")
@require("audit.view")
def list_reviews():
    q = _query(state=tuple(REVIEW_STATE_LABELS))
    return _render_list(_("Management reviews"), services.reviews_stmt(q).order_by(None), REVIEW_COLUMNS,
                        [Filter("state", _l("State"), _choices(REVIEW_STATE_LABELS), None)], "-period_to",
                        "audit.view_review",
                        new_url=url_for("audit.new_review") if current_user.can("audit.review") else None)


@bp.route("/reviews/new", methods=["GET", "POST"])
@require("audit.review")
def new_review():
    form = ReviewForm()
    if request.method == "GET":
        form.chair.data = current_user.username

    def build():
        data = {"period_from": form.period_from.data, "period_to": form.period_to.data,
                "chair": form.chair.data.strip(), "participants": _names(form.participants.data)}
        return data

    return _create_page(form, build, services.create_review, "audit.view_review", _("Open a management review"),
                        url_for("audit.list_reviews"))


@bp.route("/reviews/<int:record_id>")
@require("audit.view")
def view_review(record_id):
    review = services.get_review(record_id)
    return render_template("audit/review_detail.html", record=review, form=FlaskForm(),
                           action_labels=_action_labels(services.review_workflow),
                           allowed=[t.name for t in services.review_workflow.allowed(review, current_user)],
                           today=services.today())


@bp.route("/reviews/<int:record_id>/act/<action>", methods=["POST"])
@require("audit.review")
def act_review(record_id, action):
    return REVIEW_ACTIONS.handle_form(record_id, action)


@bp.route("/reviews/<int:record_id>/minutes.pdf")
@require("audit.view")
def review_minutes(record_id):
    from plugins.audit.minutes import minutes_response

    return minutes_response(services.get_review(record_id))


__all__ = ["bp", "department_label", "EFFECTIVENESS", "SEVERITIES"]
