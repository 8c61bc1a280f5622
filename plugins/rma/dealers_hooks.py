"""The rma plugin's part of the dealer portal and the dealer scorecard (hooks of the dealers
plugin, implemented as optional hooks: unused when that plugin is not enabled)."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from core.toolkit import db, hookimpl, in_ids, period_bounds
from plugins.rma.models import Rma, RmaLine, RmaPenalty

ITEMS = 10
REFUSED_VERDICTS = ("human_damage", "not_covered")


def _rows(stmt):
    """(total, first ITEMS rows) in one query."""
    rows = db.session.execute(stmt.add_columns(func.count().over()).limit(ITEMS)).all()
    return (rows[0][-1] if rows else 0), rows


@hookimpl(optionalhook=True)
def dealers_portal_sections(dealer, user):
    if not user.can("rma.view"):
        return []
    from plugins.rma.goods_back import portal_section

    sections = [s for s in (portal_section(dealer, user),) if s is not None]
    label = lambda r: r.number or _("Draft %(id)s", id=r.id)  # noqa: E731
    total, rows = _rows(select(Rma.id, Rma.number, Rma.state).where(Rma.dealer_id == dealer.id, Rma.state == "draft")
                        .order_by(Rma.id.desc()))
    sections.append({"key": "rma.waiting", "title": _("Returns waiting for you (drafts to submit)"), "count": total,
                     "url": url_for("rma.list_rmas", state="draft"), "order": 10,
                     "items": [{"label": label(r), "url": url_for("rma.detail", rma_id=r.id), "due_on": None}
                               for r in rows]})
    total, rows = _rows(select(Rma.id, Rma.number, Rma.boxes).where(Rma.dealer_id == dealer.id, Rma.state == "approved")
                        .order_by(Rma.approved_at, Rma.id))
    sections.append({"key": "rma.to_ship", "title": _("Approved returns: boxes to ship"), "count": total,
                     "url": url_for("rma.list_rmas", state="approved"), "order": 11,
                     "items": [{"label": r.number if not r.boxes else _("%(number)s (%(boxes)d boxes)",
                                                                         number=r.number, boxes=r.boxes),
                                "url": url_for("rma.detail", rma_id=r.id), "due_on": None} for r in rows]})
    total, rows = _rows(select(RmaPenalty.id, RmaPenalty.amount, RmaPenalty.state, Rma.number)
                        .join(Rma, Rma.id == RmaPenalty.rma_id)
                        .where(RmaPenalty.dealer_id == dealer.id,
                               (RmaPenalty.state == "proposed") | ((RmaPenalty.state == "confirmed") & (Rma.state != "closed")))
                        .order_by(RmaPenalty.id.desc()))
    states = {"proposed": _("proposed"), "confirmed": _("confirmed")}
    sections.append({"key": "rma.penalties", "title": _("Penalties to acknowledge"), "count": total,
                     "url": url_for("rma.penalties"), "order": 12,
                     "items": [{"label": _("%(number)s: %(amount)s (%(state)s)", number=r.number, amount=r.amount,
                                           state=states[r.state]), "url": url_for("rma.penalties"), "due_on": None}
                               for r in rows]})
    return sections


def _by_dealer(stmt, column, dealer_ids):
    clause = in_ids(column, dealer_ids)
    if clause is not None:
        stmt = stmt.where(clause)
    wanted = set(dealer_ids)
    return {row[0]: row[1:] for row in db.session.execute(stmt) if row[0] in wanted}


@hookimpl(optionalhook=True)
def dealers_scorecard(dealer_ids, period_from, period_to):
    start, end = period_bounds(period_from, period_to)
    refused = func.sum(case((RmaLine.verdict.in_(REFUSED_VERDICTS), 1), else_=0))
    filed = _by_dealer(select(Rma.dealer_id, func.count(func.distinct(Rma.id)), func.count(RmaLine.verdict), refused)
                       .outerjoin(RmaLine, RmaLine.rma_id == Rma.id)
                       .where(Rma.submitted_at >= start, Rma.submitted_at < end).group_by(Rma.dealer_id),
                       Rma.dealer_id, dealer_ids)
    penalties = _by_dealer(select(RmaPenalty.dealer_id, func.count(RmaPenalty.id))
                           .where(RmaPenalty.created_at >= start, RmaPenalty.created_at < end,
                                  RmaPenalty.state != "waived").group_by(RmaPenalty.dealer_id),
                           RmaPenalty.dealer_id, dealer_ids)

    def rate(row):
        if not row or not row[1]:
            return None
        return round(100.0 * int(row[2] or 0) / row[1], 1)

    return [
        {"key": "rma.returns_filed", "label": _("Returns filed"), "direction": "lower_better",
         "values": {d: (filed[d][0] if d in filed else 0) for d in dealer_ids}},
        {"key": "rma.refused_line_rate", "label": _("Refused return lines (%)"), "direction": "lower_better",
         "values": {d: rate(filed.get(d)) for d in dealer_ids}},
        {"key": "rma.human_damage_penalties", "label": _("Human-damage penalties"), "direction": "lower_better",
         "values": {d: (penalties[d][0] if d in penalties else 0) for d in dealer_ids}},
    ]
