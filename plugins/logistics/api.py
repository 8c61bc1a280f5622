"""JSON API: /api/v1/logistics-exceptions (paths and field names are a contract)."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user

from core.toolkit import BadRequest, NotFound, attachment_response, commit, detail_route, list_route, route
from plugins.logistics import services
from plugins.logistics.schemas import (AcceptIn, ActionIn, AttachmentOut, ExceptionIn, ExceptionOut, ExceptionPatch,
                                       ExceptionQuery, ResolveIn, SettleClaimIn)

bp = Blueprint("logistics_api", __name__)
TAG = "logistics"
BASE = "/logistics-exceptions"


def _out(record):
    return services.serialize(record, current_user)


list_route(bp, BASE, services.list_stmt, lambda r, files: services.serialize(r, current_user, files.get(r.id, [])),
           extras=services.attachments_by_record, query=ExceptionQuery, response=ExceptionOut,
           permission="logistics.view", tag=TAG, endpoint="list_exceptions",
           summary="Transport exception records the caller may see, with filters and pagination.")


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


ACTION_BODIES = {"file": ActionIn, "accept": AcceptIn, "refuse": ActionIn, "resolve": ResolveIn,
                 "settle-claim": SettleClaimIn}


def _action(record_id: int, action: str, body):
    record = services.get_exception(record_id)
    try:
        services.run_action(record, action.replace("-", "_"), body, current_user)
    except services.LateFiling:
        commit()  # keep the late flag and the refused attempt in the log
        raise
    commit()
    return _out(record)


@route(bp, BASE + "/<int:record_id>/file", ["POST"], body=ActionIn, response=ExceptionOut, permission="logistics.view", tag=TAG)
def file_exception(record_id: int, body: ActionIn):
    """File with the order department; 422 ``filing_late`` past the deadline when no party is identified."""
    return _action(record_id, "file", body)


@route(bp, BASE + "/<int:record_id>/accept", ["POST"], body=AcceptIn, response=ExceptionOut, permission="logistics.view", tag=TAG)
def accept_exception(record_id: int, body: AcceptIn):
    """Accept a filed record, or a late filing with ``late_reason``."""
    return _action(record_id, "accept", body)


@route(bp, BASE + "/<int:record_id>/refuse", ["POST"], body=ActionIn, response=ExceptionOut, permission="logistics.view", tag=TAG)
def refuse_exception(record_id: int, body: ActionIn):
    """Refuse a filed record (or a late filing)."""
    return _action(record_id, "refuse", body)


@route(bp, BASE + "/<int:record_id>/resolve", ["POST"], body=ResolveIn, response=ExceptionOut, permission="logistics.view", tag=TAG)
def resolve_exception(record_id: int, body: ResolveIn):
    """Resolve with ``outcome`` credit, exchange, carrier_claim (with ``claim_amount``) or rejected."""
    return _action(record_id, "resolve", body)


@route(bp, BASE + "/<int:record_id>/settle-claim", ["POST"], body=SettleClaimIn, response=ExceptionOut, permission="logistics.view", tag=TAG)
def settle_claim(record_id: int, body: SettleClaimIn):
    """Record that the carrier claim was settled (open -> settled)."""
    return _action(record_id, "settle-claim", body)


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
