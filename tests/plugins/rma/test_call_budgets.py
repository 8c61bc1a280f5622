"""Function calls per transition (issue 8, fifth pass): cProfile counts the Python function calls of
a request, the same on every run for the same code and data (a loaded machine changes the time,
not the count). Ceilings, not exact pins: a library upgrade may move them a little. Before the
transitions left the unit of work (bench/README.md, fifth pass) this test measured approve 7,358
calls, ship 7,565 and the receipt of 5 lines 9,182 on SQLite (8,780 / 8,926 / 10,737 on PostgreSQL)."""
import cProfile
import pstats

from core.extensions import db

from .conftest import line, recent

# All of the sixth pass together measured 4,396 / 4,083 / 4,111 / 4,190 / 4,864 (SQLite) and 4,868 /
# 4,486 / 4,579 / 4,589 / 5,474 (PostgreSQL). Before the sixth pass: 5,406 / 5,034 / 5,062 / 5,143 / 5,825 (SQLite) and 6,483 / 6,040 / 6,139 /
# 6,143 / 7,039 (PostgreSQL) for submit / review / approve / ship / receive. Sixth pass: the action
# loader builds its objects from one Core SELECT and the answer's commit expires nothing; the answer
# reads the loaded values without ORM descriptors (services._loaded); on PostgreSQL psycopg's
# cursor.description is built only when read (core.extensions._configure_postgresql_cursors)
CEILING = {"sqlite": {"submit": 4_600, "review": 4_300, "approve": 4_300, "ship": 4_400, "receive": 5_100},
           "postgresql": {"submit": 5_100, "review": 4_700, "approve": 4_800, "ship": 4_800, "receive": 5_750}}


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
    drafts = [client.post("/api/v1/rmas", headers=h["d1"],
                          json={"lines": [line(serial=f"C{k}-{i}") for i in range(5)]}).json for k in range(5)]

    def step(who, action, body=lambda rma: {}):
        def call():
            rma = next(queue)
            r = client.post(f"/api/v1/rmas/{rma['id']}/{action}", headers=h[who],
                            json={"version": rma["version"], **body(rma)})
            assert r.status_code == 200, r.json
            done.append(r.json)
        return call

    def run(who, action, body=lambda rma: {}):
        step(who, action, body)()  # warm (first statement compilations)
        return _calls(step(who, action, body))

    measured = {}
    queue, done = iter(drafts), []
    measured["submit"] = run("d1", "submit")  # a dealer user's transition: the lines judged again
    queue, done = iter(done), []
    measured["review"] = run("rm_east", "review")
    queue, done = iter(done), []
    measured["approve"] = run("order", "approve")
    queue, done = iter(done), []
    measured["ship"] = run("d1", "ship", lambda rma: {"boxes": 2, "carrier": "SF", "tracking": "SF1"})
    queue, done = iter(done), []
    measured["receive"] = run("order", "receive", lambda rma: {
        "boxes_received": 2, "lines": [{"line_id": l["id"], "received_quantity": l["quantity"]} for l in rma["lines"]]})
    print("\ncalls per request:", measured)
    ceiling = CEILING[db.engine.dialect.name]
    assert all(measured[name] <= ceiling[name] for name in ceiling), (measured, ceiling)


# Filing a return (issue 8, sixth pass): before it, 1 line measured 4,414 calls and 5 lines 5,902 on
# SQLite (5,354 / 9,140 on PostgreSQL); after, 3,614 / 4,870 (4,554 / 8,108); with the whole sixth pass
# (request fixed cost, psycopg descriptions and placeholders) 3,236 / 4,332 (3,673 / 4,972).
FILING_CEILING = {"sqlite": {"file1": 3_400, "file5": 4_550}, "postgresql": {"file1": 3_850, "file5": 5_220}}


def test_calls_per_filing(app, client, world):
    """A draft filed by a dealer user, as the peer benchmark files it (one line of quantity 1), and
    one of 5 lines: the activity entry by a Core INSERT, no flush, the answer before the commit."""
    app.config["API_VALIDATE_RESPONSES"] = False  # as in production
    filed = []

    def filing(n_lines):
        def call():
            r = client.post("/api/v1/rmas", headers=world.h["d1"], json={"lines": [
                line(quantity=1, production_date=recent(100), serial=f"F{len(filed)}-{i}") for i in range(n_lines)]})
            assert r.status_code == 201, r.json
            filed.append(r.json["id"])
        call()  # warm (first statement compilations)
        return _calls(call)

    measured = {"file1": filing(1), "file5": filing(5)}
    print("\ncalls per filing:", measured)
    ceiling = FILING_CEILING[db.engine.dialect.name]
    assert all(measured[name] <= ceiling[name] for name in ceiling), (measured, ceiling)


# Reads (issue 8, sixth pass). The profile's list of 50 returns x 3 lines of a dealer, the order
# department's approval queue and a detail cost 6,638 / 6,623 / 2,293 calls on SQLite and 7,304 /
# 7,286 / 2,944 on PostgreSQL before the rows were serialized in place; /me and an empty list page
# (the fixed cost of every JSON request: Flask, the session cookie, the token's user copied from the
# auth cache) 2,047 / 2,638 on SQLite and 2,119 / 3,364 on PostgreSQL. The whole sixth pass measured
# 2,642 / 2,627 / 1,927 / 1,764 / 2,334 (SQLite) and 2,844 / 2,822 / 2,114 / 1,875 / 2,585 (PostgreSQL).
READ_CEILING = {"sqlite": {"list_dealer": 2_780, "list_order": 2_760, "detail": 2_030, "me": 1_850, "tiny": 2_450},
                "postgresql": {"list_dealer": 3_000, "list_order": 2_980, "detail": 2_220, "me": 1_970, "tiny": 2_720}}


def test_calls_per_read(app, client, world):
    from plugins.rma.models import Rma

    from .test_queries import seed

    app.config["API_VALIDATE_RESPONSES"] = False  # as in production
    seed(world, 60)
    rma_id = db.session.scalar(db.select(Rma.id))

    def get(path, who):
        def call():
            r = client.get(path, headers=world.h[who])
            assert r.status_code == 200, r.json
        for _ in range(3):
            call()  # warm: the first requests fill caches (statements, the token cache)
        return _calls(call)

    measured = {"list_dealer": get("/api/v1/rmas?per_page=50", "d1"),
                "list_order": get("/api/v1/rmas?per_page=50&state=reviewed", "order"),
                "detail": get(f"/api/v1/rmas/{rma_id}", "order"),
                "me": get("/api/v1/me", "order"),
                "tiny": get("/api/v1/rmas?per_page=1&state=closed", "order")}
    print("\ncalls per read:", measured)
    ceiling = READ_CEILING[db.engine.dialect.name]
    assert all(measured[name] <= ceiling[name] for name in ceiling), (measured, ceiling)
