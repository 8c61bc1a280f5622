"""Penalties and freight claims run on the core Workflow: each decision bumps the version, writes
its activity entry and fires its event after the commit (as chargebacks and returns do)."""
import io

from sqlalchemy import select

from core.activity import ActivityEntry
from core.extensions import db
from core.plugin_system import hookimpl

from .conftest import line
from .test_workflow_api import act, walk_to

PDF = b"%PDF-1.4\n%fake\n"


def _entries(model, record_id):
    return [e.action for e in db.session.scalars(select(ActivityEntry).where(
        ActivityEntry.model == model, ActivityEntry.record_id == record_id).order_by(ActivityEntry.id))]


def test_penalty_and_claim_decisions_fire_events_after_commit_with_activity_and_versions(app, client, world):
    w = world
    seen = []

    class Listener:
        @hookimpl
        def rma_penalty_state_changed(self, penalty, old_state, new_state, actor):
            seen.append(("penalty", penalty.id, old_state, new_state, actor.username, penalty.version))

        @hookimpl
        def rma_penalty_disqualification_changed(self, penalty, old_state, new_state, actor):
            seen.append(("disqualification", penalty.id, old_state, new_state, actor.username, penalty.version))

        @hookimpl
        def rma_freight_claim_state_changed(self, claim, old_state, new_state, actor):
            seen.append(("claim", claim.id, old_state, new_state, actor.username, claim.version))

    app.extensions["aftersales"].pm.register(Listener())
    rma = walk_to(client, w, "received", lines=[line(issue="safety")])
    act(client, w, "tech", rma, "inspect", lines=[{"line_id": rma["lines"][0]["id"], "verdict": "human_damage",
                                                     "serious": True}])
    p = client.get("/api/v1/rma-penalties", headers=w.h["order"]).json["items"][0]
    r = client.post(f"/api/v1/rma-penalties/{p['id']}/confirm", json={"version": p["version"]}, headers=w.h["order"])
    assert r.status_code == 200 and r.json["version"] == p["version"] + 1
    stale = client.post(f"/api/v1/rma-penalties/{p['id']}/keep-qualification",
                        json={"version": p["version"], "reason": "x"}, headers=w.h["admin"])
    assert stale.status_code == 409 and stale.json["error"]["code"] == "stale_version"
    r = client.post(f"/api/v1/rma-penalties/{p['id']}/keep-qualification",
                    json={"version": r.json["version"], "reason": "first time"}, headers=w.h["admin"])
    assert r.status_code == 200 and r.json["disqualification"] == "declined"
    assert seen == [("penalty", p["id"], "proposed", "confirmed", "order", p["version"] + 1),
                    ("disqualification", p["id"], "proposed", "declined", "admin", p["version"] + 2)]
    assert _entries("rma_penalty", p["id"]) == ["proposed", "confirm", "disqualification_declined"]

    seen.clear()
    c = client.get("/api/v1/rma-freight-claims", headers=w.h["d1"]).json["items"][0]
    url = f"/api/v1/rma-freight-claims/{c['id']}"
    assert client.post(f"{url}/receipts", data={"file": (io.BytesIO(PDF), "fp.pdf")},
                       headers=w.h["d1"]).status_code == 201
    r = client.post(f"{url}/claim", json={"amount": "12.5", "receipt": "FP-1"}, headers=w.h["d1"])
    assert r.status_code == 200 and r.json["state"] == "claimed"
    r = client.post(f"{url}/waive", json={"version": r.json["version"], "reason": ""}, headers=w.h["order"])
    assert r.status_code == 422 and r.json["error"]["fields"] == {"reason": "Give the reason for refusing."}
    r = client.post(f"{url}/waive", json={"reason": "no receipt stamp"}, headers=w.h["order"])
    assert r.status_code == 200 and r.json["state"] == "waived" and r.json["reason"] == "no receipt stamp"
    r = client.post(f"{url}/confirm", json={}, headers=w.h["order"])
    assert r.status_code == 409 and r.json["error"]["message"] == "Only a filed claim (amount and receipt) can be decided."
    assert [s[2:5] for s in seen] == [("open", "claimed", "d1"), ("claimed", "waived", "order")]
    assert _entries("rma_freight_claim", c["id"])[-2:] == ["claimed", "waive"]
