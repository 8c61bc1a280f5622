"""Append-only activity log ("chatter") for every business record.

Entries are written in the same transaction as the change they describe; they can be
neither edited nor deleted (the ORM refuses, and no route offers it).
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.model_utils import UTCDateTime, utcnow


class ActivityEntry(db.Model):
    __tablename__ = "core_activity"
    __table_args__ = (Index("ix_core_activity_model_record", "model", "record_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(60))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changes: Mapped[dict | None] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    actor = relationship("User", lazy="joined")


@event.listens_for(ActivityEntry, "before_update")
@event.listens_for(ActivityEntry, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("activity entries are append-only")


def model_name(record_or_class) -> str:
    cls = record_or_class if isinstance(record_or_class, type) else type(record_or_class)
    return getattr(cls, "__activity_model__", None) or cls.__tablename__


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def _current_actor_id():
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user.id
    return None


def log(record, action: str, changes: dict | None = None, comment: str = "", actor=None) -> ActivityEntry | None:
    """Append an entry for ``record``. ``changes`` maps field to ``(old, new)``. Inside
    :func:`batched` the entry is written at the block's end (and None returned)."""
    record = record._get_current_object() if hasattr(record, "_get_current_object") else record  # current_user
    if record.id is None:
        db.session.flush()
    values = {"model": model_name(record), "record_id": record.id, "action": action,
              "actor_id": actor.id if actor is not None else _current_actor_id(),
              "changes": {k: [_plain(o), _plain(n)] for k, (o, n) in (changes or {}).items()} or None,
              "comment": comment or ""}
    pending = db.session.info.get(_PENDING)
    if pending is not None:
        values["created_at"] = utcnow()
        pending.append(values)
        return None
    entry = ActivityEntry(**values)
    db.session.add(entry)
    return entry


_PENDING = "core.activity.pending"
_INSERT: list = []  # the INSERT statement, built once


@contextmanager
def batched():
    """Entries logged inside the block are written at its end by one Core INSERT of their values
    (an executemany), in the caller's transaction, instead of as ORM objects through the flush: a
    transition's entry cost more in the unit of work than its statement. Nested blocks join the
    outer one. If the block raises, its entries are added to the session as objects, so the
    caller's commit (a refusal that keeps what it recorded) or rollback decides, as without it."""
    info = db.session.info
    if _PENDING in info:
        yield
        return
    info[_PENDING] = pending = []
    try:
        yield
    except BaseException:
        db.session.add_all([ActivityEntry(**values) for values in pending])
        raise
    finally:
        info.pop(_PENDING, None)
    if pending:
        if not _INSERT:
            _INSERT.append(ActivityEntry.__table__.insert())
        db.session.connection().execute(_INSERT[0], pending)


def apply_changes(record, values: dict) -> dict:
    """Set attributes from ``values``; return ``{field: (old, new)}`` for those that changed."""
    changed = {}
    for key, new in values.items():
        old = getattr(record, key)
        if old != new:
            setattr(record, key, new)
            changed[key] = (old, new)
    return changed


def entries_for(model: str, record_id: int, limit: int = 200) -> list[ActivityEntry]:
    return list(db.session.scalars(
        select(ActivityEntry).where(ActivityEntry.model == model, ActivityEntry.record_id == record_id)
        .order_by(ActivityEntry.id.desc()).limit(limit)))
