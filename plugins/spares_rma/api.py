from __future__ import annotations

from flask import Blueprint
from flask_login import current_user
from sqlalchemy import select

from core.toolkit import Dealer, commit, db, paginate, route, scoped
from plugins.spares.public import Movement, MovementOut, serialize_movement
from plugins.spares_rma import services
from plugins.spares_rma.models import Chargeback
from plugins.spares_rma.schemas import ChargebackOut, ChargebackQuery, DecisionIn, RmaIssueIn

bp = Blueprint("spares_rma_api", __name__)


@route(bp, "/spare-chargebacks", query=ChargebackQuery, response=ChargebackOut, many=True,
       permission="spares_rma.view", tag="spares")
def list_chargebacks(query: ChargebackQuery):
    """Chargebacks proposed to dealers who lacked a spare part, newest first."""
    stmt = scoped(select(Chargeback), Chargeback).order_by(Chargeback.id.desc())
    if query.state:
        stmt = stmt.where(Chargeback.state == query.state)
    if query.rma_id:
        stmt = stmt.where(Chargeback.rma_id == query.rma_id)
    if query.dealer_code:
        stmt = stmt.where(Chargeback.dealer_id.in_(select(Dealer.id).where(Dealer.code == query.dealer_code)))
    return paginate(stmt, query, lambda c: services.serialize(c, current_user))


@route(bp, "/spare-chargebacks/<int:cb_id>", response=ChargebackOut, permission="spares_rma.view", tag="spares")
def get_chargeback(cb_id: int):
    """One chargeback (404 outside the caller's scope)."""
    return services.serialize(services.get_chargeback(cb_id), current_user)


@route(bp, "/spare-chargebacks/<int:cb_id>/<action>", ["POST"], body=DecisionIn,
       response=ChargebackOut, tag="spares")
def decide_chargeback(cb_id: int, action: str, body: DecisionIn):
    """The order department confirms or waives a proposed chargeback, with a reason."""
    cb = services.decide(services.get_chargeback(cb_id), action, current_user, body.reason, body.version)
    commit()
    return services.serialize(services.get_chargeback(cb.id), current_user)


@route(bp, "/spare-rma-issues", ["POST"], body=RmaIssueIn, response=MovementOut, status=201,
       permission="spares.stock.manage", tag="spares")
def issue_for_rma(body: RmaIssueIn):
    """Issue a replacement part for a resolved RMA line (repaired parts only for warranty replacements)."""
    m = services.issue_replacement(body, current_user)
    commit()
    return serialize_movement(db.session.get(Movement, m.id))
