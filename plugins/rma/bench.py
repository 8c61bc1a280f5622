"""RMA benchmark: data (``aftersales rma bench-data --lines N``) and scenarios (bench/README.md).

The data step makes about ``N`` return lines (3-5 per return) over the core bench dealers,
in every workflow state with a realistic mix (most returns closed, some rejected or
cancelled, a queue in each open state), numbers for the approved ones (and the ``RMA``
sequence moved past them), due dates once received (some overdue). Core ``executemany``
inserts with explicit ids, one transaction; ``ANALYZE`` on PostgreSQL.
"""
from __future__ import annotations

import itertools
import threading
import time as _time
from datetime import date, datetime, time, timedelta, timezone

import click
from flask.cli import with_appcontext

# state -> weight (share of returns)
STATE_MIX = (("closed", 44), ("rejected", 10), ("cancelled", 7), ("draft", 4), ("submitted", 6), ("reviewed", 6),
             ("approved", 5), ("shipped", 4), ("received", 4), ("inspected", 4), ("resolved", 6))
ORDER = ("draft", "submitted", "reviewed", "approved", "shipped", "received", "inspected", "resolved", "closed")
STAMP = {"submitted": "submitted_at", "reviewed": "reviewed_at", "approved": "approved_at", "shipped": "shipped_at",
         "received": "received_at", "inspected": "inspected_at", "resolved": "resolved_at", "closed": "closed_at"}
ISSUES = (("quality_defect", 70), ("doa", 10), ("unpacking_damage", 8), ("order_mismatch", 4), ("company_error", 3),
          ("safety", 2), ("recall", 1), ("paid_repair", 2))
VERDICTS = (("quality_fault", 70), ("no_fault_found", 15), ("human_damage", 10), ("not_covered", 5))
RESOLUTION = {"quality_fault": ("repair", "replace", "credit"), "no_fault_found": ("return_to_sender",),
              "human_damage": ("return_to_sender", "paid_repair"), "not_covered": ("return_to_sender",)}
FILE_LINES = 5


def _rows(conn, lines: int, seed: int):
    from sqlalchemy import select

    from core.toolkit import Dealer, benchdata

    data = benchdata.existing(conn)
    d = Dealer.__table__
    dealers = conn.execute(select(d.c.id, d.c.kind, d.c.parent_id).where(d.c.id.in_(data.dealer_ids))).all()
    r = benchdata.rng(seed, "rma")
    states = [s for s, _ in STATE_MIX]
    state_w = [w for _, w in STATE_MIX]
    issues, issue_w = [i for i, _ in ISSUES], [w for _, w in ISSUES]
    verdicts, verdict_w = [v for v, _ in VERDICTS], [w for _, w in VERDICTS]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    today = now.date()
    return data, dealers, r, states, state_w, issues, issue_w, verdicts, verdict_w, now, today


@click.command("bench-data")
@click.option("--lines", default=1_000_000, show_default=True, type=click.IntRange(1), help="return lines to make")
@click.option("--seed", default=1, show_default=True, type=int)
@with_appcontext
def bench_data_command(lines, seed):
    """Fill the bench database (after ``aftersales bench-data``) with returns and their lines."""
    from sqlalchemy import func, select, update

    from core.toolkit import Dealer, Sequence, benchdata, db
    from plugins.rma.models import Rma, RmaLine

    started = _time.perf_counter()
    db.session.remove()
    engine = db.engine
    rt, lt, st = Rma.__table__, RmaLine.__table__, Sequence.__table__
    with engine.begin() as conn:
        data, dealers, r, states, state_w, issues, issue_w, verdicts, verdict_w, now, today = _rows(conn, lines, seed)
        if not dealers or not data.product_ids:
            raise click.ClickException("run `aftersales bench-data` first")
        creators = {u["dealer_id"]: u["id"] for u in data.users.get("dealer", [])}
        # the dealer users file returns in the benchmark: a disqualified company may not
        d = Dealer.__table__
        conn.execute(update(d).where(d.c.id.in_(list(creators)), d.c.status == "disqualified").values(status="active"))
        next_rma = (conn.scalar(select(func.max(rt.c.id))) or 0) + 1
        next_line = (conn.scalar(select(func.max(lt.c.id))) or 0) + 1
        numbers: dict[int, int] = {}
        rmas, line_rows = [], []
        counts = {s: 0 for s in states}
        made_lines = made_rmas = 0

        def flush():
            benchdata.insert_batches(conn, rt, rmas)
            benchdata.insert_batches(conn, lt, line_rows)
            rmas.clear()
            line_rows.clear()

        while made_lines < lines:
            dealer_id, kind, parent_id = dealers[r.randrange(len(dealers))]
            state = r.choices(states, state_w)[0]
            created = now - timedelta(days=r.uniform(0, 720) if state in ("closed", "rejected", "cancelled")
                                      else r.uniform(0, 40))
            row = {"id": next_rma, "number": None, "dealer_id": dealer_id, "receiving_dealer_id": None,
                   "created_by_id": creators.get(dealer_id), "state": state, "due_date": None, "boxes": None,
                   "carrier": "", "tracking": "", "boxes_received": None, "reject_reason": "", "version": 1,
                   "created_at": created, "updated_at": created, **{c: None for c in STAMP.values()}}
            # how far along the workflow the return went (rejected after review, cancelled before approval)
            reached = {"rejected": r.choice(("submitted", "reviewed")), "cancelled": r.choice(("draft", "submitted"))}.get(state, state)
            moment, version = created, 1
            for step in ORDER[1:ORDER.index(reached) + 1]:
                if step == "reviewed" and kind == "distributor":
                    continue
                moment += timedelta(hours=r.uniform(2, 60))
                row[STAMP[step]] = moment
                version += 1
                if step == "approved":
                    if kind == "distributor":
                        row["reviewed_at"] = moment
                        row["receiving_dealer_id"] = parent_id
                    year = moment.year
                    numbers[year] = numbers.get(year, 0) + 1
                    row["number"] = f"RMA-{year}-{numbers[year]:06d}"
                if step == "shipped":
                    row["boxes"] = r.randint(1, 4)
                    row["carrier"], row["tracking"] = "SF Express", f"SF{next_rma:012d}"
                if step == "received":
                    row["boxes_received"] = row["boxes"]
                    # 5 working days ~ 7 calendar days; returns still waiting are overdue when older
                    row["due_date"] = moment.date() + timedelta(days=7)
            if kind == "distributor" and state == "reviewed":  # a distributor's return skips this state
                row["state"] = state = "approved"
            if state == "rejected":
                row["reject_reason"] = "bench: not covered"
                version += 1
            if state == "cancelled":
                version += 1
            row["version"] = version
            row["updated_at"] = max(moment, created)
            counts[state] = counts.get(state, 0) + 1
            inspected = ORDER.index(reached) >= ORDER.index("inspected")
            resolved = ORDER.index(reached) >= ORDER.index("resolved")
            for _ in range(r.randint(3, 5)):
                issue = r.choices(issues, issue_w)[0]
                bought = created.date() - timedelta(days=r.randint(10, 600))
                verdict = r.choices(verdicts, verdict_w)[0] if inspected else None
                resolution = r.choice(RESOLUTION[verdict]) if resolved else None
                qty = r.randint(1, 5)
                line_rows.append({
                    "id": next_line, "rma_id": next_rma, "product_id": data.product_ids[r.randrange(len(data.product_ids))],
                    "quantity": qty, "serial": f"SN{r.randrange(10**10):010d}", "production_date": bought - timedelta(days=30),
                    "purchase_date": bought, "sale_date": None, "received_date": None, "received_time": None, "issue": issue,
                    "opened": issue != "company_error", "installed": issue in ("quality_defect", "doa", "safety", "recall"),
                    "sample": False, "special_order": False, "scrap": False, "mixed_brand": False, "whole_unit": False,
                    "label_intact": True, "description": "bench line",
                    "received_quantity": qty if ORDER.index(reached) >= ORDER.index("received") else None,
                    "verdict": verdict, "serious": False, "worth_analysis": False, "resolution": resolution,
                    "fee": None})
                next_line += 1
                made_lines += 1
            rmas.append(row)
            next_rma += 1
            made_rmas += 1
            if len(line_rows) >= 50_000:
                flush()
        flush()
        for year, value in numbers.items():
            if conn.execute(update(st).where(st.c.name == "RMA", st.c.year == year)
                            .values(value=st.c.value + value)).rowcount == 0:
                conn.execute(st.insert().values(name="RMA", year=year, value=value))
        if engine.dialect.name == "postgresql":
            for table in (rt, lt):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                     f"(SELECT max(id) FROM {table.name}))")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    with engine.connect() as conn:
        overdue = conn.scalar(select(func.count()).select_from(rt).where(
            rt.c.state.in_(("received", "inspected")), rt.c.due_date < today))
    click.echo(f"rma bench data: {made_rmas:,} returns, {made_lines:,} lines ({overdue:,} overdue) "
               f"in {_time.perf_counter() - started:.1f} s")
    click.echo("  " + ", ".join(f"{s} {n:,}" for s, n in counts.items()))


# --- scenarios --------------------------------------------------------------------------

def prepare(ctx) -> None:
    """Ids the scenarios need: returns to show, reviewed returns to approve, SKUs to file."""
    from sqlalchemy import create_engine, select

    engine = create_engine(ctx.database_url)
    try:
        with engine.connect() as conn:
            from sqlalchemy import table, column
            rma = table("rma_rma", column("id"), column("state"), column("version"), column("dealer_id"))
            product = table("core_product", column("id"), column("sku"), column("status"), column("is_spare_part"))
            ctx.extra["rma_ids"] = list(conn.scalars(select(rma.c.id).order_by(rma.c.id.desc()).limit(1000)))
            ctx.extra["rma_reviewed"] = conn.execute(select(rma.c.id, rma.c.version).where(rma.c.state == "reviewed")
                                                     .order_by(rma.c.id)).all()
            ctx.extra["rma_skus"] = list(conn.scalars(select(product.c.sku).where(
                product.c.status == "active", product.c.is_spare_part.is_(False)).order_by(product.c.id).limit(2000)))
    finally:
        engine.dispose()
    ctx.extra["rma_pool"] = itertools.count()
    ctx.extra["rma_local"] = threading.local()
    ctx.extra["rma_mixed"] = _mixed_users(ctx)
    ctx.credentials["users"]["rma_agent"] = _agent_users(ctx)


def _agent_users(ctx) -> list[dict]:
    """The bench dealer users of agents with distributors (most distributors first): the role
    ``rma_agent`` of the agent scenarios (``auth="token:rma_agent"``, ``"session:rma_agent"``)."""
    from sqlalchemy import column, create_engine, func, select, table

    dealer_users = {u["dealer_id"]: u for u in ctx.users("dealer") if u.get("dealer_id")}
    dealer = table("core_dealer", column("id"), column("kind"), column("parent_id"))
    engine = create_engine(ctx.database_url)
    try:
        with engine.connect() as conn:
            agents = list(conn.scalars(select(dealer.c.parent_id).where(
                dealer.c.parent_id.in_(list(dealer_users)), dealer.c.kind == "distributor")
                .group_by(dealer.c.parent_id).order_by(func.count().desc(), dealer.c.parent_id)))
    finally:
        engine.dispose()
    return [dealer_users[a] for a in agents]


def _mixed_users(ctx) -> list[tuple[str, str]]:
    """(dealer user's token, token of a manager of that dealer's region) for the bench users of
    active plain dealers: the ones whose returns go submit -> review -> approve."""
    from sqlalchemy import column, create_engine, select, table

    dealer_users = [u for u in ctx.users("dealer") if u.get("dealer_id")]
    managers = {u["id"]: u["token"] for u in ctx.users("regional_manager")}
    dealer = table("core_dealer", column("id"), column("kind"), column("status"), column("region_id"))
    link = table("core_region_manager", column("region_id"), column("user_id"))
    engine = create_engine(ctx.database_url)
    try:
        with engine.connect() as conn:
            region_of = dict(conn.execute(select(dealer.c.id, dealer.c.region_id).where(
                dealer.c.id.in_([u["dealer_id"] for u in dealer_users]), dealer.c.kind == "dealer",
                dealer.c.status == "active")).all())
            manager_of = {}
            for region_id, user_id in conn.execute(select(link.c.region_id, link.c.user_id).order_by(link.c.user_id)):
                if user_id in managers:
                    manager_of.setdefault(region_id, managers[user_id])
    finally:
        engine.dispose()
    return [(u["token"], manager_of[region_of[u["dealer_id"]]]) for u in dealer_users
            if u["dealer_id"] in region_of and region_of[u["dealer_id"]] in manager_of]


def _mixed_flow(ctx, n):
    """The peer benchmark's cycle (8 requests, three users): a dealer files a 1-line return and
    submits it, the region's manager reviews it, the order department approves it; then the
    dealer's list of 50, the detail as the order department and as the dealer, the list again."""
    import json

    from bench.scenarios import Step

    pairs = ctx.extra["rma_mixed"]
    if not pairs:
        raise LookupError("no bench user of an active plain dealer with a regional manager")
    dealer, manager = pairs[n % len(pairs)]
    order = ctx.user("order_dept", n)["token"]
    skus, bought = ctx.extra["rma_skus"], (date.today() - timedelta(days=60)).isoformat()
    for i in itertools.count():
        line = {"sku": skus[(n * 7919 + i) % len(skus)], "quantity": 1, "issue": "quality_defect",
                "serial": f"MIX{n}x{i}x{_time.time_ns()}", "purchase_date": bought, "production_date": bought,
                "description": "flickers after a week"}
        status, body = yield Step("POST", "/api/v1/rmas", {"lines": [line]}, dealer, expect=(201,))
        if status != 201:
            continue
        rma = json.loads(body)
        for action, token in (("submit", dealer), ("review", manager), ("approve", order)):
            status, body = yield Step("POST", f"/api/v1/rmas/{rma['id']}/{action}", {"version": rma["version"]}, token)
            if status != 200:
                break
            rma = json.loads(body)
        yield Step("GET", "/api/v1/rmas?per_page=50", token=dealer)
        yield Step("GET", f"/api/v1/rmas/{rma['id']}", token=order)
        yield Step("GET", f"/api/v1/rmas/{rma['id']}", token=dealer)
        yield Step("GET", "/api/v1/rmas?per_page=50", token=dealer)


def _approve_path(ctx, i):
    n = next(ctx.extra["rma_pool"])
    pool = ctx.extra["rma_reviewed"]
    if n >= len(pool):
        raise LookupError(f"only {len(pool)} reviewed returns to approve: make more RMA lines or fewer requests")
    ctx.extra["rma_local"].current = pool[n]
    return f"/api/v1/rmas/{pool[n][0]}/approve"


def _approve_body(ctx, i):
    return {"version": ctx.extra["rma_local"].current[1]}


def _file_body(ctx, i):
    skus = ctx.extra["rma_skus"]
    bought = (date.today() - timedelta(days=60)).isoformat()
    return {"submit": True, "lines": [
        {"sku": skus[(i * FILE_LINES + k) % len(skus)], "quantity": 1 + k % 3, "issue": "quality_defect",
         "serial": f"BENCH{i:07d}{k}", "purchase_date": bought, "production_date": bought,
         "description": "flickers after a week"} for k in range(FILE_LINES)]}


def register(bench):
    bench.data_step("rma lines", lambda sizes, quick: [
        "rma", "bench-data", "--lines", str(int(sizes.get("rma_lines", 100_000 if quick else 1_000_000)))],
        prepare=prepare)
    bench.scenario("rma dealer list", "/api/v1/rmas?per_page=50", auth="token:dealer", group="rma",
                   description="a dealer's returns, newest first, 50 per page")
    bench.scenario("rma approval queue", "/api/v1/rmas?state=reviewed&per_page=50", auth="token:order_dept",
                   group="rma", description="reviewed returns waiting for the order department")
    bench.scenario("rma agent list", "/api/v1/rmas?per_page=50", auth="token:rma_agent", group="rma",
                   description="an agent's returns and its distributors', newest first, 50 per page")
    bench.scenario("rma page dealer list", "/rma/?per_page=50", auth="session:dealer", group="rma",
                   description="HTML twin of the dealer list")
    bench.scenario("rma page agent list", "/rma/?per_page=50", auth="session:rma_agent", group="rma",
                   description="HTML twin of the agent list")
    bench.scenario("rma page approval queue", "/rma/queue/approve?per_page=50", auth="session:order_dept",
                   group="rma", description="HTML twin of the approval queue")
    bench.scenario("rma page all returns", "/rma/?per_page=50", auth="session:order_dept", group="rma",
                   description="the order department's list of every return (capped total)")
    bench.scenario("rma detail", lambda ctx, i: f"/api/v1/rmas/{ctx.extra['rma_ids'][i % len(ctx.extra['rma_ids'])]}",
                   auth="token:order_dept", group="rma", description="one return with lines, eligibility and cost")
    bench.scenario("rma file 5 lines", "/api/v1/rmas", method="POST", auth="token:dealer", expect=(201,),
                   body=_file_body, requests=1000, group="rma", description="file and submit a return of 5 lines")
    bench.scenario("rma mixed", "file, submit, review, approve, list, detail x2, list", auth=None, flow=_mixed_flow,
                   group="rma", description="the peer benchmark's throughput cycle; run it with --concurrency 4")
    bench.scenario("rma approve", _approve_path, method="POST", auth="token:order_dept", body=_approve_body,
                   requests=1000, group="rma", description="approve a reviewed return (number issued)")
