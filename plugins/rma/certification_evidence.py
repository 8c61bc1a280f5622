"""Returns as GB/T 27922 evidence (the certification plugin's hook; unused when it is absent)."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.toolkit import db, hookimpl


@hookimpl(optionalhook=True)
def certification_evidence(criterion_code, period_from, period_to):
    """B5.1: returns filed; B5.2: returns resolved within the working-day SLA, and late."""
    from plugins.rma.models import Rma

    if criterion_code not in ("B5.1", "B5.2"):
        return []
    start = datetime.combine(period_from, time.min, tzinfo=timezone.utc)
    end = datetime.combine(period_to + timedelta(days=1), time.min, tzinfo=timezone.utc)
    try:
        link = url_for("rma.list_rmas")
    except RuntimeError:
        link = None
    if criterion_code == "B5.1":
        filed = db.session.scalar(select(func.count(Rma.id)).where(Rma.submitted_at >= start,
                                                                  Rma.submitted_at < end)) or 0
        return [{"label": _("Returns filed"), "count": filed, "url": link}]
    resolved_day = func.date(Rma.resolved_at)
    in_time, late = db.session.execute(
        select(func.count(Rma.id).filter(resolved_day <= Rma.due_date),
               func.count(Rma.id).filter(resolved_day > Rma.due_date))
        .where(Rma.resolved_at >= start, Rma.resolved_at < end, Rma.due_date.is_not(None))).one()
    return [{"label": _("Returns resolved within the working-day limit"), "count": in_time or 0, "url": link},
            {"label": _("Returns resolved late"), "count": late or 0, "url": link, "shortfall": True}]
