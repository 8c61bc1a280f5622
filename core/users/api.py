from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core import activity, security
from core.api import route
from core.api.crud import CrudApi
from core.errors import NotFound, ValidationError
from core.events import commit
from core.extensions import db
from core.users import services
from core.users.models import Role, User
from core.users.schemas import MeOut, PasswordChangeIn, TokenIn, TokenOut, UserIn, UserOut, UserPatch, UserQuery
from pydantic import BaseModel

bp = Blueprint("core_users_api", __name__)


@route(bp, "/auth/token", ["POST"], body=TokenIn, response=TokenOut, auth=False, tag="auth")
def create_token(body: TokenIn):
    """Exchange a username and password for a bearer token."""
    from core.api import error_response

    if security.login_throttled():
        resp = error_response(429, "too_many_requests", "too many login attempts from this address; wait a minute")
        resp.headers["Retry-After"] = "60"
        return resp
    try:
        user = services.authenticate(body.username, body.password)
    except services.AuthError:
        commit()  # keep the failure count
        # one answer whether the user is unknown, the password wrong or the account locked
        return error_response(401, "invalid_credentials",
                              "wrong username or password (after too many failures an account is locked for a while)")
    raw, token = services.issue_token(user)
    commit()
    return {"token": raw, "expires_at": token.expires_at.isoformat()}


@route(bp, "/auth/token", ["DELETE"], tag="auth", status=204, endpoint="revoke_token")
def revoke_token():
    """Revoke the bearer token this request is made with."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise ValidationError(_("no bearer token"), {"Authorization": _("send the token to revoke as a Bearer token")})
    services.revoke_token(header[7:].strip())
    commit()
    return "", 204


@route(bp, "/me", response=MeOut, tag="auth")
def me():
    """The caller: roles, permissions, dealer and language."""
    u = current_user
    return {"id": u.id, "username": u.username, "display_name": u.display_name, "roles": sorted(u.role_ids),
            "permissions": sorted(u.permissions), "dealer_code": u.dealer.code if u.dealer else None,
            "language": u.language}


@route(bp, "/me/password", ["POST"], body=PasswordChangeIn, tag="auth", status=204)
def change_password(body: PasswordChangeIn):
    """Change the caller's own password (revokes the caller's tokens)."""
    services.change_own_password(current_user, body.current_password, body.new_password)
    commit()
    return "", 204


def user_list_stmt(query: UserQuery):
    stmt = select(User).order_by(User.username)
    if query.q:
        stmt = stmt.where(services.user_search_clause(query.q))
    if query.role:
        stmt = stmt.where(User.roles.any(Role.id == query.role))
    if query.dealer_code:
        from core.dealers.models import Dealer

        stmt = stmt.where(User.dealer.has(Dealer.code == query.dealer_code))
    if query.active is not None:
        stmt = stmt.where(User.active.is_(query.active))
    return stmt


CrudApi("/users", "user", "users", UserOut, UserIn, UserPatch, UserQuery, user_list_stmt, services.serialize_user,
        services.get_user, services.create_user, services.update_user, services.delete_user,
        "core.users.manage", "core.users.manage").register(bp)


class ActivityQuery(BaseModel):
    model: str
    id: int


class ActivityOut(BaseModel):
    id: int
    action: str
    actor: str | None
    created_at: str
    changes: dict | None
    comment: str


@route(bp, "/activity", query=ActivityQuery, response=ActivityOut, many=True, tag="activity")
def list_activity(query: ActivityQuery):
    """The activity log of one record the caller may see (newest first)."""
    model = _model_for(query.model)
    if model is None:
        raise NotFound(_("unknown model %(query_model)r", query_model=query.model))
    if model is User and not current_user.can("core.users.manage"):
        raise NotFound(_("not found"))
    if hasattr(model, "dealer_id"):
        security.get_scoped(model, query.id)  # 404 outside the caller's scope
    elif current_user.scope != "all":
        raise NotFound(_("not found"))
    entries = activity.entries_for(query.model, query.id)
    items = [{"id": e.id, "action": e.action, "actor": e.actor.username if e.actor else None,
              "created_at": e.created_at.isoformat(), "changes": e.changes, "comment": e.comment} for e in entries]
    return {"items": items, "total": len(items), "page": 1, "per_page": len(items) or 1, "pages": 1}


def _model_for(name: str):
    for mapper in db.Model.registry.mappers:
        if activity.model_name(mapper.class_) == name:
            return mapper.class_
    return None
