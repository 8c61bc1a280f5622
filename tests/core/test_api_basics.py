"""The JSON API contract: tokens, errors, pagination, CRUD and record rules on core resources."""
from core.extensions import db
from core.testing import api_headers, make_category, make_dealer, make_product, make_region, make_user, TEST_PASSWORD
from core.users.models import User


def test_token_login_and_me(app, client):
    make_user("alice", roles=["admin"])
    r = client.post("/api/v1/auth/token", json={"username": "alice", "password": TEST_PASSWORD})
    assert r.status_code == 200
    assert set(r.json) == {"token", "expires_at"}
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json['token']}"})
    assert me.status_code == 200
    assert me.json["username"] == "alice" and me.json["roles"] == ["admin"] and me.json["dealer_code"] is None


def test_revoked_token_is_refused(app, client):
    make_user("alice")
    token = client.post("/api/v1/auth/token", json={"username": "alice", "password": TEST_PASSWORD}).json["token"]
    h = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=h).status_code == 204
    r = client.get("/api/v1/me", headers=h)
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"


def test_lockout_after_five_failures(app, client):
    make_user("bob")
    for _ in range(4):
        r = client.post("/api/v1/auth/token", json={"username": "bob", "password": "wrong"})
        assert r.json["error"]["code"] == "invalid_credentials"
    r = client.post("/api/v1/auth/token", json={"username": "bob", "password": "wrong"})
    assert r.json["error"]["code"] == "invalid_credentials"  # locked now, but no different answer
    # even the right password is refused while locked
    r = client.post("/api/v1/auth/token", json={"username": "bob", "password": TEST_PASSWORD})
    assert r.status_code == 401 and r.json["error"]["code"] == "invalid_credentials"


def test_malformed_and_invalid_bodies(app, client):
    admin = make_user("admin")
    h = api_headers(admin)
    r = client.post("/api/v1/dealers", data="{not json", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json["error"]["code"] == "malformed"
    r = client.post("/api/v1/dealers", json={"name": "x" * 201, "kind": "shop", "extra": 1}, headers=h)
    assert r.status_code == 422
    fields = r.json["error"]["fields"]
    assert {"code", "name", "kind", "extra"} <= set(fields)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_dealer_crud_and_duplicate_code(app, client):
    admin = make_user("admin")
    h = api_headers(admin)
    region = make_region("EAST")
    r = client.post("/api/v1/dealers", json={"code": "A1", "name": "Agent", "kind": "agent", "region_code": "EAST"}, headers=h)
    assert r.status_code == 201, r.json
    agent_id = r.json["id"]
    r = client.post("/api/v1/dealers", json={"code": "A1", "name": "Again"}, headers=h)
    assert r.status_code == 422 and "code" in r.json["error"]["fields"]
    r = client.post("/api/v1/dealers", json={"code": "S1", "name": "Dist", "kind": "distributor"}, headers=h)
    assert r.status_code == 422 and "parent_code" in r.json["error"]["fields"]
    r = client.post("/api/v1/dealers", json={"code": "S1", "name": "Dist", "kind": "distributor", "parent_code": "A1"}, headers=h)
    assert r.status_code == 201 and r.json["parent_code"] == "A1"
    r = client.patch(f"/api/v1/dealers/{agent_id}", json={"status": "warned", "status_reason": "late reports"}, headers=h)
    assert r.status_code == 200 and r.json["status"] == "warned"
    r = client.get(f"/api/v1/activity?model=dealer&id={agent_id}", headers=h)
    assert r.json["items"][0]["changes"]["status"] == ["active", "warned"]
    r = client.get("/api/v1/dealers?kind=distributor", headers=h)
    assert r.json["total"] == 1 and r.json["items"][0]["code"] == "S1"
    assert region.id


def test_record_rules_dealer_agent_region(app, client):
    east, south = make_region("EAST"), make_region("SOUTH")
    agent = make_dealer("A1", kind="agent", region=east)
    dist = make_dealer("S1", kind="distributor", parent=agent, region=east)
    other = make_dealer("D2", region=south)
    agent_user = make_user("agentuser", roles=["dealer"], dealer=agent)
    dist_user = make_user("distuser", roles=["dealer"], dealer=dist)
    rm = make_user("rm", roles=["regional_manager"])
    from core.dealers.services import update_region
    update_region(east, {"manager_usernames": ["rm"]})
    db.session.commit()

    def codes(user):
        return sorted(d["code"] for d in client.get("/api/v1/dealers", headers=api_headers(user)).json["items"])

    assert codes(agent_user) == ["A1", "S1"]
    assert codes(dist_user) == ["S1"]
    assert codes(rm) == ["A1", "S1"]
    r = client.get(f"/api/v1/dealers/{other.id}", headers=api_headers(dist_user))
    assert r.status_code == 404
    r = client.patch(f"/api/v1/dealers/{dist.id}", json={"name": "x"}, headers=api_headers(dist_user))
    assert r.status_code == 403


def test_products_and_pagination(app, client):
    admin = make_user("admin")
    h = api_headers(admin)
    cat = make_category("LIGHTING")
    part = make_product("DRV", category=cat, unit_price="10.50")
    r = client.post("/api/v1/products", json={"sku": "PNL", "name": "Panel", "category_code": "LIGHTING",
                                               "unit_price": "99.90", "parts": [{"sku": "DRV", "quantity": 2}]}, headers=h)
    assert r.status_code == 201, r.json
    assert r.json["unit_price"] == "99.90" and r.json["parts"] == [{"sku": "DRV", "quantity": 2}]
    r = client.post("/api/v1/products", json={"sku": "X", "name": "X", "category_code": "NOPE", "unit_price": "abc",
                                               "parts": [{"sku": "MISSING", "quantity": 0}]}, headers=h)
    assert r.status_code == 422 and {"unit_price", "parts.0.quantity"} <= set(r.json["error"]["fields"])
    r = client.get("/api/v1/products?per_page=1&page=2", headers=h)
    assert r.json["total"] == 2 and r.json["page"] == 2 and len(r.json["items"]) == 1
    assert client.get("/api/v1/products?per_page=500", headers=h).status_code == 400
    assert part.id


def test_openapi_lists_core_paths(app, client):
    doc = client.get("/api/v1/openapi.json").json
    for path in ("/api/v1/auth/token", "/api/v1/me", "/api/v1/regions", "/api/v1/dealers/{id}",
                 "/api/v1/users", "/api/v1/product-categories", "/api/v1/products"):
        assert path in doc["paths"], path
    assert "DealerOut" in doc["components"]["schemas"]


def test_bearer_token_wins_over_a_browser_session(app, client):
    from core.testing import login_as

    make_user("admin")
    shop = make_user("shop", roles=["dealer"], dealer=make_dealer("D1"))
    login_as(client, "admin")
    assert client.get("/api/v1/me").json["username"] == "admin"
    h = api_headers(shop)
    assert client.get("/api/v1/me", headers=h).json["username"] == "shop"
    assert client.get("/api/v1/users", headers=h).status_code == 403
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401


def test_db_upgrade_defaults_to_every_head():
    from flask_migrate.cli import db as db_group

    import core.cli  # noqa: F401  (installs the default)

    revision = next(p for p in db_group.commands["upgrade"].params if p.name == "revision")
    assert revision.default == "heads"
