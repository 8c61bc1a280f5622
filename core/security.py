"""Permissions, view guards and record rules (who sees which rows).

Every query for records a dealer may own goes through :func:`scoped`; a record outside
the caller's scope answers 404 (it does not exist for them), a visible record the caller
may not act on answers 403.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy import false, or_, select

from core.errors import NotFound, PermissionDenied
from core.extensions import db


def require(*permissions: str):
    """View decorator: logged in and holding every listed permission, else 401/403."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not all(current_user.can(p) for p in permissions):
                abort(403)
            return view(*args, **kwargs)
        wrapped.required_permissions = permissions
        return wrapped
    return decorator


def check(user, permission: str) -> None:
    """Raise PermissionDenied unless ``user`` holds ``permission`` (for services)."""
    if user is None or not user.can(permission):
        raise PermissionDenied(f"permission {permission!r} required", code="forbidden")


def dealer_column(model):
    return getattr(model, getattr(model, "__dealer_column__", "dealer_id"))


def visible_dealers_clause(column, user):
    """SQL clause restricting a dealer-id column to the dealers ``user`` may see; None = all."""
    from core.dealers.models import Dealer, region_managers

    scope = user.scope if user is not None and user.is_authenticated else "none"
    if scope == "all":
        return None
    if scope == "region":
        region_ids = select(region_managers.c.region_id).where(region_managers.c.user_id == user.id)
        return column.in_(select(Dealer.id).where(Dealer.region_id.in_(region_ids)))
    if scope == "dealer" and user.dealer_id is not None:
        if user.dealer is not None and user.dealer.kind == "agent":
            return column.in_(select(Dealer.id).where(or_(Dealer.id == user.dealer_id,
                                                           Dealer.parent_id == user.dealer_id)))
        return column == user.dealer_id
    return false()


def scope_clause(model, user):
    clause = visible_dealers_clause(dealer_column(model), user)
    if clause is None:
        return None
    extra = [rule.clause(user) for rule in current_app.extensions["aftersales"].record_rules.get(model, [])]
    extra = [c for c in extra if c is not None]
    return or_(clause, *extra) if extra else clause


def scoped(stmt, model, user=None):
    """Restrict a select() of ``model`` to the rows ``user`` (default: current user) may see."""
    user = current_user if user is None else user
    clause = scope_clause(model, user)
    return stmt if clause is None else stmt.where(clause)


def get_scoped(model, record_id, user=None, options=()):
    """The record if it exists and ``user`` may see it, else raise NotFound."""
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        raise NotFound("not found")
    pk = model.__mapper__.primary_key[0]
    stmt = scoped(select(model).where(pk == record_id), model, user)
    if options:
        stmt = stmt.options(*options)
    record = db.session.scalars(stmt).unique().first()
    if record is None:
        raise NotFound(f"{model.__name__} {record_id} not found")
    return record


def can_see(record, user=None) -> bool:
    model = type(record)
    try:
        get_scoped(model, model.__mapper__.primary_key_from_instance(record)[0], user)
        return True
    except NotFound:
        return False


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def ensure(user, permission: str):
    if not user.can(permission):
        raise PermissionDenied(f"permission {permission!r} required")


def login_throttled() -> bool:
    """Count this login or token request against its address (the client address ProxyFix
    resolved when behind the documented proxy); True past the per-minute limit."""
    from core import settings
    from core.users.services import throttle_hit

    hits = throttle_hit(f"login:{request.remote_addr or '-'}", settings.get("core.login_throttle_per_minute"), 60)
    return hits > settings.get("core.login_throttle_per_minute")
