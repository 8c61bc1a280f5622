"""JSON API: POST /api/v1/service-requests/<id>/open-rma (the filing dealer opens a draft return)."""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from core.toolkit import OutSchema, Schema, events, route
from plugins.service import services as service
from plugins.service_rma import services

bp = Blueprint("service_rma_api", __name__)


class ServiceRmaOpenIn(Schema):
    version: int


class ServiceRmaLinkOut(OutSchema):
    request_id: int
    rma_id: int
    rma_number: str | None
    rma_state: str
    created_at: str


@route(bp, "/service-requests/<int:record_id>/open-rma", ["POST"], body=ServiceRmaOpenIn, response=ServiceRmaLinkOut,
       status=201, permission="rma.file", tag="service")
def open_rma(record_id: int, body: ServiceRmaOpenIn):
    """Open a draft return for the unit taken back (the filing dealer completes and submits it)."""
    record = service.get_request(record_id, current_user)
    _rma, link = services.open_rma(record, current_user, body.version)
    events.commit()
    return services.serialize(link)
