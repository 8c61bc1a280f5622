"""Pages: the record list and order-department queue, the dealer's form, the record page with its actions."""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, lazy_pgettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms import (BooleanField, DateField, DateTimeLocalField, DecimalField, FieldList, Form, FormField,
                     IntegerField, SelectField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.toolkit import (Column, attachment_response, Dealer, DomainError, Filter, Page, activity, commit, db,
                          fixed_texts, page_args, place_form_errors, require, resolve_sort, translated_filters,
                          with_badge, scoped)
from plugins.logistics import reads, services
from plugins.logistics.actions import ACTIONS
from plugins.logistics.models import KINDS, OUTCOMES, PARTIES, STATES, LogisticsException

bp = Blueprint("logistics", __name__, template_folder="templates", url_prefix="/logistics")

KIND_LABELS = {"lost": _l("Lost"), "short": _l("Short delivery"), "wrong_goods": _l("Wrong goods"),
               "damaged": _l("Damaged"), "mass_breakage": _l("Mass breakage")}
PARTY_LABELS = {"carrier": _l("Carrier"), "company": _l("Company"), "dealer": _l("Dealer"),
                "unknown": _l("Not identified")}
STATE_LABELS = {"draft": _l("Draft"), "filed": lazy_pgettext("state", "Filed"), "accepted": _l("Accepted"), "refused": _l("Refused"),
                "resolved": _l("Resolved")}
OUTCOME_LABELS = {"credit": _l("Credit"), "exchange": _l("Exchange"), "carrier_claim": _l("Carrier claim"),
                  "rejected": _l("Rejected")}
CLAIM_LABELS = {"open": _l("Open"), "settled": _l("Settled")}
ACTION_LABELS = {"file": _l("File with the order department"), "accept": _l("Accept"), "refuse": _l("Refuse"),
                 "resolve": _l("Resolve"), "settle_claim": _l("Carrier claim settled")}
STATE_BADGES = {"draft": "secondary", "filed": "primary", "accepted": "info", "refused": "danger", "resolved": "success"}
LINE_ROWS = 5

COLUMNS = [
    Column(_l("Number"), lambda r: r.number, LogisticsException.number, "number", link=True),
    Column(_l("Dealer"), lambda r: f"{r.dealer.code} {r.dealer.name}"),
    Column(_l("Carrier"), lambda r: r.carrier, LogisticsException.carrier, "carrier"),
    Column(_l("Delivery note"), lambda r: r.delivery_note),
    Column(_l("Received"), lambda r: r.received_on.isoformat(), LogisticsException.received_on, "received_on"),
    Column(lazy_pgettext("transport exception", "Kind"), lambda r: KIND_LABELS.get(r.kind, r.kind)),
    Column(_l("Responsible party"), lambda r: PARTY_LABELS.get(r.responsible_party, r.responsible_party)),
    Column(_l("State"), lambda r: STATE_LABELS.get(r.state, r.state), LogisticsException.state, "state"),
    Column(_l("Outcome"), lambda r: OUTCOME_LABELS.get(r.outcome, "") if r.outcome else ""),
]


def _carrier_choices():
    stmt = scoped(select(LogisticsException.carrier).distinct().order_by(LogisticsException.carrier), LogisticsException)
    return [(c, c) for c in db.session.scalars(stmt).all()]


FILTERS = [
    Filter("state", _l("State"), lambda: [(s, STATE_LABELS[s]) for s in STATES], None, static=True),
    Filter("kind", lazy_pgettext("transport exception", "Kind"), lambda: [(k, KIND_LABELS[k]) for k in KINDS], None, static=True),
    Filter("carrier", _l("Carrier"), _carrier_choices, None),
    Filter("responsible_party", _l("Responsible party"), lambda: [(p, PARTY_LABELS[p]) for p in PARTIES], None, static=True),
    Filter("outcome", _l("Outcome"), lambda: [(o, OUTCOME_LABELS[o]) for o in OUTCOMES], None, static=True),
    Filter("late", _l("Late filing"), lambda: [("1", _l("Late")), ("0", _l("In time"))], None, static=True),
    Filter("claim_status", _l("Carrier claim"), lambda: [(c, CLAIM_LABELS[c]) for c in CLAIM_LABELS], None, static=True),
]


def _list_query():
    args = request.args
    valid = {"state": STATES, "kind": KINDS, "responsible_party": PARTIES, "outcome": OUTCOMES,
             "claim_status": tuple(CLAIM_LABELS)}
    q = SimpleNamespace(q=args.get("q", "").strip() or None, carrier=args.get("carrier") or None,
                        dealer_code=args.get("dealer_code") or None, late=None, received_from=None, received_to=None,
                        sort="-received_on")
    for key, allowed in valid.items():
        setattr(q, key, args.get(key) if args.get(key) in allowed else None)
    if args.get("late") in ("1", "0"):
        q.late = args.get("late") == "1"
    active = {f.name: args.get(f.name) for f in FILTERS if args.get(f.name)}
    return q, active


def _render_list(stmt_builder, title, queue=False):
    q, active = _list_query()
    number, per_page = page_args()
    sort, expr, sortable = resolve_sort(COLUMNS, "-received_on", request.args.get("sort"))
    records, total = reads.page_rows(stmt_builder(q), expr.key, sort.startswith("-"), number, per_page)
    page = Page(items=records, total=total, page=number, per_page=per_page, sort=sort,
                args=request.args.to_dict(), sortable=sortable)
    texts = fixed_texts("logistics", _list_texts)
    return render_template("logistics/list.html", page=page, columns=texts["columns"],
                           filters=translated_filters("logistics", FILTERS), active_filters=active,
                           q=q.q or "", title=title, queue=queue, state_badges=STATE_BADGES,
                           can_create=current_user.can("logistics.create"), flags_label=texts["flags"],
                           flag_cells=texts["flag_cells"])


def _list_texts() -> dict:
    """The list's fixed texts in one language (``fixed_texts``: once per app and language): the columns
    with their titles translated, the flags cell's title and its cells' badges."""
    from dataclasses import replace

    flags_label = _("Flags")
    return {"columns": [replace(c, label=str(c.label))
                        for c in with_badge(COLUMNS, lambda r: STATE_BADGES.get(r.state, "secondary"))],
            "flags": flags_label, "flag_cells": _flag_cells(flags_label)}


def _flag_cells(label):
    """The list's trailing cell (late filing, unconditional, carrier claim), written in Python with its
    badges translated once per page: a Jinja caller block per row cost more than the rest of the row."""
    head = f'<td data-label="{escape(label)}">'
    late = str(Markup('<span class="badge bg-warning text-dark">%s</span>') % _("Late"))
    unconditional = str(Markup('<span class="badge bg-success">%s</span>') % _("Unconditional"))
    claims = {"open": str(Markup('<span class="badge bg-danger">%s</span>') % _("Claim open")),
              "settled": str(Markup('<span class="badge bg-light text-dark">%s</span>') % _("Claim settled"))}

    def cell(r):
        return (f'{head}{late if r.late else ""}\n        {unconditional if r.unconditional else ""}'
                f'\n        {claims.get(r.claim_status, "")}</td>')
    return cell


@bp.route("/")
@require("logistics.view")
def list_exceptions():
    def build(q):
        return services.list_stmt(q).order_by(None)
    return _render_list(build, _("Transport exceptions"))


@bp.route("/queue")
@require("logistics.decide")
def queue():
    def build(q):
        stmt = services.queue_stmt()
        inner = services.list_stmt(q).order_by(None).with_only_columns(LogisticsException.id)
        return stmt.where(LogisticsException.id.in_(inner))
    return _render_list(build, _("Order department queue"), queue=True)


# --- forms ----------------------------------------------------------------------------


class LineForm(Form):
    sku = StringField(_l("SKU"), validators=[Optional(), Length(max=64)])
    expected_quantity = IntegerField(_l("Expected quantity"), validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    actual_quantity = IntegerField(_l("Actual quantity"), validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    damaged_quantity = IntegerField(_l("Damaged quantity"), validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    production_date = DateField(_l("Production date"), validators=[Optional()])
    description = StringField(_l("Damage / difference"), validators=[Optional(), Length(max=1000)])


class ExceptionForm(FlaskForm):
    dealer_code = SelectField(_l("Dealer"), choices=[], validate_choice=False)
    delivery_note = StringField(_l("Delivery note or order number"), validators=[DataRequired(), Length(max=64)])
    carrier = StringField(_l("Carrier"), validators=[DataRequired(), Length(max=120)])
    waybill = StringField(_l("Waybill"), validators=[Optional(), Length(max=64)])
    shipped_on = DateField(_l("Shipped on"), validators=[Optional()])
    received_on = DateField(_l("Received on"), validators=[DataRequired()])
    kind = SelectField(lazy_pgettext("transport exception", "Kind"), choices=[(k, KIND_LABELS[k]) for k in KINDS])
    responsible_party = SelectField(_l("Responsible party"), choices=[(p, PARTY_LABELS[p]) for p in PARTIES],
                                    default="unknown")
    unopened = BooleanField(_l("Package unopened"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    signer = StringField(_l("Signed by (carrier)"), validators=[Optional(), Length(max=120)])
    signed_at = DateTimeLocalField(_l("Signed at"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    lines = FieldList(FormField(LineForm), min_entries=LINE_ROWS, max_entries=50)


def _form_setup(form, staff: bool):
    if staff:
        form.dealer_code.choices = [(d.code, f"{d.code} {d.name}") for d in db.session.scalars(
            scoped(select(Dealer), Dealer).order_by(Dealer.code).limit(2000)).unique()]
    else:
        del form.dealer_code


def _form_data(form, staff: bool) -> dict:
    lines = []
    errors = {}
    for n, row in enumerate(_filled_rows(form)):  # numbered as the service numbers them: see _error_fields
        ln = form.lines.entries[row].form
        if ln.expected_quantity.data is None or ln.actual_quantity.data is None:
            errors[f"lines.{n}.sku"] = _("Enter the expected and the actual quantity.")
            continue
        lines.append({"sku": ln.sku.data.strip(), "expected_quantity": ln.expected_quantity.data,
                      "actual_quantity": ln.actual_quantity.data, "damaged_quantity": ln.damaged_quantity.data,
                      "production_date": ln.production_date.data, "description": (ln.description.data or "").strip()})
    if not lines and not errors:
        errors["lines"] = _("Enter at least one line.")
    if bool(form.signer.data and form.signer.data.strip()) != bool(form.signed_at.data):
        errors["signer"] = _("Enter both who signed and when, or neither.")
    if errors:
        raise DomainError(_("Please correct the errors below."), errors)
    data = {"delivery_note": form.delivery_note.data.strip(), "carrier": form.carrier.data.strip(),
            "waybill": (form.waybill.data or "").strip(), "shipped_on": form.shipped_on.data,
            "received_on": form.received_on.data, "kind": form.kind.data,
            "responsible_party": form.responsible_party.data, "unopened": bool(form.unopened.data),
            "description": (form.description.data or "").strip(), "lines": lines,
            "carrier_signature": {"signer": form.signer.data.strip(), "signed_at": form.signed_at.data}
            if form.signed_at.data else None}
    if staff:
        data["dealer_code"] = form.dealer_code.data or None
    return data


SIGNATURE_FIELDS = {"carrier_signature.signed_at": "signed_at", "carrier_signature": "signer"}


def _filled_rows(form) -> list[int]:
    """The form's rows with a SKU: the lines sent to the service, in order (blank rows left out)."""
    return [i for i, entry in enumerate(form.lines.entries) if (entry.form.sku.data or "").strip()]


def _error_fields(form) -> dict:
    """Where a refusal's keys go on the form: the signature's two fields, and ``lines.N`` (the N-th
    line sent, blank rows left out) on the row of the form it came from."""
    return {**SIGNATURE_FIELDS, **{f"lines.{n}": f"lines.{i}" for n, i in enumerate(_filled_rows(form)) if n != i}}


def _filing_days() -> int:
    from core.toolkit import settings

    return settings.get("logistics.filing_working_days")


def _is_staff() -> bool:
    return current_user.scope != "dealer"


@bp.route("/new", methods=["GET", "POST"])
@require("logistics.create")
def new_exception():
    staff = _is_staff()
    form = ExceptionForm()
    _form_setup(form, staff)
    status = 200
    if form.validate_on_submit():
        try:
            record = services.create_exception(_form_data(form, staff), current_user)
            commit()
        except DomainError as exc:
            db.session.rollback()
            place_form_errors(form, exc, _error_fields(form))
            status = 422
        else:
            flash(_("Saved as a draft. Add photos and the signed document, then file it."), "success")
            return redirect(url_for("logistics.view_exception", record_id=record.id))
    elif request.method == "POST":
        status = 422
    return render_template("logistics/form.html", form=form, record=None, filing_days=_filing_days()), status


@bp.route("/<int:record_id>/edit", methods=["GET", "POST"])
@require("logistics.create")
def edit_exception(record_id):
    record = services.get_exception(record_id)
    if record.state != "draft":
        flash(_("Only a draft can be changed."), "warning")
        return redirect(url_for("logistics.view_exception", record_id=record.id))
    if request.method == "GET":
        data = {"delivery_note": record.delivery_note, "carrier": record.carrier, "waybill": record.waybill,
                "shipped_on": record.shipped_on, "received_on": record.received_on, "kind": record.kind,
                "responsible_party": record.responsible_party, "unopened": record.unopened,
                "description": record.description, "signer": record.signer,
                "signed_at": _local_naive(record.signed_at),
                "lines": [{"sku": ln.sku, "expected_quantity": ln.expected_quantity,
                           "actual_quantity": ln.actual_quantity, "damaged_quantity": ln.damaged_quantity,
                           "production_date": ln.production_date, "description": ln.description}
                          for ln in record.lines]}
        form = ExceptionForm(data=data)
        while len(form.lines.entries) < max(LINE_ROWS, len(record.lines) + 2):
            form.lines.append_entry()
    else:
        form = ExceptionForm()
    _form_setup(form, False)
    status = 200
    if form.validate_on_submit():
        try:
            data = _form_data(form, False)
            data["version"] = int(request.form.get("version", record.version))
            services.update_exception(record, data, current_user)
            commit()
        except DomainError as exc:
            db.session.rollback()
            record = services.get_exception(record_id)
            place_form_errors(form, exc, _error_fields(form))
            status = exc.status if exc.status in (409, 422) else 422
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("logistics.view_exception", record_id=record.id))
    elif request.method == "POST":
        status = 422
    return render_template("logistics/form.html", form=form, record=record, filing_days=_filing_days()), status


def _local_naive(value):
    if value is None:
        return None
    from zoneinfo import ZoneInfo

    from flask import current_app

    return value.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).replace(tzinfo=None)


class UploadForm(FlaskForm):
    purpose = SelectField(_l("What is it"), choices=[("photo", _l("Photo")),
                                                     ("signed_document", _l("Signed exception record"))])
    file = FileField(_l("File (image or PDF)"), validators=[FileRequired()])


class DecisionForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
    late_reason = TextAreaField(_l("Reason for accepting late"), validators=[Optional(), Length(max=2000)])
    responsible_party = SelectField(_l("Responsible party"), choices=[(p, PARTY_LABELS[p]) for p in PARTIES],
                                    validate_choice=False)  # checked by the service
    outcome = SelectField(_l("Outcome"), choices=[(o, OUTCOME_LABELS[o]) for o in OUTCOMES], validate_choice=False)
    claim_amount = DecimalField(_l("Amount claimed from the carrier"), places=2, validators=[Optional(), NumberRange(min=0.01)])
    settled_amount = DecimalField(_l("Amount settled"), places=2, validators=[Optional(), NumberRange(min=0)])
    settled_on = DateField(_l("Settled on"), validators=[Optional()])


@bp.route("/<int:record_id>")
@require("logistics.view")
def view_exception(record_id):
    record = services.get_exception(record_id)
    return _render_detail(record)


def _render_detail(record, status=200, decision=None, upload=None):
    atts = services.attachments_by_record([record])[record.id]
    decision = decision or DecisionForm(responsible_party=record.responsible_party)
    decision.outcome.choices = [(o, OUTCOME_LABELS[o]) for o in services.allowed_outcomes(record)]
    entries = activity.entries_for(activity.model_name(record), record.id)
    return render_template(
        "logistics/detail.html", record=record, attachments=atts, entries=entries,
        actions=services.allowed_actions(record, current_user), decision=decision, upload=upload or UploadForm(),
        delete_form=FlaskForm(), labels=SimpleNamespace(kind=KIND_LABELS, party=PARTY_LABELS, state=STATE_LABELS,
                                                        outcome=OUTCOME_LABELS, claim=CLAIM_LABELS),
        state_badges=STATE_BADGES, action_labels=ACTION_LABELS, can_edit=record.state == "draft" and current_user.can("logistics.create"),
        can_upload=record.state in ("draft", "filed") and current_user.can("logistics.create"),
        deadline=services.filing_deadline(record.received_on) if record.responsible_party == "unknown" else None,
    ), status


@bp.route("/<int:record_id>/<action>", methods=["POST"])
@login_required
def act(record_id, action):
    return ACTIONS.handle_form(record_id, action, on_error=_refused)


def _refused(record_id, exc: DomainError):
    """A refused action: a late filing back to the record (its flag kept); otherwise the page again, with the form."""
    if isinstance(exc, services.LateFiling):
        flash(exc.message, "danger")
        return redirect(url_for("logistics.view_exception", record_id=record_id))
    flash(exc.message + ("" if not exc.fields else ": " + "; ".join(exc.fields.values())), "danger")
    form = DecisionForm()
    form.outcome.choices = [(o, o) for o in OUTCOMES]
    return _render_detail(services.get_exception(record_id), exc.status if exc.status in (409, 422) else 422,
                          decision=form)


@bp.route("/<int:record_id>/attachments", methods=["POST"])
@require("logistics.create")
def upload(record_id):
    record = services.get_exception(record_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _render_detail(record, 422, upload=form)
    try:
        services.add_attachment(record, form.file.data.filename or "file", form.file.data.read(), form.purpose.data,
                                current_user)
        commit()
    except DomainError as exc:
        db.session.rollback()
        form.file.errors = list(form.file.errors) + list(exc.fields.values() or [exc.message])
        return _render_detail(services.get_exception(record_id), 422 if exc.status == 422 else exc.status, upload=form)
    flash(_("Uploaded."), "success")
    return redirect(url_for("logistics.view_exception", record_id=record_id))


@bp.route("/<int:record_id>/attachments/<int:attachment_id>")
@require("logistics.view")
def attachment(record_id, attachment_id):
    record = services.get_exception(record_id)
    return attachment_response(services.get_attachment(record, attachment_id))


@bp.route("/<int:record_id>/delete", methods=["POST"])
@require("logistics.create")
def delete_exception(record_id):
    record = services.get_exception(record_id)
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            services.delete_exception(record, current_user)
            commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for("logistics.view_exception", record_id=record_id))
        flash(_("Deleted."), "success")
    return redirect(url_for("logistics.list_exceptions"))


__all__ = ["bp", "datetime"]
