"""Chargebacks on the dealer portal and scorecard (optional hooks of the dealers plugin)."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.toolkit import db, hookimpl, in_ids, period_bounds
from plugins.rma.public import Rma
from plugins.spares_rma.models import Chargeback

ITEMS = 10


@hookimpl(optionalhook=True)
def dealers_portal_sections(dealer, user):
    if not user.can("spares_rma.view"):
        return []
    rows = db.session.execute(
        select(Chargeback.id, Chargeback.amount, Chargeback.state, Chargeback.part_skus, Rma.number, func.count().over())
        .join(Rma, Rma.id == Chargeback.rma_id)
        .where(Chargeback.dealer_id == dealer.id, Chargeback.state.in_(("proposed", "confirmed")),
               Rma.state != "closed")
        .order_by(Chargeback.id.desc()).limit(ITEMS)).all()
    states = {"proposed": _("proposed"), "confirmed": _("confirmed")}
    return [{"key": "spares_rma.chargebacks", "title": _("Spare-part chargebacks to acknowledge"),
             "count": rows[0][-1] if rows else 0, "url": url_for("spares_rma.list_chargebacks"), "order": 32,
             "items": [{"label": _("%(number)s: %(amount)s for %(parts)s (%(state)s)", number=r.number, amount=r.amount,
                                   parts=r.part_skus, state=states[r.state]),
                        "url": url_for("spares_rma.list_chargebacks"), "due_on": None} for r in rows]}]


@hookimpl(optionalhook=True)
def dealers_scorecard(dealer_ids, period_from, period_to):
    start, end = period_bounds(period_from, period_to)
    stmt = (select(Chargeback.dealer_id, func.count(Chargeback.id))
            .where(Chargeback.created_at >= start, Chargeback.created_at < end, Chargeback.state != "waived")
            .group_by(Chargeback.dealer_id))
    clause = in_ids(Chargeback.dealer_id, dealer_ids)
    if clause is not None:
        stmt = stmt.where(clause)
    counts = dict(db.session.execute(stmt).all())
    return [{"key": "spares_rma.chargebacks", "label": _("Spare-part chargebacks"), "direction": "lower_better",
             "values": {d: counts.get(d, 0) for d in dealer_ids}}]
