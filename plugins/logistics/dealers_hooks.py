"""The logistics plugin's part of the dealer portal and the dealer scorecard (optional hooks of
the dealers plugin: unused when that plugin is not enabled)."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select

from core.toolkit import db, hookimpl, in_ids
from plugins.logistics.models import LogisticsException

ITEMS = 10


@hookimpl(optionalhook=True)
def dealers_portal_sections(dealer, user):
    if not user.can("logistics.view"):
        return []
    from plugins.logistics.services import filing_deadline

    rows = db.session.execute(
        select(LogisticsException.id, LogisticsException.number, LogisticsException.received_on,
               LogisticsException.responsible_party, LogisticsException.late, func.count().over())
        .where(LogisticsException.dealer_id == dealer.id, LogisticsException.state == "draft")
        .order_by(LogisticsException.received_on, LogisticsException.id).limit(ITEMS)).all()
    items = []
    for r in rows:
        due = filing_deadline(r.received_on) if r.responsible_party == "unknown" and not r.late else None
        label = r.number if not r.late else _("%(number)s (late: awaiting the order department)", number=r.number)
        items.append({"label": label, "url": url_for("logistics.view_exception", record_id=r.id), "due_on": due})
    return [{"key": "logistics.drafts", "title": _("Transport exception records in draft"),
             "count": rows[0][-1] if rows else 0, "url": url_for("logistics.list_exceptions", state="draft"),
             "order": 20, "items": items}]


@hookimpl(optionalhook=True)
def dealers_scorecard(dealer_ids, period_from, period_to):
    bad = func.sum(case((or_(LogisticsException.late.is_(True), LogisticsException.state == "refused"), 1), else_=0))
    stmt = (select(LogisticsException.dealer_id, bad)
            .where(LogisticsException.received_on >= period_from, LogisticsException.received_on <= period_to)
            .group_by(LogisticsException.dealer_id))
    clause = in_ids(LogisticsException.dealer_id, dealer_ids)
    if clause is not None:
        stmt = stmt.where(clause)
    counts = {dealer_id: int(n or 0) for dealer_id, n in db.session.execute(stmt)}
    return [{"key": "logistics.late_or_refused", "label": _("Late or refused transport exception records"),
             "direction": "lower_better", "values": {d: counts.get(d, 0) for d in dealer_ids}}]
