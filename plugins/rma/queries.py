"""RMA list queries and record loading, shared by the JSON API, the pages and the exports.

The API and the pages build their lists here (views import services and queries, never the
API module), so a filter means the same thing in ``GET /api/v1/rmas``, the HTML lists and the
CSV/xlsx exports.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from sqlalchemy import exists, or_, select

from core.toolkit import Dealer, Product, db, get_scoped, scoped
from plugins.rma import services
from plugins.rma.models import Rma, RmaFreightClaim, RmaLine, RmaPenalty


def load(rma_id) -> Rma:
    """One return in the caller's scope (404 otherwise), with what pages and actions need."""
    return get_scoped(Rma, rma_id, options=services.load_options())


def load_for_action(rma_id) -> Rma:
    """One return in the caller's scope (404 otherwise) for a workflow action (``actions.ACTIONS``):
    what the actions and the answer read, lighter than :func:`load` (the pages' loader). The
    lines' products and categories and the dealers with only the columns read before the commit
    (another column loads when first read), no regions: building the ORM objects of the whole
    rows was a fifth of a transition, and the commit expires each object it holds."""
    return get_scoped(Rma, rma_id, options=_action_options())


_ACTION_OPTIONS: list = []


def _action_options() -> tuple:
    if not _ACTION_OPTIONS:
        from sqlalchemy.orm import joinedload, lazyload, load_only

        from core.toolkit import ProductCategory

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
