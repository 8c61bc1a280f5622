"""Attachments (photos, signed documents) for any record, stored in the database.

Kept in the database so several app hosts share them with no shared disk. Only images
(PNG, JPEG, GIF, WebP) and PDF are accepted (and audio where the caller allows it, for
evidence recordings), checked by their content, not their name;
the size limit is a setting. Serving goes through the owning plugin, which checks that
the caller may see the record.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, defer, mapped_column

from core import settings
from core.errors import ValidationError
from core.extensions import db
from core.model_utils import UTCDateTime, utcnow

SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


class Attachment(db.Model):
    __tablename__ = "core_attachment"
    __table_args__ = (Index("ix_core_attachment_owner", "model", "record_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(40), default="photo")
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


AUDIO_SIGNATURES = (
    (b"ID3", "audio/mpeg"),
    (b"\xff\xfb", "audio/mpeg"),
    (b"\xff\xf3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
)


def sniff_audio(data: bytes) -> str | None:
    """MP3, Ogg, WAV or M4A by content (evidence recordings; only where a caller allows audio)."""
    for magic, content_type in AUDIO_SIGNATURES:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data[4:8] == b"ftyp" and data[8:11] in (b"M4A", b"mp4", b"iso"):
        return "audio/mp4"
    return None


def sniff(data: bytes) -> str | None:
    for magic, content_type in SIGNATURES:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


TYPE_NAMES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF",
              "image/webp": "WebP"}
PDF_AND_PHOTOS = ("application/pdf", "image/png", "image/jpeg")


def check_type(data: bytes, accept: tuple[str, ...], field: str = "file") -> str:
    """The file's type, sniffed from its first bytes (never its name or the client's content type),
    if it is one of ``accept`` (content types from ``SIGNATURES``); else 422 ``{field: "only PDF, PNG,
    JPEG are accepted"}`` in the user's language."""
    content_type = sniff(data or b"")
    if content_type not in accept:
        accepted = ", ".join(TYPE_NAMES.get(t, t) for t in accept)
        raise ValidationError(_("unsupported file"), {field: _("only %(accepted)s are accepted", accepted=accepted)})
    return content_type


def add(model: str, record_id: int, filename: str, data: bytes, actor=None, purpose: str = "photo",
        field: str = "attachment", allow_audio: bool = False, accept: tuple[str, ...] | None = None) -> Attachment:
    """Store a file for a record; ``accept`` narrows the accepted types (``PDF_AND_PHOTOS`` for documents)."""
    limit_kb = settings.get("core.attachment_max_kb")
    if not data:
        raise ValidationError(_("empty file"), {field: _("empty file")})
    if len(data) > limit_kb * 1024:
        raise ValidationError(_("file too large"), {field: _("larger than %(limit_kb)s KB", limit_kb=limit_kb)})
    content_type = check_type(data, accept, field) if accept else \
        sniff(data) or (sniff_audio(data) if allow_audio else None)
    if content_type is None:
        accepted = (_("PNG, JPEG, GIF, WebP images, PDF and MP3, Ogg, WAV, M4A audio") if allow_audio
                    else _("PNG, JPEG, GIF, WebP images and PDF"))
        raise ValidationError(_("unsupported file"), {field: _("only %(accepted)s are accepted", accepted=accepted)})
    safe_name = "".join(c for c in filename if c.isalnum() or c in "._- ")[:200] or "file"
    att = Attachment(model=model, record_id=record_id, purpose=purpose, filename=safe_name,
                     content_type=content_type, size=len(data), data=data,
                     uploaded_by_id=actor.id if actor else None)
    db.session.add(att)
    return att


def list_for(model: str, record_id: int) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).options(defer(Attachment.data))
                                   .where(Attachment.model == model, Attachment.record_id == record_id)
                                   .order_by(Attachment.id)))


def response(att):
    """An attachment served inline with its sniffed type (never guessed from the name)."""
    from flask import Response

    safe = att.filename.replace('"', "")
    return Response(att.data, mimetype=att.content_type,
                    headers={"Content-Disposition": f'inline; filename="{safe}"', "X-Content-Type-Options": "nosniff",
                             "Cache-Control": "private, max-age=3600"})
