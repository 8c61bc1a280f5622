"""Bulk approval and CSV/xlsx exports of returns: one service for the JSON API and the pages.

Bulk approval runs **one transaction per return**: each id goes through the same checks
and the same workflow transition as ``POST /api/v1/rmas/<id>/approve`` (scope, role,
version, state, the number and labels, the activity entry, the notifications) and is
committed on its own, so one return that cannot be approved (outside scope, already
approved, changed meanwhile) neither blocks nor undoes the others. Every id gets its own
result: ``ok``, the HTTP status the single approval would have answered, the error code,
the message in the caller's language and the field map.

Exports take the list filters (``RmaQuery``, ``after`` included) through the column-level read
(``reads.export_rows``: the list's scope and filters, one statement), one row per return line,
formula-looking cells neutralised by ``toolkit.export_response``; more than ``EXPORT_MAX_ROWS``
lines is refused with a 422 (narrow the filters) rather than silently cut.
"""
from __future__ import annotations

from flask_babel import gettext as _

from core.toolkit import DomainError, ValidationError, checking_once, db, export_response
from core.toolkit import today as business_today
from plugins.rma import queries, reads, services

BULK_MAX = 200
EXPORT_MAX_ROWS = 50_000
EXPORT_FORMATS = ("csv", "xlsx")
EXPORT_HEADER = ["number", "state", "dealer_code", "dealer_name", "receiving_unit", "created_at", "received_at",
                 "due_date", "overdue", "line_id", "sku", "quantity", "received_quantity", "issue", "serial",
                 "verdict", "resolution", "fee"]


def approve_many(entries, actor, commit) -> list[dict]:
    """Approve each ``(rma_id, version)`` (version None: the current one) in its own transaction.

    ``commit`` is the caller's commit (it turns a concurrent write into a 409)."""
    if len(entries) > BULK_MAX:
        raise ValidationError(_("invalid input"), {"ids": _("At most %(n)s returns at once.", n=BULK_MAX)})
    results, seen = [], set()
    for rma_id, version in entries:
        if rma_id in seen:
            continue
        seen.add(rma_id)
        try:
            rma = queries.load(rma_id)
            with checking_once():  # the checks run once, not again in the approval itself
                services.precheck(rma, "approve", actor, version)
                services.apply_action(rma, "approve", actor, rma.version if version is None else version)
            commit()
            rma = queries.reload(rma_id)
            results.append({"id": rma_id, "ok": True, "status": 200, "code": "approved", "message": _("Approved"),
                            "fields": {}, "number": rma.number, "version": rma.version})
        except DomainError as exc:
            db.session.rollback()
            results.append({"id": rma_id, "ok": False, "status": exc.status, "code": exc.code,
                            "message": exc.message, "fields": dict(exc.fields), "number": None, "version": None})
    return results


def summary(results: list[dict]) -> dict:
    approved = sum(1 for r in results if r["ok"])
    return {"approved": approved, "failed": len(results) - approved, "results": results}


def export_rmas(query, fmt: str):
    """The returns ``query`` selects, one row per line, as a CSV or xlsx download."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(_("invalid input"), {"format": _("Choose CSV or xlsx.")})
    lines = reads.export_rows(query, EXPORT_MAX_ROWS + 1)
    if len(lines) > EXPORT_MAX_ROWS:
        raise ValidationError(_("Too many rows to export."), {
            "filters": _("More than %(n)s return lines match: narrow the filters.", n=EXPORT_MAX_ROWS)})
    today = business_today()
    rows = ([l.number or "", l.state, l.dealer_code, l.dealer_name, l.receiving_code or "head_office",
             l.created_at.isoformat(), l.received_at.isoformat() if l.received_at else "",
             l.due_date.isoformat() if l.due_date else "", services.is_overdue(l, today), l.line_id,
             l.sku, l.quantity, l.received_quantity if l.received_quantity is not None else "",
             l.issue, l.serial, l.verdict or "", l.resolution or "", services.money(l.fee) or ""]
            for l in lines)
    return export_response("rmas", EXPORT_HEADER, rows, fmt, max_rows=EXPORT_MAX_ROWS)
