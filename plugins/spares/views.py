from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, lazy_pgettext, pgettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from sqlalchemy import func, select
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.toolkit import (ABC_CLASSES, DEALER_KIND_LABELS, DEALER_KINDS, Column, Crud, Dealer, DomainError, Filter,
                         Page, Product, Region, ValidationError, commit, db, get_scoped, page_args, paginate_page, place_form_errors, require, row_label,
                         local_dt, scoped, series_chart, state_tone)
from plugins.spares import services
from plugins.spares.models import Application, Movement, Obligation, Stock, StockReport
from plugins.spares.schemas import ObligationPatch

bp = Blueprint("spares", __name__, template_folder="templates", url_prefix="/spares")
STATIC_DIR = __import__("pathlib").Path(__file__).parent / "static"

STATE_LABELS = {"submitted": _l("Submitted"), "approved": _l("Approved"), "shipped": _l("Shipped"),
                "received": _l("Received"), "rejected": _l("Rejected")}
ACTION_LABELS = {"approve": _l("Approve"), "reject": _l("Reject"), "ship": _l("Ship"), "receive": _l("Confirm receipt")}
SCOPE_LABELS = {"dealer": _l("Dealer override"), "region": _l("Region"), "abc_class": _l("Customer class"),
                "dealer_kind": _l("Dealer kind"), "all": _l("Every dealer")}
KIND_LABELS = {"receipt": _l("Receipt"), "issue_application": _l("Issue to application"),
               "issue_rma": _l("Issue to RMA replacement"), "issue_service": _l("Issue to an on-site service visit"),
               "repaired_return": _l("Repaired-part return"),
               "adjustment": _l("Adjustment")}


def _spare_choices():
    return [(p.sku, f"{p.sku} {p.name}") for p in db.session.scalars(
        select(Product).where(Product.is_spare_part.is_(True)).order_by(Product.sku).limit(5000))]


DEALER_CHOICES = 5000  # the compliance page's dealer picker offers the first 5,000 dealers by code (a code can always be typed)


def _dealer_choices():
    return [("", "—")] + [(code, f"{code} {name}") for code, name in db.session.execute(
        scoped(select(Dealer.code, Dealer.name), Dealer).order_by(Dealer.code).limit(5000))]


# --- compliance -------------------------------------------------------------------------------

@bp.route("/")
@require("spares.view")
def compliance():
    code = request.args.get("dealer", "").strip()
    dealer = None
    if code:
        dealer = db.session.scalar(scoped(select(Dealer).where(Dealer.code == code), Dealer))
        if dealer is None:
            abort(404)
    elif current_user.scope == "dealer":
        dealer = current_user.dealer
    result = services.dealer_compliance(dealer) if dealer is not None else None
    trend = None
    if dealer is not None:
        points = services.compliance_trend(dealer)
        trend = series_chart([d.isoformat() for d, _rate in points],
                             [(_("Compliance rate"), {d.isoformat(): rate for d, rate in points})],
                             "line", y_min=0, y_max=100) if points else None
    rates = services.compliance_rates("region") if current_user.scope != "dealer" else []
    return render_template("spares/compliance.html", dealer=dealer, result=result, rates=rates, trend=trend,
                           picker=current_user.scope != "dealer", scope_labels=SCOPE_LABELS)


@bp.route("/dealers.json")
@require("spares.view")
def dealer_choices():
    """The compliance page's dealer picker choices (``[[code, "code name"], ...]``, the caller's
    dealers, the first ``DEALER_CHOICES`` by code), fetched by the picker the first time it is
    focused: rendering every dealer as an ``<option>`` made up most of the page (2,000 dealers: 127 KB)."""
    rows = db.session.execute(scoped(select(Dealer.code, Dealer.name), Dealer).order_by(Dealer.code)
                              .limit(DEALER_CHOICES)).all()
    return jsonify([[code, f"{code} {name}"] for code, name in rows])


@bp.route("/non-compliant")
@require("spares.view")
def non_compliant():
    by = request.args.get("by", "dealer")
    if by not in ("dealer", "region", "part"):
        by = "dealer"
    number, per_page = page_args()
    rows, total = services.non_compliant_page(offset=(number - 1) * per_page, limit=per_page)
    page = Page(rows, total, number, per_page, "", args={"by": by, "per_page": per_page})
    return render_template("spares/non_compliant.html", rows=rows, page=page, rates=services.compliance_rates(by), by=by)


# --- obligations ------------------------------------------------------------------------------

class ObligationForm(FlaskForm):
    sku = SelectField(_l("Spare part"), choices=[], validate_choice=False)
    quantity = IntegerField(_l("Required quantity"), validators=[Optional(),
                                                                 NumberRange(min=0)])
    dealer_code = SelectField(_l("Dealer (override)"), choices=[], validate_choice=False)
    region_code = SelectField(_l("Region"), choices=[], validate_choice=False)
    abc_class = SelectField(_l("Customer class"), choices=[("", "—")] + [(c, c) for c in ABC_CLASSES])
    dealer_kind = SelectField(_l("Dealer kind"), choices=[("", "—")] + [(k, DEALER_KIND_LABELS[k]) for k in DEALER_KINDS])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


def _obligation_setup(form, record):
    form.sku.choices = _spare_choices()
    form.dealer_code.choices = _dealer_choices()
    form.region_code.choices = [("", "—")] + [(r.code, f"{r.code} {r.name}") for r in
                                             db.session.scalars(select(Region).order_by(Region.code))]
    if record is not None:
        for name in ("sku", "dealer_code", "region_code", "abc_class", "dealer_kind"):
            getattr(form, name).render_kw = {"disabled": True}


def _obligation_data(form):
    return {"sku": form.sku.data, "quantity": form.quantity.data if form.quantity.data is not None else -1,
            "dealer_code": form.dealer_code.data or None, "region_code": form.region_code.data or None,
            "abc_class": form.abc_class.data or None, "dealer_kind": form.dealer_kind.data or None,
            "note": (form.note.data or "").strip()}


def _create_obligation(data, actor):
    if data["quantity"] < 0:
        raise ValidationError(_("invalid"), {"quantity": _("Required")})
    return services.create_obligation(data, actor)


def _update_obligation(ob, data, actor):
    if data["quantity"] < 0:
        raise ValidationError(_("invalid"), {"quantity": _("Required")})
    return services.update_obligation(ob, ObligationPatch(quantity=data["quantity"], note=data["note"]), actor)


def _scope_text(ob):
    value = services.scope_value_text(ob)
    return f"{SCOPE_LABELS[ob.scope]}{': ' + value if value else ''}"


obligations_crud = Crud(
    name="obligations", model=Obligation, title=_l("Spare-part obligations"), singular=_l("Obligation"),
    view_permission="spares.stock", manage_permission="spares.obligations",
    columns=[Column(_l("Spare part"), lambda o: f"{o.part.sku} {o.part.name}", Product.sku, "sku", link=True),
             Column(_l("Applies to"), _scope_text),
             Column(_l("Required quantity"), lambda o: o.quantity, Obligation.quantity, "quantity"),
             Column(_l("Note"), lambda o: o.note)],
    default_sort="sku", form=ObligationForm,
    create=_create_obligation, update=_update_obligation, delete=services.delete_obligation,
    load=services.get_obligation, to_data=_obligation_data,
    from_record=lambda o: {**services.serialize_obligation(o), "dealer_code": o.dealer.code if o.dealer else "",
                           "region_code": o.region.code if o.region else "", "abc_class": o.abc_class or "",
                           "dealer_kind": o.dealer_kind or ""},
    base_stmt=lambda: services.visible_obligations(select(Obligation).join(Product, Product.id == Obligation.part_id)),
    search=lambda q: Product.sku.ilike(f"%{q}%") | Product.name.ilike(f"%{q}%"),
    filters=[Filter("scope", _l("Applies to"), lambda: list(SCOPE_LABELS.items()), lambda stmt, v: stmt.where({
        "dealer": Obligation.dealer_id.is_not(None),
        "region": Obligation.dealer_id.is_(None) & Obligation.region_id.is_not(None),
        "abc_class": Obligation.dealer_id.is_(None) & Obligation.region_id.is_(None) & Obligation.abc_class.is_not(None),
        "dealer_kind": Obligation.dealer_id.is_(None) & Obligation.region_id.is_(None) & Obligation.abc_class.is_(None)
        & Obligation.dealer_kind.is_not(None),
        "all": Obligation.dealer_id.is_(None) & Obligation.region_id.is_(None) & Obligation.abc_class.is_(None)
        & Obligation.dealer_kind.is_(None)}.get(v, Obligation.id.is_not(None))))],
    detail=lambda o: [(_l("Spare part"), f"{o.part.sku} {o.part.name}"), (_l("Applies to"), _scope_text(o)),
                      (_l("Required quantity"), o.quantity), (_l("Note"), o.note)],
    label=lambda o: f"{o.part.sku} · {_scope_text(o)}", form_setup=_obligation_setup,
).register(bp)


# --- stock reports ----------------------------------------------------------------------------

class ReportForm(FlaskForm):
    dealer_code = SelectField(_l("Dealer"), choices=[], validate_choice=False)
    reported_on = DateField(_l("Counted on"), validators=[DataRequired()], default=date.today)
    lines = TextAreaField(_l("Lines"), validators=[Optional(), Length(max=100000)],
                          description=_l("One part per line: SKU and quantity, e.g. DRV-20W 5."))
    file = FileField(_l("Or upload a CSV / xlsx file (columns sku, quantity)"))
    confirm_omitted = StringField(validators=[Optional(), Length(max=1)])  # "1": save although obliged parts are left out


def _parse_lines_text(text: str) -> list[tuple[str, int]]:
    out, errors = [], {}
    for n, raw in enumerate((text or "").splitlines(), start=1):
        raw = raw.replace(",", " ").replace("\t", " ").strip()
        if not raw:
            continue
        parts = raw.split()
        if len(parts) != 2 or not parts[1].isdigit():
            errors[f"lines.{n}"] = _("line %(n)d: expected “SKU quantity”", n=n)
            continue
        out.append((parts[0], int(parts[1])))
    if errors:
        raise ValidationError(_("Please correct the errors below."), errors)
    return out


REPORT_COLUMNS = [
    Column(_l("Counted on"), lambda r: r.reported_on, StockReport.reported_on, "reported_on", link=True),
    Column(_l("Dealer"), lambda r: f"{r.dealer.code} {r.dealer.name}", Dealer.code, "dealer"),
    Column(_l("Lines"), lambda r: len(r.lines), css="text-end"),
    Column(_l("Reported by"), lambda r: r.created_by.username if r.created_by else ""),
]
APPLICATION_COLUMNS = [
    Column(_l("Number"), lambda a: a.number, Application.id, "id", link=True),
    Column(_l("Dealer"), lambda a: f"{a.dealer.code} {a.dealer.name}", Dealer.code, "dealer"),
    Column(_l("State"), lambda a: STATE_LABELS[a.state], Application.state, "state", badge=lambda a: state_tone(a.state)),
    Column(_l("Lines"), lambda a: ", ".join(f"{l.part.sku} × {l.quantity}" for l in a.lines)),
    Column(_l("Submitted"), None, Application.submitted_at, "submitted", custom=True,
           html=lambda a: escape(local_dt(a.submitted_at))),
]
MOVEMENT_COLUMNS = [
    Column(_l("Time"), None, Movement.id, "id", custom=True),
    Column(_l("Spare part"), lambda m: m.part.sku, Product.sku, "sku"),
    Column(_l("Movement"), lambda m: KIND_LABELS[m.kind], Movement.kind, "kind"),
    Column(_l("Stock"), None, key="pool", custom=True),
    Column(_l("Quantity"), lambda m: "%+d" % m.quantity, Movement.quantity, "quantity", css="text-end"),
    Column(_l("Balance"), lambda m: m.balance_after, css="text-end"),
    Column(_l("Reference"), None, key="reference", custom=True),
    Column(_l("Reason"), lambda m: m.reason),
    Column(_l("By"), lambda m: m.actor.username if m.actor else ""),
]


@bp.route("/reports/")
@require("spares.view")
def list_reports():
    stmt = scoped(select(StockReport), StockReport).join(Dealer, Dealer.id == StockReport.dealer_id)
    dealer = request.args.get("dealer", "").strip()
    if dealer:
        stmt = stmt.where(Dealer.code == dealer)
    page = paginate_page(stmt, REPORT_COLUMNS, "-reported_on")
    return render_template("spares/reports.html", page=page, dealer=dealer, columns=REPORT_COLUMNS)


@bp.route("/reports/new", methods=["GET", "POST"])
@require("spares.report")
def new_report():
    form = ReportForm()
    staff = current_user.scope != "dealer"
    if staff:
        form.dealer_code.choices = _dealer_choices()
    status, omitted = 200, []
    if form.validate_on_submit():
        try:
            dealer = services.acting_dealer(current_user, form.dealer_code.data if staff else None)
            upload = form.file.data
            if upload and getattr(upload, "filename", ""):
                lines = services.parse_stock_file(upload.filename, upload.read())
            else:
                lines = _parse_lines_text(form.lines.data)
                if not lines:
                    raise ValidationError(_("Please correct the errors below."), {"lines": _("Enter lines or upload a file.")})
            if form.confirm_omitted.data != "1":
                omitted = services.omitted_obliged(dealer, form.reported_on.data, [sku for sku, _q in lines])
            if omitted:  # the confirmation step: the lines come back as text, so nothing is uploaded twice
                form.lines.data = "\n".join(f"{sku} {qty}" for sku, qty in lines)
            else:
                report = services.create_stock_report(dealer, form.reported_on.data, lines, actor=current_user)
                commit()
        except DomainError as exc:
            db.session.rollback()
            status = 422
            row_errors = {k: v for k, v in exc.fields.items() if k.startswith("row ") or k == "more"}
            if row_errors:
                form.file.errors = [_("Row %(n)s: %(message)s", n=k.split()[1], message=v) if k != "more" else v
                                    for k, v in row_errors.items()]
                flash(exc.message, "danger")
            else:
                place_form_errors(form, exc)
        else:
            if not omitted:
                flash(_("Stock report saved."), "success")
                return redirect(url_for("spares.view_report", report_id=report.id))
    elif request.method == "POST":
        status = 422
    return render_template("spares/report_form.html", form=form, staff=staff, omitted=omitted), status


@bp.route("/reports/template.csv")
@require("spares.report")
def report_template_csv():
    """A CSV to fill in: the columns the import reads and the dealer's obliged parts."""
    from core.toolkit import export_response

    header, rows = _report_template()
    return export_response("spare-stock-report", header, rows, "csv")


@bp.route("/reports/template.xlsx")
@require("spares.report")
def report_template_xlsx():
    """The same template as an Excel workbook."""
    from core.toolkit import export_response

    header, rows = _report_template()
    return export_response("spare-stock-report", header, rows, "xlsx")


def _report_template():
    from flask_babel import get_locale

    dealer = current_user.dealer if current_user.scope == "dealer" else None
    if dealer is None and request.args.get("dealer"):
        dealer = db.session.scalar(scoped(select(Dealer).where(Dealer.code == request.args["dealer"][:32]), Dealer))
    return services.stock_file_template(dealer, chinese=str(get_locale() or "").startswith("zh"))


@bp.route("/reports/<int:report_id>")
@require("spares.view")
def view_report(report_id):
    report = get_scoped(StockReport, report_id)
    return render_template("spares/report.html", report=report)


# --- applications -----------------------------------------------------------------------------

class ApplicationForm(FlaskForm):
    """The lines are rows ``lines-N-sku`` / ``lines-N-quantity`` (a part picker with stock), read by ``_posted_lines``."""
    dealer_code = SelectField(_l("Dealer"), choices=[], validate_choice=False)
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    rma_number = StringField(_l("Return number (optional)"), validators=[Optional(), Length(max=32)],
                             description=_l("Type part of the number to pick one of the dealer's returns."))


MAX_APPLICATION_LINES = 500  # as ApplicationIn.lines


def _posted_lines(form_data) -> tuple[list[dict], dict]:
    """The picker's rows as posted ({sku, quantity} as typed) and the row errors, keyed ``lines.N``."""
    rows, errors = [], {}
    indexes = sorted({int(k.split("-")[1]) for k in form_data if k.startswith("lines-") and k.count("-") == 2
                      and k.split("-")[1].isdigit() and len(k.split("-")[1]) <= 4})
    for i in indexes[:MAX_APPLICATION_LINES + 1]:
        sku = (form_data.get(f"lines-{i}-sku") or "").strip()[:64]
        qty = (form_data.get(f"lines-{i}-quantity") or "").strip()[:9]
        if not sku and not qty:
            continue
        n = len(rows)
        rows.append({"sku": sku, "quantity": qty})
        if not sku:
            errors[f"lines.{n}"] = _("Pick a spare part.")
        elif not qty.isdigit() or int(qty) < 1:
            errors[f"lines.{n}"] = _("%(sku)s: enter a quantity of at least 1.", sku=sku)
    if len(rows) > MAX_APPLICATION_LINES:
        errors["lines"] = _("At most %(n)d lines.", n=MAX_APPLICATION_LINES)
    elif not rows:
        errors["lines"] = _("Add at least one spare part.")
    return rows, errors


class ActionForm(FlaskForm):
    version = IntegerField(validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


@bp.route("/applications/")
@require("spares.view")
def list_applications():
    stmt = scoped(select(Application), Application).join(Dealer, Dealer.id == Application.dealer_id)
    state = request.args.get("state", "")
    if state in STATE_LABELS:
        stmt = stmt.where(Application.state == state)
    if request.args.get("open"):
        stmt = stmt.where(Application.state.in_(services.OPEN_STATES))
    q = request.args.get("q", "").strip()
    if q:
        stmt = stmt.where(Application.number.ilike(f"%{q}%") | Dealer.code.ilike(f"%{q}%"))
    page = paginate_page(stmt, APPLICATION_COLUMNS, "-id")
    return render_template("spares/applications.html", page=page, state=state, q=q, state_labels=STATE_LABELS,
                           columns=APPLICATION_COLUMNS)


@bp.route("/applications/new", methods=["GET", "POST"])
@require("spares.apply")
def new_application():
    from plugins.spares.schemas import ApplicationIn

    form = ApplicationForm()
    staff = current_user.scope != "dealer"
    if staff:
        form.dealer_code.choices = _dealer_choices()
    status, rows, row_errors = 200, [{"sku": "", "quantity": ""}], {}
    if request.method == "POST":
        rows, row_errors = _posted_lines(request.form)
        rows = rows or [{"sku": "", "quantity": ""}]
    if form.validate_on_submit() and not row_errors:
        try:
            import pydantic

            try:
                body = ApplicationIn(dealer_code=(form.dealer_code.data or None) if staff else None,
                                     lines=[{"sku": r["sku"], "quantity": int(r["quantity"])} for r in rows],
                                     reason=form.reason.data, rma_number=(form.rma_number.data or "").strip() or None)
            except pydantic.ValidationError as exc:
                from core.toolkit import pydantic_fields

                raise ValidationError(_("Please correct the errors below."), pydantic_fields(exc))
            app = services.create_application(body, current_user)
            commit()
        except DomainError as exc:
            db.session.rollback()
            status = 422
            row_errors = {k: v for k, v in exc.fields.items() if k.startswith("lines")}
            place_form_errors(form, DomainError(exc.message, {k: v for k, v in exc.fields.items() if k not in row_errors}))
        else:
            flash(_("Application %(number)s submitted.", number=app.number), "success")
            return redirect(url_for("spares.view_application", app_id=app.id))
    elif request.method == "POST":
        status = 422
        if row_errors:
            flash(_("Please correct the errors below."), "danger")
    form.rma_number.render_kw = {"list": "spares-rmas", "autocomplete": "off",
                                 "data-lookup-url": url_for("spares.rma_lookup")}
    may_see_stock = current_user.can("spares.stock")
    dealer = None if staff else current_user.dealer
    rmas = services.lookup_rmas(dealer, current_user, "", limit=20) if dealer is not None else []
    by_row: dict = {}
    for key, message in row_errors.items():  # lines.N, lines.N.sku, lines.N.quantity -> row N; lines -> the table
        parts = key.split(".")
        by_row.setdefault(int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else "all", []).append(message)
    return render_template("spares/application_form.html", form=form, staff=staff, rows=rows, row_errors=by_row,
                           parts=services.spare_parts_with_stock(), may_see_stock=may_see_stock, rmas=rmas), status


@bp.route("/applications/rma-lookup")
@require("spares.apply")
def rma_lookup():
    """The return picker's choices as JSON: the acting dealer's returns whose number contains ``q``."""
    code = request.args.get("dealer", "").strip()[:32]
    if current_user.scope == "dealer":
        dealer = current_user.dealer
    elif code:
        dealer = db.session.scalar(scoped(select(Dealer).where(Dealer.code == code), Dealer))
        if dealer is None:
            return jsonify({"items": []})
    else:
        dealer = None
    items = services.lookup_rmas(dealer, current_user, request.args.get("q", "")[:32], limit=20)
    return jsonify({"items": [{"number": r["number"], "url": r["url"]} for r in items]})


@bp.route("/spares.js")
@require("spares.view")
def script():
    """The application form's rows and return picker (same-origin, as the CSP requires)."""
    from flask import send_from_directory

    return send_from_directory(STATIC_DIR, "spares.js", mimetype="text/javascript")


@bp.route("/applications/<int:app_id>")
@require("spares.view")
def view_application(app_id):
    from core.toolkit import activity

    app = services.get_application(app_id)
    entries = activity.entries_for(activity.model_name(app), app.id)
    may_see_stock = current_user.can("spares.stock")
    stock = services.head_office_on_hand(l.part_id for l in app.lines) if may_see_stock else {}
    shortages = services.shortages(app) if may_see_stock and app.state in ("submitted", "approved") else []
    rma_ref = services.rma_refs([app.rma_id]).get(app.rma_id) if app.rma_id is not None else None
    return render_template("spares/application.html", app=app, entries=entries, form=ActionForm(),
                           actions=services.WORKFLOW.allowed(app, current_user), state_labels=STATE_LABELS,
                           action_labels=ACTION_LABELS, may_see_stock=may_see_stock, stock=stock,
                           shortages=shortages, shortage_text=_shortage_text(shortages), rma_ref=rma_ref)


def _shortage_text(shortages) -> str:
    return "; ".join(_("%(sku)s: %(quantity)d applied for, %(on_hand)d in stock", **s) for s in shortages)


@bp.route("/applications/<int:app_id>/<action>", methods=["POST"])
@login_required
def application_action(app_id, action):
    app = services.get_application(app_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if action == "approve" and request.form.get("confirmed") != "1" and current_user.can("spares.approve"):
        shortages = services.shortages(app)
        if shortages:  # approving what cannot ship: the approver confirms knowingly
            flash(_("Head office cannot ship this in full (%(lines)s). Confirm to approve anyway.",
                    lines=_shortage_text(shortages)), "warning")
            return redirect(url_for("spares.view_application", app_id=app_id))
    try:
        services.act(app, action, current_user, version=form.version.data, reason=(form.reason.data or "").strip())
        commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 403:
            abort(403)
        flash(exc.message + ("" if not exc.fields else ": " + "; ".join(exc.fields.values())), "danger")
    else:
        flash(_("Done."), "success")
    return redirect(url_for("spares.view_application", app_id=app_id))


# --- head-office stock ------------------------------------------------------------------------

class MovementForm(FlaskForm):
    sku = SelectField(_l("Spare part"), choices=[], validate_choice=False)
    kind = SelectField(_l("Movement"), choices=[(k, v) for k, v in KIND_LABELS.items()
                                                     if k not in ("issue_application", "issue_service")])
    quantity = IntegerField(_l("Quantity"), validators=[DataRequired()],
                            description=_l("Adjustments are signed: negative takes stock out."))
    pool = SelectField(_l("Stock"), choices=[("new", lazy_pgettext("stock pool", "New")), ("repaired", _l("Repaired"))])
    rma_id = IntegerField(_l("RMA id"), validators=[Optional(), NumberRange(min=1)])
    warranty = SelectField(_l("Warranty replacement"), choices=[("0", _l("No")), ("1", _l("Yes"))])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


@bp.route("/stock/", methods=["GET", "POST"])
@require("spares.stock")
def stock():
    from plugins.spares.schemas import MovementIn

    form = MovementForm()
    form.sku.choices = _spare_choices()
    status = 200
    if request.method == "POST":
        if not current_user.can("spares.stock.manage"):
            abort(403)
        if form.validate_on_submit():
            try:
                body = MovementIn(sku=form.sku.data, kind=form.kind.data, quantity=form.quantity.data,
                                  pool=form.pool.data, rma_id=form.rma_id.data, warranty=form.warranty.data == "1",
                                  reason=(form.reason.data or "").strip())
                services.record_movement(body, actor=current_user)
                commit()
            except DomainError as exc:
                db.session.rollback()
                status = 422
                place_form_errors(form, exc)
            else:
                flash(_("Movement recorded."), "success")
                return redirect(url_for("spares.stock"))
        else:
            status = 422
    stmt = services.stock_rows_stmt()
    q = request.args.get("q", "").strip()
    if q:
        stmt = stmt.where(Product.sku.ilike(f"%{q}%") | Product.name.ilike(f"%{q}%"))
    if request.args.get("zero"):
        stmt = stmt.where(func.coalesce(Stock.on_hand, 0) == 0)
    page = _tuple_page(stmt, Product.sku)
    return render_template("spares/stock.html", page=page, form=form, q=q), status


def _tuple_page(stmt, order):
    args = request.args.to_dict()
    try:
        number = max(1, int(args.get("page", 1)))
    except ValueError:
        number = 1
    per_page = 50
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = db.session.execute(stmt.order_by(order).limit(per_page).offset((number - 1) * per_page)).all()
    return Page(items=list(items), total=total, page=number, per_page=per_page, sort="", args=args)


@bp.route("/movements/")
@require("spares.stock")
def movements():
    services.ensure_head_office(current_user)
    stmt = select(Movement).join(Product, Product.id == Movement.part_id)
    kind = request.args.get("kind", "")
    if kind in KIND_LABELS:
        stmt = stmt.where(Movement.kind == kind)
    sku = request.args.get("sku", "").strip()
    if sku:
        stmt = stmt.where(Product.sku == sku)
    page = paginate_page(stmt, MOVEMENT_COLUMNS, "-id")
    cells = _movement_cells()
    columns = [replace(c, html=cells.get(c.key)) for c in MOVEMENT_COLUMNS]
    return render_template("spares/movements.html", page=page, kind=kind, sku=sku, kind_labels=KIND_LABELS,
                           columns=columns)


def _movement_cells() -> dict:
    """The ledger's own cells (time, stock pool, reference) written in Python (``Column.html``), the
    pools' names translated once per page: a Jinja caller block per cell cost more than the row."""
    pools = {"repaired": str(escape(_("Repaired")))}
    new = str(escape(pgettext("stock pool", "New")))

    def reference(m):
        if m.application:
            url = escape(url_for("spares.view_application", app_id=m.application_id))
            return f'<a href="{url}">{escape(m.application.number)}</a>'
        return f"RMA {escape(m.rma_id)}" if m.rma_id else ""

    return {"id": lambda m: escape(local_dt(m.created_at)), "pool": lambda m: pools.get(m.pool, new),
            "reference": reference}


@bp.route("/retention")
@require("spares.stock")
def retention():
    show = request.args.get("show", "in_force")
    in_force = {"in_force": True, "ended": False, "all": None}.get(show, True)
    zero = True if request.args.get("zero") else None
    rows = services.retention_rows(in_force=in_force, zero_stock=zero)
    return render_template("spares/retention.html", rows=rows, show=show, zero=zero)


# --- dashboard widgets ----------------------------------------------------------------------------

def widget_compliance():
    compliant, total = services.overall_rate()
    rate = services.percent(compliant, total)
    return Markup(render_template("spares/widget_rate.html", rate=rate, compliant=compliant, total=total))


def widget_non_compliant():
    rows, total = services.non_compliant_page(limit=5)
    return Markup(render_template("spares/widget_non_compliant.html", rows=rows, total=total))


def widget_open_applications():
    counts = dict(db.session.execute(scoped(select(Application.state, func.count()).where(
        Application.state.in_(services.OPEN_STATES)).group_by(Application.state), Application)).all())
    return Markup(render_template("spares/widget_applications.html", counts=counts, state_labels=STATE_LABELS))
