"""Opening a draft return from a service request whose unit was taken back for repair.

A return belongs to a dealer and only the dealer files it (``rma.file``): the take-back
notifies the filing dealer (service plugin), who opens the draft here and completes and submits it.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import Conflict, ValidationError, activity, check, db
from plugins.service import public as service
from plugins.service_rma.models import ServiceRmaLink

RMA_ISSUE = "quality_defect"


def link_for(record) -> ServiceRmaLink | None:
    return db.session.scalar(select(ServiceRmaLink).where(ServiceRmaLink.request_id == record.id))


def why_not(record) -> tuple[int, str, str] | None:
    """Why no return may be opened from ``record``: (status, code, message), or None when it may."""
    if record.state != "taken_back":
        return 409, "not_taken_back", _("only a request whose unit was taken back opens a return")
    if record.dealer_id is None:
        return 422, "no_dealer", _("only a request filed by a dealer opens a return (a return belongs to a dealer)")
    if not record.sku:
        return 422, "no_sku", _("the request names no product")
    if link_for(record) is not None:
        return 409, "already_linked", _("a return was already opened from this request")
    return None


def open_rma(record, actor, version: int):
    from plugins.rma import public as rma_services

    check(actor, "rma.file")
    service.check_version(record, version)
    problem = why_not(record)
    if problem:
        status, code, message = problem
        raise (Conflict if status == 409 else ValidationError)(message, code=code)
    line = {"sku": record.sku, "quantity": 1, "issue": RMA_ISSUE, "serial": record.serial or "",
            "purchase_date": record.purchase_date, "sale_date": record.sale_date,
            "production_date": record.production_date, "opened": True, "installed": True,
            "description": f"{record.number}: {record.problem}"[:2000]}
    rma = rma_services.create_rma(record.dealer, [line], actor, submit=False)
    link = ServiceRmaLink(request_id=record.id, rma_id=rma.id, rma=rma, created_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    activity.log(record, "rma_opened", {"rma": (None, rma.id)}, actor=actor)
    activity.log(rma, "linked_service_request", {"service_request": (None, record.number)}, actor=actor)
    return rma, link


def serialize(link: ServiceRmaLink) -> dict:
    return {"request_id": link.request_id, "rma_id": link.rma_id, "rma_number": link.rma.number,
            "rma_state": link.rma.state, "created_at": link.created_at.isoformat()}
