from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.toolkit import Column, DomainError, commit, db, paginate_page, require, scoped
from plugins.spares.public import Movement
from plugins.spares_rma import services
from plugins.spares_rma.models import Chargeback

bp = Blueprint("spares_rma", __name__, template_folder="templates", url_prefix="/spares-rma")

STATE_LABELS = {"proposed": _l("Proposed"), "confirmed": _l("Confirmed"), "waived": _l("Waived")}
ACTION_LABELS = {"confirm": _l("Confirm"), "waive": _l("Waive")}


class DecisionForm(FlaskForm):
    version = IntegerField(validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class IssueForm(FlaskForm):
    rma_line_id = SelectField(_l("RMA line"), choices=[], validate_choice=False)
    sku = SelectField(_l("Spare part"), choices=[], validate_choice=False)
    quantity = IntegerField(_l("Quantity"), validators=[DataRequired(), NumberRange(min=1)], default=1)


@bp.route("/chargebacks/")
@require("spares_rma.view")
def list_chargebacks():
    stmt = scoped(select(Chargeback), Chargeback)
    state = request.args.get("state", "proposed" if current_user.can("spares_rma.decide") else "")
    if state in STATE_LABELS:
        stmt = stmt.where(Chargeback.state == state)
    rma_id = request.args.get("rma_id", "")
    if rma_id.isdigit():
        stmt = stmt.where(Chargeback.rma_id == int(rma_id))
    page = paginate_page(stmt, [Column("", None, Chargeback.id, "id"), Column("", None, Chargeback.amount, "amount")], "-id")
    return render_template("spares_rma/chargebacks.html", page=page, state=state, state_labels=STATE_LABELS,
                           action_labels=ACTION_LABELS, form=DecisionForm(), workflow=services.WORKFLOW,
                           grounds=services.grounds)


@bp.route("/chargebacks/<int:cb_id>/<action>", methods=["POST"])
@login_required
def decide(cb_id, action):
    cb = services.get_chargeback(cb_id)
    form = DecisionForm()
    form.validate_on_submit()
    if "csrf_token" in form.errors:
        abort(400)
    try:
        services.decide(cb, action, current_user, form.reason.data or "", form.version.data)
        commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 403:
            abort(403)
        flash(exc.message + ("" if not exc.fields else ": " + "; ".join(f"{k}: {v}" for k, v in exc.fields.items())), "danger")
    else:
        flash(_("Done."), "success")
    return redirect(request.form.get("next") or url_for("spares_rma.list_chargebacks"))


@bp.route("/rmas/<int:rma_id>/issue", methods=["POST"])
@require("spares.stock.manage")
def issue(rma_id):
    from plugins.spares_rma.schemas import RmaIssueIn

    form = IssueForm()
    if not form.validate_on_submit():
        flash(_("Please correct the errors below."), "danger")
    else:
        try:
            services.issue_replacement(RmaIssueIn(rma_id=rma_id, rma_line_id=int(form.rma_line_id.data or 0),
                                                  sku=form.sku.data or "?", quantity=form.quantity.data), current_user)
            commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message + ("" if not exc.fields else ": " + "; ".join(exc.fields.values())), "danger")
        else:
            flash(_("Replacement part issued."), "success")
    return redirect(request.form.get("next") or url_for("spares_rma.list_chargebacks"))


def rma_panel(record=None, **context):
    """The RMA page's panel: chargebacks of this RMA, parts issued for it, and the issue form."""
    if record is None or not (current_user.can("spares_rma.view") or current_user.can("spares.stock")):
        return None
    chargebacks = list(db.session.scalars(scoped(select(Chargeback).where(Chargeback.rma_id == record.id), Chargeback)))
    issues = list(db.session.scalars(select(Movement).where(Movement.rma_id == record.id).order_by(Movement.id))) \
        if current_user.can("spares.stock") else []
    form = None
    if current_user.can("spares.stock.manage") and record.state in services.ISSUE_STATES:
        form = IssueForm()
        lines = [l for l in record.lines if l.resolution in ("repair", "replace", "paid_repair")]
        form.rma_line_id.choices = [(str(l.id), f"#{l.id} {l.product.sku} ({l.resolution})") for l in lines]
        skus = {}
        for l in lines:
            for bom in l.product.parts:
                if bom.part.is_spare_part:
                    skus[bom.part.sku] = f"{bom.part.sku} {bom.part.name}"
        form.sku.choices = sorted(skus.items())
        if not lines or not skus:
            form = None
    if not chargebacks and not issues and form is None:
        return None
    return Markup(render_template("spares_rma/panel.html", rma=record, chargebacks=chargebacks, issues=issues,
                                  form=form, decision=DecisionForm(), state_labels=STATE_LABELS,
                                  action_labels=ACTION_LABELS, workflow=services.WORKFLOW, grounds=services.grounds))


def widget_proposed():
    count, total = db.session.execute(scoped(select(func.count(Chargeback.id), func.coalesce(func.sum(Chargeback.amount), 0))
                                             .where(Chargeback.state == "proposed"), Chargeback)).one()
    return Markup(render_template("spares_rma/widget.html", count=count, total=total))
