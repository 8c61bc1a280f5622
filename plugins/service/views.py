"""Pages: request list and queue, the request form, the request page with its actions, the visit page."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms import (BooleanField, DateField, DateTimeLocalField, DecimalField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.toolkit import (Column, form_action, place_form_errors, Dealer, DomainError, Filter, User, activity, business_zone,
                          db, events, fixed_texts, local_dt, paginate_page, require, scoped, settings, translated_filters,
                          with_badge, ValidationError)
from plugins.service import reports, services
from plugins.service.actions import ACTIONS
from plugins.service.models import CHANNELS, STATES, VISIT_RESULTS, ServiceRequest

bp = Blueprint("service", __name__, template_folder="templates", url_prefix="/service")
STATIC_DIR = Path(__file__).parent / "static" / "service"

CHANNEL_LABELS = {"hotline": _l("Hotline"), "online": _l("Online"), "in_store": _l("In store"),
                  "dealer": _l("Dealer")}
STATE_LABELS = {"received": _l("Received"), "replied": _l("Replied"), "scheduled": _l("Scheduled"),
                "on_site": _l("On site"), "resolved": _l("Resolved"), "taken_back": _l("Taken back"),
                "closed": _l("Closed"), "cancelled": _l("Cancelled")}
STATE_BADGES = {"received": "warning text-dark", "replied": "info text-dark", "scheduled": "primary",
                "on_site": "primary", "resolved": "success", "taken_back": "secondary", "closed": "dark",
                "cancelled": "light text-dark"}
RESULT_LABELS = {"solved": _l("Solved"), "unsolved": _l("Not solved"), "taken_back": _l("Unit taken back")}
ACTION_LABELS = {"reply": _l("Reply"), "schedule": _l("Schedule a visit"), "quote": _l("Quote a fee"),
                 "accept_quote": _l("Customer accepts the quote"), "start_visit": _l("Start the visit"),
                 "resolve": _l("Resolve"), "take_back": _l("Take the unit back"), "close": _l("Close"),
                 "cancel": _l("Cancel"), "assign": _l("Assign")}
WARRANTY_BASIS = {"purchase_voucher": _l("purchase voucher"), "sale_label": _l("sale-date label"),
                  "production": _l("production date")}


def _labels():
    return SimpleNamespace(channel=CHANNEL_LABELS, state=STATE_LABELS, result=RESULT_LABELS, action=ACTION_LABELS,
                           basis=WARRANTY_BASIS)


@bp.route("/signature.js")
@require("service.view")
def script():
    """The signature pad and countdown script (same-origin, as the CSP requires)."""
    return send_from_directory(STATIC_DIR, "signature.js", mimetype="text/javascript")


# --- lists ---------------------------------------------------------------------------------

COLUMNS = [
    Column(_l("Number"), lambda r: r.number, ServiceRequest.number, "number", link=True),
    Column(_l("Received"), lambda r: r.received_at, ServiceRequest.received_at, "received_at"),
    Column(_l("Channel"), lambda r: CHANNEL_LABELS.get(r.channel, r.channel), ServiceRequest.channel, "channel"),
    Column(_l("Customer"), lambda r: r.customer_name, ServiceRequest.customer_name, "customer_name"),
    Column(_l("Dealer"), lambda r: r.dealer.code if r.dealer else ""),
    Column(_l("Reply due"), lambda r: r.reply_due_at, ServiceRequest.reply_due_at, "reply_due_at"),
    Column(_l("Assignee"), lambda r: (r.assignee.display_name or r.assignee.username) if r.assignee else ""),
    Column(_l("State"), lambda r: STATE_LABELS.get(r.state, r.state), ServiceRequest.state, "state"),
]
FILTERS = [
    Filter("state", _l("State"), lambda: [(s, STATE_LABELS[s]) for s in STATES], None, static=True),
    Filter("channel", _l("Channel"), lambda: [(c, CHANNEL_LABELS[c]) for c in CHANNELS], None, static=True),
    Filter("overdue", _l("Reply"), lambda: [("1", _l("Overdue")), ("0", _l("Not overdue"))], None, static=True),
    Filter("in_warranty", _l("Warranty"), lambda: [("1", _l("In warranty")), ("0", _l("Out of warranty"))], None, static=True),
    Filter("open", _l("Open"), lambda: [("1", _l("Open only"))], None, static=True),
]


def _list_query():
    args = request.args
    q = SimpleNamespace(q=(args.get("q") or "").strip()[:100] or None, state=None, channel=None, overdue=None,
                        in_warranty=None, open=args.get("open") == "1", sort=None,
                        dealer_code=(args.get("dealer_code") or "").strip()[:32] or None)
    if args.get("state") in STATES:
        q.state = args["state"]
    if args.get("channel") in CHANNELS:
        q.channel = args["channel"]
    for key in ("overdue", "in_warranty"):
        if args.get(key) in ("1", "0"):
            setattr(q, key, args[key] == "1")
    active = {f.name: args.get(f.name) for f in FILTERS if args.get(f.name)}
    return q, active


def _render_list(stmt, title, queue=False, default_sort="-received_at"):
    page = paginate_page(stmt, COLUMNS, default_sort)
    q, active = _list_query()
    moment = services.now()
    texts = fixed_texts("service requests", _list_texts)
    cells = _list_cells(texts, moment)
    columns = [replace(c, html=cells[c.key]) if c.key in cells else c for c in texts["columns"]]
    return render_template("service/list.html", page=page, columns=columns,
                           filters=translated_filters("service requests", FILTERS), active_filters=active,
                           q=q.q or "", title=title, queue=queue, labels=_labels(), badges=STATE_BADGES,
                           now=moment, overdue=services.reply_overdue,
                           can_create=current_user.can("service.create"))


def _list_texts() -> dict:
    """The list's fixed texts in one language (``fixed_texts``: once per app and language): the columns
    with their titles translated and the state badge, the "overdue" badge."""
    return {"columns": [replace(c, label=str(c.label))
                        for c in with_badge(COLUMNS, lambda r: STATE_BADGES.get(r.state, "secondary"))],
            "overdue": str(Markup('<span class="badge bg-danger">%s</span>') % _("Overdue"))}


def _list_cells(texts: dict, moment) -> dict:
    """The list's own cells (``Column.html``), written in Python: the time received and the reply due
    (with "overdue" or the countdown while received) in the user's zone. Each was a Jinja ``caller``
    block called per cell (100 macro calls for a page of 50)."""
    overdue = texts["overdue"]

    def reply_due(r):
        shown = ""
        if r.state == "received":
            shown = overdue if services.reply_overdue(r, moment) else (
                f'<span class="small text-muted" data-countdown="{escape(r.reply_due_at.isoformat())}"></span>')
        return f"{escape(local_dt(r.reply_due_at))}\n        {shown}"
    return {"reply_due_at": reply_due, "received_at": lambda r: escape(local_dt(r.received_at))}


@bp.route("/")
@require("service.view")
def list_requests():
    q, _active = _list_query()
    return _render_list(services.list_stmt(q, current_user).order_by(None), _("Service requests"))


@bp.route("/queue")
@require("service.view")
def queue():
    """The caller's open requests, the reply due soonest first."""
    q, _active = _list_query()
    inner = services.list_stmt(q, current_user).order_by(None).with_only_columns(ServiceRequest.id)
    stmt = services.queue_stmt(current_user).order_by(None).where(ServiceRequest.id.in_(inner))
    return _render_list(stmt, _("My service queue"), queue=True, default_sort="reply_due_at")


# --- the request form ---------------------------------------------------------------------


class RequestForm(FlaskForm):
    channel = SelectField(_l("Channel"), choices=[(c, CHANNEL_LABELS[c]) for c in CHANNELS])
    dealer_code = SelectField(_l("Dealer"), choices=[], validate_choice=False)
    received_at = DateTimeLocalField(_l("Received at"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    customer_name = StringField(_l("Customer name"), validators=[DataRequired(), Length(max=120)])
    customer_phone = StringField(_l("Customer phone"), validators=[DataRequired(), Length(max=32)])
    customer_address = StringField(_l("Customer address"), validators=[Optional(), Length(max=300)])
    sku = StringField(_l("SKU"), validators=[Optional(), Length(max=64)])
    serial = StringField(_l("Serial number"), validators=[Optional(), Length(max=64)])
    purchase_date = DateField(_l("Purchase voucher date"), validators=[Optional()])
    sale_date = DateField(_l("Sale-date label"), validators=[Optional()])
    production_date = DateField(_l("Production date"), validators=[Optional()])
    problem = TextAreaField(_l("Problem"), validators=[DataRequired(), Length(max=4000)])


@bp.route("/new", methods=["GET", "POST"])
@require("service.create")
def new_request():
    form = RequestForm()
    staff = current_user.scope != "dealer"
    if staff:
        form.dealer_code.choices = [("", "—")] + [(d.code, f"{d.code} {d.name}") for d in db.session.scalars(
            scoped(select(Dealer), Dealer).order_by(Dealer.code).limit(2000)).unique()]
    else:
        del form.dealer_code
        del form.channel

    def run():
        data = {k: getattr(form, k).data for k in ("received_at", "customer_name", "customer_phone",
                                                    "customer_address", "sku", "serial", "purchase_date",
                                                    "sale_date", "production_date", "problem")}
        data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
        if staff:
            data["channel"] = form.channel.data
            data["dealer_code"] = form.dealer_code.data or None
        return services.create_request(data, current_user)

    return form_action(form, run, lambda record: url_for("service.view_request", record_id=record.id),
                       lambda status: (render_template("service/form.html", form=form), status),
                       success=lambda record: _("Service request %(number)s recorded.", number=record.number))


# --- the request page ------------------------------------------------------------------------


class ActionForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
    answer = TextAreaField(_l("Answer"), validators=[Optional(), Length(max=4000)])
    on_site = BooleanField(_l("An on-site visit is needed"))
    technician = SelectField(_l("Technician"), choices=[], validate_choice=False)
    window_from = DateTimeLocalField(_l("Window from"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    window_to = DateTimeLocalField(_l("Window to"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    repairable = BooleanField(_l("Repairable"), default=True)
    fee = DecimalField(_l("Fee"), places=2, validators=[Optional(), NumberRange(min=0, max=10_000_000)])
    customer_confirmed = BooleanField(_l("The customer confirmed the resolution by phone"))
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    assignee = SelectField(_l("Assignee"), choices=[], validate_choice=False)


def _users_with(permission: str):
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username).limit(500)).all()
    return [(u.username, u.display_name or u.username) for u in users if u.can(permission) and u.scope != "dealer"]


def _render_detail(record, status=200, form=None):
    form = form or ActionForm()
    actions = services.allowed_actions(record, current_user)
    if "schedule" in actions:
        form.technician.choices = _users_with("service.visit")
    if "assign" in actions:
        form.assignee.choices = _users_with("service.manage")
    visits = services.visits_by_request([record.id])[record.id]
    return render_template(
        "service/detail.html", record=record, form=form, actions=actions, visits=visits, labels=_labels(),
        issued=services.parts_issued([v.id for v in visits]),
        badges=STATE_BADGES, overdue=services.reply_overdue(record), now=services.now(),
        can_visit=current_user.can("service.visit") and record.state == "on_site"), status


@bp.route("/<int:record_id>")
@require("service.view")
def view_request(record_id):
    return _render_detail(services.get_request(record_id, current_user))


def _local(value):
    return value.replace(tzinfo=business_zone()) if value is not None else None


@bp.route("/<int:record_id>/<action>", methods=["POST"])
@require("service.view")
def act(record_id, action):
    return ACTIONS.handle_form(record_id, action, read_form=_read_action_form, on_error=_refused)


def _read_action_form(action, record) -> dict:
    """The detail page's action form, as the action's API body fields."""
    form = ActionForm()
    if not form.validate():
        raise ValidationError(_("invalid input"), {key: errors[0] for key, errors in form.errors.items()})
    values = dict(comment=(form.comment.data or "").strip(), answer=form.answer.data or "", on_site=bool(form.on_site.data),
                  technician=form.technician.data, window_from=_local(form.window_from.data),
                  window_to=_local(form.window_to.data), fee=form.fee.data, repairable=bool(form.repairable.data),
                  customer_confirmed=bool(form.customer_confirmed.data), reason=form.reason.data or "",
                  assignee=form.assignee.data)
    if action.name == "schedule" and (values["window_from"] is None or values["window_to"] is None):
        raise ValidationError(_("invalid input"), {"window_from": _("Enter the appointment window.")})
    return {key: value for key, value in values.items() if key in action.body.model_fields}


def _refused(record_id, exc: DomainError):
    """The page again with the refusal's messages on the form's fields (409 or 422)."""
    form = ActionForm()
    place_form_errors(form, exc)
    return _render_detail(services.get_request(record_id, current_user), exc.status if exc.status in (409, 422) else 422,
                          form)


# --- the visit page (a technician's phone) ------------------------------------------------------


class VisitForm(FlaskForm):
    arrived_at = DateTimeLocalField(_l("Arrived at"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    tools = SelectMultipleField(_l("Tools brought"), choices=[], validate_choice=False)
    problem_confirmed = BooleanField(_l("The reported problem is confirmed"))
    actual_fault = TextAreaField(_l("Actual fault"), validators=[Optional(), Length(max=4000)])
    work_done = TextAreaField(_l("Work done"), validators=[Optional(), Length(max=4000)])
    parts_used = TextAreaField(_l("Parts used (one per line: SKU quantity)"), validators=[Optional(), Length(max=4000)])
    unsolved = TextAreaField(_l("Unsolved faults (in detail)"), validators=[Optional(), Length(max=4000)])
    result = SelectField(_l("Result"), choices=[(r, RESULT_LABELS[r]) for r in VISIT_RESULTS])


class SignatureForm(FlaskForm):
    signer_name = StringField(_l("Signed by (customer)"), validators=[DataRequired(), Length(max=120)])
    photo = FileField(_l("Or a photo of the signed paper record"))


def _tool_choices():
    return [(t.strip(), t.strip()) for t in str(settings.get("service.tools_checklist")).split(",") if t.strip()]


def _parts(text: str) -> list[dict]:
    parts, errors = [], []
    for line in (text or "").splitlines():
        bits = line.split()
        if not bits:
            continue
        qty = bits[1] if len(bits) > 1 else "1"
        if len(bits) > 2 or not qty.isdigit() or not 1 <= int(qty) <= 10_000 or len(bits[0]) > 64:
            errors.append(line)
            continue
        parts.append({"sku": bits[0], "qty": int(qty)})
    if errors or len(parts) > 50:
        raise DomainError(_("Please correct the errors below."), {"parts_used": _("Write one part per line: SKU and quantity.")})
    return parts


def _render_visit(record, status=200, form=None, signature=None):
    visits = services.visits_by_request([record.id])[record.id]
    open_visit = next((v for v in visits if v.state == "open"), None)
    form = form or VisitForm()
    form.tools.choices = _tool_choices()
    return render_template("service/visit.html", record=record, visits=visits, visit=open_visit, form=form,
                           issued=services.parts_issued([v.id for v in visits]),
                           signature=signature or SignatureForm(), labels=_labels(),
                           can_visit=current_user.can("service.visit"),
                           can_record=record.state == "on_site" and current_user.can("service.visit")), status


@bp.route("/<int:record_id>/visit", methods=["GET", "POST"])
@require("service.view")
def visit_page(record_id):
    record = services.get_request(record_id, current_user)
    if request.method == "GET":
        return _render_visit(record)
    form = VisitForm()
    form.tools.choices = _tool_choices()

    def run():
        data = {"arrived_at": _local(form.arrived_at.data), "tools": form.tools.data[:30],
                "problem_confirmed": bool(form.problem_confirmed.data), "actual_fault": form.actual_fault.data or "",
                "work_done": form.work_done.data or "", "parts_used": _parts(form.parts_used.data),
                "unsolved": form.unsolved.data or "", "result": form.result.data}
        return services.create_visit(record, data, current_user)

    return form_action(form, run, url_for("service.visit_page", record_id=record_id),
                       lambda status: _render_visit(record, status, form),
                       success=_("Visit recorded. Now ask the customer to sign."))


@bp.route("/visits/<int:visit_id>/signature", methods=["POST"])
@require("service.visit")
def sign(visit_id):
    """The pad posts a PNG (``file``) with fetch; a form posts a photo of the paper record (``photo``)."""
    visit = services.get_visit(visit_id, current_user)
    form = SignatureForm()
    drawn = request.files.get("file")
    wants_json = drawn is not None
    if not form.validate_on_submit():
        if wants_json:
            return jsonify({"error": {"code": "validation_error", "message": _("Enter the signer's name."),
                                      "fields": {k: "; ".join(v) for k, v in form.errors.items()}}}), 422
        return _render_visit(visit.request, 422, signature=form)
    upload = drawn or form.photo.data
    try:
        if not upload:
            raise DomainError(_("Draw the signature or upload a photo of the signed record."), {"photo": _("required")})
        services.add_signature(visit, upload.read(), form.signer_name.data, "drawn" if drawn else "paper",
                               current_user, filename=upload.filename or "signature.png")
        events.commit()
    except DomainError as exc:
        db.session.rollback()
        if wants_json:
            return jsonify({"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}}), exc.status
        form.photo.errors = list(form.photo.errors) + list((exc.fields or {}).values() or [exc.message])
        return _render_visit(services.get_visit(visit_id, current_user).request, exc.status, signature=form)
    if wants_json:
        return jsonify({"ok": True, "url": url_for("service.visit_page", record_id=visit.request_id)})
    flash(_("Signature saved."), "success")
    return redirect(url_for("service.visit_page", record_id=visit.request_id))


@bp.route("/visits/<int:visit_id>/complete", methods=["POST"])
@require("service.visit")
def complete(visit_id):
    visit = services.get_visit(visit_id, current_user)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        services.complete_visit(visit, current_user, int(request.form.get("version") or 0))
        events.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _render_visit(services.get_visit(visit_id, current_user).request, exc.status)
    flash(_("Visit completed."), "success")
    return redirect(url_for("service.visit_page", record_id=visit.request_id))


@bp.route("/visits/<int:visit_id>/signature.png")
@require("service.view")
def signature_image(visit_id):
    return reports.image_response(services.signature_attachment(services.get_visit(visit_id, current_user)))


@bp.route("/visits/<int:visit_id>/report.pdf")
@require("service.view")
def report(visit_id):
    return reports.pdf_response(services.get_visit(visit_id, current_user))
