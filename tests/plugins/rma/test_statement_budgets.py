"""Statement budgets of the RMA hot paths (issue 8), measured with a warm token cache the way a
running server sees them (SQLite's explicit BEGIN is not a statement of the request).

Goal: reads <= 4, writes <= 6. BUDGET holds what is reached today (exactly); the gap is in
bench/README.md."""
import pytest

from core.extensions import db
from core.testing import count_queries
from plugins.rma.models import Rma

from .conftest import line
from .test_queries import seed

# Reached, asserted exactly: a request that runs one statement more (or less) fails until this
# table is updated. Before issue 8: lists 7, detail 8, file 14, submit 12, review 14, approve 16,
# ship 10, receive 14, inspect 11, resolve 11, close 10. The first number of a year costs one
# statement (an upsert), not three. Filing: PostgreSQL inserts the 5 lines in one statement with
# RETURNING; SQLite (no ordered RETURNING for a batch) in one statement too, with ids numbered from
# the last line id, read by the product lookup itself in a writing request (its BEGIN IMMEDIATE holds
# the write lock): was 5 INSERTs, 10 in all, then a SELECT max(id) of its own, 7.
# Notifications: one INSERT .. SELECT per transition for every group told (review told two groups
# with 2 SELECTs + 2 INSERTs). PATCH of a draft and POST /boxes answer from the flushed session like
# the other writes (they reloaded the record after the commit: 12 (PostgreSQL 11) and 8).
# Write path, second pass: an action loads the return with its lines in ONE statement (joined, was a
# selectin second SELECT: -1 on every action), and a dealer user's scope takes its dealer's kind from
# the token cache (no SELECT core_dealer: -1 on submit, ship, confirm-return, boxes, patch, detail
# dealer). Receive, inspect and resolve write all lines in one UPDATE whatever each line changes
# (test_write_path). Before this pass: file 7 (PostgreSQL 6), submit 8, review 6, approve 7, ship 7,
# receive 7, inspect 7, resolve 7, return-ship 6, confirm-return 7, close 6, patch 10 (9), boxes 6.
# Filing path (fifth pass): filing reads the dealer with the products in one statement (was a SELECT
# core_dealer of its own: 6 -> 5); a draft's PATCH takes the return with its version UPDATE ..
# RETURNING (scoped, a draft of that version) instead of a load before it (7 -> 6: auth version,
# UPDATE, dealer and products, old lines' DELETE, new lines' INSERT, activity).
# Sixth pass: a dealer user's list asks the token cache whether the dealer is an agent
# (``User.dealer_kind``) instead of loading the dealer (lists dealer and agent 3 -> 2).
BUDGET = {"list dealer": 2, "list agent": 2, "list order": 2, "detail": 2, "detail dealer": 2, "file 5 lines": 5,
          "submit": 6, "review": 5, "approve": 6, "ship": 5, "receive": 6, "inspect": 6,
          "resolve": 6, "return-ship": 5, "confirm-return": 5, "close": 5, "patch draft": 6, "boxes": 4}
POSTGRESQL: dict = {}


def budget(name):
    return POSTGRESQL.get(name, BUDGET[name]) if db.engine.dialect.name == "postgresql" else BUDGET[name]


def _count(app, client, method, path, headers, **kw):
    # the token and the settings are cached, as on a running server
    assert client.get("/api/v1/rmas?per_page=1", headers=headers).status_code == 200
    with count_queries(app) as q:
        r = getattr(client, method)(path, headers=headers, **kw)
    statements = [s for s in q.statements if not s.lstrip().upper().startswith("BEGIN")]
    return r, statements


def _show(name, statements):
    print(f"\n== {name}: {len(statements)}")
    for s in statements:
        print("   ", " ".join(s.split())[:160])


@pytest.mark.parametrize("who,name,query", [("d1", "list dealer", ""), ("a1", "list agent", ""),
                                            ("order", "list order", "&state=reviewed")])
def test_list_budgets(app, client, world, who, name, query):
    seed(world, 60)
    seed(world, 20, dealer=world.dist)
    seed(world, 20, dealer=world.agent)
    r, statements = _count(app, client, "get", f"/api/v1/rmas?per_page=50{query}", world.h[who])
    assert r.status_code == 200 and r.json["items"]
    _show(name, statements)
    assert len(statements) == budget(name), statements


@pytest.mark.parametrize("who,name", [("order", "detail"), ("d1", "detail dealer")])
def test_detail_budget(app, client, world, who, name):
    seed(world, 1)
    rma_id = db.session.scalar(db.select(Rma.id))
    r, statements = _count(app, client, "get", f"/api/v1/rmas/{rma_id}", world.h[who])
    assert r.status_code == 200 and len(r.json["lines"]) == 3
    _show(name, statements)
    assert len(statements) == budget(name), statements


def test_write_budgets(app, client, world):
    w = world
    r, statements = _count(app, client, "post", "/api/v1/rmas", w.h["d1"],
                           json={"lines": [line(serial=f"X{i}") for i in range(5)]})
    assert r.status_code == 201
    _show("file 5 lines", statements)
    assert len(statements) == budget("file 5 lines"), statements
    rma = r.json
    steps = [("d1", "submit", {}), ("rm_east", "review", {}), ("order", "approve", {}),
             ("d1", "ship", {"boxes": 2, "carrier": "顺丰", "tracking": "SF123"}),
             ("order", "receive", lambda r: {"lines": [{"line_id": l["id"], "received_quantity": l["quantity"]}
                                                     for l in r["lines"]], "boxes_received": 2}),
             ("tech", "inspect", lambda r: {"lines": [{"line_id": l["id"], "verdict": "quality_fault"}
                                                    for l in r["lines"]]}),
             ("order", "resolve", lambda r: {"lines": [{"line_id": l["id"], "resolution": "replace"}
                                                     for l in r["lines"]]}),
             ("order", "return-ship", {"boxes": 1, "carrier": "顺丰", "tracking": "SF456"}),
             ("d1", "confirm-return", {}),
             ("order", "close", {})]
    for who, action, body in steps:
        body = body(rma) if callable(body) else body
        r, statements = _count(app, client, "post", f"/api/v1/rmas/{rma['id']}/{action}", w.h[who],
                               json={"version": rma["version"], **body})
        assert r.status_code == 200, (action, r.json)
        rma = r.json
        _show(action, statements)
        assert len(statements) == budget(action), (action, statements)


def test_draft_edit_and_box_count_budgets(app, client, world):
    """PATCH of a draft and the box count answer what a fresh read shows, within their budgets."""
    w = world
    rma = client.post("/api/v1/rmas", headers=w.h["d1"], json={"lines": [line(serial="P1")]}).json
    r, statements = _count(app, client, "patch", f"/api/v1/rmas/{rma['id']}", w.h["d1"],
                           json={"version": rma["version"], "lines": [line(serial="P2"), line(serial="P3")]})
    assert r.status_code == 200, r.json
    _show("patch draft", statements)
    assert len(statements) == budget("patch draft"), statements
    assert r.json == client.get(f"/api/v1/rmas/{rma['id']}", headers=w.h["d1"]).json | {"cost": r.json.get("cost")}
    assert [l["serial"] for l in r.json["lines"]] == ["P2", "P3"]
    rma = client.post(f"/api/v1/rmas/{rma['id']}/submit", headers=w.h["d1"], json={"version": r.json["version"]}).json
    rma = client.post(f"/api/v1/rmas/{rma['id']}/review", headers=w.h["rm_east"], json={"version": rma["version"]}).json
    rma = client.post(f"/api/v1/rmas/{rma['id']}/approve", headers=w.h["order"], json={"version": rma["version"]}).json
    r, statements = _count(app, client, "post", f"/api/v1/rmas/{rma['id']}/boxes", w.h["d1"],
                           json={"version": rma["version"], "boxes": 3})
    assert r.status_code == 200, r.json
    _show("boxes", statements)
    assert len(statements) == budget("boxes"), statements
    assert r.json["boxes"] == 3 and r.json["version"] == rma["version"] + 1
    assert r.json == client.get(f"/api/v1/rmas/{rma['id']}", headers=w.h["d1"]).json | {"cost": r.json.get("cost")}


def test_filed_lines_keep_their_order_and_fresh_ids(app, client, world):
    """Lines numbered by the application on SQLite: in the order filed, after every existing line
    (also when the newest lines were deleted), each return with its own lines."""
    from plugins.rma.models import RmaLine

    w = world
    first = client.post("/api/v1/rmas", headers=w.h["d1"], json={"lines": [line(serial=f"A{i}") for i in range(3)]})
    assert first.status_code == 201
    db.session.execute(db.delete(RmaLine).where(RmaLine.id == first.json["lines"][-1]["id"]))
    db.session.commit()
    second = client.post("/api/v1/rmas", headers=w.h["d1"], json={"lines": [line(serial=f"B{i}") for i in range(4)]})
    assert second.status_code == 201, second.json
    ids = [l["id"] for l in second.json["lines"]]
    assert [l["serial"] for l in second.json["lines"]] == ["B0", "B1", "B2", "B3"]
    assert ids == sorted(ids) and len(set(ids)) == 4 and min(ids) > first.json["lines"][1]["id"]
    again = client.get(f"/api/v1/rmas/{second.json['id']}", headers=w.h["d1"]).json
    assert again["lines"] == second.json["lines"]
    assert [l["serial"] for l in client.get(f"/api/v1/rmas/{first.json['id']}", headers=w.h["d1"]).json["lines"]] \
        == ["A0", "A1"]
