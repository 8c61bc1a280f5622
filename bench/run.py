"""The benchmark: ``make bench`` (or ``python bench/run.py --help``).

For each database (SQLite in a temporary folder; PostgreSQL when
``AFTERSALES_BENCH_POSTGRES_URL`` or ``AFTERSALES_TEST_POSTGRES_URL`` is set, in a throwaway
database created and dropped here): migrate, generate data, start the WSGI server
(``--server``, gunicorn sync workers by default) on a free 127.0.0.1 port, run every
registered scenario, stop the server. Prints one table per database
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
import statistics
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
    p = argparse.ArgumentParser(description="aftersales benchmark (a WSGI server + SQLite/PostgreSQL)")
    p.add_argument("--quick", action="store_true", help="small data, few requests: under a minute")
    p.add_argument("--dealers", type=int, help="default 2000 (quick 200); env AFTERSALES_BENCH_DEALERS")
    p.add_argument("--products", type=int, help="default 20000 (quick 2000); env AFTERSALES_BENCH_PRODUCTS")
    p.add_argument("--requests", type=int, help="requests per scenario, default 2000 (quick 100); env AFTERSALES_BENCH_REQUESTS")
    p.add_argument("--seconds", type=float, help="time limit per scenario, default 30 (quick 5); env AFTERSALES_BENCH_SECONDS")
    p.add_argument("--concurrency", type=int, default=env_int("concurrency", 0),
                   help="connections (threads), default = workers: every worker busy, no queueing in the latencies")
    p.add_argument("--workers", type=int, default=env_int("workers", 2), help="server processes, default 2")
    p.add_argument("--server", default=os.environ.get("AFTERSALES_BENCH_SERVER", "gunicorn-sync"),
                   help=f"WSGI server(s), comma-separated, measured in turn on the same data: {', '.join(SERVERS)}; "
                        "default gunicorn-sync; env AFTERSALES_BENCH_SERVER")
    p.add_argument("--rounds", type=int, default=env_int("rounds", 1),
                   help="with several servers: rounds, the order reversed every other round (default 1)")
    p.add_argument("--threads", type=int, default=env_int("threads", 2),
                   help="threads per process (gunicorn-gthread, granian, waitress), default 2")
    p.add_argument("--db", default=os.environ.get("AFTERSALES_BENCH_DBS", "sqlite,postgresql"),
                   help="comma-separated: sqlite, postgresql (default both; PostgreSQL only if a URL is set)")
    p.add_argument("--only", default="", help="run only scenarios whose name contains this text "
                                             "(comma-separated: any of these texts)")
    p.add_argument("--seed", type=int, default=env_int("seed", 1))
    args = p.parse_args(argv)
    base = QUICK if args.quick else FULL
    for key in ("dealers", "products", "requests", "seconds"):
        if getattr(args, key) is None:
            setattr(args, key, env_int(key, base[key]))
    args.warmup = base["warmup"]
    args.servers = [name.strip() for name in args.server.split(",") if name.strip()]
    unknown = [name for name in args.servers if name not in SERVERS]
    if unknown or not args.servers:
        p.error(f"--server: unknown {', '.join(unknown) or '(none)'}; one or more of {', '.join(SERVERS)}")
    args.concurrency = args.concurrency or args.workers
    return args


def selected(name: str, only: str) -> bool:
    """Whether ``--only`` (comma-separated texts, empty: everything) picks the scenario ``name``."""
    texts = [t for t in only.split(",") if t]
    return not texts or any(t in name for t in texts)


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


# The WSGI servers the benchmark can start (issue 8: pick the server by measurement). Each serves
# ``core:create_app()`` with ``workers`` processes on 127.0.0.1:<port>; ``threads`` is the
# threads per process where the server has them. granian, waitress and bjoern are not
# dependencies of the project: install the one to compare (bench/README.md).
SERVERS = ("gunicorn-sync", "gunicorn-gthread", "granian", "waitress", "bjoern")
APP = "core:create_app()"


def server_command(server: str, workers: int, port: int, threads: int = 2, python: str = sys.executable) -> list[str]:
    """The command line that serves the app with ``server`` (one of ``SERVERS``)."""
    bind = f"127.0.0.1:{port}"
    if server in ("gunicorn-sync", "gunicorn-gthread"):
        kind = ["-k", "gthread", "--threads", str(threads)] if server == "gunicorn-gthread" else []
        return [python, "-m", "gunicorn", "-w", str(workers), *kind, "-b", bind, "--chdir", str(ROOT), APP]
    if server == "granian":
        return [python, "-m", "granian", "--interface", "wsgi", "--workers", str(workers),
                "--blocking-threads", str(threads), "--host", "127.0.0.1", "--port", str(port),
                "--no-access-log", "--working-dir", str(ROOT), "--factory", APP.removesuffix("()")]
    if server == "waitress":  # one process (no workers): its threads share the GIL
        return [python, "-m", "waitress", "--listen", bind, "--threads", str(threads), "--call", APP.removesuffix("()")]
    if server == "bjoern":  # no command line of its own: bench/bjoern_serve.py forks the workers
        return [python, str(ROOT / "bench" / "bjoern_serve.py"), "--workers", str(workers), "--port", str(port), APP]
    raise ValueError(f"unknown server {server!r}; one of {', '.join(SERVERS)}")


class Server:
    def __init__(self, env: dict, server: str, workers: int, threads: int, log: Path):
        self.port = free_port()
        self.log = log
        self.name = server
        cmd = server_command(server, workers, self.port, threads)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited ({self.proc.returncode}); log:\n{self.log.read_text()[-3000:]}")
            try:
                c = Client(self.port, timeout=5)
                status, _ = c.request("GET", "/login")
                c.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} not ready after {timeout} s; log:\n{self.log.read_text()[-3000:]}")

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
           "AFTERSALES_SECRET_KEY": secrets.token_hex(32),
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
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
    results = []
    for round_no, server_name in server_rounds(args.servers, args.rounds):
        server = Server(env, server_name, args.workers, args.threads, tmp / f"{server_name}-{kind}-{round_no}.log")
        try:
            server.wait_ready()
            for s in registry.SCENARIOS:
                if not selected(s.name, args.only):
                    continue
                r = run_scenario(server.port, ctx, s, requests=args.requests, seconds=args.seconds,
                                 concurrency=args.concurrency, warmup=args.warmup)
                row = r.as_dict()
                row.update(group=s.group, method=s.method, auth=s.auth, server=server_name, round=round_no,
                           load_average=os.getloadavg()[0])
                results.append(row)
                label = f"{server_name} #{round_no + 1} " if len(args.servers) > 1 or args.rounds > 1 else ""
                print(f"    {label}{s.name:<28} {row['requests']:>6} req  {row['rps']:>8.1f} rps  p50 {row['p50_ms']:>7.2f} ms"
                      f"  p99 {row['p99_ms']:>7.2f} ms  load {row['load_average']:.2f}"
                      + (f"  {row['errors']} ERRORS: {row['first_error']}" if row["errors"] else ""), flush=True)
        finally:
            server.stop()
    return {"database": kind, "migrate_seconds": round(migrate_s, 2), "data_seconds": round(data_s, 2),
            "counts": ctx.credentials.get("counts", {}), "scenarios": results}


def server_rounds(servers: list[str], rounds: int) -> list[tuple[int, str]]:
    """(round, server) in the order they run: the servers in turn, the order reversed every other
    round so that none always runs first (or last) while the machine's load drifts."""
    return [(r, name) for r in range(rounds) for name in (servers if r % 2 == 0 else servers[::-1])]


def print_table(runs: list[dict]) -> None:
    print()
    header = (f"{'database':<11}{'server':<17}{'scenario':<30}{'requests':>9}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}"
              f"{'errors':>8}{'load':>7}")
    print(header)
    print("-" * len(header))
    for run in runs:
        for r in run["scenarios"]:
            print(f"{run['database']:<11}{r['server']:<17}{r['scenario']:<30}{r['requests']:>9}{r['rps']:>9.1f}"
                  f"{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['errors']:>8}{r['load_average']:>7.2f}")
    servers = list(dict.fromkeys(r["server"] for run in runs for r in run["scenarios"]))  # as given
    if len(servers) > 1:  # the servers side by side: median requests per second over the rounds
        print(f"\nmedian rps over the rounds ({', '.join(servers)}; ratio to {servers[0]}):")
        for run in runs:
            for name in dict.fromkeys(r["scenario"] for r in run["scenarios"]):
                rps = {sv: statistics.median([r["rps"] for r in run["scenarios"] if r["scenario"] == name and r["server"] == sv] or [0])
                       for sv in servers}
                base = rps[servers[0]] or 1
                print(f"  {run['database']:<11}{name:<28}" + "  ".join(f"{sv} {v:.1f} ({v / base:.2f}x)" for sv, v in rps.items()))


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
          f"scenario (at most {args.seconds:g} s), {args.concurrency} connections, {', '.join(args.servers)} with "
          f"{args.workers} workers ({args.threads} threads where threaded), {args.rounds} round(s), "
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
