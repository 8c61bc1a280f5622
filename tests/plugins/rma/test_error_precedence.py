"""POST /api/v1/rmas/<id>/<action>: 404 outside scope, then 403 role, then 409 stale/state, then 400/422 body."""
import pytest

from .test_workflow_api import file, walk_to

BAD = {"ship": {"boxes": "many", "carrier": ""}, "receive": {"lines": "nope"}, "inspect": {"lines": [{"x": 1}]},
       "resolve": {"lines": 5}, "reject": {"reason": ""}}


def post(client, w, user, rma_id, action, body):
    return client.post(f"/api/v1/rmas/{rma_id}/{action}", json=body, headers=w.h[user])


@pytest.mark.parametrize("action", ["ship", "receive", "inspect", "resolve", "reject"])
def test_outside_scope_is_404_even_with_a_bad_body(app, client, world, action):
    rma = file(client, world)
    r = post(client, world, "d2", rma["id"], action, {"version": "x", **BAD[action]})
    assert r.status_code == 404


@pytest.mark.parametrize("action,user", [("receive", "tech"), ("inspect", "order"), ("resolve", "tech"),
                                         ("ship", "order"), ("approve", "rm_east"), ("review", "order")])
def test_wrong_role_is_403_before_state_version_or_body(app, client, world, action, user):
    rma = file(client, world)  # submitted: wrong state for most, and the version is stale below
    r = post(client, world, user, rma["id"], action, {"version": rma["version"] + 7, **BAD.get(action, {})})
    assert r.status_code == 403, r.json
    assert r.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize("action,state,user", [("receive", "shipped", "order"), ("inspect", "received", "tech"),
                                               ("resolve", "inspected", "order"), ("ship", "approved", "d1"),
                                               ("reject", "reviewed", "order")])
def test_stale_version_is_409_before_a_bad_body(app, client, world, action, state, user):
    rma = walk_to(client, world, state)
    r = post(client, world, user, rma["id"], action, {"version": rma["version"] - 1, **BAD[action]})
    assert r.status_code == 409 and r.json["error"]["code"] == "stale_version", r.json


@pytest.mark.parametrize("action,user", [("receive", "order"), ("inspect", "tech"), ("resolve", "order"),
                                         ("ship", "d1")])
def test_illegal_state_is_409_before_a_bad_body(app, client, world, action, user):
    rma = file(client, world)  # submitted
    r = post(client, world, user, rma["id"], action, {"version": rma["version"], **BAD[action]})
    assert r.status_code == 409 and r.json["error"]["code"] == "illegal_transition", r.json


@pytest.mark.parametrize("action,state,user", [("receive", "shipped", "order"), ("inspect", "received", "tech"),
                                               ("resolve", "inspected", "order"), ("ship", "approved", "d1"),
                                               ("reject", "submitted", "rm_east")])
def test_bad_body_is_422_when_everything_else_is_right(app, client, world, action, state, user):
    rma = walk_to(client, world, state)
    r = post(client, world, user, rma["id"], action, {"version": rma["version"], **BAD[action]})
    assert r.status_code == 422, r.json
    from plugins.rma.models import Rma
    from core.extensions import db
    db.session.expire_all()
    assert db.session.get(Rma, rma["id"]).state == state


def test_missing_version_or_non_json_body(app, client, world):
    rma = walk_to(client, world, "approved")
    r = post(client, world, "d1", rma["id"], "ship", {"boxes": 1, "carrier": "SF", "tracking": "1"})
    assert r.status_code == 422 and "version" in r.json["error"]["fields"]
    r = client.post(f"/api/v1/rmas/{rma['id']}/ship", data="boxes=1", headers={
        **world.h["d1"], "Content-Type": "text/plain"})
    assert r.status_code == 400
    r = post(client, world, "d1", rma["id"], "ship", {"version": rma["version"], "boxes": 1, "carrier": "SF",
                                                      "tracking": "1"})
    assert r.status_code == 200 and r.json["state"] == "shipped"


def test_openapi_still_documents_the_transition_bodies(app, client, world):
    spec = client.get("/api/v1/openapi.json", headers=world.h["admin"])
    assert spec.status_code == 200
    op = spec.json["paths"]["/api/v1/rmas/{rma_id}/ship"]["post"]
    assert "ShipIn" in str(op["requestBody"])
