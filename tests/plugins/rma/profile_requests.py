"""Profile of single RMA requests in-process (issue 8, bench/README.md "third pass").

Not part of the suite (the name does not start with ``test_``); run it by path:

    .venv/bin/python -m pytest -p no:xdist -s tests/plugins/rma/profile_requests.py

Per request it prints the function calls cProfile counts (deterministic: the same code and data
give the same number on a loaded machine) and the best CPU time (``time.process_time``) over
seven batches, and writes ``<name>.prof`` files to ``$PROF_OUT`` (default /tmp) for
``python -m pstats``. Responses are not validated against their schemas, as in production.
"""
import cProfile
import os
import pstats
import time

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
    best = float("inf")
    for _ in range(batches):
        start = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - start) / n)
    print(f"\nPROF {name}: {stats.total_calls // n} calls/request, cpu {best * 1e3:.2f} ms")


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

    def file():
        r = client.post("/api/v1/rmas", headers=d1,
                        json={"lines": [line(serial=f"X{len(filed)}-{i}") for i in range(5)]})
        assert r.status_code == 201, r.json
        filed.append((r.json["id"], r.json["version"]))

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
