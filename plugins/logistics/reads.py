"""The transport-exception list of the JSON API read column by column (issue 8).

One statement answers the page: the records (scope, filters, sort, the page) with their dealer's
code and name, their lines (one row per line) and the exact total as a scalar subquery; a second
one reads the page's attachments. Rows become light records with the attributes
``services.serialize`` and ``services.allowed_actions`` read, so the answer is the one the ORM path
gave; no ORM object is built for a record or a line.
"""
from __future__ import annotations

from collections import namedtuple

from flask_login import current_user
from sqlalchemy import func, select

from core.toolkit import Dealer, db
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


def list_page(query) -> dict:
    """``GET /logistics-exceptions``: as ``paginate`` answers it (exact total), in two statements."""
    e, line = LogisticsException.__table__.alias("e"), LogisticsExceptionLine.__table__.alias("l")
    dealer = Dealer.__table__.alias("d")
    filtered = services.list_stmt(query).with_only_columns(LogisticsException.id)
    ids = filtered.limit(query.per_page).offset((query.page - 1) * query.per_page).subquery("page")
    total = select(func.count()).select_from(filtered.order_by(None).subquery("matching")).scalar_subquery()
    sort = query.sort
    key = e.c[sort.lstrip("-")]
    stmt = (select(*(e.c[name] for name in RECORD_COLUMNS), dealer.c.code, dealer.c.name, total,
                   line.c.id, *(line.c[name] for name in LINE_COLUMNS))
            .select_from(e.join(ids, ids.c.id == e.c.id).join(dealer, dealer.c.id == e.c.dealer_id)
                         .outerjoin(line, line.c.exception_id == e.c.id))
            .order_by(key.desc() if sort.startswith("-") else key.asc(), e.c.id.desc(), line.c.id))
    records, count = [], None
    for row in db.session.execute(stmt):
        if not records or records[-1].id != row[0]:
            records.append(RecordRow(row[:WIDTH], DealerRef(row[WIDTH], row[WIDTH + 1])))
            count = row[WIDTH + 2]
        if row[WIDTH + 3] is not None:
            records[-1].lines.append(LineRow._make(row[WIDTH + 4:]))
    if count is None:  # past the last page (or nothing to show): the total on its own
        count = db.session.scalar(select(total)) or 0
    files = services.attachments_by_record(records)
    return {"items": [services.serialize(r, current_user, files.get(r.id, [])) for r in records], "total": count,
            "page": query.page, "per_page": query.per_page, "pages": -(-count // query.per_page) if count else 0}
