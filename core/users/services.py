"""Users, roles, authentication. Free of the Flask request: web, API, CLI and tests call these."""
from __future__ import annotations

import hashlib
import secrets
import zlib
from datetime import timedelta

from flask_babel import gettext as _
import pydantic
from flask import current_app
from sqlalchemy import delete, exists, func, insert, or_, select, update

from core import activity, settings
from core.api import pydantic_fields
from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.model_utils import utcnow
from core.users import authcache
from core.users.models import ApiToken, Permission, Role, User, role_permissions
from core.users.schemas import UserIn, UserPatch


class AuthError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "invalid" | "locked" | "inactive"


def validate(schema, data: dict, partial: bool = False):
    """Validate a plain dict (from a form or CSV row) with the same schema the API uses."""
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError(_("invalid input"), pydantic_fields(exc))


# --- authentication -------------------------------------------------------------------

_DUMMY_HASHES: dict[str, str] = {}


def _dummy_check(password: str) -> None:
    """Spend the time a real password check takes, so unknown and locked accounts answer as
    slowly as a wrong password (no username enumeration by timing)."""
    from werkzeug.security import check_password_hash, generate_password_hash

    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    check_password_hash(_DUMMY_HASHES[method], password)


def authenticate(username: str, password: str) -> User:
    """Check a password, counting failures atomically; locks the account after too many.

    Each attempt first takes a numbered slot (``UPDATE ... SET failed_logins = failed_logins + 1
    RETURNING``, committed at once), so concurrent wrong passwords cannot all slip in before the
    lock: attempts past the maximum are refused without checking the password. Unknown, locked,
    inactive and wrong all raise ``AuthError``; callers answer all of them the same way."""
    now = utcnow()
    user_id = db.session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        _dummy_check(password)
        raise AuthError("invalid")
    attempt = db.session.execute(
        update(User).where(User.id == user_id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=func.coalesce(User.failed_logins, 0) + 1).returning(User.failed_logins)
        .execution_options(synchronize_session=False)).scalar()
    db.session.commit()
    maximum = settings.get("core.login_max_failures")
    if attempt is None or attempt > maximum:
        _dummy_check(password)
        raise AuthError("locked")
    user = db.session.get(User, user_id, populate_existing=True)
    if not user.check_password(password):
        if attempt >= maximum:
            lock_account(user, timedelta(minutes=settings.get("core.lockout_minutes")))
            raise AuthError("locked")
        raise AuthError("invalid")
    user.failed_logins = 0
    user.locked_until = None
    if not user.active:
        raise AuthError("inactive")
    return user


def lock_account(user: User, duration: timedelta, actor=None) -> None:
    """Lock ``user`` for ``duration``: its sessions end and its tokens stop working meanwhile."""
    user.locked_until = utcnow() + duration
    user.failed_logins = 0
    end_sessions(user)
    activity.log(user, "locked", comment="too many failed logins", actor=actor or user)


def end_sessions(user: User) -> None:
    """Every browser session of ``user`` is over (logout, password change, deactivation, lock)."""
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_generation=func.coalesce(User.session_generation, 0) + 1)
                       .execution_options(synchronize_session=False))
    db.session.refresh(user, ["session_generation"])


def throttle_hit(key: str, limit: int, window_seconds: int) -> int:
    """Count one request for ``key`` in the current fixed window, in the database (shared by every
    host), and return the window's count; the caller refuses past ``limit``. Commits."""
    from core.users.models import ThrottleCounter

    now = utcnow()
    window = int(now.timestamp()) // window_seconds
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    stmt = upsert(ThrottleCounter).values(key=key[:120], window=window, hits=1,
                                          expires_at=now + timedelta(seconds=window_seconds))
    stmt = stmt.on_conflict_do_update(index_elements=["key", "window"],
                                      set_={"hits": ThrottleCounter.hits + 1}).returning(ThrottleCounter.hits)
    hits = db.session.execute(stmt).scalar()
    if hits == 1:  # once per window and key: forget old windows
        db.session.execute(delete(ThrottleCounter).where(ThrottleCounter.expires_at < now))
    db.session.commit()
    return hits


def issue_token(user: User) -> tuple[str, ApiToken]:
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(user_id=user.id, token_hash=hash_token(raw), created_at=now,
                     expires_at=now + timedelta(hours=settings.get("core.token_ttl_hours")))
    db.session.add(token)
    return raw, token


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def user_for_token(raw: str) -> User | None:
    """The active, unlocked user of a valid token: one statement per request once cached
    (core.users.authcache explains why that stays correct on several hosts)."""
    return authcache.lookup(hash_token(raw), utcnow())


def revoke_token(raw: str) -> bool:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    return True


def revoke_all_tokens(user: User) -> None:
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        token.revoked_at = utcnow()


def check_password_policy(password: str, field: str = "password", username: str = "") -> None:
    from core.users.passwords import weakness

    minimum = settings.get("core.password_min_length")
    if len(password) < minimum:
        raise ValidationError(_("password too short"), {field: _("at least %(minimum)s characters", minimum=minimum)})
    reason = weakness(password, username)
    if reason:
        raise ValidationError(_("password too weak"), {field: reason})


def change_own_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise ValidationError(_("wrong password"), {"current_password": _("the current password is wrong")})
    check_password_policy(new, "new_password", user.username)
    user.set_password(new)
    revoke_all_tokens(user)
    end_sessions(user)
    activity.log(user, "password_changed", actor=user)


# --- roles and permissions ------------------------------------------------------------

def sync_roles_and_permissions() -> None:
    """Make declared roles exist and grant each newly seen permission to its default roles."""
    reg = current_app.extensions["aftersales"]
    existing_roles = {r.id: r for r in db.session.scalars(select(Role))}
    for decl in reg.roles.values():
        role = existing_roles.get(decl.id)
        if role is None:
            db.session.add(Role(id=decl.id, name=str(decl.name), scope=decl.scope, builtin=True))
        else:
            role.scope = decl.scope
            role.builtin = True
    db.session.flush()
    known = set(db.session.scalars(select(Permission.id)))
    for perm in reg.permissions.values():
        if perm.id in known:
            continue
        db.session.add(Permission(id=perm.id))
        db.session.flush()
        for role_id in perm.default_roles:
            if role_id in reg.roles:
                db.session.execute(insert(role_permissions).values(role_id=role_id, permission_id=perm.id))
    db.session.flush()


def set_role_permissions(role: Role, permission_ids: list[str], actor=None) -> None:
    reg = current_app.extensions["aftersales"]
    unknown = [p for p in permission_ids if p not in reg.permissions]
    if unknown:
        raise ValidationError(_("unknown permissions"), {"permissions": ", ".join(unknown)})
    before = set(db.session.scalars(select(role_permissions.c.permission_id).where(role_permissions.c.role_id == role.id)))
    after = set(permission_ids)
    db.session.execute(delete(role_permissions).where(role_permissions.c.role_id == role.id,
                                                      role_permissions.c.permission_id.in_(before - after)))
    for pid in sorted(after - before):
        if db.session.get(Permission, pid) is None:
            db.session.add(Permission(id=pid))
            db.session.flush()
        db.session.execute(insert(role_permissions).values(role_id=role.id, permission_id=pid))
    activity.log(role_stub(role), "permissions_changed", {"permissions": (sorted(before), sorted(after))}, actor=actor)


class role_stub:
    __activity_model__ = "role"

    def __init__(self, role):
        self.id = zlib.crc32(role.id.encode()) & 0x7FFFFFFF  # roles have string ids; the log keys them by a stable int
        self.role_id = role.id


def role_permission_ids(role: Role) -> set[str]:
    return set(db.session.scalars(select(role_permissions.c.permission_id).where(role_permissions.c.role_id == role.id)))


# --- users ----------------------------------------------------------------------------

def _resolve_roles(role_ids: list[str]) -> list[Role]:
    roles = list(db.session.scalars(select(Role).where(Role.id.in_(role_ids)))) if role_ids else []
    missing = sorted(set(role_ids) - {r.id for r in roles})
    if missing:
        raise ValidationError(_("unknown roles"), {"roles": _("unknown role id(s): %(missing)s", missing=", ".join(missing))})
    return roles


def _resolve_dealer(code: str | None):
    from core.dealers.models import Dealer

    if not code:
        return None
    dealer = db.session.scalar(select(Dealer).where(Dealer.code == code))
    if dealer is None:
        raise ValidationError(_("unknown dealer"), {"dealer_code": _("no dealer with code %(code)r", code=code)})
    return dealer


def _check_dealer_link(roles: list[Role], dealer) -> None:
    has_dealer_role = any(r.scope == "dealer" for r in roles)
    if has_dealer_role and dealer is None:
        raise ValidationError(_("dealer required"), {"dealer_code": _("a dealer user must belong to a dealer")})
    if dealer is not None and not has_dealer_role:
        raise ValidationError(_("dealer only for dealer users"), {"dealer_code": _("only users with the dealer role belong to a dealer")})


def role_conflicts() -> list[tuple[str, str]]:
    """The declared pairs of roles one user may not hold together (segregation of duties)."""
    return list(current_app.extensions["aftersales"].role_conflicts)


def check_role_conflicts(role_ids) -> None:
    """422 ``segregation_of_duties`` when ``role_ids`` holds both roles of a declared pair."""
    held = set(role_ids)
    clashes = [f"{a} + {b}" for a, b in role_conflicts() if a in held and b in held]
    if clashes:
        raise ValidationError(_("segregation of duties: one user may not hold %(clashes)s", clashes='; '.join(clashes)),
                              {"roles": _("these roles may not be held together: %(clashes)s",
                                          clashes='; '.join(clashes))},
                              code="segregation_of_duties")


def _unique_username(username: str, exclude_id: int | None = None) -> None:
    stmt = select(exists().where(User.username == username, User.id != (exclude_id or -1)))
    if db.session.scalar(stmt):
        raise ValidationError(_("duplicate username"), {"username": _("username %(username)r is taken", username=username)})


def create_user(data: dict | UserIn, actor=None) -> User:
    body = data if isinstance(data, UserIn) else validate(UserIn, data)
    _unique_username(body.username)
    check_password_policy(body.password, username=body.username)
    roles = _resolve_roles(body.roles)
    check_role_conflicts(r.id for r in roles)
    dealer = _resolve_dealer(body.dealer_code)
    _check_dealer_link(roles, dealer)
    user = User(username=body.username, display_name=body.display_name or body.username,
                email=str(body.email) if body.email else None, language=body.language, active=body.active,
                dealer_id=dealer.id if dealer else None, roles=roles)
    user.set_password(body.password)
    db.session.add(user)
    db.session.flush()
    activity.log(user, "created", {"username": (None, user.username), "roles": (None, sorted(body.roles))}, actor=actor)
    return user


def update_user(user: User, data: dict | UserPatch, actor=None) -> User:
    body = data if isinstance(data, UserPatch) else validate(UserPatch, data)
    values = body.model_dump(exclude_unset=True)
    changes = {}
    if "username" in values:
        if values["username"] is None:
            raise ValidationError(_("invalid input"), {"username": _("required")})
        _unique_username(values["username"], user.id)
    roles = _resolve_roles(values["roles"]) if values.get("roles") is not None else user.roles
    check_role_conflicts(r.id for r in roles)
    dealer = _resolve_dealer(values["dealer_code"]) if "dealer_code" in values else user.dealer
    _check_dealer_link(roles, dealer)
    _keep_an_active_admin(user, roles, values.get("active", user.active) is not False)
    if "password" in values and values["password"] is not None:
        check_password_policy(values["password"], username=values.get("username") or user.username)
        user.set_password(values.pop("password"))
        revoke_all_tokens(user)
        end_sessions(user)
        changes["password"] = ("***", "***")
    values.pop("password", None)
    if values.get("roles") is not None and {r.id for r in roles} != user.role_ids:
        changes["roles"] = (sorted(user.role_ids), sorted(r.id for r in roles))
        user.roles = roles
    values.pop("roles", None)
    if "dealer_code" in values:
        new_id = dealer.id if dealer else None
        if new_id != user.dealer_id:
            changes["dealer_code"] = (user.dealer.code if user.dealer else None, dealer.code if dealer else None)
            user.dealer_id = new_id
            user.dealer = dealer
        values.pop("dealer_code")
    if "email" in values:
        values["email"] = str(values["email"]) if values["email"] else None
    for key in ("active", "language", "display_name"):
        if key in values and values[key] is None:
            values.pop(key)
    changes.update(activity.apply_changes(user, values))
    if "active" in changes and not user.active:
        revoke_all_tokens(user)
        end_sessions(user)
    if changes:
        activity.log(user, "updated", changes, actor=actor)
    return user


def _keep_an_active_admin(user: User, roles: list[Role], active: bool) -> None:
    """The last active administrator can neither lose the admin role nor be deactivated (409):
    nobody could manage users any more."""
    if not (user.active and "admin" in user.role_ids) or (active and any(r.id == "admin" for r in roles)):
        return
    others = db.session.scalar(select(func.count(User.id)).where(
        User.id != user.id, User.active.is_(True), User.roles.any(Role.id == "admin")))
    if not others:
        raise Conflict(_("the last active administrator cannot lose the admin role or be deactivated"),
                       code="last_admin")


def delete_user(user: User, actor=None) -> None:
    from core.activity import ActivityEntry

    if actor is not None and user.id == actor.id:
        raise Conflict(_("you cannot delete your own account"), code="self_delete")
    if db.session.scalar(select(exists().where(ActivityEntry.actor_id == user.id))):
        raise Conflict(_("this user has acted on records; deactivate the account instead"), code="in_use")
    activity.log(user, "deleted", {"username": (user.username, None)}, actor=actor)
    db.session.delete(user)
    db.session.flush()


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("user %(user_id)s not found", user_id=user_id))
    return user


def user_search_clause(q: str):
    like = f"%{q}%"
    return or_(User.username.ilike(like), User.display_name.ilike(like), User.email.ilike(like))


def serialize_user(user: User) -> dict:
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "email": user.email,
            "roles": sorted(r.id for r in user.roles), "dealer_code": user.dealer.code if user.dealer else None,
            "language": user.language, "active": bool(user.active)}
