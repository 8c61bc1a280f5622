"""Spares benchmark: obligations and stock reports over the bench dealers and 500 spare parts
(``aftersales spares bench-data``), and the compliance report scenarios (bench/README.md)."""
from __future__ import annotations

import time as _time
from datetime import date, timedelta

import click
from flask.cli import with_appcontext


@click.command("bench-data")
@click.option("--parts", default=500, show_default=True, type=click.IntRange(1), help="spare parts with obligations")
@click.option("--seed", default=1, show_default=True, type=int)
@with_appcontext
def bench_data_command(parts, seed):
    """Obligations (all dealers, by kind/class/region, per-dealer overrides) and one or two stock
    reports per dealer covering most obliged parts (after ``aftersales bench-data``)."""
    from sqlalchemy import func, select

    from core.toolkit import Dealer, benchdata, db, utcnow
    from plugins.spares.models import Obligation, StockReport, StockReportLine

    started = _time.perf_counter()
    db.session.remove()
    engine = db.engine
    ot, rt, lt = Obligation.__table__, StockReport.__table__, StockReportLine.__table__
    with engine.begin() as conn:
        data = benchdata.existing(conn)
        if not data.part_ids:
            raise click.ClickException("run `aftersales bench-data` first")
        r, now, today = benchdata.rng(seed, "spares"), utcnow(), date.today()
        part_ids = data.part_ids[:parts]
        required = {}
        base = {"dealer_id": None, "region_id": None, "abc_class": None, "dealer_kind": None, "note": "bench",
                "created_at": now, "updated_at": now}
        obligations = []
        for pid in part_ids:
            q = r.randint(1, 6)
            required[pid] = q
            obligations.append({**base, "part_id": pid, "quantity": q})
            if r.random() < 0.2:
                obligations.append({**base, "part_id": pid, "quantity": q + 2, "abc_class": "A"})
            if r.random() < 0.1:
                obligations.append({**base, "part_id": pid, "quantity": q + 1, "dealer_kind": "agent"})
            if r.random() < 0.1:
                obligations.append({**base, "part_id": pid, "quantity": max(0, q - 1),
                                    "region_id": r.choice(data.region_ids)})
        for did in r.sample(data.dealer_ids, min(len(data.dealer_ids), 200)):  # per-dealer overrides
            obligations.append({**base, "part_id": r.choice(part_ids), "quantity": r.randint(0, 8), "dealer_id": did})
        benchdata.insert_batches(conn, ot, obligations)
        next_report = (conn.scalar(select(func.max(rt.c.id))) or 0) + 1
        reports, lines = [], []
        for did in data.dealer_ids:
            for age in sorted(r.sample(range(1, 90), r.choice((1, 2))), reverse=True):
                reports.append({"id": next_report, "dealer_id": did, "reported_on": today - timedelta(days=age),
                                "created_at": now, "created_by_id": None})
                for pid in part_ids:
                    if r.random() < 0.85:
                        lines.append({"report_id": next_report, "part_id": pid,
                                      "quantity": max(0, required[pid] + r.randint(-2, 3))})
                next_report += 1
            if len(lines) > 50_000:
                benchdata.insert_batches(conn, rt, reports)
                benchdata.insert_batches(conn, lt, lines)
                reports, lines = [], []
        benchdata.insert_batches(conn, rt, reports)
        benchdata.insert_batches(conn, lt, lines)
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('spares_stock_report', 'id'), "
                                 "(SELECT max(id) FROM spares_stock_report))")
        counts = {t.name: conn.scalar(select(func.count()).select_from(t)) for t in (ot, rt, lt)}
    from plugins.spares.summary import rebuild  # the bulk insert bypassed the session that keeps it

    counts["spares_compliance"] = rebuild()
    db.session.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    click.echo(f"spares bench data: {', '.join(f'{n:,} {t}' for t, n in counts.items())} "
               f"in {_time.perf_counter() - started:.1f} s")


def prepare(ctx) -> None:
    from sqlalchemy import column, create_engine, select, table

    engine = create_engine(ctx.database_url)
    try:
        with engine.connect() as conn:
            dealer = table("core_dealer", column("code"), column("status"))
            ctx.extra["spares_dealer_codes"] = list(conn.scalars(
                select(dealer.c.code).where(dealer.c.code.like("BD%")).order_by(dealer.c.code)))
            ctx.extra["spares_active_dealer_codes"] = list(conn.scalars(select(dealer.c.code).where(
                dealer.c.code.like("BD%"), dealer.c.status == "active").order_by(dealer.c.code)))
            ob = table("spares_obligation", column("id"), column("part_id"), column("dealer_id"), column("region_id"),
                       column("abc_class"), column("dealer_kind"))
            ctx.extra["spares_every_dealer_obligation"] = conn.scalar(select(ob.c.id).where(
                ob.c.dealer_id.is_(None), ob.c.region_id.is_(None), ob.c.abc_class.is_(None),
                ob.c.dealer_kind.is_(None)).order_by(ob.c.id).limit(1))
            product = table("core_product", column("id"), column("sku"))
            ctx.extra["spares_part_skus"] = list(conn.scalars(select(product.c.sku).where(
                product.c.id.in_(select(ob.c.part_id))).order_by(product.c.sku)))
    finally:
        engine.dispose()


def register(bench):
    bench.data_step("spares obligations and stock reports", lambda sizes, quick: [
        "spares", "bench-data", "--parts", str(int(sizes.get("spare_parts", 100 if quick else 500)))], prepare=prepare)
    bench.scenario("spares compliance dealer",
                   lambda ctx, i: f"/api/v1/spare-compliance?dealer_code={ctx.extra['spares_dealer_codes'][i % len(ctx.extra['spares_dealer_codes'])]}",
                   auth="token:customer_service", group="spares", description="one dealer: every obliged part")
    bench.scenario("spares page dealer compliance",
                   lambda ctx, i: f"/spares/?dealer={ctx.extra['spares_dealer_codes'][i % len(ctx.extra['spares_dealer_codes'])]}",
                   auth="session:customer_service", group="spares", requests=100,
                   description="HTML twin of one dealer's compliance (with its trend and the rates by region)")
    bench.scenario("spares obligation every dealer",
                   lambda ctx, i: f"/api/v1/spare-obligations/{ctx.extra['spares_every_dealer_obligation']}",
                   method="PATCH", body=lambda ctx, i: {"quantity": 1 + i % 5}, auth="token:admin", group="spares",
                   requests=20, description="change a rule for every dealer: every dealer's summary row recomputed")
    bench.scenario("spares file stock report", "/api/v1/spare-stock-reports", method="POST", expect=(201,),
                   body=lambda ctx, i: {"dealer_code": ctx.extra["spares_active_dealer_codes"][i % len(ctx.extra["spares_active_dealer_codes"])],
                                        "reported_on": date.today().isoformat(),
                                        "lines": [{"sku": sku, "quantity": (i + n) % 4}
                                                  for n, sku in enumerate(ctx.extra["spares_part_skus"])]},
                   auth="token:admin", group="spares", requests=100,
                   description="a dealer's stock report of every obliged part: its summary row recomputed")
    bench.scenario("spares compliance by region", "/api/v1/spare-compliance/rates?by=region&per_page=50",
                   auth="token:customer_service", group="spares", requests=100,
                   description="compliance rates over every dealer x part, by region")
    bench.scenario("spares non-compliant dealers", "/api/v1/spare-compliance/non-compliant?per_page=50",
                   auth="token:customer_service", group="spares", requests=100,
                   description="dealers short of at least one part")
    bench.scenario("spares page non-compliant dealers", "/spares/non-compliant", auth="session:customer_service",
                   group="spares", requests=100, description="HTML twin of the non-compliant dealers")
