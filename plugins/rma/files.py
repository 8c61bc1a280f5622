"""Files attached to returns: photos of an RMA and receipts of a freight claim (core attachments).

Files live in ``core.attachments``; this module decides who may add them and when, checks them
with messages in the user's language, and finds them only through a record the caller may see
(the caller loads the RMA or claim with ``get_scoped`` first, so anything outside scope is a 404).
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import defer

from core.toolkit import (Attachment, Conflict, NotFound, PermissionDenied, ValidationError, activity,
                         attachments, check, db, settings)

PHOTO_STATES = ("draft", "submitted", "reviewed")
CLAIM_MODEL = "rma_freight_claim"


def _check_file(filename: str, data: bytes, field: str) -> None:
    """Size and content checks with translated messages (core.attachments checks again)."""
    limit_kb = settings.get("core.attachment_max_kb")
    if not data:
        raise ValidationError(_("invalid input"), {field: _("Choose a file.")})
    if len(data) > limit_kb * 1024:
        raise ValidationError(_("invalid input"), {field: _("The file is larger than %(kb)s KB.", kb=limit_kb)})
    if attachments.sniff(data) is None:
        raise ValidationError(_("invalid input"),
                              {field: _("Only PNG, JPEG, GIF, WebP images and PDF files are accepted.")})


def may_add_photo(rma, user) -> bool:
    return (user.can("rma.file") and rma.state in PHOTO_STATES
            and (user.dealer_id is None or user.dealer_id == rma.dealer_id))


def add_photo(rma, actor, filename: str | None, data: bytes | None, field: str = "file") -> Attachment:
    """Attach a photo or PDF to a return not yet approved (the returning dealer, or head-office staff)."""
    check(actor, "rma.file")
    if actor.dealer_id is not None and actor.dealer_id != rma.dealer_id:
        raise PermissionDenied(_("Only the returning dealer may add photos."), code="not_returning_unit")
    if rma.state not in PHOTO_STATES:
        raise Conflict(_("Photos can be added until the return is approved."), code="illegal_transition")
    _check_file(filename or "", data or b"", field)
    att = attachments.add("rma", rma.id, filename or "photo", data, actor=actor, field=field)
    db.session.flush()
    activity.log(rma, "photo_added", {"photo": (None, att.filename)}, actor=actor)
    return att


def photos(rma) -> list[Attachment]:
    return attachments.list_for("rma", rma.id)


def get_file(model: str, record_id: int, attachment_id: int) -> Attachment:
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.model != model or att.record_id != record_id:
        raise NotFound(_("File not found."))
    return att


def serialize(att: Attachment) -> dict:
    return {"id": att.id, "filename": att.filename, "content_type": att.content_type, "size": att.size}


# --- freight-claim receipts -----------------------------------------------------------

def may_add_receipt(claim, user) -> bool:
    return (user.can("rma.file") and claim.state in ("open", "claimed")
            and (user.dealer_id is None or user.dealer_id == claim.dealer_id))


def add_receipt(claim, actor, filename: str | None, data: bytes | None, field: str = "file") -> Attachment:
    """Attach the scanned receipt (image or PDF) to a freight claim not yet decided (the claimant)."""
    check(actor, "rma.file")
    if actor.dealer_id is not None and actor.dealer_id != claim.dealer_id:
        raise PermissionDenied(_("Only the returning dealer may claim its freight."), code="not_returning_unit")
    if claim.state not in ("open", "claimed"):
        raise Conflict(_("This claim was already decided."), code="illegal_transition")
    _check_file(filename or "", data or b"", field)
    att = attachments.add(CLAIM_MODEL, claim.id, filename or "receipt", data, actor=actor, purpose="receipt",
                          field=field)
    db.session.flush()
    activity.log(claim, "receipt_added", {"receipt_file": (None, att.filename)}, actor=actor)
    return att


def receipts(claim) -> list[Attachment]:
    return attachments.list_for(CLAIM_MODEL, claim.id)


def receipts_by_claim(claim_ids) -> dict[int, list[Attachment]]:
    """Receipt files of many claims in one query (for the claims page)."""
    out: dict[int, list[Attachment]] = {i: [] for i in claim_ids}
    if not out:
        return out
    rows = db.session.scalars(select(Attachment).options(defer(Attachment.data))
                              .where(Attachment.model == CLAIM_MODEL, Attachment.record_id.in_(list(out)))
                              .order_by(Attachment.id))
    for att in rows:
        out[att.record_id].append(att)
    return out


def send_file(att):
    """An attachment inline, with its sniffed type (never guessed from the name)."""
    from flask import Response

    safe = att.filename.replace('"', "")
    return Response(att.data, mimetype=att.content_type,
                    headers={"Content-Disposition": f'inline; filename="{safe}"', "X-Content-Type-Options": "nosniff",
                             "Cache-Control": "private, max-age=3600"})
