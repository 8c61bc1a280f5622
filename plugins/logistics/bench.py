"""Logistics benchmark: transport exception records over the bench dealers
(``aftersales logistics-bench-data``) and the order department's queue (bench/README.md)."""
from __future__ import annotations

import time as _time
from datetime import datetime, timedelta, timezone

import click
from flask.cli import with_appcontext

STATES = (("draft", 5), ("filed", 15), ("accepted", 10), ("refused", 10), ("resolved", 60))
KINDS = (("damaged", 50), ("short", 20), ("lost", 10), ("wrong_goods", 15), ("mass_breakage", 5))
CARRIERS = ("SF Express", "Deppon", "ZTO", "YTO", "JD Logistics")


@click.command("logistics-bench-data")
@click.option("--records", default=50_000, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=1, show_default=True, type=int)
@with_appcontext
def bench_data_command(records, seed):
    """Transport exception records with 1-3 lines each (after ``aftersales bench-data``)."""
    from sqlalchemy import func, select

    from core import benchdata
    from core.extensions import db
    from plugins.logistics.models import LogisticsException, LogisticsExceptionLine
    from core.products.models import Product

    started = _time.perf_counter()
    db.session.remove()
    engine = db.engine
    et, lt, pt = LogisticsException.__table__, LogisticsExceptionLine.__table__, Product.__table__
    with engine.begin() as conn:
        data = benchdata.existing(conn)
        skus = dict(conn.execute(select(pt.c.id, pt.c.sku).where(pt.c.id.in_(data.product_ids[:2000]))).all())
        product_ids = list(skus)
        r = benchdata.rng(seed, "logistics")
        now = datetime.now(timezone.utc).replace(microsecond=0)
        next_id = (conn.scalar(select(func.max(et.c.id))) or 0) + 1
        recs, lines = [], []
        for n in range(records):
            state = r.choices([s for s, _ in STATES], [w for _, w in STATES])[0]
            kind = r.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
            received = (now - timedelta(days=r.uniform(0, 700) if state == "resolved" else r.uniform(0, 30))).date()
            late = r.random() < 0.05
            recs.append({"id": next_id, "number": f"BLX-{next_id:08d}", "dealer_id": r.choice(data.dealer_ids),
                         "delivery_note": f"DN{next_id:09d}", "carrier": r.choice(CARRIERS), "waybill": f"WB{next_id:010d}",
                         "shipped_on": received - timedelta(days=r.randint(1, 5)), "received_on": received, "kind": kind,
                         "responsible_party": r.choice(("carrier", "company", "dealer", "unknown")),
                         "unopened": r.random() < 0.3, "description": "bench", "signer": "Driver", "signed_at": now,
                         "state": state, "filed_on": None if state == "draft" else received + timedelta(days=1),
                         "filing_deadline": received + timedelta(days=2), "late": late,
                         "late_reason": "bench" if late else "", "unconditional": False,
                         "outcome": r.choice(("credit", "exchange", "rejected")) if state == "resolved" else None,
                         "decision_note": "", "claim_amount": None, "claim_status": None,
                         "claim_settled_amount": None, "claim_settled_on": None, "created_by_id": None,
                         "version": 1, "created_at": now, "updated_at": now})
            for _ in range(r.randint(1, 3)):
                pid = r.choice(product_ids)
                expected = r.randint(1, 20)
                lines.append({"exception_id": next_id, "product_id": pid, "sku": skus[pid],
                              "expected_quantity": expected, "actual_quantity": r.randint(0, expected),
                              "description": "bench"})
            next_id += 1
        benchdata.insert_batches(conn, et, recs)
        benchdata.insert_batches(conn, lt, lines)
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('logistics_exception', 'id'), "
                                 "(SELECT max(id) FROM logistics_exception))")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    click.echo(f"logistics bench data: {len(recs):,} exception records, {len(lines):,} lines "
               f"in {_time.perf_counter() - started:.1f} s")


def register(bench):
    bench.data_step("logistics exception records", lambda sizes, quick: [
        "logistics-bench-data", "--records", str(int(sizes.get("logistics_records", 5_000 if quick else 50_000)))])
    bench.scenario("logistics exception queue", "/api/v1/logistics-exceptions?state=filed&per_page=50",
                   auth="token:order_dept", group="logistics", description="records filed with the order department")
