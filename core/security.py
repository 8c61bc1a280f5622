"""Permissions, view guards and record rules (who sees which rows).

Every query for records a dealer may own goes through :func:`scoped`; a record outside
the caller's scope answers 404 (it does not exist for them), a visible record the caller
may not act on answers 403.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, false, or_, select

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
        raise PermissionDenied(_("permission %(permission)r required", permission=permission), code="forbidden")


def dealer_column(model):
    return getattr(model, getattr(model, "__dealer_column__", "dealer_id"))


def model_scope(model) -> str:
    """How rows of ``model`` are scoped: ``__scope__`` when declared, else ``dealer`` for a model
    with a dealer column (``__dealer_column__``, default ``dealer_id``) and ``none`` otherwise.

    - ``dealer``: a row belongs to the dealer in that column (agents also see their
      distributors', regional managers their regions' dealers', head office all);
    - ``region``: a row belongs to the region in ``__region_column__`` (default ``region_id``):
      regional managers see their regions', head office all, dealer users none;
    - ``none``: not owned by a dealer or region (audit records, head-office documents): every
      user holding the page's permission sees every row, unless a narrowing rule says otherwise.
    """
    declared = getattr(model, "__scope__", None)
    if declared is not None:
        if declared not in ("dealer", "region", "none"):
            raise ValueError(f"{model.__name__}.__scope__ must be 'dealer', 'region' or 'none', not {declared!r}")
        return declared
    return "dealer" if hasattr(model, getattr(model, "__dealer_column__", "dealer_id")) else "none"


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
        if user.dealer_kind == "agent":  # cached with a token: no dealer loaded
            return column.in_(select(Dealer.id).where(or_(Dealer.id == user.dealer_id,
                                                           Dealer.parent_id == user.dealer_id)))
        return column == user.dealer_id
    return false()


def visible_regions_clause(column, user):
    """SQL clause restricting a region-id column to the regions ``user`` may see; None = all."""
    from core.dealers.models import region_managers

    scope = user.scope if user is not None and user.is_authenticated else "none"
    if scope == "all":
        return None
    if scope == "region":
        return column.in_(select(region_managers.c.region_id).where(region_managers.c.user_id == user.id))
    return false()


def _base_clause(model, user):
    scope = model_scope(model)
    if scope == "dealer":
        return visible_dealers_clause(dealer_column(model), user)
    if scope == "region":
        return visible_regions_clause(getattr(model, getattr(model, "__region_column__", "region_id")), user)
    if user is None or not user.is_authenticated:
        return false()
    return None


def _rules_for(model, user):
    rules = current_app.extensions["aftersales"].record_rules.get(model, [])
    return [r for r in rules if not r.roles or (user is not None and user.is_authenticated and user.has_role(*r.roles))]


def scope_clause(model, user):
    """The rows of ``model`` ``user`` may see, as one SQL clause (None: every row).

    Odoo's ``ir.rule``: the model's scope OR every widening rule that applies to the user,
    AND every narrowing rule that applies to the user (a narrowing rule hides rows even from
    head office: secret inspections from the inspected department).
    """
    clause = _base_clause(model, user)
    rules = _rules_for(model, user)
    if clause is not None:
        widen = [c for c in (r.clause(user) for r in rules if r.mode == "widen") if c is not None]
        clause = or_(clause, *widen) if widen else clause
    narrow = [c for c in (r.clause(user) for r in rules if r.mode == "narrow") if c is not None]
    if narrow:
        clause = and_(*narrow) if clause is None else and_(clause, *narrow)
    return clause


def count_for_dealer(model, dealer, user=None) -> int:
    """How many rows of ``model`` belonging to ``dealer`` ``user`` may see (a smart button's count)."""
    from sqlalchemy import func, select

    from core.extensions import db

    stmt = scoped(select(func.count()).select_from(model), model, user).where(dealer_column(model) == dealer.id)
    return db.session.scalar(stmt) or 0


def scoped(stmt, model, user=None):
    """Restrict a select() of ``model`` to the rows ``user`` (default: current user) may see."""
    user = current_user if user is None else user
    clause = scope_clause(model, user)
    return stmt if clause is None else stmt.where(clause)


def _scope_key(model, user):
    """What the scope clause of ``model`` depends on for ``user`` (None: not known, e.g. record rules
    apply to the user, whose clauses may depend on anything)."""
    if _rules_for(model, user):
        return None
    if user is None or not user.is_authenticated:
        return ("anonymous",)
    scope = user.scope
    if scope == "all":
        return ("all",)
    return (scope, user.id, user.dealer_id, user.dealer_kind if scope == "dealer" else None)


_GET_STATEMENTS: dict = {}  # (name or options, model, scope key) -> the scoped statement
_GET_STATEMENTS_MAX = 1024


def get_scoped(model, record_id, user=None, options=()):
    """The record if it exists and ``user`` may see it, else raise NotFound.

    The statement is built once per model, options and scope (the id is a bound parameter): a
    statement used again keeps its cache key, which SQLAlchemy otherwise computes on every
    execution by walking the statement and its loader options (as long as building it). Pass the
    same ``options`` tuple each time to share it."""
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        raise NotFound(_("not found"))
    stmt = scoped_once(tuple(options), model, lambda: _by_id(model, options), user)
    record = db.session.scalars(stmt, {"record_id": record_id}).unique().first()
    if record is None:
        raise NotFound(_("%(model)s %(record_id)s not found", model=model.__name__, record_id=record_id))
    return record


def _by_id(model, options):
    from sqlalchemy import bindparam

    pk = model.__mapper__.primary_key[0]
    return select(model).where(pk == bindparam("record_id", type_=pk.type)).options(*options)


def scoped_once(name, model, build, user=None):
    """``scoped(build(), model, user)``, built once per ``name`` and scope as :func:`get_scoped`'s
    statements (not when record rules apply to the user; ``name``: any hashable, distinct from
    the options tuples get_scoped uses): a loader's own statement (e.g. a Core
    SELECT of a record and its rows) keeps its cache key from one request to the next."""
    user = current_user if user is None else user
    scope_key = _scope_key(model, user)
    key = None if scope_key is None else (name, model, scope_key)
    stmt = _GET_STATEMENTS.get(key) if key is not None else None
    if stmt is None:
        stmt = scoped(build(), model, user)
        if key is not None:
            if len(_GET_STATEMENTS) >= _GET_STATEMENTS_MAX:
                _GET_STATEMENTS.clear()
            _GET_STATEMENTS[key] = stmt
    return stmt


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
        raise PermissionDenied(_("permission %(permission)r required", permission=permission))


# --- field-level visibility ------------------------------------------------------------

def mask_phone(value: str | None) -> str | None:
    """A phone number with its middle hidden: ``13812341234`` -> ``138****1234``."""
    if not value:
        return value
    digits = str(value)
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_head = 3 if len(digits) >= 8 else 1
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]


def field_readable(model, field: str, user=None) -> bool:
    """Whether ``user`` may read ``field`` of ``model`` in clear (``__field_masks__``)."""
    user = current_user if user is None else user
    for mask in getattr(model, "__field_masks__", ()):
        if mask.field == field:
            return bool(user is not None and user.is_authenticated and user.has_role(*mask.roles))
    return True


def field_value(record, field: str, user=None):
    """``record.field`` as ``user`` may read it: in clear for the declared roles, masked otherwise.

    A model declares ``__field_masks__ = (FieldMask("customer_phone", ("supervision",)),)``;
    serializers and templates (``{{ field_value(record, "customer_phone") }}``) read through this.
    """
    value = getattr(record, field)
    for mask in getattr(type(record), "__field_masks__", ()):
        if mask.field == field and not field_readable(type(record), field, user):
            return mask.mask(value)
    return value


def mask_fields(model, data: dict, user=None) -> dict:
    """A serialized row (dict) with ``model``'s masked fields masked for ``user``."""
    for mask in getattr(model, "__field_masks__", ()):
        if mask.field in data and not field_readable(model, mask.field, user):
            data[mask.field] = mask.mask(data[mask.field])
    return data


def rate_limited(scope: str, limit: int, window_seconds: int, address: str | None = None) -> bool:
    """Count this request against ``scope`` and the client's address (``address``, default the
    one ProxyFix resolved when behind the documented proxy), in the database so every host
    shares the count; True past ``limit`` requests in the current window of ``window_seconds``.
    Commits the current transaction (the count must stick even when the request then fails)."""
    from core.users.services import throttle_hit

    address = address if address is not None else request.remote_addr
    return throttle_hit(f"{scope}:{address or '-'}", limit, window_seconds) > limit


def login_throttled() -> bool:
    """Count this login or token request against its address; True past the per-minute limit."""
    from core import settings

    return rate_limited("login", settings.get("core.login_throttle_per_minute"), 60)
