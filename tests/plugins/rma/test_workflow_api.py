"""The RMA workflow over the JSON API: every path for each role, the distributor route, forbidden moves."""
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.activity import ActivityEntry
from core.extensions import db
from core.notifications import Notification
from plugins.rma.models import Rma, RmaFreightClaim, RmaPenalty

from .conftest import line, recent


def file(client, w, user="d1", lines=None, submit=True, **extra):
    r = client.post("/api/v1/rmas", json={"lines": lines or [line()], "submit": submit, **extra}, headers=w.h[user])
    assert r.status_code == 201, r.json
    return r.json


def act(client, w, user, rma, action, expect=200, **body):
    r = client.post(f"/api/v1/rmas/{rma['id']}/{action}", json={"version": rma["version"], **body},
                    headers=w.h[user])
    assert r.status_code == expect, (action, r.status_code, r.json)
    return r.json


def notified(username):
    from core.users.models import User

    from flask_babel import force_locale

    user = db.session.scalar(select(User).where(User.username == username))
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    with force_locale(user.language or "zh_CN"):  # rendered as the recipient reads it
        return [n.display_title for n in rows]


def walk_to(client, w, state, user="d1", lines=None):
    rma = file(client, w, user=user, lines=lines)
    order = ["reviewed", "approved", "shipped", "received", "inspected", "resolved", "returning", "returned", "closed"]
    steps = {
        "reviewed": ("rm_east", "review", {}),
        "approved": ("order", "approve", {}),
        "shipped": (user, "ship", {"boxes": 2, "carrier": "顺丰", "tracking": "SF123"}),
        "received": ("order", "receive", None),
        "inspected": ("tech", "inspect", None),
        "resolved": ("order", "resolve", None),
        "returning": ("order", "return_ship", {"boxes": 1, "carrier": "顺丰", "tracking": "SF-BACK"}),
        "returned": (user, "confirm_return", {}),
        "closed": ("order", "close", {}),
    }
    for target in order[: order.index(state) + 1] if state != "submitted" else []:
        who, action, body = steps[target]
        if body is None:
            body = {"received": lambda r: {"lines": [{"line_id": l["id"], "received_quantity": l["quantity"]}
                                                     for l in r["lines"]], "boxes_received": 2},
                    "inspected": lambda r: {"lines": [{"line_id": l["id"], "verdict": "quality_fault"}
                                                      for l in r["lines"]]},
                    "resolved": lambda r: {"lines": [{"line_id": l["id"], "resolution": "replace"}
                                                     for l in r["lines"]]}}[target](rma)
        rma = act(client, w, who, rma, action.replace("_", "-"), **body)
        assert rma["state"] == target
    return rma


def test_head_office_route_end_to_end(app, client, world):
    w = world
    rma = file(client, w, submit=False)
    assert rma["state"] == "draft" and rma["number"] is None and rma["dealer_code"] == "D1"
    assert rma["receiving_unit"] == {"kind": "head_office", "dealer_code": None}
    l0 = rma["lines"][0]
    assert l0["eligibility"]["accepted"] and l0["eligibility"]["basis"] == "production"
    assert l0["label_intact"] is True and l0["opened"] is False
    rma = act(client, w, "d1", rma, "submit")
    assert rma["state"] == "submitted" and "Return to review: 东方照明" in notified("rm_east")
    assert notified("rm_south") == []
    rma = act(client, w, "rm_east", rma, "review")
    assert notified("order")
    rma = act(client, w, "order", rma, "approve")
    assert rma["number"] == f"RMA-{date.today().year}-000001"
    assert any(rma["number"] in t for t in notified("d1"))
    rma = act(client, w, "d1", rma, "ship", boxes=2, carrier="顺丰", tracking="SF1")
    assert rma["boxes"] == 2 and rma["due_date"] is None
    rma = act(client, w, "order", rma, "receive", boxes_received=2,
              lines=[{"line_id": l0["id"], "received_quantity": 1}])
    assert rma["lines"][0]["received_quantity"] == 1 and rma["due_date"] and rma["overdue"] is False
    assert notified("tech")
    rma = act(client, w, "tech", rma, "inspect", lines=[{"line_id": l0["id"], "verdict": "quality_fault"}])
    rma = act(client, w, "order", rma, "resolve", lines=[{"line_id": l0["id"], "resolution": "replace"}])
    # the replacement goes back to the dealer (004 §6.3): no closing before the dealer confirms receipt
    r = act(client, w, "order", rma, "close", expect=409)
    assert "return shipment" in r["error"]["message"]
    act(client, w, "d1", rma, "return-ship", expect=403, boxes=1, carrier="SF", tracking="B1")
    act(client, w, "order", rma, "return-ship", expect=422, boxes=0, carrier="", tracking="B1")
    rma = act(client, w, "order", rma, "return-ship", boxes=1, carrier="顺丰", tracking="SF-B1")
    assert rma["state"] == "returning" and rma["returned_at"] and rma["return_received_at"] is None
    assert (rma["return_carrier"], rma["return_tracking"], rma["return_boxes"]) == ("顺丰", "SF-B1", 1)
    assert rma["return_contents"] == "PNL-600 × 1"  # the counted quantity goes back
    assert any("sent back to you in 1 box" in t for t in notified("d1"))
    act(client, w, "order", rma, "close", expect=409)
    act(client, w, "order", rma, "confirm-return", expect=403)
    act(client, w, "d2", rma, "confirm-return", expect=404)
    rma = act(client, w, "d1", rma, "confirm-return")
    assert rma["state"] == "returned" and rma["return_received_at"]
    assert any("confirmed receipt" in t for t in notified("order"))
    rma = act(client, w, "order", rma, "close")
    assert rma["state"] == "closed" and rma["closed_at"]
    detail = client.get(f"/api/v1/rmas/{rma['id']}", headers=w.h["d1"]).json
    assert detail["cost"] == {"replaced_value": "268.00", "repair_fees": "0.00", "freight": "0.00",
                              "penalties": "0.00"}  # the received count (1) stands
    actions = [e.action for e in db.session.scalars(select(ActivityEntry).where(
        ActivityEntry.model == "rma", ActivityEntry.record_id == rma["id"]).order_by(ActivityEntry.id))]
    assert actions == ["created", "submit", "review", "approve", "ship", "receive", "inspect", "resolve",
                       "return_ship", "confirm_return", "close"]


def test_distributor_route_goes_to_agent(app, client, world):
    w = world
    rma = file(client, w, user="s1")
    assert client.get(f"/api/v1/rmas/{rma['id']}", headers=w.h["a1"]).status_code == 200  # agent sees it
    rma = act(client, w, "rm_east", rma, "review")
    assert rma["state"] == "approved" and rma["number"]
    assert rma["receiving_unit"] == {"kind": "agent", "dealer_code": "A1"}
    act(client, w, "order", rma, "approve", expect=409)  # nothing for head office to approve
    rma = act(client, w, "s1", rma, "ship", boxes=1, carrier="德邦", tracking="DB1")
    lid = rma["lines"][0]["id"]
    act(client, w, "order", rma, "receive", expect=403, boxes_received=1, lines=[{"line_id": lid, "received_quantity": 2}])
    act(client, w, "s1", rma, "receive", expect=403, boxes_received=1, lines=[{"line_id": lid, "received_quantity": 2}])
    rma = act(client, w, "a1", rma, "receive", boxes_received=1, lines=[{"line_id": lid, "received_quantity": 2}])
    rma = act(client, w, "tech", rma, "inspect", lines=[{"line_id": lid, "verdict": "no_fault_found"}])
    act(client, w, "order", rma, "resolve", expect=403, lines=[{"line_id": lid, "resolution": "return_to_sender"}])
    r = act(client, w, "a1", rma, "resolve", expect=422, lines=[{"line_id": lid, "resolution": "replace"}])
    assert "lines.0.resolution" in r["error"]["fields"]
    rma = act(client, w, "a1", rma, "resolve", lines=[{"line_id": lid, "resolution": "return_to_sender"}])
    assert rma["state"] == "resolved"
    # an agent cannot receive a return that goes to head office
    own = walk_to(client, w, "shipped", user="a1")
    act(client, w, "a1", own, "receive", expect=403, boxes_received=2,
        lines=[{"line_id": own["lines"][0]["id"], "received_quantity": 2}])


def test_reject_by_reviewer_and_by_approver_needs_reason(app, client, world):
    w = world
    rma = file(client, w)
    r = act(client, w, "rm_east", rma, "reject", expect=422, reason="")
    assert "reason" in r["error"]["fields"]
    act(client, w, "order", rma, "reject", expect=403, reason="no")  # the approver's turn has not come
    rma = act(client, w, "rm_east", rma, "reject", reason="照片不清楚")
    assert rma["state"] == "rejected" and rma["reject_reason"] == "照片不清楚"
    assert f"Your return {rma['filing_number']} was rejected" in notified("d1")
    rma2 = walk_to(client, w, "reviewed")
    act(client, w, "rm_east", rma2, "reject", expect=403, reason="x")
    assert act(client, w, "order", rma2, "reject", reason="不在保修")["state"] == "rejected"


def test_cancel_before_approval_only(app, client, world):
    w = world
    for state in ("submitted", "reviewed"):
        rma = walk_to(client, w, state)
        assert act(client, w, "d1", rma, "cancel")["state"] == "cancelled"
    rma = walk_to(client, w, "approved")
    act(client, w, "d1", rma, "cancel", expect=409)


@pytest.mark.parametrize("state,user,action,expect", [
    ("submitted", "d1", "review", 403), ("submitted", "order", "review", 403), ("submitted", "order", "approve", 409),
    ("submitted", "tech", "inspect", 409), ("submitted", "rm_east", "approve", 403), ("submitted", "d1", "ship", 409),
    ("reviewed", "rm_east", "review", 409), ("reviewed", "d1", "approve", 403), ("approved", "order", "receive", 409),
    ("approved", "order", "ship", 403), ("shipped", "tech", "inspect", 409), ("shipped", "d1", "receive", 403),
    ("received", "order", "resolve", 409), ("received", "order", "inspect", 403), ("inspected", "order", "close", 409),
    ("resolved", "d1", "close", 403), ("closed", "order", "close", 409), ("closed", "d1", "cancel", 409),
    ("submitted", "d1", "submit", 409), ("resolved", "cs", "close", 403),
])
def test_forbidden_transitions(app, client, world, state, user, action, expect):
    rma = walk_to(client, world, state)
    ids = [l["id"] for l in rma["lines"]]
    body = {"reject": {"reason": "x"}, "ship": {"boxes": 1, "carrier": "c", "tracking": "t"},
            "receive": {"boxes_received": 1, "lines": [{"line_id": i, "received_quantity": 1} for i in ids]},
            "inspect": {"lines": [{"line_id": i, "verdict": "quality_fault"} for i in ids]},
            "resolve": {"lines": [{"line_id": i, "resolution": "repair"} for i in ids]}}.get(action, {})
    r = act(client, world, user, rma, action, expect=expect, **body)
    assert r["error"]["code"] in ("forbidden", "illegal_transition", "not_receiving_unit", "guard_failed")
    assert db.session.get(Rma, rma["id"]).state == state


def test_outside_scope_is_404(app, client, world):
    w = world
    rma = file(client, w)
    for user in ("d2", "rm_south", "s1"):
        assert client.get(f"/api/v1/rmas/{rma['id']}", headers=w.h[user]).status_code == 404
    r = client.post(f"/api/v1/rmas/{rma['id']}/review", json={"version": rma["version"]}, headers=w.h["rm_south"])
    assert r.status_code == 404
    assert client.get("/api/v1/rmas/999999", headers=w.h["order"]).status_code == 404
    assert client.get("/api/v1/rmas", headers=w.h["d2"]).json["total"] == 0
    assert client.get("/api/v1/rmas", headers=w.h["rm_east"]).json["total"] == 1


def test_stale_version_is_409_and_two_approvers_one_wins(app, client, world):
    w = world
    rma = walk_to(client, w, "reviewed")
    first = act(client, w, "order", rma, "approve")
    r = act(client, w, "order2", rma, "approve", expect=409)  # same version, read before the first won
    assert r["error"]["code"] in ("stale_version", "illegal_transition")
    assert first["number"] and db.session.get(Rma, rma["id"]).number == first["number"]
    assert db.session.scalar(select(func.count()).select_from(ActivityEntry).where(
        ActivityEntry.action == "approve")) == 1


def test_concurrent_flush_conflict_is_409(app, client, world):
    """Two sessions load the same version; the later commit hits the optimistic lock (StaleDataError)."""
    from sqlalchemy.orm import Session

    w = world
    rma = walk_to(client, w, "reviewed")
    with Session(db.engine) as other:
        row = other.get(Rma, rma["id"])
        row.reject_reason = "changed elsewhere"
        other.commit()  # version bumps behind the API's back
    r = client.post(f"/api/v1/rmas/{rma['id']}/approve", json={"version": rma["version"]}, headers=w.h["order"])
    assert r.status_code == 409


def test_bad_input(app, client, world):
    w = world
    h = w.h["d1"]
    r = client.post("/api/v1/rmas", json={"lines": []}, headers=h)
    assert r.status_code == 422 and "lines" in r.json["error"]["fields"]
    r = client.post("/api/v1/rmas", json={"lines": [{"sku": "NOPE", "quantity": 1, "issue": "doa",
                                                     "production_date": recent()}]}, headers=h)
    assert r.status_code == 422 and "lines.0.sku" in r.json["error"]["fields"]
    r = client.post("/api/v1/rmas", json={"lines": [{"sku": "PNL-600", "quantity": "many", "issue": "broken",
                                                     "production_date": "yesterday", "color": "red"}]}, headers=h)
    f = r.json["error"]["fields"]
    assert r.status_code == 422 and {"lines.0.quantity", "lines.0.issue", "lines.0.production_date",
                                     "lines.0.color"} <= set(f)
    rma = file(client, w)
    act(client, w, "rm_east", rma, "review")
    rma = client.get(f"/api/v1/rmas/{rma['id']}", headers=h).json
    r = client.post(f"/api/v1/rmas/{rma['id']}/approve", json={}, headers=w.h["order"])
    assert r.status_code == 422 and "version" in r.json["error"]["fields"]
    rma = act(client, w, "order", rma, "approve")
    r = act(client, w, "d1", rma, "ship", expect=422, boxes=0, carrier="", tracking="")
    assert {"boxes", "carrier", "tracking"} <= set(r["error"]["fields"])
    rma = act(client, w, "d1", rma, "ship", boxes=1, carrier="x", tracking="y")
    r = act(client, w, "order", rma, "receive", expect=422, boxes_received=1, lines=[{"line_id": 99999, "received_quantity": 1}])
    assert "lines.0.line_id" in r["error"]["fields"] and "lines" in r["error"]["fields"]
    assert db.session.get(Rma, rma["id"]).state == "shipped"
    assert db.session.scalar(select(func.count()).select_from(Rma)) == 1  # nothing half-written
    assert client.post("/api/v1/rmas/1/explode", json={"version": 1}, headers=h).status_code in (404, 405)


def test_submit_refuses_lines_not_accepted_with_reasons(app, client, world):
    w = world
    bad = line(production_date="2015-01-01")
    r = client.post("/api/v1/rmas", json={"lines": [line(), bad], "submit": True}, headers=w.h["d1"])
    assert r.status_code == 422 and r.json["error"]["code"] == "not_accepted"
    assert r.json["error"]["fields"]["lines.1.reasons"] == "out_of_warranty"
    assert db.session.scalar(select(func.count()).select_from(Rma)) == 0
    draft = file(client, w, lines=[bad], submit=False)
    assert draft["lines"][0]["eligibility"]["reasons"] == ["out_of_warranty"]
    assert draft["lines"][0]["eligibility"]["accepted"] is False
    act(client, w, "d1", draft, "submit", expect=422)
    fixed = client.patch(f"/api/v1/rmas/{draft['id']}", json={"version": draft["version"], "lines": [
        line(production_date="2015-01-01", issue="paid_repair")]}, headers=w.h["d1"])
    assert fixed.status_code == 200 and fixed.json["lines"][0]["eligibility"]["accepted"]
    assert act(client, w, "d1", fixed.json, "submit")["state"] == "submitted"
    again = client.patch(f"/api/v1/rmas/{draft['id']}", json={"version": fixed.json["version"] + 1, "lines": [line()]},
                         headers=w.h["d1"])
    assert again.status_code == 409


def test_eligibility_endpoint_in_users_language(app, client, world):
    w = world
    from core.users.models import User

    body = {"lines": [line(issue="company_error", received_date=recent(3))]}
    r = client.post("/api/v1/rmas/eligibility", json=body, headers=w.h["d1"])
    assert r.status_code == 200 and r.json["accepted"] is False
    ev = r.json["lines"][0]["eligibility"]
    assert ev["reasons"] == ["company_error_late"]
    assert "within 2 days" in ev["messages"][0]
    db.session.get(User, w.users["d1"].id).language = "zh_CN"
    db.session.commit()
    r = client.post("/api/v1/rmas/eligibility", json=body, headers=w.h["d1"])
    assert r.json["lines"][0]["eligibility"]["messages"][0] == "输错单、发错货须在收货后2天内反馈到订单部,否则视为默认。"
    assert db.session.scalar(select(func.count()).select_from(Rma)) == 0


def test_order_mismatch_hour_24_over_the_api(app, client, world, monkeypatch):
    from plugins.rma import services

    now = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(services, "utcnow", lambda: now)
    received = "2026-03-09T10:00:00+08:00"  # exactly 24 hours before now
    r = client.post("/api/v1/rmas", json={"lines": [line(issue="order_mismatch", received_date=received,
                                                          production_date="2026-01-01")], "submit": True},
                    headers=world.h["d1"])
    assert r.status_code == 201, r.json
    assert r.json["lines"][0]["received_date"].startswith("2026-03-09T10:00")
    monkeypatch.setattr(services, "utcnow", lambda: now + timedelta(seconds=1))
    r = client.post("/api/v1/rmas", json={"lines": [line(issue="order_mismatch", received_date=received,
                                                          production_date="2026-01-01")], "submit": True},
                    headers=world.h["d1"])
    assert r.status_code == 422 and r.json["error"]["fields"]["lines.0.reasons"] == "order_mismatch_late"


def test_sla_deadline_across_national_day(app, client, world, monkeypatch):
    from plugins.rma import services

    rma = walk_to(client, world, "shipped")
    monkeypatch.setattr(services, "utcnow", lambda: datetime(2025, 9, 30, 2, 0, tzinfo=timezone.utc))
    rma = act(client, world, "order", rma, "receive", boxes_received=2,
              lines=[{"line_id": l["id"], "received_quantity": 2} for l in rma["lines"]])
    # holidays 1-8 October 2025, Saturday 11 October a make-up workday
    assert rma["due_date"] == "2025-10-14"
    monkeypatch.undo()
    listed = client.get("/api/v1/rmas?overdue=true", headers=world.h["order"]).json
    assert listed["total"] == 1 and listed["items"][0]["overdue"] is True
    assert client.get("/api/v1/rmas?overdue=false", headers=world.h["order"]).json["total"] == 0


def test_sla_setting_is_used(app, client, world, monkeypatch):
    from core import settings
    from plugins.rma import services

    settings.set_value("rma.sla_working_days", 1)
    db.session.commit()
    rma = walk_to(client, world, "shipped")
    monkeypatch.setattr(services, "utcnow", lambda: datetime(2025, 9, 30, 2, 0, tzinfo=timezone.utc))
    rma = act(client, world, "order", rma, "receive", boxes_received=2,
              lines=[{"line_id": l["id"], "received_quantity": 2} for l in rma["lines"]])
    assert rma["due_date"] == "2025-10-09"


def test_receipt_lookup_refuses_unknown_or_unapproved(app, client, world):
    w = world
    h = w.h["order"]
    assert client.get("/api/v1/rmas/lookup?number=RMA-2026-999999", headers=h).status_code == 404
    assert client.get("/api/v1/rmas/lookup?number=garbage", headers=h).json["error"]["code"] == "unknown_rma"
    rma = walk_to(client, w, "approved")
    r = client.get(f"/api/v1/rmas/lookup?number={rma['number']}", headers=h)
    assert r.status_code == 409 and r.json["error"]["code"] == "not_receivable"
    rma = act(client, w, "d1", rma, "ship", boxes=1, carrier="x", tracking="y")
    r = client.get(f"/api/v1/rmas/lookup?number=https://x/qr/{rma['number'].lower()}", headers=h)
    assert r.status_code == 200 and r.json["id"] == rma["id"]
    assert client.get(f"/api/v1/rmas/lookup?number={rma['number']}", headers=w.h["tech"]).status_code == 403


def test_human_damage_penalty_confirm_waive_and_disqualification(app, client, world):
    w = world
    rma = walk_to(client, w, "received", lines=[line(quantity=2), line(sku="STRIP-1M", quantity=3, serial="")])
    rma = act(client, w, "tech", rma, "inspect", lines=[
        {"line_id": rma["lines"][0]["id"], "verdict": "human_damage", "serious": True},
        {"line_id": rma["lines"][1]["id"], "verdict": "quality_fault"}])
    pens = client.get("/api/v1/rma-penalties", headers=w.h["order"]).json["items"]
    assert len(pens) == 1
    p = pens[0]
    # 2 x (2 x 268.00 + 3 x 39.00)
    assert p["amount"] == "1306.00" and p["serious"] is True and p["state"] == "proposed"
    assert p["rma_number"] == rma["number"] and p["dealer_code"] == "D1" and p["disqualification"] == "proposed"
    assert client.get("/api/v1/rma-penalties", headers=w.h["d2"]).json["total"] == 0
    assert client.post(f"/api/v1/rma-penalties/{p['id']}/confirm", json={}, headers=w.h["d1"]).status_code == 403
    assert client.post(f"/api/v1/rma-penalties/{p['id']}/confirm", json={}, headers=w.h["d2"]).status_code == 404
    r = client.post(f"/api/v1/rma-penalties/{p['id']}/waive", json={"reason": ""}, headers=w.h["order"])
    assert r.status_code == 422
    r = client.post(f"/api/v1/rma-penalties/{p['id']}/confirm", json={"version": p["version"]}, headers=w.h["order"])
    assert r.status_code == 200 and r.json["state"] == "confirmed"
    assert client.post(f"/api/v1/rma-penalties/{p['id']}/waive", json={"reason": "x"},
                       headers=w.h["order"]).status_code == 409
    assert client.post(f"/api/v1/rma-penalties/{p['id']}/disqualify", json={"reason": "serious"},
                       headers=w.h["order"]).status_code == 403
    r = client.post(f"/api/v1/rma-penalties/{p['id']}/disqualify", json={"reason": "人为破坏情节严重"},
                    headers=w.h["admin"])
    assert r.status_code == 200 and r.json["disqualification"] == "confirmed"
    assert db.session.get(type(w.dealer), w.dealer.id).status == "disqualified"
    r = client.post("/api/v1/rmas", json={"lines": [line()]}, headers=w.h["d1"])
    assert r.status_code == 403 and r.json["error"]["code"] == "dealer_disqualified"
    detail = client.get(f"/api/v1/rmas/{rma['id']}", headers=w.h["order"]).json
    assert detail["cost"]["penalties"] == "1306.00"


def test_penalty_multiplier_setting_and_waive(app, client, world):
    from core import settings

    settings.set_value("rma.penalty_multiplier", "3")
    db.session.commit()
    w = world
    rma = walk_to(client, w, "received")
    act(client, w, "tech", rma, "inspect", lines=[{"line_id": rma["lines"][0]["id"], "verdict": "human_damage"}])
    p = client.get("/api/v1/rma-penalties?state=proposed", headers=w.h["order"]).json["items"][0]
    assert p["amount"] == "1608.00" and p["serious"] is False and p["disqualification"] == "none"
    r = client.post(f"/api/v1/rma-penalties/{p['id']}/waive", json={"reason": "首次, 免罚"}, headers=w.h["order"])
    assert r.json["state"] == "waived" and r.json["reason"] == "首次, 免罚"
    assert client.post(f"/api/v1/rma-penalties/{p['id']}/disqualify", json={"reason": "x"},
                       headers=w.h["admin"]).status_code == 409


def test_freight_claims_for_safety_recall_and_worth_analysing(app, client, world):
    w = world
    rma = walk_to(client, w, "received", lines=[line(issue="safety"), line(issue="recall", serial="SN-2"), line(serial="SN-3"),
                                                 line(serial="SN-4")])
    ids = [l["id"] for l in rma["lines"]]
    rma = act(client, w, "tech", rma, "inspect", lines=[
        {"line_id": ids[0], "verdict": "quality_fault"}, {"line_id": ids[1], "verdict": "quality_fault"},
        {"line_id": ids[2], "verdict": "quality_fault", "worth_analysis": True},
        {"line_id": ids[3], "verdict": "quality_fault"}])
    claims = client.get("/api/v1/rma-freight-claims", headers=w.h["d1"]).json["items"]
    assert sorted(c["rma_line_id"] for c in claims) == ids[:3]
    c = claims[0]
    assert c["state"] == "open" and c["amount"] is None
    assert client.post(f"/api/v1/rma-freight-claims/{c['id']}/confirm", json={}, headers=w.h["order"]).status_code == 409
    r = client.post(f"/api/v1/rma-freight-claims/{c['id']}/claim", json={"amount": "-1", "receipt": ""}, headers=w.h["d1"])
    assert r.status_code == 422
    upload = client.post(f"/api/v1/rma-freight-claims/{c['id']}/receipts",
                         data={"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "fapiao.pdf")}, headers=w.h["d1"])
    assert upload.status_code == 201, upload.json
    r = client.post(f"/api/v1/rma-freight-claims/{c['id']}/claim", json={"amount": "35.5", "receipt": "SF-INV-1"},
                    headers=w.h["d1"])
    assert r.status_code == 200 and r.json["amount"] == "35.50" and r.json["state"] == "claimed"
    assert client.post(f"/api/v1/rma-freight-claims/{c['id']}/confirm", json={}, headers=w.h["d1"]).status_code == 403
    r = client.post(f"/api/v1/rma-freight-claims/{c['id']}/confirm", json={}, headers=w.h["order"])
    assert r.json["state"] == "confirmed"
    assert client.get(f"/api/v1/rmas/{rma['id']}", headers=w.h["d1"]).json["cost"]["freight"] == "35.50"
    assert client.get("/api/v1/rma-freight-claims", headers=w.h["d2"]).json["total"] == 0


def test_paid_repair_fee_and_cost(app, client, world):
    w = world
    rma = walk_to(client, w, "received", lines=[line(issue="paid_repair", production_date="2015-01-01")])
    lid = rma["lines"][0]["id"]
    rma = act(client, w, "tech", rma, "inspect", lines=[{"line_id": lid, "verdict": "not_covered"}])
    r = act(client, w, "order", rma, "resolve", expect=422, lines=[{"line_id": lid, "resolution": "paid_repair"}])
    assert "lines.0.fee" in r["error"]["fields"]
    rma = act(client, w, "order", rma, "resolve", lines=[{"line_id": lid, "resolution": "paid_repair", "fee": "80.00"}])
    assert rma["lines"][0]["fee"] == "80.00"
    assert client.get(f"/api/v1/rmas/{rma['id']}", headers=w.h["d1"]).json["cost"]["repair_fees"] == "80.00"


def test_list_filters_and_search(app, client, world):
    w = world
    a = file(client, w, lines=[line(serial="ABC-1")])
    b = walk_to(client, w, "approved", lines=[line(sku="STRIP-1M", serial="XYZ-9")])
    file(client, w, user="d2")
    h = w.h["order"]
    assert client.get("/api/v1/rmas?state=submitted", headers=h).json["total"] == 2
    assert client.get("/api/v1/rmas?dealer_code=D2", headers=h).json["total"] == 1
    assert [i["id"] for i in client.get("/api/v1/rmas?sku=STRIP-1M", headers=h).json["items"]] == [b["id"]]
    assert [i["id"] for i in client.get("/api/v1/rmas?q=ABC-1", headers=h).json["items"]] == [a["id"]]
    assert [i["id"] for i in client.get(f"/api/v1/rmas?q={b['number']}", headers=h).json["items"]] == [b["id"]]
    assert client.get("/api/v1/rmas?state=bogus", headers=h).status_code == 400
    assert client.get("/api/v1/rmas", headers=w.h["d1"]).json["total"] == 2


def test_serial_history(app, client, world):
    w = world
    first = walk_to(client, w, "closed", lines=[line(serial="LAMP-77")])
    second = file(client, w, lines=[line(serial="LAMP-77")])
    file(client, w, user="d2", lines=[line(serial="LAMP-77")])
    r = client.get("/api/v1/serials/LAMP-77/history", headers=w.h["d1"])
    assert r.status_code == 200
    assert [i["rma_id"] for i in r.json["items"]] == [first["id"], second["id"]]
    assert r.json["items"][0]["resolution"] == "replace"
    assert len(client.get("/api/v1/serials/LAMP-77/history", headers=w.h["order"]).json["items"]) == 3
    assert client.get("/api/v1/serials/NONE/history", headers=w.h["order"]).json["items"] == []


def test_labels_pdf(app, client, world):
    w = world
    rma = walk_to(client, w, "submitted")
    assert client.get(f"/api/v1/rmas/{rma['id']}/labels.pdf", headers=w.h["d1"]).status_code == 409
    rma = walk_to(client, w, "shipped")
    r = client.get(f"/api/v1/rmas/{rma['id']}/labels.pdf", headers=w.h["d1"])
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    assert r.data.count(b"/Type /Page\n") + r.data.count(b"/Type /Page ") + r.data.count(b"/Type /Page>") >= 1
    assert b"STSong-Light" in r.data
    assert client.get(f"/api/v1/rmas/{rma['id']}/labels.pdf", headers=w.h["d2"]).status_code == 404


def test_state_changed_hook_fires_after_commit(app, client, world):
    from core.plugin_system import hookimpl

    seen = []

    class Listener:
        @hookimpl
        def rma_state_changed(self, rma, old_state, new_state, actor):
            seen.append((rma.id, old_state, new_state, actor.username, db.session.get(Rma, rma.id) is not None))

        @hookimpl
        def rma_line_checks(self, rma, line):
            return ["blocked_by_logistics"] if line.serial == "BLOCK" else []

    app.extensions["aftersales"].pm.register(Listener())
    rma = file(client, world)
    assert seen == [(rma["id"], "draft", "submitted", "d1", True)]
    r = client.post("/api/v1/rmas", json={"lines": [line(serial="BLOCK")], "submit": True}, headers=world.h["d1"])
    assert r.status_code == 422 and r.json["error"]["fields"]["lines.0.reasons"] == "blocked_by_logistics"


def test_remind_command(app, client, world, monkeypatch):
    from plugins.rma import services

    rma = walk_to(client, world, "shipped")
    monkeypatch.setattr(services, "utcnow", lambda: datetime(2025, 9, 30, 2, 0, tzinfo=timezone.utc))
    act(client, world, "order", rma, "receive", boxes_received=2,
        lines=[{"line_id": l["id"], "received_quantity": 2} for l in rma["lines"]])
    monkeypatch.undo()
    result = app.test_cli_runner().invoke(args=["rma", "remind"])
    assert result.exit_code == 0 and "1 overdue" in result.output
    assert any("overdue" in t or "逾期" in t for t in notified("order"))


def test_photos_images_and_pdf_only_and_scoped(app, client, world):
    import io

    w = world
    rma = file(client, w)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    r = client.post(f"/api/v1/rmas/{rma['id']}/photos", data={"file": (io.BytesIO(png), "a.png")},
                    headers=w.h["d1"], content_type="multipart/form-data")
    assert r.status_code == 201 and r.json["content_type"] == "image/png"
    pid = r.json["id"]
    r = client.post(f"/api/v1/rmas/{rma['id']}/photos", data={"file": (io.BytesIO(b"MZ\x90\x00exe"), "x.png")},
                    headers=w.h["d1"], content_type="multipart/form-data")
    assert r.status_code == 422
    assert client.get(f"/api/v1/rmas/{rma['id']}/photos/{pid}", headers=w.h["order"]).data == png
    assert client.get(f"/api/v1/rmas/{rma['id']}/photos/{pid}", headers=w.h["d2"]).status_code == 404
    assert len(client.get(f"/api/v1/rmas/{rma['id']}/photos", headers=w.h["rm_east"]).json) == 1
