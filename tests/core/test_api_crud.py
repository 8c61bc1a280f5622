"""CRUD on every core API resource, with the errors a client sees for bad input."""
import pytest

from core.testing import api_headers, make_category, make_dealer, make_product, make_region, make_user


@pytest.fixture
def admin_h(app):
    return api_headers(make_user("admin"))


def test_users_crud(app, client, admin_h):
    dealer = make_dealer("D1")
    r = client.post("/api/v1/users", json={"username": "shop", "password": "long-enough-1", "roles": ["dealer"],
                                            "dealer_code": "D1", "language": "en", "email": "shop@example.com"}, headers=admin_h)
    assert r.status_code == 201, r.json
    body = r.json
    assert body["dealer_code"] == "D1" and body["roles"] == ["dealer"] and "password" not in body
    uid = body["id"]
    for bad, field in [({"username": "shop", "password": "long-enough-1"}, "username"),
                       ({"username": "x2", "password": "short"}, "password"),
                       ({"username": "x3", "password": "long-enough-1", "roles": ["pope"]}, "roles"),
                       ({"username": "x4", "password": "long-enough-1", "roles": ["dealer"]}, "dealer_code"),
                       ({"username": "x5", "password": "long-enough-1", "dealer_code": "NOPE", "roles": ["dealer"]}, "dealer_code"),
                       ({"username": "x6", "password": "long-enough-1", "email": "not-an-email"}, "email"),
                       ({"username": "has space", "password": "long-enough-1"}, "username"),
                       ({"username": 5, "password": "long-enough-1"}, "username")]:
        r = client.post("/api/v1/users", json=bad, headers=admin_h)
        assert r.status_code == 422 and field in r.json["error"]["fields"], (bad, r.json)
    r = client.patch(f"/api/v1/users/{uid}", json={"active": False}, headers=admin_h)
    assert r.status_code == 200 and r.json["active"] is False
    r = client.post("/api/v1/auth/token", json={"username": "shop", "password": "long-enough-1"})
    assert r.status_code == 401
    assert client.get("/api/v1/users?role=dealer", headers=admin_h).json["total"] == 1
    assert client.get("/api/v1/users/9999", headers=admin_h).status_code == 404
    assert client.delete(f"/api/v1/users/{uid}", headers=admin_h).status_code == 204
    assert client.get(f"/api/v1/users/{uid}", headers=admin_h).status_code == 404
    assert dealer.id


def test_users_api_is_admin_only(app, client):
    clerk = make_user("clerk", roles=["order_dept"])
    r = client.get("/api/v1/users", headers=api_headers(clerk))
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert client.get("/api/v1/users").status_code == 401


def test_admin_cannot_delete_self_or_a_user_who_acted(app, client, admin_h):
    from core.users.models import User
    from core.extensions import db

    me = db.session.scalar(db.select(User).where(User.username == "admin"))
    r = client.delete(f"/api/v1/users/{me.id}", headers=admin_h)
    assert r.status_code == 409
    client.post("/api/v1/regions", json={"code": "R", "name": "R"}, headers=admin_h)  # admin acts
    other_admin = make_user("admin2")
    r = client.delete(f"/api/v1/users/{me.id}", headers=api_headers(other_admin))
    assert r.status_code == 409 and r.json["error"]["code"] == "in_use"


def test_regions_crud(app, client, admin_h):
    rm = make_user("rm", roles=["regional_manager"])
    make_user("clerk", roles=["order_dept"])
    r = client.post("/api/v1/regions", json={"code": "EAST", "name": "华东", "manager_usernames": ["rm"]}, headers=admin_h)
    assert r.status_code == 201 and r.json["manager_usernames"] == ["rm"]
    rid = r.json["id"]
    r = client.post("/api/v1/regions", json={"code": "W", "name": "W", "manager_usernames": ["clerk", "ghost"]}, headers=admin_h)
    assert r.status_code == 422 and "manager_usernames" in r.json["error"]["fields"]
    r = client.patch(f"/api/v1/regions/{rid}", json={"manager_usernames": []}, headers=admin_h)
    assert r.json["manager_usernames"] == []
    make_dealer("D1", region=make_region("SOUTH"))
    south = client.get("/api/v1/regions?q=SOUTH", headers=admin_h).json["items"][0]
    r = client.delete(f"/api/v1/regions/{south['id']}", headers=admin_h)
    assert r.status_code == 409
    assert client.delete(f"/api/v1/regions/{rid}", headers=admin_h).status_code == 204
    assert rm.id


def test_categories_and_products_crud(app, client, admin_h):
    r = client.post("/api/v1/product-categories", json={"code": "STRIP", "name": "硬灯条", "warranty_months": 24,
                                                         "retention_months": 24}, headers=admin_h)
    assert r.status_code == 201 and r.json["whole_unit_returns"] is False
    cid = r.json["id"]
    r = client.post("/api/v1/product-categories", json={"code": "BAD", "name": "x", "warranty_months": -1,
                                                         "retention_months": "many"}, headers=admin_h)
    assert r.status_code == 422 and {"warranty_months", "retention_months"} <= set(r.json["error"]["fields"])
    r = client.post("/api/v1/products", json={"sku": "S1", "name": "Strip", "category_code": "STRIP", "unit_price": "39.00"},
                    headers=admin_h)
    pid = r.json["id"]
    r = client.patch(f"/api/v1/products/{pid}", json={"status": "discontinued", "discontinued_on": "2026-06-30"}, headers=admin_h)
    assert r.status_code == 200 and r.json["discontinued_on"] == "2026-06-30"
    r = client.patch(f"/api/v1/products/{pid}", json={"version": 1, "name": "stale"}, headers=admin_h)
    assert r.status_code == 409 and r.json["error"]["code"] == "stale_version"
    r = client.patch(f"/api/v1/products/{pid}", json={"parts": [{"sku": "S1", "quantity": 1}]}, headers=admin_h)
    assert r.status_code == 422 and "parts" in r.json["error"]["fields"]
    assert client.delete(f"/api/v1/product-categories/{cid}", headers=admin_h).status_code == 409
    assert client.delete(f"/api/v1/products/{pid}", headers=admin_h).status_code == 204
    assert client.delete(f"/api/v1/product-categories/{cid}", headers=admin_h).status_code == 204


def test_dealers_read_active_products_and_only_their_dealer(app, client):
    cat = make_category("L")
    make_product("ON", category=cat)
    off = make_product("OFF", category=cat, status="discontinued", discontinued_on="2025-01-01")
    shop = make_user("shop", roles=["dealer"], dealer=make_dealer("D1"))
    h = api_headers(shop)
    skus = [p["sku"] for p in client.get("/api/v1/products", headers=h).json["items"]]
    assert skus == ["ON"]
    assert client.get(f"/api/v1/products/{off.id}", headers=h).status_code == 404
    assert client.post("/api/v1/products", json={}, headers=h).status_code == 403
    me = client.get("/api/v1/me", headers=h).json
    assert me["dealer_code"] == "D1"


def test_errors_are_json_everywhere_under_the_api(app, client, admin_h):
    r = client.get("/api/v1/no-such-thing", headers=admin_h)
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    r = client.put("/api/v1/dealers", json={}, headers=admin_h)
    assert r.status_code == 405 and r.json["error"]["code"] == "method_not_allowed"
    r = client.post("/api/v1/dealers", data="code=x", headers=admin_h)
    assert r.status_code == 400 and r.json["error"]["code"] == "malformed"
    r = client.post("/api/v1/dealers", json=[1, 2], headers=admin_h)
    assert r.status_code == 400
    r = client.get("/api/v1/dealers?page=0", headers=admin_h)
    assert r.status_code == 400 and "page" in r.json["error"]["fields"]
