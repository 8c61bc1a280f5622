"""Every state change of a return notifies the parties who must act or are affected."""
from sqlalchemy import select

from core.extensions import db
from core.notifications import Notification

from .test_workflow_api import act, file


def _since(last_id):
    from core.users.models import User

    rows = db.session.execute(select(User.username, Notification.title).join(User, User.id == Notification.user_id)
                              .where(Notification.id > last_id)).all()
    return {u for u, _ in rows}, [t for _, t in rows]


def _last():
    return db.session.scalar(select(db.func.max(Notification.id))) or 0


def test_recipients_of_every_transition_head_office_route(app, client, world):
    w = world
    steps = [
        ("d1", "submit", {}, {"rm_east"}),
        ("rm_east", "review", {}, {"order", "order2", "d1"}),
        ("order", "approve", {}, {"d1"}),
        ("d1", "ship", {"boxes": 1, "carrier": "SF", "tracking": "1"}, {"order", "order2"}),
        ("order", "receive", "receive", {"tech", "d1"}),
        ("tech", "inspect", "inspect", {"d1", "order", "order2"}),
        ("order", "resolve", "resolve", {"d1"}),
        ("order", "return-ship", {"boxes": 1, "carrier": "SF", "tracking": "B1"}, {"d1"}),
        ("d1", "confirm-return", {}, {"order", "order2"}),
        ("order", "close", {}, {"d1"}),
    ]
    rma = file(client, w, submit=False)
    assert rma["filing_number"] is None
    for who, action, body, expected in steps:
        if body == "receive":
            body = {"boxes_received": 1, "lines": [{"line_id": l["id"], "received_quantity": l["quantity"]}
                                                  for l in rma["lines"]]}
        elif body == "inspect":
            body = {"lines": [{"line_id": l["id"], "verdict": "human_damage"} for l in rma["lines"]]}
        elif body == "resolve":
            body = {"lines": [{"line_id": l["id"], "resolution": "return_to_sender"} for l in rma["lines"]]}
        before = _last()
        rma = act(client, w, who, rma, action, **body)
        users, titles = _since(before)
        if action == "inspect":
            assert "Penalty proposed for return " + rma["number"] in titles
        assert users == expected, (action, users, titles)
        if action == "submit":  # a number to quote from the moment it is filed
            assert rma["filing_number"].startswith("RMAF-")
    from plugins.rma.models import RmaPenalty

    penalty = db.session.scalars(select(RmaPenalty)).one()
    before = _last()
    r = client.post(f"/api/v1/rma-penalties/{penalty.id}/confirm", json={"version": penalty.version, "reason": ""},
                    headers=w.h["order"])
    assert r.status_code == 200, r.json
    users, titles = _since(before)
    assert users == {"d1"} and titles[0].startswith(f"Penalty for return {rma['number']} confirmed")


def test_distributor_route_tells_the_agent_and_rejection_names_the_return(app, client, world):
    w = world
    rma = file(client, w, user="s1")
    before = _last()
    rma = act(client, w, "rm_east", rma, "review")
    users, titles = _since(before)
    assert users == {"s1", "a1"}
    assert any("of your distributor" in t for t in titles)
    other = file(client, w)
    before = _last()
    act(client, w, "rm_east", other, "reject", reason="blurred photos")
    users, titles = _since(before)
    assert users == {"d1"} and titles == [f"Your return {other['filing_number']} was rejected"]
