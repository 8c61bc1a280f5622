"""Bulk approval and exports of returns over the JSON API: the same service and transition as
the single approval and the pages, per-id results, a 422 field map for bad input, the list's
filters, neutralised formulas and a row maximum."""
import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from core.activity import ActivityEntry
from core.extensions import db
from core.testing import login_as
from plugins.rma.models import Rma

from .conftest import line
from .test_export_formulas import EVIL
from .test_workflow_api import act, file, walk_to


def bulk(client, w, user, ids, expect=200):
    r = client.post("/api/v1/rmas/bulk-approve", json={"ids": ids}, headers=w.h[user])
    assert r.status_code == expect, r.json
    return r.json


def test_bulk_approve_gives_one_result_per_id_and_approves_each_on_its_own(app, client, world):
    w = world
    a, b = walk_to(client, w, "reviewed"), walk_to(client, w, "reviewed")
    submitted = file(client, w)
    out = bulk(client, w, "order", [a["id"], submitted["id"], 999999, b["id"], a["id"]])
    by_id = {r["id"]: r for r in out["results"]}
    assert (out["approved"], out["failed"], len(out["results"])) == (2, 2, 4)  # the repeated id counts once
    year = date.today().year
    assert by_id[a["id"]]["ok"] and by_id[a["id"]]["number"] == f"RMA-{year}-000001"
    assert by_id[b["id"]]["number"] == f"RMA-{year}-000002"
    assert by_id[submitted["id"]] == {"id": submitted["id"], "ok": False, "status": 409, "code": "illegal_transition",
                                      "message": "This cannot be done in the return's current state.", "fields": {},
                                      "number": None, "version": None}
    assert by_id[999999]["status"] == 404 and not by_id[999999]["ok"]
    db.session.expire_all()
    states = {r.id: r.state for r in db.session.scalars(select(Rma))}
    assert states[a["id"]] == states[b["id"]] == "approved" and states[submitted["id"]] == "submitted"
    # the single approval's activity entry, version and detail: nothing different about the bulk path
    entries = db.session.scalars(select(ActivityEntry).where(ActivityEntry.model == "rma",
                                                             ActivityEntry.record_id == a["id"],
                                                             ActivityEntry.action == "approve")).all()
    assert len(entries) == 1
    detail = client.get(f"/api/v1/rmas/{a['id']}", headers=w.h["order"]).json
    assert detail["state"] == "approved" and detail["version"] == by_id[a["id"]]["version"]


def test_bulk_approve_messages_in_the_callers_language(app, client, world):
    w = world
    w.users["order"].language = "zh_CN"
    db.session.commit()
    submitted = file(client, w)
    out = bulk(client, w, "order", [submitted["id"]])
    message = out["results"][0]["message"]
    assert message and message != "This cannot be done in the return's current state." and "return" not in message


def test_bulk_approve_refuses_bad_input_with_a_field_map_and_wrong_roles(app, client, world):
    w = world
    for body in ({"ids": []}, {"ids": ["x"]}, {"ids": [0]}, {"ids": list(range(1, 202))}, {}, {"ids": [1], "x": 1}):
        r = client.post("/api/v1/rmas/bulk-approve", json=body, headers=w.h["order"])
        assert r.status_code == 422, (body, r.json)
        assert r.json["error"]["fields"], body
    assert "ids" in client.post("/api/v1/rmas/bulk-approve", json={"ids": list(range(1, 202))},
                                headers=w.h["order"]).json["error"]["fields"]
    a = walk_to(client, w, "reviewed")
    assert client.post("/api/v1/rmas/bulk-approve", json={"ids": [a["id"]]}, headers=w.h["d1"]).status_code == 403
    assert client.post("/api/v1/rmas/bulk-approve", json={"ids": [a["id"]]}).status_code == 401
    assert db.session.get(Rma, a["id"]).state == "reviewed"


def test_bulk_approve_page_and_api_run_the_same_checks(app, client, world):
    """A stale version from the page is refused like a stale single approval (409 message flashed)."""
    w = world
    a = walk_to(client, w, "reviewed")
    login_as(client, "order")
    r = client.post("/rma/queue/approve", data={"rma": [f"{a['id']}:{a['version'] + 5}", "junk"]},
                    follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "changed by someone else" in page and "junk: invalid input" in page
    assert db.session.get(Rma, a["id"]).state == "reviewed"


def test_api_exports_take_the_list_filters_and_neutralise_formulas(app, client, world):
    w = world
    walk_to(client, w, "approved", lines=[line(serial=EVIL)])
    file(client, w, lines=[line(serial="SUB-1")])
    h = w.h["order"]
    r = client.get("/api/v1/rmas/export.csv?state=approved", headers=h)
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/csv" and text.count("\n") == 2
    assert "'=HYPERLINK" in text and "SUB-1" not in text
    all_rows = client.get("/api/v1/rmas/export.csv", headers=h).get_data(as_text=True)
    assert "SUB-1" in all_rows and all_rows.count("\n") == 3
    # the page's export and the API's are one service: the same bytes for the same filters
    login_as(client, "order")
    assert client.get("/rma/export.csv?state=approved").get_data(as_text=True) == text
    r = client.get("/api/v1/rmas/export.xlsx?q=SUB-1", headers=h)
    ws = load_workbook(io.BytesIO(r.data)).active
    assert ws.max_row == 2 and ws.cell(1, 1).value == "number" and ws.cell(2, 15).value == "SUB-1"
    assert client.get("/api/v1/rmas/export.csv?state=nonsense", headers=h).status_code in (400, 422)
    assert client.get("/api/v1/rmas/export.csv", headers=w.h["d1"]).status_code == 403


def test_exports_have_a_row_maximum(app, client, world, monkeypatch):
    from plugins.rma import bulk as rma_bulk

    w = world
    file(client, w, lines=[line(serial="A"), line(serial="B")])
    monkeypatch.setattr(rma_bulk, "EXPORT_MAX_ROWS", 1)
    r = client.get("/api/v1/rmas/export.xlsx", headers=w.h["order"])
    assert r.status_code == 422 and "narrow the filters" in r.json["error"]["fields"]["filters"]
    login_as(client, "order")
    r = client.get("/rma/export.csv", follow_redirects=True)
    assert r.status_code == 200 and "narrow the filters" in r.get_data(as_text=True)


def test_the_new_routes_are_documented(app, client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/api/v1/rmas/bulk-approve"]
    assert set(paths["/api/v1/rmas/export.csv"]["get"]["responses"]["200"]["content"]) == {"text/csv"}
    assert "/api/v1/rmas/export.xlsx" in paths
    params = {p["name"] for p in paths["/api/v1/rmas/export.csv"]["get"]["parameters"]}
    assert {"state", "dealer_code", "sku", "overdue", "q", "date_from", "date_to"} <= params
