"""The RMA list and detail of the JSON API read column by column (issue 8).

One statement answers a list page or a detail: the returns with their dealers, their lines
with products and categories (one row per line), and the list's total or the detail's
confirmed freight and penalty sums as scalar subqueries. Rows are mapped straight to the
response dicts through the same serializers as the ORM path (``services.rma_dict``,
``line_dict``, ``line_facts``, ``cost_of``), so both answer the same; no ORM object is
built and nothing loads lazily. With the token cache warm, a list or a detail costs the
auth-version read, the caller's dealer for dealer users (their scope), and this statement.

The list first picks the page's ids (scope, filters, newest first, the page) in a subquery
that touches only ``rma_rma`` and its indexes, and joins the wide columns to those ids alone.
"""
from __future__ import annotations

from collections import namedtuple
from datetime import timezone
from functools import cache

from flask_login import current_user
from sqlalchemy import DateTime, and_, bindparam, func, null, select, type_coerce

from core.toolkit import Dealer, Product, ProductCategory, db, get_scoped, scope_clause, settings
from core.toolkit import today as business_today
from plugins.rma import services
from plugins.rma.models import FLAGS, Rma, RmaFreightClaim, RmaLine, RmaPenalty
from plugins.rma.queries import list_filters

RMA_COLUMNS = ("id", "number", "filing_number", "state", "version", "receiving_dealer_id", "due_date", "boxes",
               "carrier", "tracking", "boxes_received", "reject_reason", "return_boxes", "return_carrier",
               "return_tracking", "return_contents", "returned_at", "return_received_at", "created_at",
               "submitted_at", "reviewed_at", "approved_at", "shipped_at", "received_at", "inspected_at",
               "resolved_at", "closed_at")
LINE_COLUMNS = ("id", "quantity", "issue", "serial", "production_date", "purchase_date", "sale_date", "received_date",
                "received_time", *FLAGS, "description", "received_quantity", "verdict", "serious", "worth_analysis",
                "findings", "resolution", "fee")
RmaRow = namedtuple("RmaRow", (*RMA_COLUMNS, "dealer_code", "dealer_name", "receiving_code", "extra_1", "extra_2"))
LineRow = namedtuple("LineRow", (*LINE_COLUMNS, "sku", "product_name", "unit_price", "product_status",
                                 "warranty_months", "whole_unit_returns"))
RMA_WIDTH, LINE_WIDTH = len(RmaRow._fields), len(LineRow._fields)
RMA_TIMESTAMPS = tuple(name for name in RMA_COLUMNS if name.endswith("_at"))


def _aware(rma: RmaRow) -> RmaRow:
    return rma._replace(**{name: getattr(rma, name).replace(tzinfo=timezone.utc)
                           for name in RMA_TIMESTAMPS if getattr(rma, name) is not None})


@cache
def _parts():
    """The tables (aliased apart from the scope and filter subqueries, which name ``rma_rma`` itself)
    and the selected columns, built once per process."""
    r = Rma.__table__.alias("r")
    line = RmaLine.__table__.alias("l")
    owner, receiving = Dealer.__table__.alias("owner"), Dealer.__table__.alias("receiving")
    product, category = Product.__table__.alias("p"), ProductCategory.__table__.alias("c")
    # a list row repeats its return's columns for each line: the timestamps come plain (naive UTC)
    # and are made aware once per return (_aware), not once per row by UTCDateTime
    rma_cols = ([type_coerce(r.c[name], DateTime()).label(name) if name in RMA_TIMESTAMPS else r.c[name]
                 for name in RMA_COLUMNS] + [owner.c.code, owner.c.name, receiving.c.code])
    line_cols = ([line.c[name] for name in LINE_COLUMNS]
                 + [product.c.sku, product.c.name, product.c.unit_price, product.c.status,
                    category.c.warranty_months, category.c.whole_unit_returns])
    joined = (r.join(owner, owner.c.id == r.c.dealer_id).outerjoin(receiving, receiving.c.id == r.c.receiving_dealer_id)
              .outerjoin(line, line.c.rma_id == r.c.id).outerjoin(product, product.c.id == line.c.product_id)
              .outerjoin(category, category.c.id == product.c.category_id))
    return r, line, rma_cols, line_cols, joined


def _scope() -> list:
    clause = scope_clause(Rma, current_user)
    return [] if clause is None else [clause]


MAX_SHAPES = 500
_statements: dict = {}


def _statement(kind: str, clauses: list, build):
    """The statement ``build(clauses)`` made once per shape of ``clauses`` (the scope and the filters
    given), and this request's values for its parameters.

    Building a 70-column select and its cache key cost more than running it; the scope and filter
    clauses are small, so they are built per request (by the same functions as the ORM list) and
    only their cache key picks the statement: same key, same SQL but for the bound values, which
    are passed in the order the key lists them."""
    if clauses:
        key = and_(*clauses)._generate_cache_key()
        shape, values = key.key, key.bindparams
    else:
        shape, values = (), []
    entry = _statements.get((kind, shape))
    if entry is None:
        if len(_statements) >= MAX_SHAPES:
            _statements.clear()
        entry = _statements[(kind, shape)] = (build(clauses), values)
        return entry[0], {}
    stmt, params = entry
    return stmt, {p.key: v.effective_value for p, v in zip(params, values)}


def _run(stmt, params):
    """A Core statement on the session's connection (same transaction): no ORM result layer for
    rows that are plain columns."""
    return db.session.connection().execute(stmt, params)


def _serialize(rows, today, with_cost: bool) -> list[dict]:
    """Rows (one per line, grouped by return in order) to API dicts."""
    rule_set = services.rules()
    out, current, lines, priced = [], None, [], []

    def flush():
        data = services.rma_dict(current, current.dealer_code, current.dealer_name, current.receiving_code, lines,
                                 services.cost_of(priced, current.extra_1, current.extra_2) if with_cost else None,
                                 today)
        out.append(data)

    for row in rows:
        if current is None or row[0] != current.id:
            if current is not None:
                flush()
            current, lines, priced = _aware(RmaRow._make(row[:RMA_WIDTH])), [], []
            at = services.eligibility_time(current)
        if row[RMA_WIDTH] is None:
            continue  # a return without lines
        line = LineRow._make(row[RMA_WIDTH:RMA_WIDTH + LINE_WIDTH])
        facts = services.line_facts(line, line.warranty_months, line.product_status, line.whole_unit_returns)
        result = services.evaluate_line(line, at, rule_set, line_facts=facts)
        lines.append(services.line_dict(line, line.sku, line.product_name, line.unit_price, result, rule_set))
        priced.append((line, line.unit_price))
    if current is not None:
        flush()
    return out


def _build_list(where, after: bool = False, family: bool = False):
    r, line, rma_cols, line_cols, joined = _parts()
    rt = Rma.__table__
    ids = select(rt.c.id).where(*where)
    if after:
        ids = ids.where(rt.c.id < bindparam("after"))
    # An agent sees a few dealers' returns (its own and its distributors'): PostgreSQL's planner
    # guesses many more and walks the primary key backwards, testing every newer return (14,000
    # rows for a page at a million lines). Ordering by an expression makes it take the agent's ids
    # from the (dealer_id, id) index and sort only those; same rows, same order.
    newest = (rt.c.id + 0).desc() if family else rt.c.id.desc()
    ids = ids.order_by(newest).limit(bindparam("page_limit")).offset(bindparam("page_offset")).subquery("page")
    # counting stops after count_limit rows: a million visible returns are never all counted
    matching = select(rt.c.id).where(*where).limit(bindparam("count_limit")).subquery("matching")
    count = select(func.count()).select_from(matching)
    page = (select(*rma_cols, count.scalar_subquery(), null(), *line_cols)
            .select_from(joined.join(ids, ids.c.id == r.c.id)).order_by(r.c.id.desc(), line.c.id))
    return page, count


def list_page(query) -> dict:
    """``GET /rmas``: the page of returns the caller may see, as ``paginate`` answers it, with
    ``total_is_estimate`` (the total stops at the setting ``rma.list_count_limit``) and keyset
    pagination (``after``: returns older than that id)."""
    after = query.after is not None
    dealer = current_user.dealer if current_user.dealer_id is not None else None
    family = dealer is not None and dealer.kind == "agent"
    (page, count), params = _statement(f"list {after} {family}", _scope() + list_filters(query),
                                       lambda where: _build_list(where, after, family))
    limit = settings.get("rma.list_count_limit")
    params["count_limit"] = limit + 1
    rows = _run(page, {**params, "page_limit": query.per_page, "after": query.after,
                                     "page_offset": (query.page - 1) * query.per_page}).all()
    if rows:
        total = rows[0][RMA_WIDTH - 2]
    else:  # past the last page (or nothing to show): the total on its own
        total = _run(count, params).scalar() or 0
    estimate = total > limit
    total = min(total, limit)
    items = _serialize(rows, business_today(), with_cost=False)
    return {"items": items, "total": total, "total_is_estimate": estimate, "page": query.page,
            "per_page": query.per_page, "pages": -(-total // query.per_page) if total else 0}


def _build_detail(scope):
    r, line, rma_cols, line_cols, joined = _parts()
    rt, penalty, claim = Rma.__table__, RmaPenalty.__table__, RmaFreightClaim.__table__
    rma_id = bindparam("rma_id")
    freight = (select(func.sum(claim.c.amount)).where(claim.c.rma_id == rma_id, claim.c.state == "confirmed")
               .scalar_subquery())
    penalties = (select(func.sum(penalty.c.amount)).where(penalty.c.rma_id == rma_id, penalty.c.state == "confirmed")
                 .scalar_subquery())
    visible = select(rt.c.id).where(rt.c.id == rma_id, *scope)
    return (select(*rma_cols, freight, penalties, *line_cols).select_from(joined)
            .where(r.c.id.in_(visible)).order_by(line.c.id))


def detail(rma_id: int) -> dict:
    """``GET /rmas/<id>``: one return the caller may see with its lines and cost (404 otherwise)."""
    stmt, params = _statement("detail", _scope(), _build_detail)
    rows = _run(stmt, {**params, "rma_id": rma_id}).all()
    if not rows:
        get_scoped(Rma, rma_id)  # raises the usual 404
    return _serialize(rows, None, with_cost=True)[0]
