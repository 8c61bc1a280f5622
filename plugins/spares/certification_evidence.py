"""Spare-part stock lists and movements as GB/T 27922 evidence (the certification plugin's hook)."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.toolkit import db, hookimpl


def _url(endpoint: str):
    try:
        return url_for(endpoint)
    except RuntimeError:
        return None


@hookimpl(optionalhook=True)
def certification_evidence(criterion_code, period_from, period_to):
    """A3.3 and B4.2: dealer stock reports, head-office stock movements, spare-part applications."""
    from plugins.spares.models import Application, Movement, StockReport

    if criterion_code not in ("A3.3", "B4.2"):
        return []
    start = datetime.combine(period_from, time.min, tzinfo=timezone.utc)
    end = datetime.combine(period_to + timedelta(days=1), time.min, tzinfo=timezone.utc)
    reports = db.session.scalar(select(func.count(StockReport.id)).where(
        StockReport.reported_on >= period_from, StockReport.reported_on <= period_to)) or 0
    moves = db.session.scalar(select(func.count(Movement.id)).where(
        Movement.created_at >= start, Movement.created_at < end)) or 0
    applications = db.session.scalar(select(func.count(Application.id)).where(
        Application.submitted_at >= start, Application.submitted_at < end)) or 0
    return [{"label": _("Dealer spare-part stock reports"), "count": reports, "url": _url("spares.list_reports")},
            {"label": _("Head-office stock movements"), "count": moves, "url": _url("spares.movements")},
            {"label": _("Spare-part applications"), "count": applications, "url": _url("spares.list_applications")}]
