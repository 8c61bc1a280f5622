"""Goods sent back to the dealer: the dealer portal's "confirm receipt" section and its button.

Returns in ``returning`` (repaired, replaced or no-fault goods on their way back, 004 §6.3)
are listed on the returning dealer's portal with the shipment (number, carrier, tracking,
boxes, sent on); the button runs the same ``confirm_return`` action as the return's page.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from core.toolkit import db, require
from plugins.rma import services
from plugins.rma.models import Rma
from plugins.rma.actions import ACTIONS
from plugins.rma.views import bp

ITEMS = 10


def portal_section(dealer, user) -> dict | None:
    """The section for ``dealer``'s own users who may confirm (an agent does not confirm for its
    distributors: the returning dealer does)."""
    if user.dealer_id != dealer.id or not user.can("rma.file"):
        return None
    rows = db.session.execute(
        select(Rma.id, Rma.number, Rma.filing_number, Rma.version, Rma.return_carrier, Rma.return_tracking,
               Rma.return_boxes, Rma.returned_at, func.count().over())
        .where(Rma.dealer_id == dealer.id, Rma.state == "returning")
        .order_by(Rma.returned_at, Rma.id).limit(ITEMS)).all()
    total = rows[0][-1] if rows else 0
    html = Markup(render_template("rma/portal_goods_back.html", rows=rows)) if rows else None
    return {"key": "rma.goods_back", "title": _("Goods sent back to you: confirm receipt"), "count": total,
            "url": url_for("rma.list_rmas", state="returning"), "order": 9, "items": [], "html": html,
            "empty": _("No goods are on their way back to you.")}


@bp.route("/<int:rma_id>/goods-back/confirm", methods=["POST"])
@require("rma.file")
def confirm_goods_back(rma_id):
    """The portal's button: confirm receipt of the goods sent back (the return page's declared
    action, checked and committed the same way), then back to the portal."""
    target = (url_for("dealers.portal") if "dealers.portal" in current_app.view_functions
              else url_for("rma.detail", rma_id=rma_id))

    def refused(_rma_id, exc):
        flash(exc.message, "danger")
        return redirect(target)

    return ACTIONS.handle_form(rma_id, "confirm_return", redirect_to=target, on_error=refused, message=lambda rma: _(
        "Receipt of return %(number)s confirmed.", number=services.reference(rma)))
