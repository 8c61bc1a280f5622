"""JSON API: /api/v1/logistics-exceptions (paths and field names are a contract)."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user

from core.toolkit import BadRequest, NotFound, attachment_response, commit, detail_route, route
from plugins.logistics import reads, services
from plugins.logistics.actions import ACTIONS
from plugins.logistics.schemas import AttachmentOut, ExceptionIn, ExceptionOut, ExceptionPatch, ExceptionQuery

bp = Blueprint("logistics_api", __name__)
TAG = "logistics"
BASE = "/logistics-exceptions"


def _out(record):
    return services.serialize(record, current_user)


@route(bp, BASE, query=ExceptionQuery, response=ExceptionOut, many=True, permission="logistics.view", tag=TAG)
def list_exceptions(query: ExceptionQuery):
    """Transport exception records the caller may see, with filters and pagination."""
    return reads.list_page(query)


@route(bp, BASE, ["POST"], body=ExceptionIn, response=ExceptionOut, status=201, permission="logistics.create", tag=TAG)
def create_exception(body: ExceptionIn):
    """Create a draft record (a dealer for itself; staff name the dealer_code)."""
    record = services.create_exception(body, current_user)
    commit()
    return _out(record)


detail_route(bp, BASE + "/<int:record_id>", services.get_exception, _out, response=ExceptionOut,
             permission="logistics.view", tag=TAG, endpoint="get_exception",
             summary="One record (404 outside the caller's scope).")


@route(bp, BASE + "/<int:record_id>", ["PATCH"], body=ExceptionPatch, response=ExceptionOut, permission="logistics.view", tag=TAG)
def update_exception(record_id: int, body: ExceptionPatch):
    """Change a draft."""
    record = services.update_exception(services.get_exception(record_id), body, current_user)
    commit()
    return _out(record)


@route(bp, BASE + "/<int:record_id>", ["DELETE"], status=204, permission="logistics.view", tag=TAG)
def delete_exception(record_id: int):
    """Delete a draft (a refused late filing is kept)."""
    services.delete_exception(services.get_exception(record_id), current_user)
    commit()
    return "", 204


ACTIONS.api_routes(bp, BASE, permission="logistics.view", tag=TAG)


@route(bp, BASE + "/<int:record_id>/attachments", ["POST"], response=AttachmentOut, status=201, permission="logistics.view",
       tag=TAG, summary="Upload a photo or the signed document (multipart: file, purpose=photo|signed_document)")
def upload_attachment(record_id: int):
    record = services.get_exception(record_id)
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest(_("send the file as multipart/form-data field 'file'"), {"file": _("required")}, code="malformed")
    att = services.add_attachment(record, upload.filename or "file", upload.read(),
                                  request.form.get("purpose", "photo"), current_user)
    commit()
    return services.serialize(record, current_user, [att])["attachments"][0]


@route(bp, BASE + "/<int:record_id>/attachments/<int:attachment_id>", permission="logistics.view", tag=TAG,
       content_type="application/octet-stream")
def get_attachment(record_id: int, attachment_id: int):
    """The file itself, only for callers who may see the record."""
    record = services.get_exception(record_id)
    return attachment_response(services.get_attachment(record, attachment_id))


@route(bp, BASE + "/<int:record_id>/attachments/<int:attachment_id>", ["DELETE"], status=204, permission="logistics.view", tag=TAG)
def delete_attachment(record_id: int, attachment_id: int):
    """Remove an attachment from a draft."""
    record = services.get_exception(record_id)
    services.delete_attachment(record, services.get_attachment(record, attachment_id), current_user)
    commit()
    return "", 204


__all__ = ["bp", "NotFound"]
