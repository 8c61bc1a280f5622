"""The transport-exception lists read column by column (issue 8): the JSON API's and the pages'.

One statement answers the API's page: the records (scope, filters, sort, the page) with their dealer's
code and name, their lines (one row per line) and the exact total as a scalar subquery; a second
one reads the page's attachments. Rows become light records with the attributes
``services.serialize`` and ``services.allowed_actions`` read, so the answer is the one the ORM path
gave; no ORM object is built for a record or a line. The list pages (all records, the order
department's queue) read the same way, without the lines, which they do not show.
"""
from __future__ import annotations

from collections import namedtuple

from flask_login import current_user
from sqlalchemy import bindparam, func, select

from core.toolkit import Dealer, StatementShapes, db
from plugins.logistics import services
from plugins.logistics.models import LogisticsException, LogisticsExceptionLine

RECORD_COLUMNS = tuple(c.key for c in LogisticsException.__table__.columns)
LINE_COLUMNS = ("sku", "expected_quantity", "actual_quantity", "damaged_quantity", "production_date", "description")
DealerRef = namedtuple("DealerRef", ("code", "name"))
LineRow = namedtuple("LineRow", LINE_COLUMNS)
WIDTH = len(RECORD_COLUMNS)


class RecordRow:
    """A record's columns, its dealer and its lines: what the serializer and the actions read."""

    __slots__ = (*RECORD_COLUMNS, "dealer", "lines")

    def __init__(self, values, dealer):
        for name, value in zip(RECORD_COLUMNS, values):
            setattr(self, name, value)
        self.dealer, self.lines = dealer, []

    signed = LogisticsException.signed


_statements = StatementShapes()


def _build(filtered, sort_key: str, descending: bool, with_lines: bool):
    """(the page statement, the total statement) of ``filtered`` (a select of ids, ordered): the page's
    records with their dealer (and lines), the exact total as a scalar subquery; the page's size and
    offset are the parameters ``page_limit`` and ``page_offset``."""
    e, line = LogisticsException.__table__.alias("e"), LogisticsExceptionLine.__table__.alias("l")
    dealer = Dealer.__table__.alias("d")
    ids = filtered.limit(bindparam("page_limit")).offset(bindparam("page_offset")).subquery("page")
    total = select(func.count()).select_from(filtered.order_by(None).subquery("matching")).scalar_subquery()
    key = e.c[sort_key]
    joined = e.join(ids, ids.c.id == e.c.id).join(dealer, dealer.c.id == e.c.dealer_id)
    columns = [*(e.c[name] for name in RECORD_COLUMNS), dealer.c.code, dealer.c.name, total]
    order = [key.desc() if descending else key.asc(), e.c.id.desc()]
    if with_lines:
        joined = joined.outerjoin(line, line.c.exception_id == e.c.id)
        columns += [line.c.id, *(line.c[name] for name in LINE_COLUMNS)]
        order.append(line.c.id)
    return select(*columns).select_from(joined).order_by(*order), select(total)


def _page(filtered, sort_key: str, descending: bool, page: int, per_page: int, with_lines: bool):
    """``(records, total)``: the page of ``filtered`` (a select of ids, ordered) in one statement, its
    records with their dealer (and lines), the exact total as a scalar subquery. The statement is
    built once per shape of ``filtered`` (scope, filters, sort) and run with this request's values."""
    (stmt, count_stmt), params = _statements.get(f"{sort_key} {descending} {with_lines}", filtered,
                                                 lambda: _build(filtered, sort_key, descending, with_lines))
    records, count = [], None
    connection = db.session.connection()
    for row in connection.execute(stmt, {**params, "page_limit": per_page, "page_offset": (page - 1) * per_page}):
        if not records or records[-1].id != row[0]:
            records.append(RecordRow(row[:WIDTH], DealerRef(row[WIDTH], row[WIDTH + 1])))
            count = row[WIDTH + 2]
        if with_lines and row[WIDTH + 3] is not None:
            records[-1].lines.append(LineRow._make(row[WIDTH + 4:]))
    if count is None:  # past the last page (or nothing to show): the total on its own
        count = connection.execute(count_stmt, params).scalar() or 0
    return records, count


def list_page(query) -> dict:
    """``GET /logistics-exceptions``: as ``paginate`` answers it (exact total), in two statements."""
    sort = query.sort
    filtered = services.list_stmt(query).with_only_columns(LogisticsException.id)
    records, count = _page(filtered, sort.lstrip("-"), sort.startswith("-"), query.page, query.per_page, True)
    files = services.attachments_by_record(records)
    return {"items": [services.serialize(r, current_user, files.get(r.id, [])) for r in records], "total": count,
            "page": query.page, "per_page": query.per_page, "pages": -(-count // query.per_page) if count else 0}


def page_rows(stmt, sort_key: str, descending: bool, page: int, per_page: int):
    """A list page (HTML) of the records ``stmt`` (a scoped select of ``LogisticsException``) selects,
    sorted by the column ``sort_key`` (ties newest first): ``(records, total)`` in one statement,
    without their lines (the page does not show them)."""
    column = getattr(LogisticsException, sort_key)
    filtered = (stmt.with_only_columns(LogisticsException.id).order_by(None)
                .order_by(column.desc() if descending else column.asc(), LogisticsException.id.desc()))
    return _page(filtered, sort_key, descending, page, per_page, False)
