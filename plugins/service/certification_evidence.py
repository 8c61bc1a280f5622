"""On-site service as GB/T 27922 evidence (the certification plugin's hook; unused when it is absent).

B2 技术支持: the 24-hour hotline, replies within ``service.reply_hours`` and on-site service
scheduled; B4 维修: on-site service records co-signed by the customer. Entries marked
``shortfall`` are records that speak against full points.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from core.toolkit import db, hookimpl, period_bounds, settings


def _url(endpoint: str) -> str | None:
    try:
        return url_for(endpoint)
    except RuntimeError:  # outside a request: no link
        return None


@hookimpl(optionalhook=True)
def certification_evidence(criterion_code, period_from, period_to):
    if criterion_code not in ("B2.1", "B2.2", "B4.3"):
        return []
    from plugins.service.models import ServiceRequest, ServiceVisit

    start, end = period_bounds(period_from, period_to)
    link = _url("service.list_requests")
    if criterion_code == "B4.3":
        signed = db.session.scalar(select(func.count(ServiceVisit.id)).where(
            ServiceVisit.state == "completed", ServiceVisit.signature_id.is_not(None),
            ServiceVisit.completed_at >= start, ServiceVisit.completed_at < end)) or 0
        return [{"label": _("On-site service records co-signed by the customer"), "count": signed, "url": link}]
    received = and_(ServiceRequest.received_at >= start, ServiceRequest.received_at < end)
    if criterion_code == "B2.1":
        hotline = db.session.scalar(select(func.count(ServiceRequest.id)).where(
            received, ServiceRequest.channel == "hotline")) or 0
        return [{"label": _("Service requests taken on the hotline"), "count": hotline, "url": link}]
    in_time, late, scheduled = db.session.execute(select(
        func.count(ServiceRequest.id).filter(ServiceRequest.replied_at <= ServiceRequest.reply_due_at),
        func.count(ServiceRequest.id).filter(ServiceRequest.replied_at > ServiceRequest.reply_due_at),
        func.count(ServiceRequest.id).filter(ServiceRequest.on_site.is_(True))).where(received)).one()
    hours = settings.get("service.reply_hours")
    return [{"label": _("Requests replied to within %(hours)s hours", hours=hours), "count": in_time or 0, "url": link},
            {"label": _("Requests replied to after %(hours)s hours", hours=hours), "count": late or 0, "url": link,
             "shortfall": True},
            {"label": _("Requests scheduled for on-site service"), "count": scheduled or 0, "url": link}]
