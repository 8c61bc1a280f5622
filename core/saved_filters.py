"""Saved filters: a user names the query string of a list page and finds it again in a dropdown.

A filter belongs to one user and one list (the list page's path); it stores the query
string without the page number. The ``list_table`` macro offers saving, choosing and
deleting on every list page, so a plugin's lists get it without code of their own.
"""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, Index, String, bindparam, select
from sqlalchemy.orm import Mapped, mapped_column

from core.errors import NotFound, ValidationError
from core.extensions import db
from core.model_utils import UTCDateTime, utcnow

NAME_MAX = 80
QUERY_MAX = 2000
PATH_MAX = 200
PER_LIST_MAX = 50  # filters one user keeps for one list
DROPPED_ARGS = ("page", "csrf_token")


class SavedFilter(db.Model):
    __tablename__ = "core_saved_filter"
    __table_args__ = (Index("ix_core_saved_filter_user_list", "user_id", "list_path", unique=False),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"))
    list_path: Mapped[str] = mapped_column(String(PATH_MAX))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    query: Mapped[str] = mapped_column(String(QUERY_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def url(self) -> str:
        return self.list_path + ("?" + self.query if self.query else "")


def clean_query(raw: str) -> str:
    """The query string as it will be replayed: without the page number, empty values dropped."""
    pairs = [(k, v) for k, v in parse_qsl(raw or "", keep_blank_values=False) if k not in DROPPED_ARGS]
    return urlencode(pairs)


def for_list(user, list_path: str) -> list[SavedFilter]:
    return list(db.session.scalars(select(SavedFilter).where(
        SavedFilter.user_id == user.id, SavedFilter.list_path == list_path).order_by(SavedFilter.name)))


class ShownFilter(NamedTuple):
    """What a list page shows of a saved filter (``list_table``'s dropdown)."""
    id: int
    name: str
    list_path: str
    query: str

    @property
    def url(self) -> str:
        return self.list_path + ("?" + self.query if self.query else "")


_SHOWN_STATEMENT = []


def shown_for_list(user, list_path: str) -> list[ShownFilter]:
    """The user's filters of a list as the page shows them (by name): the four columns read by one
    Core statement built once, no ORM objects (every list page asks)."""
    if not _SHOWN_STATEMENT:
        table = SavedFilter.__table__
        _SHOWN_STATEMENT.append(select(table.c.id, table.c.name, table.c.list_path, table.c.query).where(
            table.c.user_id == bindparam("user_id"), table.c.list_path == bindparam("list_path"))
            .order_by(table.c.name))
    session = db.session()
    if session.new or session.deleted or session.dirty:
        session.flush()  # as the ORM query's autoflush: a filter saved in this transaction shows
    rows = session.connection().execute(_SHOWN_STATEMENT[0], {"user_id": user.id, "list_path": list_path})
    return [ShownFilter(*row) for row in rows]


def save(user, list_path: str, name: str, query: str) -> SavedFilter:
    """Save (or replace, under the same name) the filter ``query`` of the list at ``list_path``."""
    name = (name or "").strip()
    list_path = (list_path or "").strip()
    query = clean_query(query)
    errors = {}
    if not name:
        errors["name"] = _("Give the filter a name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("At most %(n)s characters.", n=NAME_MAX)
    if not list_path.startswith("/") or list_path.startswith("//") or len(list_path) > PATH_MAX:
        errors["list_path"] = _("Not a list page.")
    if len(query) > QUERY_MAX:
        errors["query"] = _("This filter is too long to be saved.")
    if errors:
        raise ValidationError(_("The filter was not saved."), fields=errors)
    existing = {f.name: f for f in for_list(user, list_path)}
    record = existing.get(name)
    if record is None:
        if len(existing) >= PER_LIST_MAX:
            raise ValidationError(_("At most %(n)s saved filters per list: delete one first.", n=PER_LIST_MAX),
                                  fields={"name": _("At most %(n)s saved filters per list: delete one first.",
                                                    n=PER_LIST_MAX)})
        record = SavedFilter(user_id=user.id, list_path=list_path, name=name)
        db.session.add(record)
    record.query = query
    db.session.flush()
    return record


def delete(user, filter_id: int) -> str:
    """Delete one of ``user``'s filters (another user's answers 404); returns its list's path."""
    record = db.session.get(SavedFilter, filter_id)
    if record is None or record.user_id != user.id:
        raise NotFound(_("not found"), code="not_found")
    path = record.list_path
    db.session.delete(record)
    return path
