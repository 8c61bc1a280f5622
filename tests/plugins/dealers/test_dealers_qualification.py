"""Qualification: status changes proposed, decided, confirmed or rejected; the dealer's status changes
only when the change takes effect; a suspended or disqualified dealer files nothing new."""
import pytest

from core.testing import api_headers, login_as

URL = "/api/v1/dealer-status-changes"
PDF = b"%PDF-1.4\n%evidence\n"


def propose(client, user, code="D1", to_status="warned", reason="two human-damage returns"):
    return client.post(URL, headers=api_headers(user), json={"dealer_code": code, "to_status": to_status,
                                                              "reason": reason})


def evidence(client, user, change_id):
    return client.post(f"{URL}/{change_id}/attachments", headers=api_headers(user),
                       data={"file": (__import__("io").BytesIO(PDF), "complaints.pdf")},
                       content_type="multipart/form-data")


def act(client, user, change, action, note="", version=None):
    return client.post(f"{URL}/{change['id']}/{action}", headers=api_headers(user),
                       json={"version": change["version"] if version is None else version, "note": note})


def dealer_status(client, code):
    from core.dealers.models import Dealer
    from core.extensions import db
    from sqlalchemy import select

    db.session.expire_all()
    return db.session.scalar(select(Dealer.status).where(Dealer.code == code))


def test_warning_takes_effect_when_decided(app, client, world):
    u = world["users"]
    resp = propose(client, u["rm_east"])
    assert resp.status_code == 201, resp.json
    change = resp.json
    assert (change["state"], change["from_status"], change["to_status"], change["proposed_by"]) == (
        "proposed", "active", "warned", "rm_east")
    assert dealer_status(client, "D1") == "active"
    # no evidence yet: the order department cannot decide
    resp = act(client, u["order"], change, "decide")
    assert resp.status_code == 409 and resp.json["error"]["code"] == "guard_failed"
    att = evidence(client, u["rm_east"], change["id"])
    assert att.status_code == 201 and att.json["filename"] == "complaints.pdf"
    change = client.get(f"{URL}/{change['id']}", headers=api_headers(u["order"])).json
    assert change["actions"] == ["decide", "reject"]
    # the regional manager proposes but does not decide; stale versions are refused
    assert act(client, u["rm_east"], change, "decide").status_code == 403
    assert act(client, u["order"], change, "decide", version=change["version"] + 5).status_code == 409
    resp = act(client, u["order"], change, "decide", note="agreed")
    assert resp.status_code == 200, resp.json
    assert resp.json["state"] == "decided" and resp.json["decided_by"] == "order" and resp.json["effective_at"]
    assert dealer_status(client, "D1") == "warned"
    # the dealer's users are told, in their own language when they read it
    from core.notifications import Notification
    from core.extensions import db
    from flask_babel import force_locale
    from sqlalchemy import select

    note = db.session.scalars(select(Notification).where(Notification.user_id == u["clerk1"].id)).one()
    with app.test_request_context():
        with force_locale("zh_CN"):
            assert note.display_title == "贵经销商已被警告"
        with force_locale("en"):
            assert note.display_title == "Your dealer has been warned" and note.display_body == "two human-damage returns"
    # the history on the dealer's page
    login_as(client, "rm_east")
    page = client.get("/dealers/D1/profile").get_data(as_text=True)
    assert "Status history" in page and "two human-damage returns" in page and "Warned" in page


def test_disqualification_needs_the_administrators_confirmation(app, client, world):
    u = world["users"]
    change = propose(client, u["rm_east"], to_status="disqualified", reason="serious human damage").json
    evidence(client, u["rm_east"], change["id"])
    change = client.get(f"{URL}/{change['id']}", headers=api_headers(u["order"])).json
    change = act(client, u["order"], change, "decide").json
    assert change["state"] == "decided" and change["effective_at"] is None
    assert dealer_status(client, "D1") == "active"
    assert act(client, u["order"], change, "confirm").status_code == 403
    resp = act(client, u["admin"], change, "confirm", note="confirmed by the board")
    assert resp.status_code == 200, resp.json
    assert resp.json["state"] == "confirmed" and resp.json["confirmed_by"] == "admin"
    assert dealer_status(client, "D1") == "disqualified"
    # its users still log in and read, but cannot file
    login_as(client, "dealer1")
    assert client.get("/portal").status_code == 200
    assert "cannot file anything new" in client.get("/portal").get_data(as_text=True)


def test_reject_and_one_change_at_a_time(app, client, world):
    u = world["users"]
    change = propose(client, u["rm_east"]).json
    resp = propose(client, u["rm_east"], to_status="suspended")
    assert resp.status_code == 409 and resp.json["error"]["code"] == "change_in_progress"
    resp = act(client, u["order"], change, "reject")
    assert resp.status_code == 422 and "note" in resp.json["error"]["fields"]
    resp = act(client, u["order"], change, "reject", note="no evidence of fault")
    assert resp.status_code == 200 and resp.json["state"] == "rejected" and resp.json["actions"] == []
    assert dealer_status(client, "D1") == "active"
    assert act(client, u["order"], resp.json, "decide").status_code == 409
    assert propose(client, u["rm_east"], to_status="suspended").status_code == 201
    # a decided disqualification is rejected by the administrator
    change = propose(client, u["rm_south"], "D2", "disqualified").json
    evidence(client, u["rm_south"], change["id"])
    change = act(client, u["order"], client.get(f"{URL}/{change['id']}", headers=api_headers(u["order"])).json,
                 "decide").json
    assert act(client, u["order"], change, "reject", note="x").status_code == 403
    assert act(client, u["admin"], change, "reject", note="keep them").json["state"] == "rejected"
    assert dealer_status(client, "D2") == "active"


def test_status_change_bad_input_and_record_rules(app, client, world):
    u = world["users"]
    for body, field in [({"dealer_code": "D1", "to_status": "active", "reason": "x"}, "to_status"),
                        ({"dealer_code": "D1", "to_status": "banned", "reason": "x"}, "to_status"),
                        ({"dealer_code": "D1", "to_status": "warned", "reason": ""}, "reason"),
                        ({"dealer_code": "D2", "to_status": "warned", "reason": "x"}, "dealer_code")]:
        resp = client.post(URL, headers=api_headers(u["rm_east"]), json=body)
        assert resp.status_code == 422 and field in resp.json["error"]["fields"], resp.json
    # the order department does not propose; dealers see nothing of it
    assert propose(client, u["order"]).status_code == 403
    change = propose(client, u["rm_east"]).json
    assert client.get(f"{URL}/{change['id']}", headers=api_headers(u["rm_south"])).status_code == 404
    assert client.get(f"{URL}/{change['id']}", headers=api_headers(u["dealer1"])).status_code == 403
    resp = client.post(f"{URL}/{change['id']}/attachments", headers=api_headers(u["rm_east"]),
                       data={"file": (__import__("io").BytesIO(b"MZ\x90\x00 not a pdf"), "x.exe")},
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    listing = client.get(URL + "?state=proposed", headers=api_headers(u["order"])).json
    assert listing["total"] == 1 and listing["items"][0]["dealer_code"] == "D1"


def test_reinstatement_back_to_active(app, client, world):
    from core.extensions import db
    from core.toolkit import change_dealer_status

    u = world["users"]
    change_dealer_status(world["dealers"]["D1"], "suspended", "late payments", u["admin"])
    db.session.commit()
    assert propose(client, u["rm_east"], to_status="warned").status_code == 422  # not stricter
    change = propose(client, u["rm_east"], to_status="active", reason="paid in full").json
    evidence(client, u["rm_east"], change["id"])
    change = client.get(f"{URL}/{change['id']}", headers=api_headers(u["order"])).json
    assert act(client, u["order"], change, "decide").status_code == 200
    assert dealer_status(client, "D1") == "active"


def test_status_change_pages(app, client, world):
    u = world["users"]
    change = propose(client, u["rm_east"]).json
    login_as(client, "order")
    page = client.get(f"/dealers/status-changes/{change['id']}")
    assert page.status_code == 200 and "Decide" in page.get_data(as_text=True)
    resp = client.post(f"/dealers/status-changes/{change['id']}/decide", data={"version": change["version"]})
    assert resp.status_code == 409 and "Attach the evidence" in resp.get_data(as_text=True)
    assert client.get("/dealers/status-changes/").status_code == 200
    client = app.test_client()
    login_as(client, "rm_east")
    resp = client.post("/dealers/D1/status-changes", data={"to_status": "suspended", "reason": "again"})
    assert resp.status_code == 409
