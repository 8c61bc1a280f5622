"""Per-process cache of Bearer-token authentication, correct on every host.

A token lookup costs three statements (the token with its user and dealer, the user's roles,
the roles' permissions). The cache keeps, per token hash, a detached copy of the user with its
roles and the permission set, stamped with the **auth version**: a counter every change to a
user, role, permission, role grant or API token raises in the same transaction as the change
(a row ``core.auth``/0 of ``core_sequence``, so no schema change), at the flush or statement
that makes the change. Stored settings (``core.settings``) are cached behind the same version,
and a settings change raises it too. Each request reads the
counter first (one primary-key lookup) and uses the cached entry only if it carries the same
version; otherwise the whole cache is dropped and the token is looked up again.

Why a version check per request and not a time-to-live: with several hosts (or workers), a
revoked token, a deactivated or locked user or a withdrawn permission takes effect on the very
next request everywhere, because the counter is read in the request's own transaction and
raised in the transaction of the change (correct by construction). A TTL would let a revoked
token work for up to N seconds on other hosts. The counter is read before anything is loaded,
so an entry can only be labelled older than its data, never newer.

Browser sessions use the same cache, keyed by user id (``session_user``): one statement reads the
version and the user's session generation together, the generation being login bookkeeping that
a logout raises without raising the version.

Inserting a token or a user does not raise the version (no entry can hold them), so issuing
tokens (every API login) does not empty the caches; updating or deleting them does.

Time-dependent conditions (token expiry, ``locked_until``) are checked on every hit. The dealer
is not cached (a dealer's rows change without raising the counter): ``user.dealer`` loads on
first use. Only its kind is (``User.dealer_kind``, what the record rules read for a dealer user:
an agent also sees its distributors'), and changing a dealer's kind raises the version too, so a
dealer user's scoped query loads no dealer. Unknown tokens are never cached.
"""
from __future__ import annotations

from flask import current_app, g, has_request_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from core.extensions import db
from core.sequences import Sequence  # imported here, not per request (a few calls on every request)

VERSION_NAME, VERSION_YEAR = "core.auth", 0
MAX_ENTRIES = 10_000
AUTH_TABLES = frozenset({"core_user", "core_role", "core_permission", "core_role_permission",
                         "core_user_role", "core_api_token", "core_setting"})
# inserting into these changes no cached entry (entries are keyed by existing tokens of existing users)
NEW_ROWS_CACHED_NOWHERE = frozenset({"core_user", "core_api_token"})
# Columns of a user that every login attempt (the failed-login counter, reset on success) or logout
# (the session generation) writes and that no token check reads: changing only these raises no
# version, so logins do not empty every process's cache. A cached user's copy of them is expired
# when it is attached to a request, so a request that reads them reads the database.
VOLATILE_USER_COLUMNS = frozenset({"failed_logins", "session_generation", "updated_at"})


def _cache() -> dict:
    return current_app.extensions.setdefault("aftersales_auth_cache", {})


def current_version() -> int:
    """The version, read once per request (``g``) and otherwise on every call."""
    if has_request_context() and "_aftersales_auth_version" in g:
        return g._aftersales_auth_version
    session = db.session()
    if session.new or session.deleted or session.dirty:
        session.flush()  # what session.scalar's autoflush did: a change in this transaction raises it first
    # a Core statement built once, on the session's connection (its transaction): building the
    # select and the ORM result layer cost more than the primary-key lookup on every request
    value = session.connection().execute(_version_statement(Sequence)).scalar() or 0
    if has_request_context():
        g._aftersales_auth_version = value
    return value


_VERSION_STATEMENT = []


def _version_statement(sequence):
    if not _VERSION_STATEMENT:
        table = sequence.__table__
        _VERSION_STATEMENT.append(select(table.c.value).where(table.c.name == VERSION_NAME,
                                                              table.c.year == VERSION_YEAR))
    return _VERSION_STATEMENT[0]


def stored_settings(load) -> dict:
    """The stored settings, cached per process under the same version (settings changes raise it)."""
    version = current_version()
    cached = current_app.extensions.get("aftersales_settings_cache")
    if cached is None or cached[0] != version:
        cached = current_app.extensions["aftersales_settings_cache"] = (version, load())
    return cached[1]


_SESSION_STATEMENT = []


def _session_statement():
    """The auth version and a user's session generation, in one statement built once."""
    if not _SESSION_STATEMENT:
        from sqlalchemy import bindparam

        from core.users.models import User

        users = User.__table__
        _SESSION_STATEMENT.append(select(_version_statement(Sequence).scalar_subquery(), users.c.session_generation)
                                  .where(users.c.id == bindparam("user_id")))
    return _SESSION_STATEMENT[0]


def session_user(user_id: int):
    """The user of a browser session (attached to this request's session), or None if the row is
    gone: one statement per request once cached, reading the auth version and the user's session
    generation together. The generation is a login-bookkeeping column (``VOLATILE_USER_COLUMNS``:
    a logout raises no version), so it is read from the row on every request and a logout on
    another host ends the session at once; everything else comes from the entry of this version.
    The version read here is the request's (``current_version``), so settings reads cost nothing more."""
    from sqlalchemy.orm import lazyload

    from core.users.models import User

    session = db.session()
    if session.new or session.deleted or session.dirty:
        session.flush()  # as current_version: a change in this transaction raises the version first
    row = session.connection().execute(_session_statement(), {"user_id": user_id}).first()
    if row is None:
        return None
    version, generation = row[0] or 0, row[1]
    g.setdefault("_aftersales_auth_version", version)
    cache = _cache()
    key = ("session", user_id)
    entry = _entry(cache, key, version)
    if entry is None:
        # loaded apart from the request's session, so an instance the caller holds stays attached
        from core.dealers.models import Dealer

        # the dealer's kind comes with the user, as for a token (``User.dealer_kind``)
        dealer_kind = select(Dealer.kind).where(Dealer.id == User.dealer_id).scalar_subquery()
        with Session(bind=session.connection()) as loader:
            found = loader.execute(select(User, dealer_kind).where(User.id == user_id)
                                   .options(lazyload(User.dealer), joinedload(User.roles))).unique().first()
            if found is None:
                return None
            user, kind = found
            permissions = user.permissions  # one statement (the role ids are loaded)
        entry = _keep(cache, key, (version, user, permissions, (user.dealer_id, kind)))
    _, cached_user, permissions, dealer_kind = entry
    return _attach(session, cached_user, permissions, dealer_kind, read=VOLATILE_USER_COLUMNS - {"session_generation"},
                   loaded={"session_generation": generation})


def _entry(cache: dict, key, version: int):
    """The cached entry under ``key`` if it is of ``version``; an older version empties the cache."""
    entry = cache.get(key)
    if entry is not None and entry[0] != version:
        cache.clear()
        return None
    return entry


def _keep(cache: dict, key, entry: tuple) -> tuple:
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = entry
    return entry


def _attach(session, cached_user, permissions, dealer_kind, read, loaded=None):
    """The request's own copy of a cached user, with its permissions and dealer kind; the ``read``
    columns (possibly older than the row) are read on use, the ``loaded`` ones are as given.

    The copy and a copy of each of its roles are made as ``session.merge(cached_user, load=False)``
    makes them (a new instance under the cached identity, registered as persistent, the cached
    committed values stamped on without history), without merge walking every mapped property of
    the user and of each role through its generic machinery: that was a tenth of a detail read.
    The cached objects are never attached, so nothing a request changes reaches the cache. Should
    the session already hold the user or one of its roles (a caller that loaded them first),
    ``merge`` itself reconciles the copy with them, as before."""
    identity = session.identity_map
    roles = cached_user.roles
    if instance_state(cached_user).key in identity or any(instance_state(role).key in identity for role in roles):
        user = session.merge(cached_user, load=False)
    else:
        user = _persistent_copy(session, cached_user)
        set_committed_value(user, "roles", [_persistent_copy(session, role) for role in roles])
    session.expire(user, read)
    if loaded:
        for key, value in loaded.items():
            set_committed_value(user, key, value)
    user.__dict__["_permission_cache"] = permissions
    user.__dict__["_dealer_kind"] = dealer_kind
    return user


_COLUMNS: dict = {}


def _persistent_copy(session, cached):
    """A new instance of ``cached``'s class and identity holding its column values (immutable,
    shared), persistent in ``session`` and clean: what ``merge(load=False)`` does for one object
    (``new_instance``, the identity key, ``_update_impl``), for the columns only. ``_update_impl``
    is SQLAlchemy's private step of merge and ``add``; the public ``make_transient_to_detached`` and
    ``add`` cost more than merge did (``add`` walks every property for its cascade).
    tests/core/test_auth_cache.py pins what a request gets."""
    cls = type(cached)
    columns = _COLUMNS.get(cls)
    if columns is None:
        columns = _COLUMNS[cls] = tuple(a.key for a in cls.__mapper__.column_attrs)
    obj = cls.__mapper__.class_manager.new_instance()
    source, target = cached.__dict__, obj.__dict__
    for key in columns:
        if key in source:
            target[key] = source[key]
    state = instance_state(obj)
    state.key = instance_state(cached).key
    session._update_impl(state)
    return obj


def lookup(token_hash: str, now):
    """The user of a valid token (attached to this request's session), or None."""
    from core.users.models import ApiToken, User

    version = current_version()
    cache = _cache()
    entry = _entry(cache, token_hash, version)
    if entry is None:
        # token, user, roles and the dealer's kind in one statement, then the permissions: 3 with
        # the version check
        from core.dealers.models import Dealer

        user_path = joinedload(ApiToken.user)
        dealer_kind = (select(Dealer.kind).join(User, User.dealer_id == Dealer.id)
                       .where(User.id == ApiToken.user_id).scalar_subquery())
        found = db.session.execute(select(ApiToken, dealer_kind).where(ApiToken.token_hash == token_hash)
                                   .options(user_path.lazyload(User.dealer), user_path.joinedload(User.roles))
                                   ).unique().first()
        token, kind = found if found is not None else (None, None)
        if token is None or token.revoked_at is not None:
            return None
        user = token.user
        permissions = user.permissions  # loads roles and permissions
        db.session.expunge(user)  # the cached copy stays detached; requests get merged copies
        for role in user.roles:
            if role in db.session:
                db.session.expunge(role)
        entry = _keep(cache, token_hash, (version, token.expires_at, user, permissions, (user.dealer_id, kind)))
    _, expires_at, cached_user, permissions, dealer_kind = entry
    if expires_at <= now or not cached_user.active:
        return None
    if cached_user.locked_until is not None and cached_user.locked_until > now:
        return None  # a token stops working while its account is locked
    return _attach(db.session(), cached_user, permissions, dealer_kind, read=VOLATILE_USER_COLUMNS)


def _touches_auth(session: Session) -> bool:
    from core.dealers.models import Dealer
    from core.settings import SettingValue
    from core.users.models import ApiToken, Permission, Role, User

    kinds = (Role, Permission, ApiToken, SettingValue)
    # a new token or user is in no cache entry yet: issuing tokens (every API login) keeps the caches
    new_kinds = (Role, Permission, SettingValue)
    return (any(isinstance(obj, new_kinds) for obj in session.new)
            or any(isinstance(obj, kinds) for obj in (*session.dirty, *session.deleted))
            or any(isinstance(obj, (User, Dealer)) for obj in session.deleted)
            or any(isinstance(obj, User) and _user_change_matters(obj) for obj in session.dirty)
            or any(isinstance(obj, Dealer) and _dealer_kind_changed(obj) for obj in session.dirty))


def _dealer_kind_changed(dealer) -> bool:
    """A dealer's kind is cached with its users' tokens (``User.dealer_kind``)."""
    from sqlalchemy import inspect

    return inspect(dealer).attrs.kind.history.has_changes()


def _sets_dealer_kind(statement) -> bool:
    """An UPDATE of ``core_dealer`` that may set ``kind`` (values not known: assume it does)."""
    values = getattr(statement, "_values", None)
    return not values or "kind" in {getattr(key, "key", key) for key in values}


def _user_change_matters(user) -> bool:
    """Whether a flushed user changed more than its login bookkeeping (``VOLATILE_USER_COLUMNS``)."""
    from sqlalchemy import inspect

    changed = {attr.key for attr in inspect(user).attrs if attr.history.has_changes()}
    return bool(changed - VOLATILE_USER_COLUMNS)


def _only_volatile(statement) -> bool:
    """An UPDATE of ``core_user`` that sets only login bookkeeping (the failed-login counter of
    every attempt, the session generation of every logout)."""
    values = getattr(statement, "_values", None)
    if not values or getattr(statement, "_where_criteria", None) is None:
        return False
    return {getattr(key, "key", key) for key in values} <= VOLATILE_USER_COLUMNS


def _bump(connection) -> None:
    """Raise the version in the connection's transaction (creating the row the first time)."""
    table = Sequence.__table__
    where = (table.c.name == VERSION_NAME) & (table.c.year == VERSION_YEAR)
    if connection.execute(table.update().where(where).values(value=table.c.value + 1)).rowcount:
        return
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    connection.execute(insert(table).values(name=VERSION_NAME, year=VERSION_YEAR, value=1)
                       .on_conflict_do_nothing(index_elements=["name", "year"]))


def _install() -> None:
    """Session events raising the version in the same transaction as every change to auth data
    (ORM flushes, and INSERT/UPDATE/DELETE statements on the auth tables)."""

    @event.listens_for(Session, "after_flush")
    def _after_flush(session, flush_context):
        if _touches_auth(session):
            _bump(session.connection())

    @event.listens_for(Session, "do_orm_execute")
    def _on_execute(state):
        if state.is_insert or state.is_update or state.is_delete:
            name = getattr(getattr(state.statement, "table", None), "name", None)
            if name in AUTH_TABLES and not (state.is_insert and name in NEW_ROWS_CACHED_NOWHERE) \
                    and not (state.is_update and name == "core_user" and _only_volatile(state.statement)):
                _bump(state.session.connection())
            elif name == "core_dealer" and (state.is_delete or (state.is_update and _sets_dealer_kind(state.statement))):
                _bump(state.session.connection())

_install()
