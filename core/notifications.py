"""In-app notifications (an inbox per user), with optional e-mail through SMTP settings.

A notification stores the *message id* (the English source text, marked for extraction with
``N_``) and its arguments, not rendered text: it is rendered in the reader's language when
read, so a notification created for a Chinese user reads in English once that user
switches language. Text typed by a person (a reason, a comment) travels as an argument.
"""
from __future__ import annotations

import logging
import smtplib
from contextlib import contextmanager
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import JSON, ForeignKey, Index, String, Text, and_, bindparam, func, or_, select, union_all, update
from sqlalchemy.orm import Mapped, lazyload, mapped_column

from core.extensions import db
from core.model_utils import UTCDateTime, utcnow

log = logging.getLogger(__name__)


class Notification(db.Model):
    __tablename__ = "core_notification"
    __table_args__ = (Index("ix_core_notification_user_read", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # {"title": msgid, "body": msgid, "args": {...}}: rendered in the reader's language
    message: Mapped[dict | None] = mapped_column(JSON)

    @property
    def display_title(self) -> str:
        return render(self.message, "title", self.title)

    @property
    def display_body(self) -> str:
        return render(self.message, "body", self.body)


def N_(message: str) -> str:
    """Marks a message id for extraction without translating it (rendered when read)."""
    return message


def _msgid(text) -> str:
    """The source text of a message id; a lazy string gives its untranslated id."""
    args = getattr(text, "_args", None)
    if args and isinstance(args[0], str):  # flask_babel LazyString(gettext, msgid, **kw)
        return args[0]
    return "" if text is None else str(text)


def _plain_arg(value):
    """An argument as stored: a lazy translated label (``_l("Technical department")``) keeps its
    message id (``{"msgid": ..., "context": ...}``) and is translated when read; text as text."""
    args = getattr(value, "_args", None)
    if args and all(isinstance(a, str) for a in args) and not getattr(value, "_kwargs", None):
        return {"msgid": args[-1], "context": args[0]} if len(args) == 2 else {"msgid": args[0]}
    return value if isinstance(value, (int, float)) or value is None else str(value)


def _read_arg(value):
    if isinstance(value, dict) and "msgid" in value:
        try:
            from flask_babel import pgettext

            return pgettext(value["context"], value["msgid"]) if value.get("context") else gettext(value["msgid"])
        except (RuntimeError, KeyError):
            return value["msgid"]
    return value


def _interpolate(text: str, args: dict) -> str:
    args = {k: _read_arg(v) for k, v in args.items()} if args else args
    try:
        return text % args if args else text
    except (KeyError, ValueError, TypeError):
        return text


def render(message: dict | None, part: str, fallback: str = "") -> str:
    """Render one part of a stored message in the current locale (translated arguments too)."""
    if not message or not message.get(part):
        return fallback
    args = message.get("args") or {}
    try:
        translated = gettext(message[part])
    except (RuntimeError, KeyError):  # outside an app context / no Babel
        translated = message[part]
    return _interpolate(translated, args)


class Recipients:
    """Who a notification goes to, as SQL: the active users matching any of the criteria.

    ``notify(Recipients.role("order_dept") | Recipients.dealer(dealer_id), ...)`` writes the
    notifications with one ``INSERT .. SELECT``: the recipients are never loaded (unless e-mail
    is configured, which needs their addresses). A user matching several criteria of one
    ``Recipients`` gets one notification. Each criterion is kept as ``(kind, value)``: the
    statement is built once per kinds told and the values are its parameters."""

    def __init__(self, *criteria):
        self.criteria = tuple(criteria)

    def __or__(self, other: "Recipients") -> "Recipients":
        return Recipients(*self.criteria, *other.criteria)

    def __bool__(self) -> bool:
        return bool(self.criteria)

    @staticmethod
    def role(role_id: str) -> "Recipients":
        return Recipients(("role", role_id))

    @staticmethod
    def dealer(dealer_id) -> "Recipients":
        """The users of one dealer (none for ``None``)."""
        return Recipients() if dealer_id is None else Recipients(("dealer", dealer_id))

    @staticmethod
    def region_managers(region_id) -> "Recipients":
        """The managers of one region (none for ``None``)."""
        return Recipients() if region_id is None else Recipients(("region_managers", region_id))

    @staticmethod
    def users(ids) -> "Recipients":
        ids = [i for i in ids if i is not None]
        return Recipients(("users", ids)) if ids else Recipients()

    def clause(self, prefix: str | None = None):
        """The WHERE clause; with ``prefix`` the values are bound parameters ``<prefix><n>``."""
        from core.users.models import User

        terms = [_criterion(kind, value if prefix is None else bindparam(f"{prefix}{n}", expanding=kind == "users"))
                 for n, (kind, value) in enumerate(self.criteria)]
        return and_(User.active.is_(True), or_(*terms))

    def load(self) -> list:
        """The recipients as users (only e-mail needs them)."""
        from core.users.models import User

        if not self.criteria:
            return []
        return list(db.session.scalars(select(User).where(self.clause()).order_by(User.id)
                                       .options(lazyload(User.roles))))


def _criterion(kind: str, value):
    from core.dealers.models import region_managers
    from core.users.models import User, user_roles

    if kind == "role":
        return User.id.in_(select(user_roles.c.user_id).where(user_roles.c.role_id == value))
    if kind == "dealer":
        return User.dealer_id == value
    if kind == "region_managers":
        return User.id.in_(select(region_managers.c.user_id).where(region_managers.c.region_id == value))
    if kind == "users":
        return User.id.in_(value)
    raise ValueError(f"unknown recipients criterion {kind!r}")


_PENDING = "core.notifications.pending"
_SELECTS_PER_INSERT = 100
_COLUMNS = ("title", "body", "link", "created_at", "message")
_INSERTS: dict = {}  # the kinds of each message's criteria -> its INSERT .. SELECT
_INSERTS_MAX = 256


@contextmanager
def batched():
    """Notifications to :class:`Recipients` made inside the block are written at its end by one
    ``INSERT .. SELECT`` for all of them (one statement per request however many groups are
    told). Nested blocks join the outer one; nothing is written if the block raises."""
    info = db.session.info
    if _PENDING in info:
        yield
        return
    info[_PENDING] = []
    try:
        yield
        pending = info[_PENDING]
    finally:
        info.pop(_PENDING, None)
    _insert_selected(pending)


def _insert_statement(shape: tuple):
    """``INSERT INTO core_notification .. SELECT`` (``UNION ALL`` of one select per message) for
    messages whose criteria have these kinds, every value a bound parameter: built once per shape
    (a statement used again keeps its cache key and compiled form)."""
    from core.users.models import User

    stmt = _INSERTS.get(shape)
    if stmt is None:
        t = Notification.__table__
        selects = [select(User.id, *(bindparam(f"m{i}_{c}", type_=t.c[c].type).label(c) for c in _COLUMNS))
                   .where(Recipients(*((kind, None) for kind in kinds)).clause(prefix=f"m{i}_r"))
                   for i, kinds in enumerate(shape)]
        source = selects[0] if len(selects) == 1 else union_all(*selects)
        if len(_INSERTS) >= _INSERTS_MAX:
            _INSERTS.clear()
        stmt = _INSERTS[shape] = t.insert().from_select(["user_id", *_COLUMNS], source)
    return stmt


def _insert_selected(pending: list) -> None:
    """The pending ``(recipients, values)`` in one ``INSERT .. SELECT`` (per 100 messages)."""
    if not pending:
        return
    connection = db.session.connection()
    for start in range(0, len(pending), _SELECTS_PER_INSERT):  # SQLite allows 500 terms in a compound select
        chunk = pending[start:start + _SELECTS_PER_INSERT]
        params = {}
        for i, (recipients, values) in enumerate(chunk):
            for c in _COLUMNS:
                params[f"m{i}_{c}"] = values[c]
            for n, (_kind, value) in enumerate(recipients.criteria):
                params[f"m{i}_r{n}"] = value
        shape = tuple(tuple(kind for kind, _value in recipients.criteria) for recipients, _values in chunk)
        connection.execute(_insert_statement(shape), params)


def notify(users, title, body="", link: str = "", **args) -> list[Notification]:
    """Queue a notification for each active user (in the caller's transaction).

    ``users``: users, or a :class:`Recipients` (SQL criteria: written by one ``INSERT .. SELECT``
    without loading the users; inside :func:`batched`, at the end of the block together with
    the other notifications of the block). The rows are returned for a list of users only.

    ``title`` and ``body`` are message ids (``N_("Return %(number)s approved")``) filled with
    ``args`` when read, in the reader's language. E-mail, when configured, goes out in
    each recipient's own language. One INSERT for all recipients.
    """
    title_id, body_id = _msgid(title), _msgid(body)
    plain_args = {k: _plain_arg(v) for k, v in args.items()}
    message = {"title": title_id, "body": body_id, "args": plain_args}
    fallback_title = _interpolate(title_id, plain_args)[:200]
    fallback_body = _interpolate(body_id, plain_args)
    if isinstance(users, Recipients):
        if not users:
            return []
        if not current_app.config.get("SMTP_HOST"):
            values = {"title": fallback_title, "body": fallback_body, "link": link, "created_at": utcnow(),
                      "message": message}
            pending = db.session.info.get(_PENDING)
            if pending is not None:
                pending.append((users, values))
            else:
                _insert_selected([(users, values)])
            return []
        users = users.load()  # e-mail needs each recipient's address and language
    rows, recipients, seen = [], [], set()
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        rows.append({"user_id": user.id, "title": fallback_title, "body": fallback_body, "link": link,
                     "message": message, "created_at": utcnow()})
        recipients.append(user)
    if rows:
        db.session.execute(Notification.__table__.insert(), rows)
    if current_app.config.get("SMTP_HOST"):
        for user in recipients:
            if user.email:
                with force_locale(user.language or "zh_CN"):
                    subject, text = render(message, "title", fallback_title), render(message, "body", fallback_body)
                _send_mail(user.email, subject, f"{text}\n\n{link}")
    return rows


def users_with_role(role_id: str):
    from core.users.models import Role, User

    # recipients: their roles are not needed (loaded on access if a caller wants them)
    return db.session.scalars(select(User).join(User.roles).where(Role.id == role_id, User.active.is_(True))
                              .options(lazyload(User.roles)))


_UNREAD_STATEMENT = []


def unread_count(user) -> int:
    """The user's unread notifications (every page's bell): one Core statement built once, on the
    session's connection (building the ORM select and its result cost more than the count)."""
    if not _UNREAD_STATEMENT:
        table = Notification.__table__
        _UNREAD_STATEMENT.append(select(func.count(table.c.id)).where(
            table.c.user_id == bindparam("user_id"), table.c.read_at.is_(None)))
    session = db.session()
    if session.new or session.deleted or session.dirty:
        session.flush()  # what session.scalar's autoflush did: a notification of this transaction counts
    return session.connection().execute(_UNREAD_STATEMENT[0], {"user_id": user.id}).scalar() or 0


def mark_read(user, notification_id: int | None = None) -> None:
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    db.session.execute(stmt.values(read_at=utcnow()))


def _send_mail(to: str, subject: str, body: str) -> None:
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = cfg["SMTP_SENDER"], to, subject
    msg.set_content(body)
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=10) as smtp:
            if cfg.get("SMTP_TLS"):
                smtp.starttls()
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException):  # mail is best effort; the inbox is the record
        log.exception("could not send notification mail to %s", to)
