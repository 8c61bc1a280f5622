"""Profile of single RMA requests in-process (issue 8, bench/README.md "third pass").

Not part of the suite (the name does not start with ``test_``); run it by path:

    .venv/bin/python -m pytest -p no:xdist -s tests/plugins/rma/profile_requests.py

Per request it prints the function calls cProfile counts (deterministic: the same code and data
give the same number on a loaded machine), the best CPU time (``time.process_time``) and wall time
(``time.perf_counter``: CPU plus waiting for the database) over seven batches, the round trips to
the database server (PostgreSQL: libpq's protocol trace; SQLite: the statements SQLAlchemy sends,
which no longer include the explicit BEGIN: core.extensions sends it to the driver directly),
and writes ``<name>.prof`` files to ``$PROF_OUT`` (default /tmp) for
``python -m pstats``. Responses are not validated against their schemas, as in production.
"""
import cProfile
import os
import pstats
import tempfile
import time

from sqlalchemy import event

from core.extensions import db
from plugins.rma.models import Rma

from .conftest import line
from .test_queries import seed

OUT = os.environ.get("PROF_OUT", "/tmp")


def prof(name, fn, n=20, batches=7):
    fn()  # warm
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        fn()
    profile.disable()
    stats = pstats.Stats(profile)
    stats.dump_stats(f"{OUT}/{name}.prof")
    trips = round_trips(fn)
    best = wall = float("inf")
    for _ in range(batches):
        start, start_wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - start) / n)
        wall = min(wall, (time.perf_counter() - start_wall) / n)
    print(f"\nPROF {name}: {stats.total_calls // n} calls/request, cpu {best * 1e3:.2f} ms, "
          f"wall {wall * 1e3:.2f} ms, {trips}")


def round_trips(fn):
    """The round trips one call of ``fn`` makes to the database: on PostgreSQL the messages the
    server answers with ReadyForQuery in libpq's trace (BEGIN, COMMIT, ROLLBACK, DEALLOCATE and
    each statement; a Parse is a statement not yet prepared), on SQLite the statements SQLAlchemy
    sends (no network: for comparison)."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        sent = []

        def count(conn, cursor, statement, *args):
            sent.append(statement.split(None, 1)[0].upper())

        event.listen(engine, "before_cursor_execute", count)
        try:
            fn()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return f"{len(sent)} statements ({' '.join(sent)})"
    from psycopg import pq

    trace = tempfile.TemporaryFile("w+")

    def start(dbapi_connection, record, proxy):
        dbapi_connection.pgconn.trace(trace.fileno())
        dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def stop(dbapi_connection, record):
        dbapi_connection.pgconn.untrace()

    event.listen(engine.pool, "checkout", start)
    event.listen(engine.pool, "checkin", stop)
    try:
        fn()
    finally:
        event.remove(engine.pool, "checkout", start)
        event.remove(engine.pool, "checkin", stop)
    trace.seek(0)
    sent = []
    for message in trace.read().splitlines():
        parts = message.split("\t")
        if parts[0] == "F" and parts[2] in ("Query", "Parse", "Bind"):
            sent.append(parts[2] + (parts[3].split()[0].strip('"') if parts[2] == "Query" else ""))
        if parts[0] == "B" and parts[2] == "ReadyForQuery":
            sent.append("|")
    return f"{sent.count('|')} round trips ({' '.join(sent)})"


def test_profile(app, client, world):
    w = world
    app.config["API_VALIDATE_RESPONSES"] = False  # as in production
    seed(w, 60)
    rid = db.session.scalar(db.select(Rma.id))
    order, d1 = w.h["order"], w.h["d1"]

    def get(path, headers):
        def call():
            r = client.get(path, headers=headers)
            assert r.status_code == 200
        return call

    prof("list_dealer", get("/api/v1/rmas?per_page=50", d1))  # 50 returns x 3 lines
    prof("list_order", get("/api/v1/rmas?per_page=50&state=reviewed", order))
    prof("detail", get(f"/api/v1/rmas/{rid}", order))
    prof("tiny", get("/api/v1/rmas?per_page=1&state=closed", order))  # an empty page
    prof("me", get("/api/v1/me", order))

    filed = []

    def file(lines=5, into=filed):
        r = client.post("/api/v1/rmas", headers=d1,
                        json={"lines": [line(serial=f"X{len(filed)}-{i}" if into is filed else f"Y{len(into)}")
                                         for i in range(lines)]})
        assert r.status_code == 201, r.json
        into.append((r.json["id"], r.json["version"]))

    ones = []
    prof("file1", lambda: file(1, ones), n=10, batches=2)  # the peer bench's "create 1 line"
    prof("file5", file, n=10, batches=2)
    draft = client.post("/api/v1/rmas", headers=d1, json={"lines": [line(serial=f"D-{i}") for i in range(5)]}).json

    def patch_draft():  # its 5 lines replaced by 5 others
        r = client.patch(f"/api/v1/rmas/{draft['id']}", headers=d1, json={
            "version": draft["version"], "lines": [line(serial=f"D{draft['version']}-{i}") for i in range(5)]})
        assert r.status_code == 200, r.json
        draft["version"] = r.json["version"]

    prof("patch_draft", patch_draft, n=10, batches=2)
    for _ in range(60):
        file()
    drafts = iter(filed)
    submitted = []

    def submit():  # a dealer user's transition: the 5 lines judged again, a filing number drawn
        rma_id, version = next(drafts)
        r = client.post(f"/api/v1/rmas/{rma_id}/submit", headers=d1, json={"version": version})
        assert r.status_code == 200, r.json
        submitted.append((rma_id, r.json["version"]))

    prof("submit", submit, n=9, batches=2)
    for rma_id, version in filed[len(submitted):]:
        r = client.post(f"/api/v1/rmas/{rma_id}/submit", headers=d1, json={"version": version})
        assert r.status_code == 200, r.json
        submitted.append((rma_id, r.json["version"]))
    to_review = iter(submitted)
    reviewed = []

    def review():  # the regional manager's transition
        rma_id, version = next(to_review)
        r = client.post(f"/api/v1/rmas/{rma_id}/review", headers=w.h["rm_east"], json={"version": version})
        assert r.status_code == 200, r.json
        reviewed.append((rma_id, r.json["version"]))

    prof("review", review, n=9, batches=2)
    while len(reviewed) < len(submitted):
        review()
    pending = iter(reviewed)

    def approve():
        rma_id, version = next(pending)
        r = client.post(f"/api/v1/rmas/{rma_id}/approve", headers=order, json={"version": version})
        assert r.status_code == 200, r.json

    prof("approve", approve, n=9, batches=2)
    shipping = iter(in_state(client, order, filed, "approved"))

    def ship():  # a dealer user's transition (its acting dealer and scope)
        rma = next(shipping)
        r = client.post(f"/api/v1/rmas/{rma['id']}/ship", headers=d1,
                        json={"version": rma["version"], "boxes": 2, "carrier": "SF", "tracking": "SF1"})
        assert r.status_code == 200, r.json

    prof("ship", ship, n=9, batches=2)
    receiving = iter(in_state(client, order, filed, "shipped"))

    def receive():  # 5 lines updated
        rma = next(receiving)
        r = client.post(f"/api/v1/rmas/{rma['id']}/receive", headers=order, json={
            "version": rma["version"], "boxes_received": 2,
            "lines": [{"line_id": l["id"], "received_quantity": l["quantity"]} for l in rma["lines"]]})
        assert r.status_code == 200, r.json

    prof("receive5", receive, n=9, batches=2)


def in_state(client, headers, filed, state):
    """The filed returns now in ``state``, as the API shows them."""
    returns = (client.get(f"/api/v1/rmas/{rma_id}", headers=headers).json for rma_id, _version in filed)
    return [rma for rma in returns if rma["state"] == state]
