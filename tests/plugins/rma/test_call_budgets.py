"""Function calls per transition (issue 8, fifth pass): cProfile counts the Python function calls of
a request, the same on every run for the same code and data (a loaded machine changes the time,
not the count). Ceilings, not exact pins: a library upgrade may move them a little. Before the
transitions left the unit of work (bench/README.md, fifth pass) this test measured approve 7,358
calls, ship 7,565 and the receipt of 5 lines 9,182 on SQLite (8,780 / 8,926 / 10,737 on PostgreSQL)."""
import cProfile
import pstats

from core.extensions import db

from .conftest import line

# measured 5,061 / 5,142 / 5,828 (SQLite) and 6,137 / 6,141 / 7,035 (PostgreSQL)
CEILING = {"sqlite": {"approve": 5_500, "ship": 5_600, "receive": 6_300},
           "postgresql": {"approve": 6_600, "ship": 6_600, "receive": 7_600}}


def _calls(fn, n=3) -> int:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        fn()
    profile.disable()
    return pstats.Stats(profile).total_calls // n


def test_calls_per_transition(app, client, world):
    app.config["API_VALIDATE_RESPONSES"] = False  # as in production
    h = world.h
    returns = []
    for k in range(5):
        rma = client.post("/api/v1/rmas", headers=h["d1"],
                          json={"lines": [line(serial=f"C{k}-{i}") for i in range(5)]}).json
        for who, action in (("d1", "submit"), ("rm_east", "review")):
            rma = client.post(f"/api/v1/rmas/{rma['id']}/{action}", headers=h[who], json={"version": rma["version"]}).json
        returns.append(rma)
    queue = iter(returns[1:])

    def step(who, action, body=lambda rma: {}):
        def call():
            rma = next(queue)
            r = client.post(f"/api/v1/rmas/{rma['id']}/{action}", headers=h[who],
                            json={"version": rma["version"], **body(rma)})
            assert r.status_code == 200, r.json
            done.append(r.json)
        return call

    def run(who, action, body=lambda rma: {}):
        nonlocal queue
        step(who, action, body)()  # warm (first statement compilations)
        return _calls(step(who, action, body))

    measured = {}
    done = []
    queue = iter(returns)
    measured["approve"] = run("order", "approve")
    queue, done = iter(done), []
    measured["ship"] = run("d1", "ship", lambda rma: {"boxes": 2, "carrier": "SF", "tracking": "SF1"})
    queue, done = iter(done), []
    measured["receive"] = run("order", "receive", lambda rma: {
        "boxes_received": 2, "lines": [{"line_id": l["id"], "received_quantity": l["quantity"]} for l in rma["lines"]]})
    print("\ncalls per request:", measured)
    ceiling = CEILING[db.engine.dialect.name]
    assert all(measured[name] <= ceiling[name] for name in ceiling), (measured, ceiling)


# Fixed cost of every JSON request (sixth pass, bench/README.md): before it, /me 2,047 calls, a
# detail read 2,293 and an empty list page 2,638 on SQLite (2,119 / 2,945 / 3,364 on PostgreSQL);
# measured after it 1,809 / 2,030 / 2,375 (SQLite) and 1,881 / 2,682 / 3,101 (PostgreSQL).
READ_CEILING = {"sqlite": {"me": 1_900, "detail": 2_120, "tiny": 2_470},
                "postgresql": {"me": 1_970, "detail": 2_780, "tiny": 3_200}}


def test_calls_per_read(app, client, world):
    """The per-request work of Flask, the session cookie and token authentication (the token's
    user copied from the auth cache) on the cheapest reads: the user's own record, one return,
    an empty page."""
    from plugins.rma.models import Rma

    from .test_queries import seed

    app.config["API_VALIDATE_RESPONSES"] = False  # as in production
    seed(world, 60)  # as profile_requests.py
    rid = db.session.scalar(db.select(Rma.id))
    order = world.h["order"]
    paths = {"me": "/api/v1/me", "detail": f"/api/v1/rmas/{rid}", "tiny": "/api/v1/rmas?per_page=1&state=closed"}

    def get(path):
        def call():
            r = client.get(path, headers=order)
            assert r.status_code == 200, r.json
        return call

    measured = {}
    for name, path in paths.items():
        for _ in range(3):
            get(path)()  # warm (statement compilations, the auth cache)
        measured[name] = _calls(get(path))
    print("\ncalls per read:", measured)
    ceiling = READ_CEILING[db.engine.dialect.name]
    assert all(measured[name] <= ceiling[name] for name in ceiling), (measured, ceiling)
