"""The per-dealer compliance summary (``spares_compliance``), kept in step with its inputs.

A flush that adds, changes or deletes a stock report (or its lines), an obligation or a dealer
(created, or its kind, class or region changed) marks the dealers it concerns: the spares mappers'
insert/update/delete events (and the dealer mapper's) write the marks, so a flush that touches none
of them costs nothing here. The marked dealers are recomputed in SQL (one INSERT .. SELECT .. ON
CONFLICT DO UPDATE, every dealer at once for a rule that applies to all) before the transaction
commits, and before any read of the summary in the same transaction. An obligation marks the dealers
its scope matches (before and after an edit). Writes that bypass the ORM (bulk loads) call
``rebuild()`` (``aftersales spares rebuild-compliance``).
"""
from __future__ import annotations

from functools import partial

from sqlalchemy import (Integer, String, and_, case, cast, delete, event, exists, false, func, inspect, literal, or_,
                        select, true, union_all)
from sqlalchemy.orm import Session, aliased, object_session

from core.toolkit import Dealer, db
from plugins.spares.models import ComplianceSummary, Obligation, StockReport, StockReportLine

KEY = "spares_compliance_dirty"
DEALER_FIELDS = ("kind", "abc_class", "region_id")
SCOPE_FIELDS = {"dealer_id": "dealer", "region_id": "region", "abc_class": "abc_class", "dealer_kind": "dealer_kind"}
CHUNK = 900  # dealer ids per statement, below SQLite's bound-parameter limit


def _enabled() -> bool:
    from flask import current_app, has_app_context

    return has_app_context() and "spares" in current_app.extensions["aftersales"].enabled_ids


def _pending(session) -> dict:
    return session.info.setdefault(KEY, {"dealers": set(), "reports": set(), "scopes": set(), "gone": set()})


def _old(obj, field):
    hist = inspect(obj).attrs[field].history
    return hist.deleted[0] if hist.deleted else getattr(obj, field)


def _scopes(ob: Obligation, values) -> set:
    """The (column, value) criteria of the dealers an obligation applies to; ("all", None) for every dealer."""
    for field, scope in SCOPE_FIELDS.items():
        if values(field) is not None:
            return {(scope, values(field))}
    return {("all", None)}


# --- marks: the mappers' own flush events, so other flushes never pass through here ------------------

def _marks(target):
    session = object_session(target)
    return _pending(session) if session is not None and _enabled() else None


WRITTEN = {StockReport: ("dealers", "dealer_id"), StockReportLine: ("reports", "report_id")}  # what a row marks


def _row_written(mapper, connection, target):
    pending = _marks(target)
    if pending is not None:
        key, field = WRITTEN[mapper.class_]
        pending[key] |= {getattr(target, field), _old(target, field)}  # before and after a move


for _model in WRITTEN:
    for _event in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _event, _row_written)


@event.listens_for(Obligation, "after_insert")
@event.listens_for(Obligation, "after_delete")
def _obligation_added_or_deleted(mapper, connection, target):
    pending = _marks(target)
    if pending is not None:
        pending["scopes"] |= _scopes(target, lambda f: getattr(target, f))


@event.listens_for(Obligation, "after_update")
def _obligation_updated(mapper, connection, target):
    session = object_session(target)
    if session is None or not session.is_modified(target, include_collections=False):
        return  # flushed as dirty without a change of its own columns
    pending = _marks(target)
    if pending is not None:
        pending["scopes"] |= _scopes(target, lambda f: getattr(target, f)) | _scopes(target, lambda f: _old(target, f))


def _dealer_written(change, mapper, connection, target):
    if change == "update" and not any(inspect(target).attrs[f].history.has_changes() for f in DEALER_FIELDS):
        return
    pending = _marks(target)
    if pending is not None:
        pending["dealers"].add(target.id)
        if change == "delete":
            pending["gone"].add(target.id)


for _change in ("insert", "update", "delete"):
    event.listen(Dealer, f"after_{_change}", partial(_dealer_written, _change))


@event.listens_for(Session, "before_commit")
def _before_commit(session):
    """Fired before the commit's own flush: ``sync`` flushes first, so unflushed changes count too."""
    if (session.info.get(KEY) or session.new or session.dirty or session.deleted) and _enabled():
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
            recompute(None, session, gone=pending["gone"])
            continue
        if scopes:
            column = {"dealer": Dealer.id, "region": Dealer.region_id, "abc_class": Dealer.abc_class,
                      "dealer_kind": Dealer.kind}
            ids |= set(session.scalars(select(Dealer.id).where(or_(*[column[s] == v for s, v in scopes]))))
        if ids:
            recompute(ids, session, gone=pending["gone"])


# --- the computation, in SQL ----------------------------------------------------------------------

def specificity(o=Obligation):
    """An obligation's scope as a number, most specific highest (services.SPECIFICITY)."""
    return case((o.dealer_id.is_not(None), 4), (o.region_id.is_not(None), 3), (o.abc_class.is_not(None), 2),
                (o.dealer_kind.is_not(None), 1), else_=0)


def applies(d, o=Obligation):
    """The obligation's scope covers dealer ``d``: its columns (``Dealer``, or a profile's without id)
    or a loaded dealer's values, where a value left empty (a dealer without region or class)
    matches no rule of that scope."""
    def eq(column, value):
        return column == value if value is not None else false()

    return or_(eq(o.dealer_id, getattr(d, "id", None)), and_(o.dealer_id.is_(None), or_(
        eq(o.region_id, d.region_id), and_(o.region_id.is_(None), or_(
            eq(o.abc_class, d.abc_class), and_(o.abc_class.is_(None), or_(
                eq(o.dealer_kind, d.kind), o.dealer_kind.is_(None))))))))


def winners(*where):
    """(dealer_id, part_id, quantity) of the winning (most specific) obligation of each dealer
    matching ``where`` for each part: ``services.requirements`` as a subquery. The general rules
    are ranked once per dealer profile (kind, class, region: a few dozen), then each dealer takes
    its profile's and its own overrides, so the ranking never runs over every dealer x part."""
    keys = (func.coalesce(Dealer.kind, ""), func.coalesce(Dealer.abc_class, ""), func.coalesce(Dealer.region_id, -1))
    profiles = select(*[k.label(n) for k, n in zip(keys, ("kind", "abc_class", "region_id"))]).where(*where) \
        .distinct().subquery("profiles")
    o = Obligation
    rank = func.row_number().over(partition_by=(*profiles.c, o.part_id), order_by=(specificity().desc(), o.id.desc()))
    ranked = (select(*profiles.c, o.part_id, o.quantity, rank.label("rank"))
              .join_from(profiles, o, and_(o.dealer_id.is_(None), applies(profiles.c, o))).subquery())
    general = select(*[c for c in ranked.c if c.name != "rank"]).where(ranked.c.rank == 1).cte("general")
    own = aliased(Obligation, name="own")  # a dealer's overrides (one per part: create_obligation refuses a second)
    profile_of = and_(*[k == c for k, c in zip(keys, (general.c.kind, general.c.abc_class, general.c.region_id))])
    overlaid = (select(Dealer.id.label("dealer_id"), general.c.part_id,
                       func.coalesce(own.quantity, general.c.quantity).label("quantity"))
                .join_from(Dealer, general, profile_of)
                .outerjoin(own, and_(own.dealer_id == Dealer.id, own.part_id == general.c.part_id)).where(*where))
    added = (select(own.dealer_id, own.part_id, own.quantity).join_from(own, Dealer, Dealer.id == own.dealer_id)
             .where(~exists().where(profile_of, general.c.part_id == own.part_id), *where))
    return union_all(overlaid, added).subquery("winners")


def compliance_rows(*where):
    """(dealer_id, report_id, reported_on, obliged, compliant, missing) of every dealer matching
    ``where``, from its latest stock report: what ``spares_compliance`` holds, as one SELECT."""
    rank = func.row_number().over(partition_by=StockReport.dealer_id,
                                  order_by=(StockReport.reported_on.desc(), StockReport.id.desc()))
    ranked = (select(StockReport.id, StockReport.dealer_id, StockReport.reported_on, rank.label("rank"))
              .join_from(StockReport, Dealer, Dealer.id == StockReport.dealer_id).where(*where).subquery())
    latest = select(ranked.c.id, ranked.c.dealer_id, ranked.c.reported_on).where(ranked.c.rank == 1).subquery("latest")
    w = winners(*where)
    line = StockReportLine.__table__
    short = and_(w.c.part_id.is_not(None), func.coalesce(line.c.quantity, 0) < w.c.quantity)
    per_part = (select(Dealer.id.label("dealer_id"), latest.c.id.label("report_id"), latest.c.reported_on,
                       w.c.part_id, case((short, 1), else_=0).label("short"))
                .select_from(Dealer).outerjoin(latest, latest.c.dealer_id == Dealer.id)
                .outerjoin(w, w.c.dealer_id == Dealer.id)
                .outerjoin(line, and_(line.c.report_id == latest.c.id, line.c.part_id == w.c.part_id))
                .where(*where))
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        p = per_part.subquery()
        missing = func.string_agg(cast(case((p.c.short == 1, p.c.part_id)), String),
                                  aggregate_order_by(literal(" "), p.c.part_id))
    else:  # SQLite aggregates in the order of the (unflattened, ordered) subquery: ascending part ids
        p = per_part.order_by(Dealer.id, w.c.part_id).subquery()
        missing = func.group_concat(case((p.c.short == 1, p.c.part_id)), " ")
    return (select(p.c.dealer_id, p.c.report_id, p.c.reported_on, func.count(p.c.part_id).label("obliged"),
                   (func.count(p.c.part_id) - func.coalesce(func.sum(p.c.short), 0)).label("compliant"),
                   func.coalesce(missing, "").label("missing"))
            .where(true()).group_by(p.c.dealer_id, p.c.report_id, p.c.reported_on))


COLUMNS = ("dealer_id", "report_id", "reported_on", "obliged", "compliant", "missing")


def recompute(dealer_ids=None, session=None, gone=None) -> int:
    """Rewrite the summary rows of ``dealer_ids`` (every dealer when None) in SQL; returns how many.

    On PostgreSQL the rows are locked first (created empty where missing), in dealer order, and
    computed by a later statement: at READ COMMITTED that statement sees whatever a concurrent
    recompute of the same dealers committed while this one waited for their rows, so a report
    filed while an obligation changes is never overwritten by a summary computed without it.
    (It was a LOCK TABLE: every spares writer waited for every other.) SQLite writers are
    serialised by its database lock."""
    session = session or db.session
    table = ComplianceSummary.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    ids = None if dealer_ids is None else sorted(dealer_ids - {None} if isinstance(dealer_ids, set) else dealer_ids)
    count = 0
    for start in range(0, 1 if ids is None else len(ids), CHUNK):
        chunk = None if ids is None else ids[start:start + CHUNK]
        where = () if chunk is None else (Dealer.id.in_(chunk),)
        if dialect == "postgresql":
            session.execute(insert(table).from_select(
                ["dealer_id", "obliged", "compliant", "missing"],
                select(Dealer.id, literal(0, Integer), literal(0, Integer), literal("", String)).where(*where)
                .order_by(Dealer.id)).on_conflict_do_nothing(index_elements=["dealer_id"]))
            session.execute(select(table.c.dealer_id).where(*(() if chunk is None else (table.c.dealer_id.in_(chunk),)))
                            .order_by(table.c.dealer_id).with_for_update())
        stmt = insert(table).from_select(list(COLUMNS), compliance_rows(*where))
        stmt = stmt.on_conflict_do_update(index_elements=["dealer_id"],
                                          set_={c: stmt.excluded[c] for c in COLUMNS[1:]})
        count += len(session.execute(stmt.returning(table.c.dealer_id)).all())  # rowcount is -1 for some drivers
        # a dealer deleted since loses its row (``gone``: the ids deleted in this transaction, None: unknown)
        gone_here = None if gone is None else (gone if chunk is None else gone & set(chunk))
        if gone_here is None or gone_here:
            in_chunk = () if chunk is None else (table.c.dealer_id.in_(chunk),)
            session.execute(delete(table).where(~exists().where(Dealer.id == table.c.dealer_id), *in_chunk))
    return count


def rebuild() -> int:
    """Every dealer's summary from scratch (after a bulk load or the upgrade that adds the table)."""
    session = db.session
    session.flush()
    session.info.pop(KEY, None)
    return recompute(None, session)
