from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from core.extensions import db
from core.model_utils import Timestamped, UTCDateTime

ROLE_IDS = ("admin", "dealer", "regional_manager", "order_dept", "technical",
            "customer_service", "supervision", "hr", "auditor")
LANGUAGES = ("zh_CN", "en")

user_roles = Table(
    "core_user_role", db.metadata,
    Column("user_id", ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("core_role.id", ondelete="CASCADE"), primary_key=True),
)
role_permissions = Table(
    "core_role_permission", db.metadata,
    Column("role_id", ForeignKey("core_role.id", ondelete="CASCADE"), primary_key=True),
    Column("permission_id", ForeignKey("core_permission.id", ondelete="CASCADE"), primary_key=True),
)


class Role(db.Model):
    __tablename__ = "core_role"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(10), default="all")  # all | region | dealer
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class Permission(db.Model):
    """Every permission ever declared; a row means its default grants were applied once."""
    __tablename__ = "core_permission"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)


class User(UserMixin, Timestamped, db.Model):
    __tablename__ = "core_user"
    __activity_model__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("core_dealer.id"), index=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised on logout, password change, deactivation and lock: every session that carries an
    # older value is over (server-side revocation of signed-cookie sessions).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin", order_by=Role.id)
    dealer = relationship("Dealer", foreign_keys=[dealer_id], lazy="joined")

    def set_password(self, password: str) -> None:
        from flask import current_app

        # scrypt by default; tests set a cheap method so thousands of users hash quickly
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.active)

    @property
    def role_ids(self) -> set[str]:
        return {r.id for r in self.roles}

    @property
    def permissions(self) -> frozenset[str]:
        """Loaded once per user object (one query)."""
        cached = self.__dict__.get("_permission_cache")
        if cached is None:
            ids = [r.id for r in self.roles]
            cached = frozenset(db.session.scalars(
                select(role_permissions.c.permission_id).where(role_permissions.c.role_id.in_(ids))
            )) if ids else frozenset()
            self.__dict__["_permission_cache"] = cached
        return cached

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def has_role(self, *role_ids: str) -> bool:
        return bool(self.role_ids.intersection(role_ids))

    @property
    def dealer_kind(self) -> str | None:
        """The kind of the user's dealer (None without one): a token request has it from the auth
        cache (``core.users.authcache``) without loading the dealer, otherwise ``dealer.kind``."""
        cached = self.__dict__.get("_dealer_kind")
        if cached is not None and cached[0] == self.dealer_id:
            return cached[1]
        return self.dealer.kind if self.dealer is not None else None

    @property
    def scope(self) -> str:
        """The widest scope among the user's roles: all > region > dealer > none."""
        scopes = {r.scope for r in self.roles}
        for s in ("all", "region", "dealer"):
            if s in scopes:
                return s
        return "none"

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class ApiToken(db.Model):
    """A bearer token, stored as its SHA-256 so a database leak reveals no usable token."""
    __tablename__ = "core_api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship(lazy="joined")


class ThrottleCounter(db.Model):
    """Requests counted per key (``login:<address>``) and fixed time window, in the database so
    every host behind the load balancer shares the count."""
    __tablename__ = "core_throttle"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class IdempotencyRecord(db.Model):
    """The first response to a ``POST`` sent with an ``Idempotency-Key``, replayed to retries."""
    __tablename__ = "core_idempotency_key"
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(db.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


# every change to these models raises the auth version that token caches check (any process)
from core.users import authcache  # noqa: E402,F401
