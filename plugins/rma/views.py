"""RMA pages: dealer portal, head-office queues, receiving, penalties, freight claims, export, serial history."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, lazy_pgettext as _lp
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from core.toolkit import (Column, DomainError, Page, Product, activity, commit, db, export_response, get_scoped,
                          page_args, paginate_page, require, resolve_sort, scoped, settings, state_tone)
from core.toolkit import local_dt, today as business_today
from plugins.rma import bulk, reads, services
from plugins.rma.actions import ACTIONS, CLAIM_ACTIONS, PENALTY_ACTIONS
from plugins.rma.queries import claim_list_stmt, list_stmt, load, penalty_list_stmt
from plugins.rma.models import FLAGS, ISSUES, RESOLUTIONS, STATES, VERDICTS, Rma, RmaFreightClaim, RmaPenalty
from plugins.rma.schemas import RmaQuery

bp = Blueprint("rma", __name__, url_prefix="/rma", template_folder="templates")
STATIC_DIR = __import__("pathlib").Path(__file__).parent / "static"


@bp.route("/rma.js")
@require("rma.file")
def script():
    """The filing form's script (same-origin, as the CSP requires)."""
    from flask import send_from_directory

    return send_from_directory(STATIC_DIR, "rma.js", mimetype="text/javascript")

STATE_LABELS = {"draft": _l("Draft"), "submitted": _l("Submitted"), "reviewed": _l("Reviewed"),
                "approved": _l("Approved"), "shipped": _l("Shipped"), "received": _l("Received"),
                "inspected": _l("Inspected"), "resolved": _l("Resolved"), "returning": _l("Sent back"),
                "returned": _l("Receipt confirmed"), "closed": _l("Closed"),
                "rejected": _l("Rejected"), "cancelled": _l("Cancelled")}
ISSUE_LABELS = {"quality_defect": _l("Quality defect"), "doa": _l("Dead on unpacking"),
                "unpacking_damage": _l("Damage found on unpacking"), "order_mismatch": _l("Not as ordered"),
                "company_error": _l("Company error (wrong goods or order entry)"), "safety": _l("Safety problem"),
                "recall": _l("Recall"), "paid_repair": _l("Paid repair (out of warranty)")}
FLAG_LABELS = FLAGS.labels
VERDICT_LABELS = {"quality_fault": _l("Quality fault"), "no_fault_found": _l("No fault found"),
                  "human_damage": _l("Human damage"), "not_covered": _l("Not covered")}
RESOLUTION_LABELS = {"repair": _l("Repair"), "replace": _l("Replace"), "credit": _l("Credit"),
                     "return_to_sender": _l("Return to sender"), "paid_repair": _l("Paid repair")}
ACTION_LABELS = {"submit": _l("Submit"), "cancel": _l("Cancel return"), "review": _l("Review"),
                 "approve": _l("Approve"), "reject": _l("Reject"), "ship": _l("Mark shipped"),
                 "receive": _l("Record receipt"), "inspect": _l("Record inspection"), "resolve": _l("Resolve"),
                 "return_ship": _l("Record the return shipment"), "confirm_return": _l("Confirm receipt"),
                 "close": _l("Close")}
PATH = ["draft", "submitted", "reviewed", "approved", "shipped", "received", "inspected", "resolved", "returning",
        "returned", "closed"]
TIMELINE = (("submitted", "submitted_at"), ("reviewed", "reviewed_at"), ("approved", "approved_at"),
            ("shipped", "shipped_at"), ("received", "received_at"), ("inspected", "inspected_at"),
            ("resolved", "resolved_at"), ("returning", "returned_at"), ("returned", "return_received_at"),
            ("closed", "closed_at"))


@bp.app_context_processor
def _labels():
    return {"state_label": lambda s: STATE_LABELS.get(s, s)}


def _line_errors(errors: dict, i) -> list[str]:
    """The messages of one filed line (``lines.<i>`` and its fields) for the line's card."""
    prefix = f"lines.{i}"
    return [v for k, v in errors.items() if (k == prefix or k.startswith(prefix + ".")) and not k.endswith(".reasons")]


def _ctx(**kw):
    return {"line_errors": _line_errors, "STATE_LABELS": STATE_LABELS, "ISSUE_LABELS": ISSUE_LABELS,
            "FLAG_LABELS": FLAG_LABELS, "VERDICT_LABELS": VERDICT_LABELS, "RESOLUTION_LABELS": RESOLUTION_LABELS,
            "ACTION_LABELS": ACTION_LABELS, "PATH": PATH, "ALLOWED_RESOLUTIONS": services.ALLOWED_RESOLUTIONS,
            "penalty_breakdown": services.penalty_breakdown, **kw}


def _query(**fixed) -> RmaQuery:
    args = {k: v for k, v in request.args.to_dict().items() if v not in ("", None)}
    args.update(fixed)
    try:
        return RmaQuery.model_validate(args)
    except Exception:  # a bad filter in the address bar: show everything rather than an error page
        return RmaQuery.model_validate(fixed)


# The returns list's columns: only those with a SQL expression are sortable (the whitelist).
RMA_COLUMNS = [
    Column(_l("Number"), lambda r: r.number or r.filing_number or _("Draft") + f" #{r.id}", Rma.id, "number", link=True),
    Column(_l("Dealer"), lambda r: f"{r.dealer_code} {r.dealer_name}"),
    Column(_l("State"), lambda r: STATE_LABELS[r.state], Rma.state, "state", custom=True),
    Column(_l("Products"), None, key="products", custom=True, css="small"),
    Column(_lp("date column", "Filed"), lambda r: r.created_at, Rma.created_at, "created", custom=True),
    Column(_l("Due"), lambda r: r.due_date or "—", Rma.due_date, "due"),
]
SELECT_COLUMN = Column("", None, key="select", custom=True)
PRODUCT_CHOICES = 500  # the product filter offers the first 500 SKUs (the SKU can always be typed)


def _list(title, endpoint_hint=None, bulk=False, **fixed):
    """A returns list page, read column by column like ``GET /rmas`` (``reads.list_page_rows``):
    the same filters, ``after`` and capped total."""
    query = _query(**fixed)
    number, per_page = page_args()
    sort, expr, sortable = resolve_sort(RMA_COLUMNS, "-number", request.args.get("sort"))
    rows, total, estimate = reads.list_page_rows(query, expr.key, sort.startswith("-"), number, per_page)
    page = Page(items=rows, total=total, page=number, per_page=per_page, sort=sort, args=request.args.to_dict(),
                sortable=sortable, total_is_estimate=estimate)
    today = business_today()
    overdue = {r.id for r in rows if services.is_overdue(r, today)}
    texts = _list_texts()
    labels = texts["states"]
    cells = _list_cells(texts, overdue)
    columns = [replace(c, label=texts["columns"][c.key], html=cells.get(c.key))
               for c in ([SELECT_COLUMN] if bulk else []) + RMA_COLUMNS]
    return render_template("rma/list.html", **_ctx(
        title=title, page=page, columns=columns, STATE_LABELS=labels, query=query, fixed=fixed, bulk=bulk,
        row_class=lambda r: "table-danger" if r.id in overdue else ""))


def _list_texts() -> dict:
    """The returns list's fixed texts in the request's language (state labels and badges, column
    titles, "overdue", the tick box's label), worked out once per app and language: translating
    and formatting them cost every list page about 1,000 function calls."""
    from flask import current_app
    from flask_babel import get_locale

    kept = current_app.extensions.setdefault("rma_list_texts", {})
    locale = str(get_locale())
    texts = kept.get(locale)
    if texts is None:
        labels = {k: str(v) for k, v in STATE_LABELS.items()}
        texts = kept[locale] = {
            "states": labels,
            "badges": {state: str(Markup('<span class="badge text-bg-%s">%s</span>') % (state_tone(state), label))
                       for state, label in labels.items()},
            "overdue": str(Markup(' <span class="badge bg-danger">%s</span>') % _("overdue")),
            "select": str(escape(_("Select"))),
            "columns": {c.key: str(c.label) for c in [SELECT_COLUMN] + RMA_COLUMNS},
        }
    return texts


def _list_cells(texts: dict, overdue: set) -> dict:
    """The returns list's own cells (``Column.html``), written in Python: the state badge (and
    "overdue"), the lines' SKU x quantity, the filing time in the user's zone, the bulk tick box.
    Each was a Jinja ``caller`` block called per cell (150 macro calls for a page of 50)."""
    overdue_badge, badges, select_label = texts["overdue"], texts["badges"], texts["select"]

    def state(r):
        badge = badges.get(r.state) or str(Markup('<span class="badge text-bg-%s"></span>') % state_tone(r.state))
        return badge + overdue_badge if r.id in overdue else badge

    return {
        "state": state,
        "products": lambda r: ", ".join(f"{escape(l.sku)}×{escape(l.quantity)}" for l in r.lines),
        "created": lambda r: escape(local_dt(r.created_at)),
        "select": lambda r: (f'<input class="form-check-input" type="checkbox" name="rma" form="bulk-form" '
                             f'value="{r.id}:{r.version}" aria-label="{select_label}">'),
    }


@bp.route("/products.json")
@require("rma.view")
def product_choices():
    """The product filter's choices (``[[sku, name], ...]``, the first 500 by SKU), fetched by
    the list page's SKU input the first time it is focused: rendering 500 ``<option>`` elements into
    every list page cost more than the list itself."""
    rows = db.session.execute(select(Product.sku, Product.name).order_by(Product.sku).limit(PRODUCT_CHOICES)).all()
    return jsonify([[sku, name] for sku, name in rows])


@bp.route("/")
@require("rma.view")
def list_rmas():
    return _list(_("My returns") if current_user.dealer_id else _("Returns (RMA)"))


@bp.route("/queue/review")
@require("rma.review")
def queue_review():
    return _list(_("Review queue"), state="submitted")


@bp.route("/queue/approve")
@require("rma.approve")
def queue_approve():
    return _list(_("Approval queue"), bulk=True, state="reviewed")


@bp.route("/queue/inspect")
@require("rma.inspect")
def queue_inspect():
    return _list(_("Inspection"), state="received")


@bp.route("/queue/resolve")
@require("rma.resolve")
def queue_resolve():
    return _list(_("Resolution"), state="inspected")


@bp.route("/queue/approve", methods=["POST"])
@require("rma.approve")
def bulk_approve():
    """The approval queue's ticked returns (``id:version`` each), through the API's bulk service."""
    entries, failed = [], []
    for raw in request.form.getlist("rma")[:bulk.BULK_MAX]:
        rma_id, _sep, version = raw.partition(":")
        if rma_id.isdigit() and version.isdigit():
            entries.append((int(rma_id), int(version)))
        else:
            failed.append(f"{rma_id}: " + _("invalid input"))
    result = bulk.summary(bulk.approve_many(entries, current_user, commit))
    if result["approved"]:
        flash(_("%(n)s return(s) approved.", n=result["approved"]), "success")
    failed += [f"{r['id']}: {r['message']}" for r in result["results"] if not r["ok"]]
    for detail in failed:
        flash(_("Not approved: %(detail)s", detail=detail), "danger")
    return redirect(url_for("rma.queue_approve"))


@bp.route("/export.<fmt>")
@require("rma.export")
def export(fmt):
    if fmt not in bulk.EXPORT_FORMATS:
        return Response(status=404)
    try:
        return bulk.export_rmas(_query(), fmt)
    except DomainError as exc:
        flash("; ".join(exc.fields.values()) or exc.message, "danger")
        return redirect(url_for("rma.list_rmas", **request.args))


# --- filing ---------------------------------------------------------------------------

def _lines_from_form(form) -> list[dict]:
    lines = []
    indexes = sorted({int(k.split("-")[1]) for k in form if k.startswith("lines-") and k.count("-") >= 2
                      and k.split("-")[1].isdigit()})
    for i in indexes:
        p = f"lines-{i}-"
        sku = form.get(p + "sku", "").strip()
        if not sku:
            continue
        line = {"sku": sku, "quantity": form.get(p + "quantity", "").strip() or None,
                "issue": form.get(p + "issue", ""), "serial": form.get(p + "serial", "").strip(),
                "description": form.get(p + "description", "").strip()}
        for d in ("production_date", "purchase_date", "sale_date", "received_date"):
            line[d] = form.get(p + d) or None
        for f in FLAGS:
            line[f] = form.get(p + f) == "on" if f != "label_intact" else form.get(p + "label_torn") != "on"
        lines.append(line)
    return lines


@bp.route("/new", methods=["GET", "POST"])
@require("rma.file")
def new_rma():
    errors, lines = {}, [{}]
    if request.method == "POST":
        lines = _lines_from_form(request.form) or [{}]
        try:
            dealer_code = request.form.get("dealer_code") or None
            rma = services.create_rma(dealer_code, lines if lines != [{}] else [], current_user,
                                      submit=request.form.get("submit") == "1")
            rma_id = rma.id
            commit()
            flash(_("Return saved."), "success")
            return redirect(url_for("rma.detail", rma_id=rma_id))
        except DomainError as exc:
            db.session.rollback()
            errors = exc.fields
            flash(exc.message, "danger")
    return _render_form(lines, errors)


def _render_form(lines, errors, rma=None):
    products = db.session.scalars(select(Product).where(Product.status == "active").order_by(Product.sku)
                                  .limit(2000)).all()
    return render_template("rma/new.html", **_ctx(lines=lines, errors=errors, products=products, ISSUES=ISSUES,
                                                  FLAGS=FLAGS, rma=rma)), (422 if errors else 200)


def _form_line(line) -> dict:
    """A saved line as the filing form shows it."""
    data = {f: getattr(line, f) for f in services.FILED_LINE_FIELDS if f not in ("product_id", "received_time")}
    data["sku"] = line.product.sku
    return data


@bp.route("/<int:rma_id>/edit", methods=["GET", "POST"])
@require("rma.file")
def edit_rma(rma_id):
    """A draft's header and lines, edited (lines added, changed, removed) until it is submitted."""
    rma = load(rma_id)
    errors, lines = {}, [_form_line(l) for l in rma.lines]
    if rma.state != "draft":
        flash(_("Only a draft can be changed."), "warning")
        return redirect(url_for("rma.detail", rma_id=rma_id))
    if request.method == "POST":
        lines = _lines_from_form(request.form)
        try:
            services.update_draft(rma, {"version": request.form.get("version", type=int), "lines": lines},
                                  current_user)
            if request.form.get("submit") == "1":
                db.session.flush()
                services.apply_action(rma, "submit", current_user, rma.version)
            commit()
            flash(_("Return submitted for review.") if request.form.get("submit") == "1" else _("Draft saved."),
                  "success")
            return redirect(url_for("rma.detail", rma_id=rma_id))
        except DomainError as exc:
            db.session.rollback()
            errors = exc.fields or {"lines": exc.message}
            flash(exc.message, "danger")
            rma = load(rma_id)
            lines = lines or [{}]
    return _render_form(lines, errors, rma)


# --- detail and actions ---------------------------------------------------------------

def _render_detail(rma, photo_error: str | None = None, status: int = 200):
    from plugins.rma import files

    data = services.serialize_rma(rma, with_cost=True)
    entries = activity.entries_for("rma", rma.id)
    # a credited return sends nothing back: no return shipment steps
    skipped = () if rma.resolved_at is None or services.sends_back(rma) else ("returning", "returned")
    return render_template("rma/detail.html", **_ctx(
        rma=rma, data=data, entries=entries, actions=services.allowed_actions(rma, current_user),
        timeline=[(s, getattr(rma, attr)) for s, attr in TIMELINE if s not in skipped], path=[s for s in PATH if s not in skipped], VERDICTS=VERDICTS, RESOLUTIONS=RESOLUTIONS,
        photos=files.photos(rma), may_add_photo=files.may_add_photo(rma, current_user), photo_error=photo_error,
        max_kb=settings.get("core.attachment_max_kb"), max_boxes=settings.get("rma.max_boxes"),
        return_contents=services.return_contents(rma),
        penalties=db.session.scalars(select(RmaPenalty).where(RmaPenalty.rma_id == rma.id)).all())), status


@bp.route("/<int:rma_id>")
@require("rma.view")
def detail(rma_id):
    rma = load(rma_id)
    return _render_detail(rma)


@bp.route("/<int:rma_id>/photos", methods=["POST"])
@require("rma.file")
def add_photo(rma_id):
    from plugins.rma import files

    rma = load(rma_id)
    upload = request.files.get("file")
    try:
        files.add_photo(rma, current_user, upload.filename if upload else None, upload.read() if upload else None)
        commit()
    except DomainError as exc:
        db.session.rollback()
        rma = load(rma_id)
        error = exc.fields.get("file") or exc.message
        return _render_detail(rma, photo_error=error, status=exc.status)
    flash(_("Photo added."), "success")
    return redirect(url_for("rma.detail", rma_id=rma_id, _anchor="photos"))


@bp.route("/<int:rma_id>/photos/<int:photo_id>")
@require("rma.view")
def photo(rma_id, photo_id):
    from plugins.rma import files

    rma = get_scoped(Rma, rma_id)
    return files.send_file(files.get_file("rma", rma.id, photo_id))


ACTIONS.form_route(bp, "/<int:rma_id>/do/<action>", endpoint="do_action", permission="rma.view", id_arg="rma_id")


@bp.route("/<int:rma_id>/copy", methods=["POST"])
@require("rma.file")
def copy_rejected(rma_id):
    """Copy a rejected return into a new draft and open it."""
    rma = load(rma_id)
    try:
        copy = services.copy_rejected(rma, current_user)
        copy_id = copy.id
        commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("rma.detail", rma_id=rma_id))
    flash(_("A new draft was made from the rejected return: correct it and submit it."), "success")
    return redirect(url_for("rma.detail", rma_id=copy_id))


def _pdf(rma, problems, build, suffix):
    """A labels PDF, or back to the return with the first problem (message, anchor) that stands."""
    for failed, message, anchor in problems:
        if failed:
            flash(message, "warning")
            return redirect(url_for("rma.detail", rma_id=rma.id, _anchor=anchor))
    return Response(build(rma), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{rma.number}-{suffix}.pdf"'})


@bp.route("/<int:rma_id>/labels.pdf")
@require("rma.view")
def labels(rma_id):
    from plugins.rma.labels import labels_pdf

    rma = load(rma_id)
    return _pdf(rma, [(rma.number is None, _("Labels are issued when the return is approved."), None),
                      (rma.boxes is None, _("Give the number of boxes first."), "print-labels")], labels_pdf, "labels")


@bp.route("/<int:rma_id>/labels", methods=["POST"])
@require("rma.file")
def print_labels(rma_id):
    """The dealer gives the box count where the labels are printed: they come out for exactly that many."""
    rma = load(rma_id)
    try:
        services.set_boxes(rma, current_user, {"version": request.form.get("version", type=int),
                                               "boxes": request.form.get("boxes", type=int)})
        commit()
    except DomainError as exc:
        db.session.rollback()
        messages = list(exc.fields.values())
        flash("; ".join(messages) if messages else exc.message, "danger")
        return redirect(url_for("rma.detail", rma_id=rma_id))
    flash(_("Box count saved: print the labels."), "success")
    return redirect(url_for("rma.detail", rma_id=rma_id))


@bp.route("/<int:rma_id>/return-labels.pdf")
@require("rma.view")
def return_labels(rma_id):
    from plugins.rma.labels import return_labels_pdf

    rma = load(rma_id)
    return _pdf(rma, [(rma.return_boxes is None, _("Return labels are issued when the return shipment is recorded."),
                       None)], return_labels_pdf, "return-labels")


# --- receiving ------------------------------------------------------------------------

@bp.route("/receiving", methods=["GET", "POST"])
@require("rma.receive")
def receiving():
    code = (request.values.get("number") or "").strip()
    if code:
        try:
            rma = services.lookup_for_receipt(code, current_user)
            return redirect(url_for("rma.detail", rma_id=rma.id, _anchor="receive"))
        except DomainError as exc:
            flash(exc.message, "danger")
    shipped = _query(state="shipped")
    data = db.session.scalars(list_stmt(shipped).limit(50)).unique().all()
    return render_template("rma/receiving.html", **_ctx(rmas=data, number=code))


# --- penalties and claims -------------------------------------------------------------

PENALTY_STATES = {"proposed": _l("Proposed"), "confirmed": _l("Confirmed"), "waived": _l("Waived")}
PENALTY_COLUMNS = [
    Column(_l("Return"), None, RmaPenalty.id, "id", custom=True),
    Column(_l("Dealer"), lambda p: f"{p.dealer.code} {p.dealer.name}"),
    Column(_l("Amount"), None, RmaPenalty.amount, "amount", custom=True, css="text-end"),
    Column(_l("State"), lambda p: PENALTY_STATES[p.state], RmaPenalty.state, "state", badge=lambda p: state_tone(p.state)),
    Column(_l("Disqualification"), None, RmaPenalty.disqualification, "disqualification", custom=True),
    Column(_l("Reason"), lambda p: p.reason),
    Column("", None, key="actions", custom=True),
]
CLAIM_COLUMNS = [
    Column(_l("Return"), None, RmaFreightClaim.id, "id", custom=True),
    Column(_l("Dealer"), lambda c: c.dealer.code),
    Column(_l("Amount"), lambda c: c.amount or "—", RmaFreightClaim.amount, "amount", css="text-end"),
    Column(_l("Freight receipt"), None, key="receipt", custom=True),
    Column(_l("State"), None, RmaFreightClaim.state, "state", custom=True),
    Column("", None, key="actions", custom=True),
]


@bp.route("/penalties", methods=["GET", "POST"])
@require("rma.view")
def penalties():
    if request.method == "POST":
        decision = request.form.get("decision")
        return PENALTY_ACTIONS.handle_form(request.form.get("id"), {"keep": "keep_qualification"}.get(decision, decision))
    stmt = penalty_list_stmt().order_by(None)
    dealer_code = (request.args.get("dealer_code") or "").strip()[:40]
    if dealer_code:  # a dealer's smart button: its penalties only (still within the reader's scope)
        stmt = stmt.where(RmaPenalty.dealer.has(code=dealer_code))
    page = paginate_page(stmt, PENALTY_COLUMNS, "-id")
    return render_template("rma/penalties.html", **_ctx(page=page, columns=PENALTY_COLUMNS))


@bp.route("/claims", methods=["GET", "POST"])
@require("rma.view")
def claims():
    if request.method == "POST":
        if request.form.get("decision") not in CLAIM_ACTIONS.actions:
            return Response(status=400)
        return CLAIM_ACTIONS.handle_form(request.form.get("id"), request.form.get("decision"), on_error=_claims_page)
    return _claims_page()


def _claims_page(claim_id=None, exc: DomainError | None = None):
    """The claims list; after a refused action, its messages on the claim's form (422) with what was typed."""
    from plugins.rma import files

    errors = {}
    if exc is not None:
        errors = {"id": int(claim_id), **exc.fields}
        flash(exc.message if not exc.fields else _("Please correct the errors below."), "danger")
    page = paginate_page(claim_list_stmt().order_by(None), CLAIM_COLUMNS, "-id")
    return render_template("rma/claims.html", **_ctx(
        page=page, columns=CLAIM_COLUMNS, receipts=files.receipts_by_claim([c.id for c in page.items]), errors=errors,
        form=request.form if errors else {}, may_add_receipt=files.may_add_receipt,
        max_kb=settings.get("core.attachment_max_kb"))), (422 if errors else 200)


@bp.route("/claims/<int:claim_id>/receipts/<int:file_id>")
@require("rma.view")
def claim_receipt(claim_id, file_id):
    from plugins.rma import files

    claim = get_scoped(RmaFreightClaim, claim_id)
    return files.send_file(files.get_file(files.CLAIM_MODEL, claim.id, file_id))


@bp.route("/serials/")
@bp.route("/serials/<path:serial>")
@require("rma.view")
def serial_history(serial=None):
    serial = serial or (request.args.get("serial") or "").strip()
    lines = services.serial_history(serial, current_user) if serial else []
    return render_template("rma/serial.html", **_ctx(serial=serial, lines=lines))
