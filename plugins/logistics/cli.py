"""``aftersales bench-logistics``: transport exception records at volume for the benchmark."""
from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

import click
from flask.cli import with_appcontext

KIND_WEIGHTS = (("short", 40), ("damaged", 30), ("lost", 10), ("wrong_goods", 12), ("mass_breakage", 8))
STATE_WEIGHTS = (("resolved", 60), ("filed", 12), ("accepted", 10), ("draft", 8), ("refused", 5), ("late", 5))
CARRIERS = ("德邦物流", "顺丰速运", "中通快运", "安能物流", "百世快运", "京东物流", "申通快运", "韵达快运")


@click.command("bench-logistics")
@click.option("--records", default=100_000, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=1, show_default=True, type=int)
@with_appcontext
def bench_logistics_command(records, seed):
    """Add transport exception records (and their lines) to a database filled by ``bench-data``."""
    from core.toolkit import benchdata, db, utcnow
    from plugins.logistics.models import LogisticsException, LogisticsExceptionLine

    started = time.perf_counter()
    r = benchdata.rng(seed, "logistics")
    db.session.remove()
    with db.engine.begin() as conn:
        data = benchdata.existing(conn)
        if not data.dealer_ids or not data.product_ids:
            raise click.ClickException("run `aftersales bench-data` first")
        start_id = (conn.scalar(db.select(db.func.max(LogisticsException.id))) or 0) + 1
        kinds = [k for k, w in KIND_WEIGHTS for _ in range(w)]
        states = [s for s, w in STATE_WEIGHTS for _ in range(w)]
        today, now = date.today(), utcnow()
        rows, lines = [], []
        for n in range(records):
            rid = start_id + n
            kind, state = r.choice(kinds), r.choice(states)
            received = today - timedelta(days=r.randrange(0, 400))
            late = state == "late"
            party = "unknown" if late else r.choice(("carrier", "carrier", "company", "dealer", "unknown"))
            if kind == "mass_breakage":
                party = "carrier"
            outcome = claim = None
            if state == "resolved":
                outcome = "carrier_claim" if kind == "mass_breakage" else r.choice(("credit", "exchange", "rejected"))
                claim = r.choice(("open", "settled")) if outcome == "carrier_claim" else None
            rows.append({
                "id": rid, "number": f"LEXB-{rid:08d}", "dealer_id": r.choice(data.dealer_ids),
                "delivery_note": f"DN{rid:08d}", "carrier": r.choice(CARRIERS), "waybill": f"WB{rid:09d}",
                "shipped_on": received - timedelta(days=2), "received_on": received, "kind": kind,
                "responsible_party": party, "unopened": kind == "wrong_goods", "description": "",
                "signer": "" if state in ("draft", "late") else "司机", "signed_at": None if state in ("draft", "late") else now,
                "state": "draft" if late else state, "filed_on": None if state == "draft" else received + timedelta(days=1),
                "filing_deadline": received + timedelta(days=2), "late": late, "late_reason": "",
                "unconditional": False, "outcome": outcome, "decision_note": "",
                "claim_amount": Decimal(r.randrange(500, 50000)) if claim else None, "claim_status": claim,
                "claim_settled_amount": None, "claim_settled_on": None, "created_by_id": None,
                "created_at": now, "updated_at": now, "version": 1})
            for _ in range(r.randint(1, 3)):
                expected = r.randint(1, 100)
                lines.append({"exception_id": rid, "product_id": r.choice(data.product_ids), "sku": "",
                              "expected_quantity": expected, "actual_quantity": r.randint(0, expected),
                              "description": "破损" if kind in ("damaged", "mass_breakage") else ""})
        from core.toolkit import Product

        skus = dict(conn.execute(db.select(Product.id, Product.sku).where(Product.id.in_(set(x["product_id"] for x in lines)))).all())
        for ln in lines:
            ln["sku"] = skus[ln["product_id"]]
        benchdata.insert_batches(conn, LogisticsException.__table__, rows)
        benchdata.insert_batches(conn, LogisticsExceptionLine.__table__, lines)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('logistics_exception', 'id'), "
                                 "(SELECT max(id) FROM logistics_exception))")
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE logistics_exception")
            conn.exec_driver_sql("ANALYZE logistics_exception_line")
    click.echo(f"{records:,} transport exception records, {len(lines):,} lines in {time.perf_counter() - started:.1f} s")
