"""Benchmark data: ``aftersales bench-data --dealers 2000 --products 20000``.

Fills a *dedicated* database with realistic volumes fast: SQLAlchemy Core ``executemany``
inserts in batches (no ORM unit of work, no activity entries), one transaction.

What it makes (all deterministic for a given ``--seed``):

- regions ``BR01``..; product categories ``BENCH-LIGHT`` (36/36 months), ``BENCH-STRIP``
  (24/24, whole units may be returned) and ``BENCH-PART`` (electronic parts, 36);
- dealers ``BD000001``..: about 10 % agents, 25 % distributors (each under an agent of its
  region), the rest plain dealers; mostly active, a few warned/suspended; ABC classes;
- products ``BP000001``..: about 10 % spare parts, 5 % discontinued; every whole unit is
  made of 1-3 parts (bill of materials);
- users ``bench_<role>_<n>`` for every role (regional managers manage regions; dealer users
  belong to dealers of each kind), all with the same password, and one API token each.

Plugins that need more benchmark data (RMA lines over these dealers, stock of these
parts, ...) reuse what was made here instead of creating their own: in their own CLI
command, ``data = core.benchdata.existing(conn)`` returns a :class:`BenchData` with the
ids of the bench dealers, products, parts and users; ``core.benchdata.rng(seed, "rma")``
gives a reproducible random stream and :func:`insert_batches` the fast insert.
"""
from __future__ import annotations

import json
import random
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, func, insert, select
from werkzeug.security import generate_password_hash

from core.plugin_system import hookimpl

BATCH = 5000
USER_PREFIX = "bench_"
DEALER_PREFIX = "BD"
PRODUCT_PREFIX = "BP"
REGION_PREFIX = "BR"
DEFAULT_PASSWORD = "bench-password-1"
CATEGORIES = (
    # code, name, warranty months, retention months, whole-unit returns
    ("BENCH-LIGHT", "Lighting fixtures", 36, 36, False),
    ("BENCH-STRIP", "Rigid light strips", 24, 24, True),
    ("BENCH-PART", "Electronic parts", 36, 36, False),
)
WORDS = ("LED", "Panel", "Downlight", "Spotlight", "Strip", "Linear", "Track", "High-bay", "Flood", "Wall",
         "Ceiling", "Pendant", "Driver", "Lens", "Reflector", "Module", "Dimmable", "Outdoor", "Slim", "Pro")
CITIES = ("Shanghai", "Beijing", "Guangzhou", "Shenzhen", "Hangzhou", "Nanjing", "Chengdu", "Wuhan", "Xi'an",
          "Tianjin", "Suzhou", "Chongqing", "Qingdao", "Xiamen", "Changsha", "Zhengzhou")


@dataclass
class Sizes:
    dealers: int = 2000
    products: int = 20000
    regions: int = 8
    users_per_role: int = 2
    dealer_users: int = 20


@dataclass
class BenchData:
    """Ids of what the generator made, for plugin generators and the benchmark runner."""
    region_ids: list[int] = field(default_factory=list)
    category_ids: dict[str, int] = field(default_factory=dict)
    dealer_ids: list[int] = field(default_factory=list)
    agent_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)  # whole units (not spare parts)
    part_ids: list[int] = field(default_factory=list)  # spare parts
    users: dict[str, list[dict]] = field(default_factory=dict)  # role -> [{username, id, dealer_id}]
    counts: dict[str, int] = field(default_factory=dict)


def rng(seed: int, stream: str) -> random.Random:
    """A reproducible random stream per purpose, so adding one table never shifts another's data."""
    return random.Random(f"{seed}:{stream}")


def insert_batches(conn, table, rows, batch: int = BATCH) -> int:
    """Insert ``rows`` (an iterable of dicts) with executemany, ``batch`` at a time."""
    chunk, total = [], 0
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            conn.execute(insert(table), chunk)
            total += len(chunk)
            chunk = []
    if chunk:
        conn.execute(insert(table), chunk)
        total += len(chunk)
    return total


def _tables():
    from core.dealers.models import Dealer, Region, region_managers
    from core.products.models import Product, ProductCategory, ProductPart
    from core.users.models import ApiToken, User, user_roles

    return dict(region=Region.__table__, region_managers=region_managers, dealer=Dealer.__table__,
                category=ProductCategory.__table__, product=Product.__table__, part=ProductPart.__table__,
                user=User.__table__, user_roles=user_roles, token=ApiToken.__table__)


def _now():
    from core.model_utils import utcnow

    return utcnow()


def has_bench_data(conn) -> bool:
    t = _tables()
    return bool(conn.scalar(select(func.count()).select_from(t["user"]).where(t["user"].c.username.like(USER_PREFIX + "%")))
                or conn.scalar(select(func.count()).select_from(t["dealer"]).where(t["dealer"].c.code.like(DEALER_PREFIX + "%"))))


# --- one function per table ----------------------------------------------------------

def make_regions(conn, data: BenchData, sizes: Sizes, seed: int) -> None:
    t, now = _tables()["region"], _now()
    insert_batches(conn, t, ({"code": f"{REGION_PREFIX}{i:02d}", "name": f"Bench region {CITIES[(i - 1) % len(CITIES)]} {i}",
                              "created_at": now, "updated_at": now} for i in range(1, sizes.regions + 1)))
    data.region_ids = list(conn.scalars(select(t.c.id).where(t.c.code.like(REGION_PREFIX + "%")).order_by(t.c.code)))
    data.counts["regions"] = len(data.region_ids)


def make_categories(conn, data: BenchData, sizes: Sizes, seed: int) -> None:
    t, now = _tables()["category"], _now()
    insert_batches(conn, t, ({"code": code, "name": name, "warranty_months": w, "retention_months": r,
                              "whole_unit_returns": whole, "created_at": now, "updated_at": now}
                             for code, name, w, r, whole in CATEGORIES))
    data.category_ids = dict(conn.execute(select(t.c.code, t.c.id).where(t.c.code.like("BENCH-%"))).all())
    data.counts["product categories"] = len(data.category_ids)


def _dealer_row(i, kind, region_id, parent_id, r: random.Random, now):
    city = CITIES[i % len(CITIES)]
    status = r.choices(("active", "warned", "suspended", "disqualified"), (90, 6, 3, 1))[0]
    return {"code": f"{DEALER_PREFIX}{i:06d}", "name": f"{city} {r.choice(WORDS)} Lighting {kind.title()} {i}",
            "kind": kind, "parent_id": parent_id, "region_id": region_id,
            "contact": f"Contact {i}", "phone": f"138{i:08d}", "address": f"{i} {r.choice(WORDS)} Road, {city}",
            "status": status, "status_reason": "" if status == "active" else "bench data",
            "status_changed_by_id": None, "status_changed_at": None if status == "active" else now,
            "abc_class": r.choices(("A", "B", "C"), (15, 35, 50))[0], "version": 1, "created_at": now, "updated_at": now}


def make_dealers(conn, data: BenchData, sizes: Sizes, seed: int) -> None:
    """Agents first (distributors need their ids), then distributors and dealers."""
    t, now, r = _tables()["dealer"], _now(), rng(seed, "dealers")
    n_agents = max(1, sizes.dealers // 10) if sizes.dealers >= 3 else 0
    n_distributors = sizes.dealers // 4 if n_agents else 0
    regions = data.region_ids or [None]
    agents = [_dealer_row(i, "agent", regions[i % len(regions)], None, r, now) for i in range(1, n_agents + 1)]
    insert_batches(conn, t, agents)
    agent_ids = dict(conn.execute(select(t.c.code, t.c.id).where(t.c.code.like(DEALER_PREFIX + "%"), t.c.kind == "agent")).all())
    data.agent_ids = [agent_ids[a["code"]] for a in agents]
    agents_by_region: dict = {}
    for a in agents:
        agents_by_region.setdefault(a["region_id"], []).append(agent_ids[a["code"]])

    def rest():
        for i in range(n_agents + 1, sizes.dealers + 1):
            region_id = regions[i % len(regions)]
            if i <= n_agents + n_distributors:
                parent = r.choice(agents_by_region.get(region_id) or data.agent_ids)
                yield _dealer_row(i, "distributor", region_id, parent, r, now)
            else:
                yield _dealer_row(i, "dealer", region_id, None, r, now)

    insert_batches(conn, t, rest())
    data.dealer_ids = list(conn.scalars(select(t.c.id).where(t.c.code.like(DEALER_PREFIX + "%")).order_by(t.c.code)))
    data.counts["dealers"] = len(data.dealer_ids)


def make_products(conn, data: BenchData, sizes: Sizes, seed: int) -> None:
    """Spare parts (10 %) and whole units; 5 % discontinued."""
    t, now, r = _tables()["product"], _now(), rng(seed, "products")
    n_parts = max(1, sizes.products // 10)
    today = date.today()

    def rows():
        for i in range(1, sizes.products + 1):
            is_part = i <= n_parts
            category = "BENCH-PART" if is_part else r.choice(("BENCH-LIGHT", "BENCH-LIGHT", "BENCH-STRIP"))
            discontinued = r.random() < 0.05
            words = " ".join(r.sample(WORDS, 3))
            yield {"sku": f"{PRODUCT_PREFIX}{i:06d}", "name": f"{words} {'part' if is_part else 'unit'} {i}",
                   "category_id": data.category_ids[category],
                   "unit_price": Decimal(r.randint(500, 500000)) / 100,
                   "status": "discontinued" if discontinued else "active",
                   "discontinued_on": today - timedelta(days=r.randint(1, 1500)) if discontinued else None,
                   "is_spare_part": is_part, "version": 1, "created_at": now, "updated_at": now}

    insert_batches(conn, t, rows())
    ids = list(conn.execute(select(t.c.id, t.c.is_spare_part).where(t.c.sku.like(PRODUCT_PREFIX + "%")).order_by(t.c.sku)))
    data.part_ids = [pid for pid, part in ids if part]
    data.product_ids = [pid for pid, part in ids if not part]
    data.counts["products"] = len(ids)
    data.counts["spare parts"] = len(data.part_ids)


def make_bom(conn, data: BenchData, sizes: Sizes, seed: int) -> None:
    """Each whole unit is made of 1-3 distinct spare parts."""
    t, r = _tables()["part"], rng(seed, "bom")
    if not data.part_ids:
        return

    def rows():
        for pid in data.product_ids:
            for part_id in r.sample(data.part_ids, min(len(data.part_ids), r.randint(1, 3))):
                yield {"product_id": pid, "part_id": part_id, "quantity": r.randint(1, 4)}

    data.counts["bill-of-materials lines"] = insert_batches(conn, t, rows())


def make_users(conn, data: BenchData, sizes: Sizes, seed: int, password: str, roles: list[str]) -> None:
    """``users_per_role`` users for each staff role, ``dealer_users`` dealer users (agents,
    distributors and plain dealers alike); regional managers manage the bench regions."""
    t = _tables()
    now, r = _now(), rng(seed, "users")
    password_hash = generate_password_hash(password)  # one scrypt for all: same password
    dealers = conn.execute(select(t["dealer"].c.id, t["dealer"].c.kind).where(t["dealer"].c.code.like(DEALER_PREFIX + "%"))
                           .order_by(t["dealer"].c.code)).all()
    by_kind = {k: [d for d, kind in dealers if kind == k] for k in ("agent", "distributor", "dealer")}
    dealer_pick, kinds = [], [k for k in ("dealer", "agent", "distributor") if by_kind[k]]
    for n in range(sizes.dealer_users if kinds else 0):
        pool = by_kind[kinds[n % len(kinds)]]
        dealer_pick.append(pool[(n // len(kinds)) * max(1, len(pool) // max(1, sizes.dealer_users)) % len(pool)])
    planned = []  # (username, role, dealer_id)
    for role in roles:
        if role == "dealer":
            planned += [(f"{USER_PREFIX}dealer_{n + 1}", role, d) for n, d in enumerate(dealer_pick)]
        else:
            planned += [(f"{USER_PREFIX}{role}_{n + 1}", role, None) for n in range(sizes.users_per_role)]
    insert_batches(conn, t["user"], ({"username": u, "display_name": u.replace("_", " ").title(), "email": f"{u}@bench.invalid",
                                      "password_hash": password_hash, "active": True, "language": r.choice(("zh_CN", "en")),
                                      "dealer_id": d, "failed_logins": 0, "locked_until": None,
                                      "created_at": now, "updated_at": now} for u, _, d in planned))
    ids = dict(conn.execute(select(t["user"].c.username, t["user"].c.id).where(t["user"].c.username.like(USER_PREFIX + "%"))).all())
    insert_batches(conn, t["user_roles"], ({"user_id": ids[u], "role_id": role} for u, role, _ in planned))
    managers = [ids[u] for u, role, _ in planned if role == "regional_manager"]
    if managers:
        insert_batches(conn, t["region_managers"], ({"region_id": rid, "user_id": managers[i % len(managers)]}
                                                    for i, rid in enumerate(data.region_ids)))
    data.users = {}
    for u, role, d in planned:
        data.users.setdefault(role, []).append({"username": u, "id": ids[u], "dealer_id": d})
    data.counts["users"] = len(planned)


def make_tokens(conn, data: BenchData, ttl_hours: int) -> dict[str, str]:
    """One API token per bench user; returns username -> raw token (only the hash is stored)."""
    from core.users.services import hash_token

    t, now = _tables()["token"], _now()
    expires = now + timedelta(hours=ttl_hours)
    raw = {u["username"]: secrets.token_urlsafe(32) for users in data.users.values() for u in users}
    ids = {u["username"]: u["id"] for users in data.users.values() for u in users}
    data.counts["API tokens"] = insert_batches(conn, t, ({"user_id": ids[name], "token_hash": hash_token(tok), "created_at": now,
                                                          "expires_at": expires, "revoked_at": None} for name, tok in raw.items()))
    return raw


# --- whole runs ----------------------------------------------------------------------

def generate(conn, sizes: Sizes, seed: int = 1, password: str = DEFAULT_PASSWORD, roles: list[str] | None = None,
             ttl_hours: int | None = None):
    """Create every core bench table's rows on ``conn`` (caller commits); returns (BenchData, tokens).

    Pass ``ttl_hours`` when ``conn`` already wrote: on SQLite it then holds the write lock."""
    from core import settings

    ttl_hours = ttl_hours or settings.get("core.token_ttl_hours")
    roles = roles or sorted(current_app.extensions["aftersales"].roles)
    data = BenchData()
    make_regions(conn, data, sizes, seed)
    make_categories(conn, data, sizes, seed)
    make_dealers(conn, data, sizes, seed)
    make_products(conn, data, sizes, seed)
    make_bom(conn, data, sizes, seed)
    make_users(conn, data, sizes, seed, password, roles)
    tokens = make_tokens(conn, data, ttl_hours)
    return data, tokens


def existing(conn) -> BenchData:
    """The bench data already in the database (for plugin generators that build on it)."""
    t = _tables()
    data = BenchData()
    data.region_ids = list(conn.scalars(select(t["region"].c.id).where(t["region"].c.code.like(REGION_PREFIX + "%")).order_by(t["region"].c.code)))
    data.category_ids = dict(conn.execute(select(t["category"].c.code, t["category"].c.id).where(t["category"].c.code.like("BENCH-%"))).all())
    d = t["dealer"]
    for did, kind in conn.execute(select(d.c.id, d.c.kind).where(d.c.code.like(DEALER_PREFIX + "%")).order_by(d.c.code)):
        data.dealer_ids.append(did)
        if kind == "agent":
            data.agent_ids.append(did)
    p = t["product"]
    for pid, part in conn.execute(select(p.c.id, p.c.is_spare_part).where(p.c.sku.like(PRODUCT_PREFIX + "%")).order_by(p.c.sku)):
        (data.part_ids if part else data.product_ids).append(pid)
    u, ur = t["user"], t["user_roles"]
    for uid, name, dealer_id, role in conn.execute(select(u.c.id, u.c.username, u.c.dealer_id, ur.c.role_id)
                                                   .join(ur, ur.c.user_id == u.c.id)
                                                   .where(u.c.username.like(USER_PREFIX + "%")).order_by(u.c.username)):
        data.users.setdefault(role, []).append({"username": name, "id": uid, "dealer_id": dealer_id})
    return data


KEEP_ON_RESET = {"core_role", "core_permission", "core_role_permission", "core_setting", "alembic_version"}


def empty_tables(conn) -> list[str]:
    """Empty every table of the enabled plugins except roles, permissions and settings.

    Only for a dedicated benchmark database: refuses when a user outside the bench users exists."""
    from core.extensions import db
    from core.plugin_system import enabled_tables

    u = _tables()["user"]
    others = conn.scalar(select(func.count()).select_from(u).where(~u.c.username.like(USER_PREFIX + "%")))
    if others:
        raise click.ClickException(f"--reset refused: this database has {others} user(s) that are not bench users; "
                                   "benchmark data belongs in a dedicated database")
    emptied = []
    for table in reversed(enabled_tables(current_app, db.metadata)):
        if table.name not in KEEP_ON_RESET:
            conn.execute(delete(table))
            emptied.append(table.name)
    return emptied


@click.command("bench-data")
@click.option("--dealers", default=2000, show_default=True, type=click.IntRange(1))
@click.option("--products", default=20000, show_default=True, type=click.IntRange(1))
@click.option("--regions", default=8, show_default=True, type=click.IntRange(1))
@click.option("--users-per-role", default=2, show_default=True, type=click.IntRange(1), help="staff users per role")
@click.option("--dealer-users", default=20, show_default=True, type=click.IntRange(0), help="users of the dealer role")
@click.option("--seed", default=1, show_default=True, type=int, help="same seed, same data")
@click.option("--password", default=DEFAULT_PASSWORD, show_default=True, help="password of every bench user")
@click.option("--reset", is_flag=True, help="first empty every business table (dedicated benchmark database only)")
@click.option("--credentials", type=click.Path(dir_okay=False, path_type=Path),
              help="write the bench logins and their API tokens to this JSON file")
@with_appcontext
def bench_data_command(dealers, products, regions, users_per_role, dealer_users, seed, password, reset, credentials):
    """Fill a dedicated database with benchmark data (regions, dealers, products, BOM, users, tokens)."""
    from core.extensions import db
    from core.users.services import sync_roles_and_permissions

    sizes = Sizes(dealers=dealers, products=products, regions=regions, users_per_role=users_per_role, dealer_users=dealer_users)
    started = time.perf_counter()
    from core import settings

    sync_roles_and_permissions()
    db.session.commit()
    ttl_hours = settings.get("core.token_ttl_hours")
    db.session.remove()
    engine = db.engine
    with engine.begin() as conn:
        if has_bench_data(conn):
            if not reset:
                raise click.ClickException("this database already holds bench data (bench_* users or BD* dealers); "
                                           "use --reset to empty it first, or point AFTERSALES_DATABASE_URL elsewhere")
        if reset:
            click.echo(f"reset: emptied {len(empty_tables(conn))} tables")
        data, tokens = generate(conn, sizes, seed=seed, password=password, ttl_hours=ttl_hours)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    elapsed = time.perf_counter() - started
    click.echo(f"bench data on {engine.dialect.name} (seed {seed}):")
    for name, count in data.counts.items():
        click.echo(f"  {count:>9,}  {name}")
    click.echo(f"done in {elapsed:.1f} s; every bench user's password: {password}")
    for role, users in sorted(data.users.items()):
        click.echo(f"  {role:<17} {', '.join(u['username'] for u in users[:3])}{' ...' if len(users) > 3 else ''}")
    if credentials:
        payload = {"password": password, "seed": seed, "sizes": asdict(sizes), "counts": data.counts,
                   "users": {role: [{**u, "token": tokens[u["username"]]} for u in users] for role, users in data.users.items()}}
        credentials.parent.mkdir(parents=True, exist_ok=True)
        credentials.write_text(json.dumps(payload, indent=1))
        credentials.chmod(0o600)
        click.echo(f"logins and API tokens written to {credentials}")


@hookimpl
def aftersales_cli_commands():
    return [bench_data_command]
