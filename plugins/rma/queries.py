"""RMA list queries and record loading, shared by the JSON API, the pages and the exports.

The API and the pages build their lists here (views import services and queries, never the
API module), so a filter means the same thing in ``GET /api/v1/rmas``, the HTML lists and the
CSV/xlsx exports.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask_babel import gettext as _
from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.orm.attributes import set_committed_value

from core.toolkit import Dealer, NotFound, Product, ProductCategory, db, get_scoped, scoped, scoped_once
from plugins.rma import services
from plugins.rma.models import Rma, RmaFreightClaim, RmaLine, RmaPenalty


def load(rma_id) -> Rma:
    """One return in the caller's scope (404 otherwise), with what pages and actions need."""
    return get_scoped(Rma, rma_id, options=services.load_options())


def load_for_action(rma_id) -> Rma:
    """One return in the caller's scope (404 otherwise) for a workflow action (``actions.ACTIONS``):
    what the actions and the answer read, lighter than :func:`load` (the pages' loader).

    One Core SELECT of the return, its lines, their products and categories and its dealers (only
    the columns read before the commit; the others load when first read, as expired attributes),
    and the ORM objects built from its rows as if the ORM had loaded them (:func:`_as_loaded`): the
    ORM's row processing of the same joined statement was a fifth of a transition's calls. When the
    session already holds the return or one of its lines, or another object of the load without
    its columns, the ORM loads it as before (:func:`_load_with_orm`): an object the session holds
    is never built twice."""
    session = db.session()
    try:
        rma_id = int(rma_id)
    except (TypeError, ValueError):
        return _load_with_orm(rma_id)
    identities = session.identity_map
    if _identity(Rma, rma_id) in identities:
        return _load_with_orm(rma_id)
    stmt = scoped_once("rma.load_for_action", Rma, _action_select)
    # a SELECT of columns: the connection's execute (the session's adds only its ORM events, which
    # watch writes)
    rows = session.connection().execute(stmt, {"record_id": rma_id}).all()
    if not rows:  # get_scoped's answer
        raise NotFound(_("%(model)s %(record_id)s not found", model=Rma.__name__, record_id=rma_id))
    if any(row[_LINE_AT] is not None and _identity(RmaLine, row[_LINE_AT]) in identities for row in rows):
        return _load_with_orm(rma_id)
    try:
        return _build(session, rows)
    except _Held:
        return _load_with_orm(rma_id)


class _Held(Exception):
    """The session holds an object of the load that lacks some of its columns (expired by a commit
    of the same session, e.g. a script's or a test's; a request's session starts empty)."""


def _build(session, rows) -> Rma:
    """The return of :func:`load_for_action`'s rows, with its lines, products and dealers."""
    first = rows[0]
    dealer = _as_loaded(session, Dealer, _DEALER_KEYS, first, _DEALER_AT)
    receiving_id = first[_RECEIVING_AT]
    receiving = (None if receiving_id is None else dealer if receiving_id == dealer.id else
                 _as_loaded(session, Dealer, _DEALER_KEYS, first, _RECEIVING_AT))
    products, categories = {}, {}
    for row in rows:
        if row[_LINE_AT] is not None and row[_PRODUCT_AT] not in products:
            category = categories.get(row[_CATEGORY_AT])
            if category is None:
                category = categories[row[_CATEGORY_AT]] = _as_loaded(session, ProductCategory, _CATEGORY_KEYS,
                                                                      row, _CATEGORY_AT)
            products[row[_PRODUCT_AT]] = _as_loaded(session, Product, _PRODUCT_KEYS, row, _PRODUCT_AT,
                                                    category=category)
    # the return and its lines last: a _Held above leaves neither in the session
    rma = _as_loaded(session, Rma, _RMA_KEYS, first, 0, dealer=dealer, receiving_dealer=receiving)
    set_committed_value(rma, "lines", [
        _as_loaded(session, RmaLine, _LINE_KEYS, row, _LINE_AT, product=products[row[_PRODUCT_AT]], rma=rma)
        for row in rows if row[_LINE_AT] is not None])
    return rma


def _load_with_orm(rma_id) -> Rma:
    return get_scoped(Rma, rma_id, options=_action_options())


def _identity(model, pk) -> tuple:
    return model.__mapper__.identity_key_from_primary_key((pk,))


def _as_loaded(session, model, keys: tuple, row, at: int, **references):
    """The object of ``model`` whose columns ``keys`` are ``row[at:at + len(keys)]`` (its id first)
    and whose many-to-one ``references`` are the objects given, persistent in ``session`` as if the
    ORM had loaded it, its other attributes expired (read when first used); the session's own
    object when it holds one with these columns loaded (as the ORM keeps it; :class:`_Held` when
    it does not, the ORM's load then refreshing what it lacks). Attached by ``services._attach``
    (the filing's way: ``Session.add`` without its save-update cascade), each object of the load itself."""
    existing = session.identity_map.get(_identity(model, row[at]))
    if existing is not None:
        if existing._sa_instance_state.expired or not all(key in existing.__dict__ for key in keys):
            raise _Held  # expired or partly loaded: the ORM's load refreshes it
        return existing
    return services._attach(model, {**dict(zip(keys, row[at:at + len(keys)])), **references}, session, known=True)


def _action_select():
    """The SELECT of :func:`load_for_action`: the return's row once per line (its lines in id
    order), the dealers, products and categories aliased (a scope clause's subquery of the dealers
    must not correlate with them)."""
    rma, line = Rma.__table__, RmaLine.__table__.alias("line")
    product, category = Product.__table__.alias("product"), ProductCategory.__table__.alias("category")
    dealer, receiving = Dealer.__table__.alias("dealer"), Dealer.__table__.alias("receiving")
    columns = [*_RMA_COLUMNS, *(dealer.c[c.key] for c in _DEALER_COLUMNS),
               *(receiving.c[c.key] for c in _DEALER_COLUMNS), *(line.c[c.key] for c in _LINE_COLUMNS), *(product.c[c.key] for c in _PRODUCT_COLUMNS),
               *(category.c[c.key] for c in _CATEGORY_COLUMNS)]
    return (select(*columns)
            .select_from(rma.outerjoin(dealer, dealer.c.id == rma.c.dealer_id)
                         .outerjoin(receiving, receiving.c.id == rma.c.receiving_dealer_id)
                         .outerjoin(line, line.c.rma_id == rma.c.id)
                         .outerjoin(product, product.c.id == line.c.product_id)
                         .outerjoin(category, category.c.id == product.c.category_id))
            .where(rma.c.id == bindparam("record_id", type_=rma.c.id.type)).order_by(line.c.id))


def _keys(model, columns) -> tuple:
    return tuple(model.__mapper__.get_property_by_column(c).key for c in columns)


def _id_first(table) -> tuple:
    return (table.c.id, *(c for c in table.c if c.key != "id"))


# the columns read before the commit (the id first); the positions of each table's in a row
_DEALER_COLUMNS = tuple(Dealer.__table__.c[k] for k in ("id", "code", "name", "kind", "parent_id", "region_id",
                                                        "status"))
_PRODUCT_COLUMNS = tuple(Product.__table__.c[k] for k in ("id", "sku", "name", "unit_price", "status",
                                                          "category_id"))
_CATEGORY_COLUMNS = tuple(ProductCategory.__table__.c[k] for k in ("id", "warranty_months", "whole_unit_returns"))
_RMA_COLUMNS, _LINE_COLUMNS = _id_first(Rma.__table__), _id_first(RmaLine.__table__)
_RMA_KEYS = _keys(Rma, _RMA_COLUMNS)
_DEALER_KEYS = _keys(Dealer, _DEALER_COLUMNS)
_LINE_KEYS = _keys(RmaLine, _LINE_COLUMNS)
_PRODUCT_KEYS = _keys(Product, _PRODUCT_COLUMNS)
_CATEGORY_KEYS = _keys(ProductCategory, _CATEGORY_COLUMNS)
_DEALER_AT = len(_RMA_KEYS)
_RECEIVING_AT = _DEALER_AT + len(_DEALER_KEYS)
_LINE_AT = _RECEIVING_AT + len(_DEALER_KEYS)
_PRODUCT_AT = _LINE_AT + len(_LINE_KEYS)
_CATEGORY_AT = _PRODUCT_AT + len(_PRODUCT_KEYS)


_ACTION_OPTIONS: list = []
def _action_options() -> tuple:
    if not _ACTION_OPTIONS:
        from sqlalchemy.orm import joinedload, lazyload, load_only

        def dealer(attr):
            return joinedload(attr).options(
                load_only(Dealer.id, Dealer.code, Dealer.name, Dealer.kind, Dealer.parent_id, Dealer.region_id,
                          Dealer.status),
                lazyload(Dealer.parent), lazyload(Dealer.region))

        _ACTION_OPTIONS.append((
            joinedload(Rma.lines).joinedload(RmaLine.product).options(
                load_only(Product.id, Product.sku, Product.name, Product.unit_price, Product.status,
                          Product.category_id),
                joinedload(Product.category).load_only(ProductCategory.id, ProductCategory.warranty_months,
                                                       ProductCategory.whole_unit_returns),
                lazyload(Product.parts)),
            dealer(Rma.dealer), dealer(Rma.receiving_dealer)))
    return _ACTION_OPTIONS[0]


def reload(rma_id) -> Rma:
    """The record the caller has just written (so already in scope), fresh after the commit."""
    return db.session.scalars(select(Rma).where(Rma.id == rma_id).options(*services.read_options())).one()


def list_stmt(query):
    """Returns the caller may see, newest first, narrowed by the list filters (`RmaQuery`)."""
    return (scoped(select(Rma), Rma).options(*services.read_options()).where(*list_filters(query))
            .order_by(Rma.id.desc()))


def list_filters(query) -> list:
    """The WHERE clauses of the list filters (`RmaQuery`), for the ORM list and the column-level one."""
    clauses = []
    if query.state:
        clauses.append(Rma.state == query.state)
    if query.dealer_code:
        clauses.append(Rma.dealer_id.in_(select(Dealer.id).where(Dealer.code == query.dealer_code)))
    if query.sku:
        clauses.append(exists().where(RmaLine.rma_id == Rma.id, RmaLine.product_id.in_(
            select(Product.id).where(Product.sku == query.sku))))
    if query.overdue is True:
        clauses.append(services.overdue_clause())
    elif query.overdue is False:
        clauses.append(~services.overdue_clause())
    if query.q:
        q = query.q.strip()
        clauses.append(or_(Rma.number.ilike(f"%{q}%"), exists().where(RmaLine.rma_id == Rma.id, RmaLine.serial == q)))
    if query.date_from:
        clauses.append(Rma.created_at >= datetime.combine(query.date_from, time(0), tzinfo=timezone.utc))
    if query.date_to:
        clauses.append(Rma.created_at < datetime.combine(query.date_to + timedelta(days=1), time(0),
                                                         tzinfo=timezone.utc))
    return clauses


def penalty_list_stmt(state: str | None = None):
    """Penalties the caller may see, newest first."""
    stmt = scoped(select(RmaPenalty), RmaPenalty).order_by(RmaPenalty.id.desc())
    return stmt.where(RmaPenalty.state == state) if state else stmt


def claim_list_stmt(state: str | None = None):
    """Freight claims the caller may see, newest first."""
    stmt = scoped(select(RmaFreightClaim), RmaFreightClaim).order_by(RmaFreightClaim.id.desc())
    return stmt.where(RmaFreightClaim.state == state) if state else stmt
