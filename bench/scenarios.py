"""The benchmark's registries: what to measure (``SCENARIOS``) and how to fill the database
(``DATA_STEPS``). Core scenarios are registered at the bottom of this file; a plugin adds its
own from ``plugins/<id>/bench.py`` (see bench/README.md), any other file by appending to the
lists before ``bench.run.main()`` runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

PathSpec = str | Callable[["Context", int], str]
BodySpec = Callable[["Context", int], Any] | None


@dataclass
class Context:
    """What a path or body factory may use: the bench logins (from ``bench-data --credentials``),
    the sizes, and ``extra``, a dict data steps or plugins may fill (e.g. ids they created)."""
    credentials: dict
    sizes: dict
    database_url: str = ""
    extra: dict = field(default_factory=dict)

    def users(self, role: str) -> list[dict]:
        return self.credentials["users"].get(role, [])

    def user(self, role: str, n: int = 0) -> dict:
        users = self.users(role)
        if not users:
            raise LookupError(f"no bench user with role {role!r}")
        return users[n % len(users)]


@dataclass
class Step:
    """One request of a flow: ``token`` is the raw API token to send (``None``: none)."""
    method: str
    path: str
    body: Any = None
    token: str | None = None
    expect: tuple[int, ...] = (200,)


Flow = Callable[["Context", int], Any]  # generator function (ctx, connection number) -> yields Step


@dataclass
class Scenario:
    """One measured request.

    ``auth``: ``"token:<role>"`` (Bearer token of a bench user of that role), ``"session:<role>"``
    (logged in through the /login form, cookie session, CSRF token sent on writes) or ``None``.
    Each load thread uses a different user of the role (thread n -> n-th user), so dealer-scoped
    scenarios spread over several dealers. ``path`` and ``body`` may be callables
    ``(ctx, i) -> value`` where ``i`` is the request's number (0, 1, ...), for varying ids or
    fresh bodies (a POST that files a new document each time). ``body`` is sent as JSON for
    token auth and as JSON with ``X-CSRFToken`` for session auth. ``requests``/``seconds``
    override the run's defaults (a write scenario may want fewer).

    ``flow`` (instead of one request): a generator function ``(ctx, n)`` for connection ``n``
    that yields :class:`Step` requests, as several users, without end, and is sent each
    answer ``(status, body bytes)`` back: a cycle of mixed operations (file, transitions,
    lists, details). ``path`` is then only a label."""
    name: str
    path: PathSpec
    method: str = "GET"
    auth: str | None = "token:admin"
    body: BodySpec = None
    expect: tuple[int, ...] = (200,)
    group: str = "core"
    requests: int | None = None
    seconds: float | None = None
    description: str = ""
    flow: Flow | None = None

    def path_for(self, ctx: Context, i: int) -> str:
        return self.path(ctx, i) if callable(self.path) else self.path

    def body_for(self, ctx: Context, i: int):
        return self.body(ctx, i) if self.body is not None else None


@dataclass
class DataStep:
    """An ``aftersales`` CLI command run after ``bench-data`` (same database, same app).

    ``args(sizes, quick)`` returns the command's arguments, e.g.
    ``["bench-rma", "--lines", str(sizes["rma_lines"])]``; ``sizes`` holds the run's sizes,
    including any ``AFTERSALES_BENCH_<NAME>`` environment variable as ``sizes["<name>"]``.
    ``prepare(ctx)``, if given, runs once the data exists and before any scenario: the place to
    read ids the scenarios need from ``ctx.database_url`` into ``ctx.extra``."""
    name: str
    args: Callable[[dict, bool], list[str]]
    prepare: Callable[[Context], None] | None = None


SCENARIOS: list[Scenario] = []
DATA_STEPS: list[DataStep] = []


def scenario(*args, **kwargs) -> Scenario:
    """Create a :class:`Scenario` and append it to ``SCENARIOS``."""
    s = Scenario(*args, **kwargs)
    if any(existing.name == s.name for existing in SCENARIOS):
        raise ValueError(f"benchmark scenario {s.name!r} registered twice")
    SCENARIOS.append(s)
    return s


def data_step(name: str, args: Callable[[dict, bool], list[str]], prepare=None) -> DataStep:
    """Create a :class:`DataStep` and append it to ``DATA_STEPS``."""
    step = DataStep(name, args, prepare)
    DATA_STEPS.append(step)
    return step


# --- core scenarios (issue 2, "Quality bars") ----------------------------------------

scenario("api products", "/api/v1/products?per_page=50", description="first page of the catalogue, admin")
scenario("api products search", "/api/v1/products?per_page=50&q=Downlight", description="substring search on sku/name")
scenario("api products filter", "/api/v1/products?per_page=50&category_code=BENCH-STRIP&status=active&sort=-unit_price",
         description="category + status filter, sorted by price")
scenario("api products deep page", "/api/v1/products?per_page=50&page=300", description="OFFSET 14950")
scenario("api products dealer", "/api/v1/products?per_page=50", auth="token:dealer",
         description="a dealer user: active products only")
scenario("api dealers", "/api/v1/dealers?per_page=50", description="first page of dealers, admin")
scenario("api dealers search", "/api/v1/dealers?per_page=50&q=Shanghai", description="substring search on code/name/contact")
scenario("api dealers regional", "/api/v1/dealers?per_page=50", auth="token:regional_manager",
         description="a regional manager: dealers of the regions they manage")
scenario("page /products/", "/products/", auth="session:admin", description="HTML list page, cookie session")
scenario("page /dealers/", "/dealers/", auth="session:admin", description="HTML list page, cookie session")
