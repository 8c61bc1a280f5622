"""The benchmark: ``make bench`` (or ``python bench/run.py --help``).

For each database (SQLite in a temporary folder; PostgreSQL when
``AFTERSALES_BENCH_POSTGRES_URL`` or ``AFTERSALES_TEST_POSTGRES_URL`` is set, in a throwaway
database created and dropped here): migrate, generate data, start gunicorn on a free
127.0.0.1 port, run every registered scenario, stop gunicorn. Prints one table per database
and writes everything to ``bench/results/<timestamp>.json``.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import scenarios as registry  # noqa: E402
from bench.load import Client, run_scenario  # noqa: E402

RESULTS = ROOT / "bench" / "results"
FULL = {"dealers": 2000, "products": 20000, "requests": 2000, "seconds": 30.0, "warmup": 5}
QUICK = {"dealers": 200, "products": 2000, "requests": 100, "seconds": 5.0, "warmup": 2}


def env_int(name: str, default):
    value = os.environ.get(f"AFTERSALES_BENCH_{name.upper()}")
    return type(default)(value) if value not in (None, "") else default


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="aftersales benchmark (gunicorn + SQLite/PostgreSQL)")
    p.add_argument("--quick", action="store_true", help="small data, few requests: under a minute")
    p.add_argument("--dealers", type=int, help="default 2000 (quick 200); env AFTERSALES_BENCH_DEALERS")
    p.add_argument("--products", type=int, help="default 20000 (quick 2000); env AFTERSALES_BENCH_PRODUCTS")
    p.add_argument("--requests", type=int, help="requests per scenario, default 2000 (quick 100); env AFTERSALES_BENCH_REQUESTS")
    p.add_argument("--seconds", type=float, help="time limit per scenario, default 30 (quick 5); env AFTERSALES_BENCH_SECONDS")
    p.add_argument("--concurrency", type=int, default=env_int("concurrency", 0),
                   help="connections (threads), default = workers: every worker busy, no queueing in the latencies")
    p.add_argument("--workers", type=int, default=env_int("workers", 2), help="gunicorn workers, default 2")
    p.add_argument("--db", default=os.environ.get("AFTERSALES_BENCH_DBS", "sqlite,postgresql"),
                   help="comma-separated: sqlite, postgresql (default both; PostgreSQL only if a URL is set)")
    p.add_argument("--only", default="", help="run only scenarios whose name contains this text")
    p.add_argument("--seed", type=int, default=env_int("seed", 1))
    args = p.parse_args(argv)
    base = QUICK if args.quick else FULL
    for key in ("dealers", "products", "requests", "seconds"):
        if getattr(args, key) is None:
            setattr(args, key, env_int(key, base[key]))
    args.warmup = base["warmup"]
    args.concurrency = args.concurrency or args.workers
    return args


def load_plugin_benchmarks() -> list[str]:
    """Import ``plugins/<id>/bench.py`` of every plugin that has one; its ``register(registry)``
    appends scenarios and data steps. Returns the plugin ids."""
    found = []
    enabled = os.environ.get("AFTERSALES_PLUGINS")
    wanted = None if enabled is None else {p.strip() for p in enabled.split(",") if p.strip()}
    for path in sorted((ROOT / "plugins").glob("*/bench.py")):
        plugin_id = path.parent.name
        if wanted is not None and plugin_id not in wanted:
            continue
        spec = importlib.util.spec_from_file_location(f"aftersales_bench_{plugin_id}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if hasattr(module, "register"):
            module.register(registry)
        found.append(plugin_id)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(env: dict, *args: str) -> str:
    """Run an ``aftersales`` command (this checkout's code) and return its output."""
    cmd = [sys.executable, "-m", "flask", "--app", "core:create_app", *args]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"command failed: {' '.join(args)}\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


class Gunicorn:
    def __init__(self, env: dict, workers: int, log: Path):
        self.port = free_port()
        self.log = log
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
               "--chdir", str(ROOT), "core:create_app()"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.proc.returncode}); log:\n{self.log.read_text()[-3000:]}")
            try:
                c = Client(self.port, timeout=5)
                status, _ = c.request("GET", "/login")
                c.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn not ready after {timeout} s; log:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # our own process group (start_new_session)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def postgres_base_url() -> str | None:
    return os.environ.get("AFTERSALES_BENCH_POSTGRES_URL") or os.environ.get("AFTERSALES_TEST_POSTGRES_URL")


class ThrowawayPostgres:
    def __init__(self, base_url: str):
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.base = make_url(base_url)
        self.name = f"aftersales_bench_{uuid.uuid4().hex[:10]}"
        self.admin = create_engine(self.base.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def __enter__(self) -> str:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.base.set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc):
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def bench_database(kind: str, url: str, args, tmp: Path) -> dict:
    env = {**os.environ, "AFTERSALES_DATABASE_URL": url, "AFTERSALES_INSTANCE_PATH": str(tmp / f"instance-{kind}"),
           "AFTERSALES_SECRET_KEY": secrets.token_hex(32), "PYTHONPATH": str(ROOT)}
    env.pop("AFTERSALES_TEST_DATABASE_URL", None)
    sizes = {"dealers": args.dealers, "products": args.products}
    sizes.update({k[len("AFTERSALES_BENCH_"):].lower(): v for k, v in os.environ.items()
                  if k.startswith("AFTERSALES_BENCH_") and k[len("AFTERSALES_BENCH_"):].lower() not in sizes})
    t0 = time.perf_counter()
    cli(env, "db", "upgrade", "heads")  # core + one Alembic branch per plugin
    migrate_s = time.perf_counter() - t0
    credentials_file = tmp / f"credentials-{kind}.json"
    t0 = time.perf_counter()
    out = cli(env, "bench-data", "--dealers", str(args.dealers), "--products", str(args.products),
              "--seed", str(args.seed), "--credentials", str(credentials_file))
    for step in registry.DATA_STEPS:
        out += cli(env, *step.args(sizes, args.quick))
    data_s = time.perf_counter() - t0
    print(f"[{kind}] migrated in {migrate_s:.1f} s, data in {data_s:.1f} s:")
    print("\n".join("    " + line for line in out.strip().splitlines()))
    ctx = registry.Context(credentials=json.loads(credentials_file.read_text()), sizes=sizes, database_url=url)
    for step in registry.DATA_STEPS:
        if step.prepare is not None:
            step.prepare(ctx)
    server = Gunicorn(env, args.workers, tmp / f"gunicorn-{kind}.log")
    results = []
    try:
        server.wait_ready()
        for s in registry.SCENARIOS:
            if args.only and args.only not in s.name:
                continue
            r = run_scenario(server.port, ctx, s, requests=args.requests, seconds=args.seconds,
                             concurrency=args.concurrency, warmup=args.warmup)
            row = r.as_dict()
            row.update(group=s.group, method=s.method, auth=s.auth)
            results.append(row)
            print(f"    {s.name:<28} {row['requests']:>6} req  {row['rps']:>8.1f} rps  p50 {row['p50_ms']:>7.2f} ms"
                  f"  p99 {row['p99_ms']:>7.2f} ms" + (f"  {row['errors']} ERRORS: {row['first_error']}" if row["errors"] else ""),
                  flush=True)
    finally:
        server.stop()
    return {"database": kind, "migrate_seconds": round(migrate_s, 2), "data_seconds": round(data_s, 2),
            "counts": ctx.credentials.get("counts", {}), "scenarios": results}


def print_table(runs: list[dict]) -> None:
    print()
    header = f"{'database':<11}{'scenario':<30}{'requests':>9}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
    print(header)
    print("-" * len(header))
    for run in runs:
        for r in run["scenarios"]:
            print(f"{run['database']:<11}{r['scenario']:<30}{r['requests']:>9}{r['rps']:>9.1f}"
                  f"{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['errors']:>8}")


def git_revision() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def main(argv=None) -> int:
    args = parse_args(argv)
    plugins = load_plugin_benchmarks()
    wanted = {d.strip() for d in args.db.split(",") if d.strip()}
    started = datetime.now(timezone.utc)
    print(f"aftersales benchmark: {args.dealers} dealers, {args.products} products, {args.requests} requests per "
          f"scenario (at most {args.seconds:g} s), {args.concurrency} connections, gunicorn -w {args.workers}, "
          f"{os.cpu_count()} CPUs" + (f"; plugin scenarios from {', '.join(plugins)}" if plugins else ""))
    runs = []
    with tempfile.TemporaryDirectory(prefix="aftersales-bench-") as tmpdir:
        tmp = Path(tmpdir)
        if "sqlite" in wanted:
            runs.append(bench_database("sqlite", f"sqlite:///{tmp / 'bench.db'}", args, tmp))
        if "postgresql" in wanted:
            base = postgres_base_url()
            if base:
                with ThrowawayPostgres(base) as url:
                    runs.append(bench_database("postgresql", url, args, tmp))
            else:
                print("(PostgreSQL skipped: set AFTERSALES_BENCH_POSTGRES_URL or AFTERSALES_TEST_POSTGRES_URL)")
    print_table(runs)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{started:%Y%m%dT%H%M%SZ}{'-quick' if args.quick else ''}.json"
    out.write_text(json.dumps({"started": started.isoformat(), "git": git_revision(), "host": platform.node(),
                               "cpus": os.cpu_count(), "python": platform.python_version(),
                               "options": {k: v for k, v in vars(args).items()}, "plugins": plugins, "runs": runs},
                              indent=1))
    print(f"\nresults written to {out.relative_to(ROOT)}")
    errors = sum(r["errors"] for run in runs for r in run["scenarios"])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
