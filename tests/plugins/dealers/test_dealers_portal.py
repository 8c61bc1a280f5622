"""The portal home with any set of plugins, the landing after login, an agent's view, own logins."""
from datetime import date, timedelta

import pytest

from core.extensions import db
from core.testing import api_headers, login_as, make_category, make_product
from core.users.models import User


@pytest.fixture(params=[["dealers"], ["dealers", "rma"], None], ids=["dealers-alone", "with-rma", "all"])
def enabled_plugins(request):
    return request.param


def _has(app, plugin):
    return app.extensions["aftersales"].enabled(plugin)


def test_dealer_lands_on_portal_and_staff_on_dashboard(app, client, world):
    resp = login_as(client, "dealer1")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/portal")
    staff = app.test_client()
    resp = login_as(staff, "order")
    assert resp.headers["Location"].endswith("/")
    assert staff.get("/").status_code == 200
    assert staff.get("/portal").status_code == 403
    page = client.get("/portal").get_data(as_text=True)
    assert "Quick actions" in page and "Notifications" in page
    assert "File a return" in page if _has(app, "rma") else "File a return" not in page


def test_next_slash_lands_on_portal(app, client, world):
    from core.testing import TEST_PASSWORD

    resp = client.post("/login?next=/", data={"username": "clerk1", "password": TEST_PASSWORD})
    assert resp.headers["Location"].endswith("/portal")
    resp = app.test_client().post("/login?next=/notifications", data={"username": "clerk1", "password": TEST_PASSWORD})
    assert resp.headers["Location"].endswith("/notifications")


def test_sections_of_every_enabled_plugin(app, client, world):
    d1 = world["users"]["dealer1"]
    if _has(app, "rma"):
        cat = make_category()
        make_product("PNL-600", category=cat)
        body = {"lines": [{"sku": "PNL-600", "quantity": 1, "issue": "quality_defect", "serial": "SN-1",
                           "production_date": (date.today() - timedelta(days=100)).isoformat()}]}
        resp = client.post("/api/v1/rmas", json=body, headers=api_headers(d1))
        assert resp.status_code == 201, resp.json
    if _has(app, "logistics"):
        resp = client.post("/api/v1/logistics-exceptions", headers=api_headers(d1), json={
            "delivery_note": "DN-9", "carrier": "SF", "received_on": date.today().isoformat(), "kind": "short",
            "lines": [{"sku": "PNL-600", "expected_quantity": 2, "actual_quantity": 1}]})
        assert resp.status_code == 201, resp.json
    login_as(client, "dealer1")
    page = client.get("/portal").get_data(as_text=True)
    assert ("Returns waiting for you" in page) == _has(app, "rma")
    assert ("Transport exception records in draft" in page) == _has(app, "logistics")
    if not _has(app, "rma"):
        assert "Nothing is waiting for you." in page


def test_agent_sees_its_distributors_items_grouped(app, client, world):
    from plugins.dealers import services

    login_as(client, "agentuser")
    page = client.get("/portal").get_data(as_text=True)
    assert "A1 Dealer A1" in page and "S1 Dealer S1" in page
    assert [d.code for d in services.portal_dealers(world["users"]["agent"])] == ["A1", "S1"]
    assert [d.code for d in services.portal_dealers(world["users"]["dist"])] == ["S1"]


def test_portal_in_chinese(app, client, world):
    db.session.get(User, world["users"]["dealer1"].id).language = "zh_CN"
    db.session.commit()
    login_as(client, "dealer1")
    page = client.get("/portal").get_data(as_text=True)
    assert "快捷操作" in page and "Quick actions" not in page


def test_dealer_manages_its_own_staff_logins(app, client, world):
    login_as(client, "dealer1")
    page = client.get("/dealers/D1/profile").get_data(as_text=True)
    assert "Add a login for your staff" in page and "clerk1" in page
    resp = client.post("/dealers/D1/users", data={"username": "clerk2", "display_name": "Clerk 2",
                                                  "password": "a-good-password-9", "language": "en"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    clerk2 = db.session.query(User).filter_by(username="clerk2").one()
    assert clerk2.role_ids == {"dealer"} and clerk2.dealer_id == world["dealers"]["D1"].id
    # bad input shows next to the field
    resp = client.post("/dealers/D1/users", data={"username": "clerk2", "password": "a-good-password-9",
                                                  "language": "en"})
    assert resp.status_code == 422 and "is taken" in resp.get_data(as_text=True)
    resp = client.post(f"/dealers/D1/users/{clerk2.id}/deactivate")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, clerk2.id).active is False
    # not its own dealer, not itself, not a manager
    assert client.post("/dealers/D2/users", data={"username": "x1", "password": "a-good-password-9"}).status_code == 404
    own = world["users"]["dealer1"].id
    assert client.post(f"/dealers/D1/users/{own}/deactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, own).active is True
    other = world["users"]["dealer2"].id
    assert client.post(f"/dealers/D1/users/{other}/deactivate").status_code == 404
    # a plain clerk may not manage logins
    clerk = app.test_client()
    login_as(clerk, "clerk1")
    assert "Add a login" not in clerk.get("/dealers/D1/profile").get_data(as_text=True)
    assert clerk.post("/dealers/D1/users", data={"username": "x2", "password": "a-good-password-9"}).status_code == 403
    # another dealer's page does not exist for them
    assert clerk.get("/dealers/D2/profile").status_code == 404


def test_portal_api(app, client, world):
    resp = client.get("/api/v1/dealer-portal", headers=api_headers(world["users"]["agent"]))
    assert resp.status_code == 200, resp.json
    assert [d["dealer_code"] for d in resp.json["dealers"]] == ["A1", "S1"]
    keys = {s["key"] for d in resp.json["dealers"] for s in d["sections"]}
    assert ("rma.waiting" in keys) == _has(app, "rma") and ("logistics.drafts" in keys) == _has(app, "logistics")
    assert resp.json["unread_notifications"] == 0
    assert client.get("/api/v1/dealer-portal", headers=api_headers(world["users"]["order"])).status_code == 403
