"""The per-dealer compliance summary (``spares_compliance``), kept in step with its inputs.

A flush that adds, changes or deletes a stock report (or its lines), an obligation or a dealer
(created, or its kind, class or region changed) marks the dealers it concerns; they are recomputed
with the in-memory ``Rules`` before the transaction commits, and before any read of the summary in
the same transaction. An obligation marks the dealers its scope matches (before and after an edit).
Writes that bypass the ORM (bulk loads) call ``rebuild()`` (``aftersales spares rebuild-compliance``).
"""
from __future__ import annotations

from sqlalchemy import delete, event, insert, inspect, or_, select, text
from sqlalchemy.orm import Session

from core.toolkit import Dealer, db
from plugins.spares.models import ComplianceSummary, Obligation, StockReport, StockReportLine

KEY = "spares_compliance_dirty"
DEALER_FIELDS = ("kind", "abc_class", "region_id")
SCOPE_FIELDS = {"dealer_id": "dealer", "region_id": "region", "abc_class": "abc_class", "dealer_kind": "dealer_kind"}


def _enabled() -> bool:
    from flask import current_app, has_app_context

    return has_app_context() and "spares" in current_app.extensions["aftersales"].enabled_ids


def _pending(session) -> dict:
    return session.info.setdefault(KEY, {"dealers": set(), "reports": set(), "scopes": set()})


def _old(obj, field):
    hist = inspect(obj).attrs[field].history
    return hist.deleted[0] if hist.deleted else getattr(obj, field)


def _scopes(ob: Obligation, values) -> set:
    """The (column, value) criteria of the dealers an obligation applies to; ("all", None) for every dealer."""
    for field, scope in SCOPE_FIELDS.items():
        if values(field) is not None:
            return {(scope, values(field))}
    return {("all", None)}


@event.listens_for(Session, "after_flush")
def _mark(session, flush_context):
    if not _enabled():
        return
    pending = _pending(session)
    for obj, state in [(o, "new") for o in session.new] + [(o, "dirty") for o in session.dirty] + \
            [(o, "deleted") for o in session.deleted]:
        if isinstance(obj, StockReport):
            pending["dealers"].add(obj.dealer_id)
            if state == "dirty":
                pending["dealers"].add(_old(obj, "dealer_id"))
        elif isinstance(obj, StockReportLine):
            pending["reports"].add(_old(obj, "report_id") if state == "dirty" else obj.report_id)
            pending["reports"].add(obj.report_id)
        elif isinstance(obj, Obligation):
            if state == "dirty" and not session.is_modified(obj, include_collections=False):
                continue
            pending["scopes"] |= _scopes(obj, lambda f: getattr(obj, f))
            if state == "dirty":
                pending["scopes"] |= _scopes(obj, lambda f: _old(obj, f))
        elif isinstance(obj, Dealer):
            if state == "new" or state == "deleted" or any(inspect(obj).attrs[f].history.has_changes()
                                                           for f in DEALER_FIELDS):
                pending["dealers"].add(obj.id)


@event.listens_for(Session, "before_commit")
def _before_commit(session):
    """Fired before the commit's own flush: ``sync`` flushes first, so unflushed changes count too."""
    if _enabled() and (session.info.get(KEY) or session.new or session.dirty or session.deleted):
        sync(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction):
    if not session.in_transaction():  # the whole transaction (a savepoint's keeps the marks: recomputing more is harmless)
        session.info.pop(KEY, None)


def sync(session=None) -> None:
    """Recompute the marked dealers now (a flush first, so this transaction's changes count)."""
    session = session or db.session
    session.flush()
    for _round in range(3):  # recomputing writes only summary rows, which mark nothing
        pending = session.info.pop(KEY, None)
        if not pending or not any(pending.values()):
            return
        ids = set(pending["dealers"]) - {None}
        reports = pending["reports"] - {None}
        if reports:
            ids |= set(session.scalars(select(StockReport.dealer_id).where(StockReport.id.in_(reports))))
        scopes = pending["scopes"]
        if ("all", None) in scopes:
            recompute(None, session)
            continue
        if scopes:
            column = {"dealer": Dealer.id, "region": Dealer.region_id, "abc_class": Dealer.abc_class,
                      "dealer_kind": Dealer.kind}
            ids |= set(session.scalars(select(Dealer.id).where(or_(*[column[s] == v for s, v in scopes]))))
        if ids:
            recompute(ids, session)


def recompute(dealer_ids=None, session=None) -> int:
    """Rewrite the summary rows of ``dealer_ids`` (every dealer when None); returns how many."""
    from plugins.spares.services import Rules, latest_reports, report_quantities, requirements

    session = session or db.session
    if session.get_bind().dialect.name == "postgresql":
        # one recompute at a time, each reading what the others committed (READ COMMITTED): a report
        # filed while an obligation changes is never overwritten by a summary computed without it
        session.execute(text("LOCK TABLE spares_compliance IN EXCLUSIVE MODE"))
    rules = Rules.load()
    table = ComplianceSummary.__table__
    stmt = select(Dealer.id, Dealer.kind, Dealer.abc_class, Dealer.region_id)
    ids = None if dealer_ids is None else sorted(dealer_ids)
    rows = []
    for start in range(0, 1 if ids is None else len(ids), 900):  # below SQLite's bound-parameter limit
        chunk = None if ids is None else ids[start:start + 900]
        dealers = session.execute(stmt if chunk is None else stmt.where(Dealer.id.in_(chunk))).all()
        latest = latest_reports(chunk)
        quantities = report_quantities([rid for rid, _on in latest.values()])
        for d, required in requirements(rules, dealers):
            rep = latest.get(d.id)
            held = quantities.get(rep[0], {}) if rep else {}
            missing = sorted(pid for pid, req in required.items() if held.get(pid, 0) < req)
            rows.append({"dealer_id": d.id, "report_id": rep[0] if rep else None, "reported_on": rep[1] if rep else None,
                         "obliged": len(required), "compliant": len(required) - len(missing),
                         "missing": " ".join(map(str, missing))})
        # a dealer deleted since loses its row
        if chunk is None:
            session.execute(delete(table))
        else:
            session.execute(delete(table).where(table.c.dealer_id.in_(chunk)))
    for start in range(0, len(rows), 5000):
        session.execute(insert(table), rows[start:start + 5000])
    return len(rows)


def rebuild() -> int:
    """Every dealer's summary from scratch (after a bulk load or the upgrade that adds the table)."""
    session = db.session
    session.flush()
    session.info.pop(KEY, None)
    return recompute(None, session)
