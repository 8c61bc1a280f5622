"""The RMA list and detail of the JSON API read column by column (issue 8).

One statement answers a list page or a detail: the returns with their dealers, their lines
with products and categories (one row per line), and the list's total or the detail's
confirmed freight and penalty sums as scalar subqueries. Rows are turned into the response
dicts in place (``_serialize``: what ``services.rma_dict`` and ``line_dict`` answer for a loaded
return, the same judgements through ``services.RowJudge`` and the same ``cost_of``; a test holds
the detail and ``services.serialize_rma`` to the same JSON); no ORM object is built and nothing
loads lazily. With the token cache warm, a list or a detail costs the
auth-version read, the caller's dealer for dealer users (their scope), and this statement.

The list first picks the page's ids (scope, filters, newest first, the page) in a subquery
that touches only ``rma_rma`` and its indexes, and joins the wide columns to those ids alone.
"""
from __future__ import annotations

from collections import namedtuple
from datetime import date, timezone
from functools import cache

from flask_login import current_user
from sqlalchemy import DateTime, and_, bindparam, func, null, select, true, type_coerce

from core.toolkit import (Dealer, Product, ProductCategory, StatementShapes, db, get_scoped, local_date,
                          scope_clause, settings, utcnow)
from core.toolkit import today as business_today
from plugins.rma import eligibility as elig, services
from plugins.rma.models import FLAGS, SLA_STATES, Rma, RmaFreightClaim, RmaLine, RmaPenalty
from plugins.rma.queries import list_filters

RMA_COLUMNS = ("id", "number", "filing_number", "state", "version", "receiving_dealer_id", "due_date", "boxes",
               "carrier", "tracking", "boxes_received", "reject_reason", "return_boxes", "return_carrier",
               "return_tracking", "return_contents", "returned_at", "return_received_at", "created_at",
               "submitted_at", "reviewed_at", "approved_at", "shipped_at", "received_at", "inspected_at",
               "resolved_at", "closed_at")
RMA_TIMESTAMPS = tuple(name for name in RMA_COLUMNS if name.endswith("_at"))  # the last eleven columns
RMA_WIDTH = len(RMA_COLUMNS) + 5  # and the dealer's code and name, the receiving agent's code, two scalars
# A line's own columns, then its KEY: what its judgement reads (services.ROW_FACTS) and its product's
# values. Within a request, lines with the same key, judging day and ``late`` share the part of their
# dict these make (``_line_part``): the judgement, the dates, the flags and the product.
LINE_COLUMNS = ("id", "quantity", "serial", "received_time", "description", "received_quantity", "verdict", "serious",
                "worth_analysis", "findings", "resolution", "fee")
LINE_KEY = (*services.ROW_FACTS, "sku", "product_name", "unit_price")
KEY_START = RMA_WIDTH + len(LINE_COLUMNS)
_FACTS_END = len(services.ROW_FACTS)
_STAMPS_START, _STAMPS_END = RMA_COLUMNS.index(RMA_TIMESTAMPS[0]), len(RMA_COLUMNS)
_SUBMITTED = RMA_COLUMNS.index("submitted_at")
assert RMA_COLUMNS[_STAMPS_START:] == RMA_TIMESTAMPS
_KEY_PART = ("issue", "production_date", "purchase_date", "sale_date", "received_date", *FLAGS)
assert LINE_KEY[:len(_KEY_PART)] == _KEY_PART and LINE_KEY[-3:] == ("sku", "product_name", "unit_price")
_FLAG_NAMES = tuple(FLAGS)


@cache
def _parts():
    """The tables (aliased apart from the scope and filter subqueries, which name ``rma_rma`` itself)
    and the selected columns, built once per process."""
    r = Rma.__table__.alias("r")
    line = RmaLine.__table__.alias("l")
    owner, receiving = Dealer.__table__.alias("owner"), Dealer.__table__.alias("receiving")
    product, category = Product.__table__.alias("p"), ProductCategory.__table__.alias("c")
    # a list row repeats its return's columns for each line: the timestamps come plain (naive UTC) and
    # are formatted as UTC once per return (_serialize), not made aware once per row by UTCDateTime;
    # so is a line's receipt time, which most lines have not
    rma_cols = ([type_coerce(r.c[name], DateTime()).label(name) if name in RMA_TIMESTAMPS else r.c[name]
                 for name in RMA_COLUMNS] + [owner.c.code, owner.c.name, receiving.c.code])
    own = {"warranty_months": category.c.warranty_months, "product_status": product.c.status,
           "whole_unit_returns": category.c.whole_unit_returns, "sku": product.c.sku,
           "product_name": product.c.name, "unit_price": product.c.unit_price}
    line_cols = ([type_coerce(line.c[name], DateTime()).label(name) if name == "received_time" else line.c[name]
                  for name in LINE_COLUMNS] + [own[name] if name in own else line.c[name] for name in LINE_KEY])
    joined = (r.join(owner, owner.c.id == r.c.dealer_id).outerjoin(receiving, receiving.c.id == r.c.receiving_dealer_id)
              .outerjoin(line, line.c.rma_id == r.c.id).outerjoin(product, product.c.id == line.c.product_id)
              .outerjoin(category, category.c.id == product.c.category_id))
    return r, line, rma_cols, line_cols, joined


def _scope() -> list:
    clause = scope_clause(Rma, current_user)
    return [] if clause is None else [clause]


_SHAPES = StatementShapes(500)


def _statement(kind: str, clauses: list, build):
    """The statement ``build(clauses)`` made once per shape of ``clauses`` (the scope and the filters
    given), and this request's values for its parameters (``core.toolkit.StatementShapes``): the
    clauses are small, so they are built per request (by the same functions as the ORM list) and
    only their cache key picks the 70-column statement."""
    return _SHAPES.get(kind, and_(*clauses) if clauses else true(), lambda: build(clauses))


def _run(stmt, params):
    """A Core statement on the session's connection (same transaction): no ORM result layer for
    rows that are plain columns."""
    return db.session.connection().execute(stmt, params)


def _line_part(judge, key: tuple, day: date, late: bool | None) -> tuple[dict, dict]:
    """What lines with the same ``key`` (``LINE_KEY``) share in a request: their ``eligibility_dict``
    and the part of ``services.line_dict`` made of the key (dates, flags, product)."""
    issue, production, purchase, sale, received = key[:5]
    flags = key[5:5 + len(_FLAG_NAMES)]
    sku, product_name, unit_price = key[-3:]
    shared = {"issue": issue, "production_date": production.isoformat() if production is not None else None,
              "purchase_date": purchase.isoformat() if purchase is not None else None,
              "sale_date": sale.isoformat() if sale is not None else None,
              "received_date": received.isoformat() if received is not None else None,
              "sku": sku, "product_name": product_name, "unit_price": services.money(unit_price),
              **dict(zip(_FLAG_NAMES, map(bool, flags)))}
    return judge(key[:_FACTS_END], day, late), shared


def _serialize(rows, today: date | None, with_cost: bool) -> list[dict]:
    """Rows (one per line, grouped by return in order) to API dicts: what ``services.rma_dict`` and
    ``line_dict`` answer for the same return, built from the row's values in place (a page is 150
    lines: no row object, helper or judgement call per line when its key was seen in this request).
    ``today`` (the business day, for ``overdue``) is taken when first needed when not given."""
    judge = services.RowJudge(services.rules())
    hours = judge.rule_set.order_mismatch_hours
    seen: dict[tuple, tuple[dict, dict]] = {}
    china, money, now = elig.CHINA, services.money, None
    out, costs, current, lines, priced = [], [], None, None, None
    for row in rows:
        if row[0] != current:  # a return's first row
            (current, number, filing_number, state, version, receiving_dealer_id, due_date, boxes, carrier, tracking,
             boxes_received, reject_reason, return_boxes, return_carrier, return_tracking, return_contents,
             dealer_code, dealer_name, receiving_code, extra_1, extra_2) = (*row[:_STAMPS_START],
                                                                           *row[_STAMPS_END:RMA_WIDTH])
            (returned_at, return_received_at, created_at, submitted_at, reviewed_at, approved_at, shipped_at,
             received_at, inspected_at, resolved_at, closed_at) = [  # naive UTC, written as the aware ones are
                None if stamp is None else stamp.isoformat() + "+00:00" for stamp in row[_STAMPS_START:_STAMPS_END]]
            # judged at filing time (services.eligibility_time): the submission, or now for a draft
            submitted = row[_SUBMITTED]
            if submitted is not None:
                at = submitted.replace(tzinfo=timezone.utc)
            else:
                at = now = now or utcnow()
            day = at.astimezone(china).date()
            overdue = False
            if state in SLA_STATES and due_date is not None:  # services.is_overdue
                if today is None:
                    today = local_date(utcnow())
                overdue = today > due_date
            lines, priced = [], []
            if with_cost:
                costs.append((priced, extra_1, extra_2))
            out.append({
                "id": current, "number": number, "filing_number": filing_number, "state": state, "version": version,
                "dealer_code": dealer_code, "dealer_name": dealer_name,
                "receiving_unit": ({"kind": "agent", "dealer_code": receiving_code}
                                   if receiving_dealer_id else {"kind": "head_office", "dealer_code": None}),
                "due_date": due_date.isoformat() if due_date is not None else None, "overdue": overdue,
                "boxes": boxes, "carrier": carrier or "", "tracking": tracking or "",
                "boxes_received": boxes_received, "reject_reason": reject_reason or "",
                "return_boxes": return_boxes, "return_carrier": return_carrier or "",
                "return_tracking": return_tracking or "", "return_contents": return_contents or "",
                "returned_at": returned_at, "return_received_at": return_received_at, "created_at": created_at,
                "submitted_at": submitted_at, "reviewed_at": reviewed_at, "approved_at": approved_at,
                "shipped_at": shipped_at, "received_at": received_at, "inspected_at": inspected_at,
                "resolved_at": resolved_at, "closed_at": closed_at, "lines": lines,
                "cost": None,
            })
        if row[RMA_WIDTH] is None:
            continue  # a return without lines
        (line_id, quantity, serial, received_time, description, received_quantity, verdict, serious, worth_analysis,
         findings, resolution, fee) = row[RMA_WIDTH:KEY_START]
        key = row[KEY_START:]
        if received_time is not None:
            received_time = received_time.replace(tzinfo=timezone.utc)
        if key[0] == "order_mismatch":  # elig.late_receipt: None for any other issue
            late = elig.late_mismatch(received_time, key[4], at, hours)
        else:
            late = None
        try:
            eligibility, shared = seen[key, day, late]
        except KeyError:
            eligibility, shared = seen[key, day, late] = _line_part(judge, key, day, late)
        line = {**shared, "id": line_id, "quantity": quantity, "serial": serial or "",
                "description": description or "", "received_quantity": received_quantity, "verdict": verdict,
                "serious": bool(serious), "worth_analysis": bool(worth_analysis), "findings": findings or "",
                "resolution": resolution, "fee": None if fee is None else money(fee),
                "eligibility": {**eligibility, "reasons": [*eligibility["reasons"]],
                                "warnings": [*eligibility["warnings"]], "messages": [*eligibility["messages"]]}}
        if received_time is not None:  # known to the hour: shown in China time
            line["received_date"] = received_time.astimezone(china).isoformat()
        lines.append(line)
        if with_cost:
            priced.append((resolution, quantity, received_quantity, fee, key[-1]))
    for data, (priced, freight, penalties) in zip(out, costs):  # the detail: its lines all read
        data["cost"] = services.cost_of(priced, freight, penalties)
    return out


def _page_ids(where, after: bool, order: list):
    """The ids of one page (scope, filters, ``after``, ``order``), from ``rma_rma`` and its indexes alone."""
    rt = Rma.__table__
    ids = select(rt.c.id).where(*where)
    if after:
        ids = ids.where(rt.c.id < bindparam("after"))
    return ids.order_by(*order).limit(bindparam("page_limit")).offset(bindparam("page_offset")).subquery("page")


def _capped_count(where):
    """How many returns match, counting stops after ``count_limit`` rows: a million visible returns
    are never all counted."""
    rt = Rma.__table__
    matching = select(rt.c.id).where(*where).limit(bindparam("count_limit")).subquery("matching")
    return select(func.count()).select_from(matching)


def _newest(family: bool):
    # An agent sees a few dealers' returns (its own and its distributors'): PostgreSQL's planner
    # guesses many more and walks the primary key backwards, testing every newer return (14,000
    # rows for a page at a million lines). Ordering by an expression makes it take the agent's ids
    # from the (dealer_id, id) index and sort only those; same rows, same order.
    rt = Rma.__table__
    return (rt.c.id + 0).desc() if family else rt.c.id.desc()


def _family() -> bool:
    """Whether the caller is an agent's user (its list reads a few dealers' returns); the dealer's kind
    comes with the cached token (``User.dealer_kind``), no dealer is loaded."""
    return current_user.dealer_kind == "agent"


def _build_list(where, after: bool = False, family: bool = False):
    r, line, rma_cols, line_cols, joined = _parts()
    ids = _page_ids(where, after, [_newest(family)])
    count = _capped_count(where)
    page = (select(*rma_cols, count.scalar_subquery(), null(), *line_cols)
            .select_from(joined.join(ids, ids.c.id == r.c.id)).order_by(r.c.id.desc(), line.c.id))
    return page, count


def list_page(query) -> dict:
    """``GET /rmas``: the page of returns the caller may see, as ``paginate`` answers it, with
    ``total_is_estimate`` (the total stops at the setting ``rma.list_count_limit``) and keyset
    pagination (``after``: returns older than that id)."""
    after = query.after is not None
    family = _family()
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


PageRow = namedtuple("PageRow", ("id", "version", "number", "filing_number", "state", "due_date", "created_at",
                                 "dealer_code", "dealer_name", "lines"))
PageLine = namedtuple("PageLine", ("sku", "quantity"))


def _build_page(where, after: bool, family: bool, sort_column: str, descending: bool):
    """The returns list page (HTML): the page's returns with their dealer and the SKU and quantity of
    each line, the capped total as a scalar subquery; sorted by ``sort_column``, ties newest first."""
    rt, r = Rma.__table__, Rma.__table__.alias("r")
    line, product = RmaLine.__table__.alias("l"), Product.__table__.alias("p")
    owner = Dealer.__table__.alias("owner")
    if sort_column == "id":
        order, outer = ([_newest(family)], [r.c.id.desc()]) if descending else ([rt.c.id.asc()], [r.c.id.asc()])
    else:
        inner_key, outer_key = rt.c[sort_column], r.c[sort_column]
        order = [inner_key.desc() if descending else inner_key.asc(), rt.c.id.desc()]
        outer = [outer_key.desc() if descending else outer_key.asc(), r.c.id.desc()]
    ids = _page_ids(where, after, order)
    count = _capped_count(where)
    page = (select(r.c.id, r.c.version, r.c.number, r.c.filing_number, r.c.state, r.c.due_date, r.c.created_at,
                   owner.c.code, owner.c.name, count.scalar_subquery(), product.c.sku, line.c.quantity)
            .select_from(r.join(ids, ids.c.id == r.c.id).join(owner, owner.c.id == r.c.dealer_id)
                         .outerjoin(line, line.c.rma_id == r.c.id).outerjoin(product, product.c.id == line.c.product_id))
            .order_by(*outer, line.c.id))
    return page, count


def list_page_rows(query, sort_column: str, descending: bool, page: int, per_page: int):
    """The returns list page (HTML) in one statement, as the API's list reads it: ``(rows, total,
    total_is_estimate)``, each row a ``PageRow`` with its lines (``PageLine``); the same scope, filters,
    ``after`` and capped total (``rma.list_count_limit``) as ``GET /rmas``."""
    after = query.after is not None
    family = _family()
    (stmt, count), params = _statement(f"page {after} {family} {sort_column} {descending}",
                                       _scope() + list_filters(query),
                                       lambda where: _build_page(where, after, family, sort_column, descending))
    limit = settings.get("rma.list_count_limit")
    params["count_limit"] = limit + 1
    result = _run(stmt, {**params, "page_limit": per_page, "after": query.after,
                         "page_offset": (page - 1) * per_page}).all()
    total = result[0][9] if result else (_run(count, params).scalar() or 0)
    rows, current = [], None
    for row in result:
        if current is None or row[0] != current.id:
            current = PageRow(*row[:9], [])
            rows.append(current)
        if row[10] is not None:
            current.lines.append(PageLine(row[10], row[11]))
    return rows, min(total, limit), total > limit


ExportRow = namedtuple("ExportRow", ("id", "number", "state", "dealer_code", "dealer_name", "receiving_code",
                                     "created_at", "received_at", "due_date", "line_id", "sku", "quantity",
                                     "received_quantity", "issue", "serial", "verdict", "resolution", "fee"))


def _build_export(where, after: bool):
    rt, line, product = Rma.__table__, RmaLine.__table__.alias("l"), Product.__table__.alias("p")
    owner, receiving = Dealer.__table__.alias("owner"), Dealer.__table__.alias("receiving")
    stmt = (select(rt.c.id, rt.c.number, rt.c.state, owner.c.code, owner.c.name, receiving.c.code, rt.c.created_at,
                   rt.c.received_at, rt.c.due_date, line.c.id, product.c.sku, line.c.quantity,
                   line.c.received_quantity, line.c.issue, line.c.serial, line.c.verdict, line.c.resolution,
                   line.c.fee)
            .select_from(rt.join(owner, owner.c.id == rt.c.dealer_id)
                         .outerjoin(receiving, receiving.c.id == rt.c.receiving_dealer_id)
                         .join(line, line.c.rma_id == rt.c.id).join(product, product.c.id == line.c.product_id))
            .where(*where))
    if after:
        stmt = stmt.where(rt.c.id < bindparam("after"))
    return stmt.order_by(rt.c.id.desc(), line.c.id).limit(bindparam("row_limit"))


def export_rows(query, limit: int) -> list[ExportRow]:
    """The export's rows (one per return line, newest return first) for the list filters and ``after``,
    at most ``limit`` of them, in one statement."""
    after = query.after is not None
    stmt, params = _statement(f"export {after}", _scope() + list_filters(query),
                              lambda where: _build_export(where, after))
    return [ExportRow._make(row) for row in _run(stmt, {**params, "after": query.after, "row_limit": limit})]


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
