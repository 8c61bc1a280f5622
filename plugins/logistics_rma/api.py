"""JSON API: open a return from a transport exception record; list the links."""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from core.toolkit import commit, get_scoped, route
from plugins.logistics import public as logistics
from plugins.logistics_rma import services
from plugins.logistics_rma.schemas import LinkOut, OpenRmaIn

bp = Blueprint("logistics_rma_api", __name__)


@route(bp, "/logistics-exceptions/<int:record_id>/open-rma", ["POST"], body=OpenRmaIn, response=LinkOut, status=201,
       permission="rma.file", tag="logistics")
def open_rma(record_id: int, body: OpenRmaIn):
    """Open a draft return for the goods of an accepted, signed ``damaged`` record (409/422 otherwise)."""
    record = logistics.get_exception(record_id)
    _, link = services.open_rma(record, current_user, body.version, body.lines)
    commit()
    return services.serialize(link)


@route(bp, "/logistics-exceptions/<int:record_id>/rmas", response=LinkOut, many=True, permission="rma.view", tag="logistics")
def exception_rmas(record_id: int):
    """Returns opened from this record."""
    links = services.links_for_exception(logistics.get_exception(record_id))
    return {"items": [services.serialize(x) for x in links], "total": len(links), "page": 1, "per_page": len(links) or 1,
            "pages": 1 if links else 0}


@route(bp, "/rmas/<int:rma_id>/logistics-exceptions", response=LinkOut, many=True, permission="logistics.view",
       tag="logistics")
def rma_exceptions(rma_id: int):
    """Transport exception records linked to this return."""
    from plugins.rma.public import Rma

    links = services.links_for_rma(get_scoped(Rma, rma_id))
    return {"items": [services.serialize(x) for x in links], "total": len(links), "page": 1, "per_page": len(links) or 1,
            "pages": 1 if links else 0}
