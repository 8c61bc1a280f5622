"""The chatter (Odoo's): one stream per business record of comments, @mentions, attachments
and the activity log, shown with human labels.

A plugin gets it by declaring its model through the ``aftersales_chatter`` hook
(:class:`core.declarations.Chatter`: the view permission, field labels, value labels, the
record's page) and rendering ``{{ chatter(record) }}`` on the record's page. Reading and
posting go through the record's own visibility (``get_scoped``: outside the caller's scope
a record answers 404) and the declared permission (403). ``@username`` in a comment
notifies that user, when they may see the record.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import activity, attachments
from core.errors import NotFound, PermissionDenied, ValidationError
from core.extensions import db
from core.model_utils import UTCDateTime, utcnow
from core.notifications import N_, notify

MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_.\-]{2,64})")
MAX_BODY = 4000
MAX_FILES = 5


class ChatterMessage(db.Model):
    """A comment on a record (the activity log keeps the record's changes)."""
    __tablename__ = "core_chatter_message"
    __table_args__ = (Index("ix_core_chatter_message_record", "model", "record_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mentions: Mapped[list | None] = mapped_column(JSON)  # user ids notified
    attachment_ids: Mapped[list | None] = mapped_column(JSON)
    author = relationship("User", lazy="joined")


@event.listens_for(ChatterMessage, "before_update")
@event.listens_for(ChatterMessage, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("chatter messages are append-only")


# --- declarations and labels -------------------------------------------------------------

def declarations() -> dict:
    return current_app.extensions["aftersales"].chatter


def declaration(model_name: str):
    decl = declarations().get(model_name)
    if decl is None:
        raise NotFound(_("No such kind of record."))
    return decl


def declaration_for(record):
    return declarations().get(activity.model_name(record))


def record_for(model_name: str, record_id, user):
    """The record if ``user`` may see it and holds the declared permission (404 / 403)."""
    from core.security import get_scoped

    decl = declaration(model_name)
    record = get_scoped(decl.model, record_id, user)
    if decl.permission and not user.can(decl.permission):
        raise PermissionDenied(_("You may not see this record."), code="forbidden")
    return decl, record


YES_NO = {True: _l("yes"), False: _l("no")}


def _lookup(labels: dict, key):
    for candidate in (key, str(key)):
        if candidate in labels:
            return labels[candidate]
    return None


def field_label(decl, key: str) -> str:
    """A change's field as a person reads it; ``line 12 verdict`` reads "Line 12 · Verdict", an
    item's ``A1.points`` "A1 · Points"."""
    labels = _all_field_labels(decl)
    found = _lookup(labels, key)
    if found is not None:
        return str(found)
    if "." in key and " " not in key:  # one item's field: "A1.points" reads "A1 · Points"
        head, tail = key.rsplit(".", 1)
        found = _lookup(labels, tail)
        if found is not None:
            return f"{head} · {found}"
    parts = key.split(" ")
    if len(parts) >= 3 and parts[1].isdigit():
        head = _lookup(labels, parts[0])
        tail = _lookup(labels, " ".join(parts[2:]))
        if head is not None or tail is not None:
            return f"{head or parts[0]} {parts[1]} · {tail or ' '.join(parts[2:])}"
    return key.replace("_", " ")


ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def value_label(decl, key: str, value) -> str:
    """A changed value as a person reads it (value labels of its field, yes/no, —, a moment in
    the reader's time zone). A field's value labels are a ``{value: label}`` map or a function
    of the value (``user_name`` for a user id)."""
    if value is None or value == "":
        return "—"
    field = key.split(" ")[-1] if " " in key else key.rsplit(".", 1)[-1]
    labels = _all_value_labels(decl).get(key) or _all_value_labels(decl).get(field) or {}
    if isinstance(value, list):
        return ", ".join(value_label(decl, key, v) for v in value) or "—"
    if isinstance(value, bool):
        return str(YES_NO[value])
    if callable(labels):
        return str(labels(value))
    if isinstance(value, str) and ISO_MOMENT.match(value):
        return _moment(value)
    if isinstance(value, dict):  # one item of a list of lines: "SKU: A1 · Quantity: 2"
        return " · ".join(f"{field_label(decl, str(k))}: {value_label(decl, str(k), v)}" for k, v in value.items()) or "—"
    found = _lookup(labels, value)
    if found is not None:
        return str(found)
    return str(value)


def _moment(value: str) -> str:
    from flask_babel import format_datetime

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return format_datetime(moment, "yyyy-MM-dd HH:mm")


def user_name(user_id) -> str:
    """A user id in a change as the user's name (value labels of a ``..._id`` field naming a user)."""
    from core.users.models import User

    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        user = None
    return (user.display_name or user.username) if user is not None else str(user_id)


def _all_field_labels(decl) -> dict:
    reg = current_app.extensions["aftersales"]
    labels = dict(reg.field_labels)
    if decl is not None:
        labels.update(decl.field_labels)
    return labels


def _all_value_labels(decl) -> dict:
    reg = current_app.extensions["aftersales"]
    labels = dict(reg.value_labels)
    labels.setdefault("roles", {role.id: role.name for role in reg.roles.values()})
    if decl is not None:
        labels.update(decl.value_labels)
    return labels


def describe(entry, decl=None) -> list[tuple[str, str, str]]:
    """An activity entry's changes as ``(field label, old, new)`` in the reader's language."""
    if decl is None:
        decl = declarations().get(entry.model)
    return [(field_label(decl, key), value_label(decl, key, old), value_label(decl, key, new))
            for key, (old, new) in (entry.changes or {}).items()]


def action_label(action: str, decl=None) -> str:
    reg = current_app.extensions["aftersales"]
    if decl is not None and action in decl.action_labels:
        return str(decl.action_labels[action])
    label = reg.activity_labels.get(action)
    return str(label) if label is not None else action.replace("_", " ")


# --- writing --------------------------------------------------------------------------

def mentioned_users(body: str):
    from core.users.models import User

    names = {m.lower() for m in MENTION_RE.findall(body or "")}
    if not names:
        return []
    return list(db.session.scalars(select(User).where(db.func.lower(User.username).in_(names),
                                                      User.active.is_(True))))


def post(record, body: str, actor, files=()) -> ChatterMessage:
    """Add a comment (and files) to ``record``'s chatter; notify the @mentioned who may see it.

    ``files`` are ``(filename, bytes)`` pairs, checked like every attachment."""
    from core.security import can_see

    decl = declaration_for(record)
    if decl is None:
        raise NotFound(_("No such kind of record."))
    body = (body or "").strip()
    files = [f for f in files if f and f[1]]
    if files and not decl.files:
        raise ValidationError(_("This record takes no files."), {"files": _("This record takes no files.")})
    if not body and not files:
        raise ValidationError(_("Write a message or attach a file."), {"body": _("Write a message or attach a file.")})
    if len(body) > MAX_BODY:
        raise ValidationError(_("The message is too long."), {"body": _("At most %(n)s characters.", n=MAX_BODY)})
    if len(files) > MAX_FILES:
        raise ValidationError(_("Too many files."), {"files": _("At most %(n)s files.", n=MAX_FILES)})
    model = activity.model_name(record)
    att_ids = []
    for filename, data in files:
        att = attachments.add(model, record.id, filename, data, actor=actor, purpose="chatter", field="files")
        db.session.flush()
        att_ids.append(att.id)
    recipients = [u for u in mentioned_users(body) if u.id != actor.id and can_see(record, u)
                  and (not decl.permission or u.can(decl.permission))]
    message = ChatterMessage(model=model, record_id=record.id, author_id=actor.id, body=body,
                             mentions=[u.id for u in recipients] or None, attachment_ids=att_ids or None)
    db.session.add(message)
    # each recipient reads the author as the stream shows it to them (a secret inspector's alias)
    by_author: dict[str, list] = {}
    for user in recipients:
        by_author.setdefault(author_name(decl, record, actor, user), []).append(user)
    for author, users in by_author.items():
        notify(users, N_("%(author)s mentioned you on %(record)s"), N_("%(text)s"), record_link(record),
               author=author, record=record_title(record), text=body[:500])
    return message


def record_link(record) -> str:
    decl = declaration_for(record)
    return decl.link(record) if decl is not None and decl.link else ""


def record_title(record) -> str:
    decl = declaration_for(record)
    if decl is not None and decl.title:
        return str(decl.title(record))
    return f"#{record.id}"


# --- reading --------------------------------------------------------------------------

def stream(record, limit: int = 200, reader=None) -> list[dict]:
    """Comments and activity entries of ``record``, newest first, in the reader's language
    (``reader``: default the current user, who also decides how authors are named)."""
    from flask_login import current_user
    from core.attachments import Attachment
    from sqlalchemy.orm import defer

    reader = current_user if reader is None else reader

    model = activity.model_name(record)
    decl = declaration_for(record)
    messages = list(db.session.scalars(
        select(ChatterMessage).where(ChatterMessage.model == model, ChatterMessage.record_id == record.id)
        .order_by(ChatterMessage.id.desc()).limit(limit)))
    att_ids = [a for m in messages for a in (m.attachment_ids or [])]
    files = {}
    if att_ids:
        files = {a.id: a for a in db.session.scalars(select(Attachment).options(defer(Attachment.data))
                                                      .where(Attachment.id.in_(att_ids)))}
    items = []
    for m in messages:
        items.append({"kind": "comment", "id": m.id, "at": m.created_at, "author": author_name(decl, record, m.author, reader),
                      "body": m.body, "action": None, "changes": [], "comment": "",
                      "files": [{"id": a, "filename": files[a].filename, "content_type": files[a].content_type,
                                 "size": files[a].size} for a in (m.attachment_ids or []) if a in files]})
    for e in activity.entries_for(model, record.id, limit):
        items.append({"kind": "activity", "id": e.id, "at": e.created_at, "author": author_name(decl, record, e.actor, reader),
                      "body": "", "action": action_label(e.action, decl), "changes": describe(e, decl),
                      "comment": e.comment or "", "files": []})
    items.sort(key=lambda i: (_aware(i["at"]), i["kind"] == "comment", i["id"]), reverse=True)
    return items[:limit]


def _aware(moment):
    if isinstance(moment, datetime) and moment.tzinfo is None:
        from datetime import timezone

        return moment.replace(tzinfo=timezone.utc)
    return moment


def author_name(decl, record, user, reader) -> str:
    """How ``reader`` reads ``user`` as an author on ``record``: the declared ``author`` rule
    (a secret inspector's alias) or the user's name."""
    if user is None:
        return _("system")
    if decl is not None and decl.author is not None:
        label = decl.author(record, user, reader)
        if label is not None:
            return str(label)
    return user.display_name or user.username


def attachment_for(model_name: str, record_id, attachment_id, user):
    """A chatter file of a record ``user`` may see (404 otherwise)."""
    from core.attachments import Attachment

    decl, record = record_for(model_name, record_id, user)
    att = db.session.get(Attachment, int(attachment_id))
    if att is None or att.model != activity.model_name(record) or att.record_id != record.id:
        raise NotFound(_("No such file."))
    return att


def plain(item: dict) -> dict:
    """A stream item as JSON."""
    at = item["at"]
    return {**item, "at": at.isoformat() if isinstance(at, (date, datetime)) else at,
            "changes": [{"field": f, "old": o, "new": n} for f, o, n in item["changes"]]}
