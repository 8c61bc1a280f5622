"""JSON API: /api/v1/service-requests and /api/v1/service-visits (paths and field names are a contract)."""
from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user

from core.toolkit import BadRequest, detail_route, events, list_route, route
from plugins.service import reports, services
from plugins.service.actions import ACTIONS
from plugins.service.schemas import (ServiceRequestIn, ServiceRequestOut, ServiceRequestQuery, ServiceVisitCompleteIn,
                                     ServiceVisitIn, ServiceVisitOut)

bp = Blueprint("service_api", __name__)
TAG = "service"
BASE = "/service-requests"
VISITS = "/service-visits"


def _out(record):
    return services.serialize(record, current_user)


def _page_extras(rows) -> dict:
    """The page's visits and parts issued on them, in two queries, and the moment the deadlines are read at."""
    visits = services.visits_by_request([r.id for r in rows])
    return {"at": services.now(), "visits": visits,
            "issued": services.parts_issued([v.id for found in visits.values() for v in found])}


list_route(bp, BASE, lambda query: services.list_stmt(query, current_user),
           lambda r, x: services.serialize(r, current_user, x["visits"].get(r.id, []), x["at"], x["issued"]),
           extras=_page_extras, query=ServiceRequestQuery, response=ServiceRequestOut, permission="service.view",
           tag=TAG, endpoint="list_requests",
           summary="Service requests the caller may see (a dealer its own, a technician those assigned to it).")


@route(bp, BASE, ["POST"], body=ServiceRequestIn, response=ServiceRequestOut, status=201,
       permission="service.create", tag=TAG)
def create_request(body: ServiceRequestIn):
    """Record a request (hotline, online, in store; a dealer files for its customer)."""
    record = services.create_request(body, current_user)
    events.commit()
    return _out(record)


detail_route(bp, BASE + "/<int:record_id>", lambda record_id: services.get_request(record_id, current_user), _out,
             response=ServiceRequestOut, permission="service.view", tag=TAG, endpoint="get_request",
             summary="One request with its visits (404 outside the caller's scope).")


ACTIONS.api_routes(bp, BASE, permission="service.view", tag=TAG)


@route(bp, BASE + "/<int:record_id>/visits", ["POST"], body=ServiceVisitIn, response=ServiceVisitOut, status=201,
       permission="service.visit", tag=TAG)
def create_visit(record_id: int, body: ServiceVisitIn):
    """The on-site visit record (上门服务记录) of a request in state on_site."""
    record = services.get_request(record_id, current_user)
    visit = services.create_visit(record, body, current_user)
    events.commit()
    return services.serialize_visit(visit)


detail_route(bp, VISITS + "/<int:visit_id>", lambda visit_id: services.get_visit(visit_id, current_user),
             services.serialize_visit, response=ServiceVisitOut, permission="service.view", tag=TAG,
             endpoint="get_visit", summary="One visit record.")


@route(bp, VISITS + "/<int:visit_id>/signature", ["POST"], response=ServiceVisitOut, permission="service.visit",
       tag=TAG, summary="The customer's co-signature (multipart: file=PNG, signer_name, kind=drawn|paper)")
def upload_signature(visit_id: int):
    visit = services.get_visit(visit_id, current_user)
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest(_("send the image as multipart/form-data field 'file'"), {"file": _("required")},
                         code="malformed")
    kind = request.form.get("kind", "drawn")
    if kind not in ("drawn", "paper"):
        raise BadRequest(_("unknown kind"), {"kind": _("drawn or paper")}, code="malformed")
    services.add_signature(visit, upload.read(), request.form.get("signer_name", "")[:120], kind, current_user,
                           filename=upload.filename or "signature.png")
    events.commit()
    return services.serialize_visit(visit)


@route(bp, VISITS + "/<int:visit_id>/signature", permission="service.view", tag=TAG, content_type="image/png")
def get_signature(visit_id: int):
    """The signature image."""
    return reports.image_response(services.signature_attachment(services.get_visit(visit_id, current_user)))


@route(bp, VISITS + "/<int:visit_id>/complete", ["POST"], body=ServiceVisitCompleteIn, response=ServiceVisitOut,
       permission="service.visit", tag=TAG)
def complete_visit(visit_id: int, body: ServiceVisitCompleteIn):
    """Complete the visit: 409 signature_required without the customer's co-signature."""
    visit = services.get_visit(visit_id, current_user)
    services.complete_visit(visit, current_user, body.version)
    events.commit()
    return services.serialize_visit(visit)


@route(bp, VISITS + "/<int:visit_id>/report.pdf", permission="service.view", tag=TAG, content_type="application/pdf")
def visit_report(visit_id: int):
    """The service report (服务报告) as PDF, in Chinese, with the signature."""
    return reports.pdf_response(services.get_visit(visit_id, current_user))
