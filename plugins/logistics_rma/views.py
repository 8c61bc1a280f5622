"""The 'open a return' button on a transport exception record, and the panels on both pages."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError

from core.toolkit import DomainError, commit, db, require
from plugins.logistics import public as logistics
from plugins.logistics_rma import services

bp = Blueprint("logistics_rma", __name__, template_folder="templates")

REASONS = {
    "not_damaged": lambda: _("Only goods damaged in transport are returned from a transport exception record."),
    "not_accepted": lambda: _("The order department must accept the record before the goods can be returned."),
    "refused": lambda: _("The order department refused this record: its goods are not returned."),
    "no_responsible_party": lambda: _("The party responsible for the damage must be identified first."),
    "not_signed": lambda: _("The carrier's signature and the signed exception record must be on the record first."),
    "already_linked": lambda: _("A return was already opened from this record."),
}


def rma_url(rma_id: int) -> str:
    """The RMA page if the RMA plugin offers one, else its API resource."""
    for endpoint, arg in (("rma.view_rma", "rma_id"), ("rma.detail", "rma_id"), ("rma.view", "rma_id")):
        try:
            return url_for(endpoint, **{arg: rma_id})
        except BuildError:
            continue
    return f"/api/v1/rmas/{rma_id}"


@bp.route("/logistics/<int:record_id>/open-rma", methods=["POST"])
@require("rma.file")
def open_rma(record_id):
    record = logistics.get_exception(record_id)
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            rma, _link = services.open_rma(record, current_user, int(request.form.get("version") or 0))
            commit()
        except DomainError as exc:
            db.session.rollback()
            flash(REASONS.get(exc.code, lambda: exc.message)(), "danger")
            return redirect(url_for("logistics.view_exception", record_id=record_id)), 303
        flash(_("A draft return was opened for these goods: complete and submit it."), "success")
        return redirect(rma_url(rma.id))
    return redirect(url_for("logistics.view_exception", record_id=record_id))


def exception_panel(record=None, **_ctx):
    """On the transport exception page: returns opened from it, and the button (or why not)."""
    if record is None or record.kind != "damaged":
        return None
    links = services.links_for_exception(record)
    problem = services.why_not(record)
    can_open = problem is None and current_user.can("rma.file")
    reason = REASONS[problem[1]]() if problem and problem[1] != "already_linked" else None
    return render_template("logistics_rma/exception_panel.html", record=record, links=links, can_open=can_open,
                           reason=reason, form=FlaskForm(), rma_url=rma_url)


def rma_panel(record=None, **_ctx):
    """On the RMA page: the transport exception records it was opened from."""
    if record is None or not current_user.can("logistics.view"):
        return None
    links = services.links_for_rma(record)
    if not links:
        return None
    return render_template("logistics_rma/rma_panel.html", links=links)


__all__ = ["bp", "current_app"]
