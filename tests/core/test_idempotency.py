"""Idempotency-Key on creating POSTs: a client that lost the connection after the commit can
retry without filing twice."""
from datetime import timedelta

from sqlalchemy import func, select, update

from core.dealers.models import Region
from core.extensions import db
from core.model_utils import utcnow
from core.testing import api_headers, make_user
from core.users.models import IdempotencyRecord


def regions():
    return db.session.scalar(select(func.count(Region.id)))


def test_a_retry_with_the_same_key_returns_the_first_response(app, client):
    admin = make_user("admin")
    h = {**api_headers(admin), "Idempotency-Key": "k-123"}
    first = client.post("/api/v1/regions", json={"code": "EAST", "name": "East"}, headers=h)
    again = client.post("/api/v1/regions", json={"code": "EAST", "name": "East"}, headers=h)
    assert first.status_code == again.status_code == 201  # before: the retry was a 422 duplicate or a second row
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert regions() == 1
    other = client.post("/api/v1/regions", json={"code": "WEST", "name": "West"}, headers=h)
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    assert regions() == 1


def test_keys_belong_to_one_user_and_expire_and_failures_are_not_kept(app, client):
    a, b = make_user("admin"), make_user("admin2")
    body = {"code": "EAST", "name": "East"}
    bad = client.post("/api/v1/regions", json={"code": ""}, headers={**api_headers(a), "Idempotency-Key": "k"})
    assert bad.status_code == 422
    assert client.post("/api/v1/regions", json=body, headers={**api_headers(a), "Idempotency-Key": "k"}).status_code == 201
    r = client.post("/api/v1/regions", json=body, headers={**api_headers(b), "Idempotency-Key": "k"})
    assert r.status_code == 422 and r.json["error"]["code"] != "idempotency_key_reused"  # b's own key: a real duplicate
    db.session.execute(update(IdempotencyRecord).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    r = client.post("/api/v1/regions", json={"code": "WEST", "name": "W"}, headers={**api_headers(a), "Idempotency-Key": "k"})
    assert r.status_code == 201 and regions() == 2


def test_the_header_is_documented_on_creating_posts(app, client):
    doc = client.get("/api/v1/openapi.json").json
    params = doc["paths"]["/api/v1/regions"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in params)
    assert not any(p["name"] == "Idempotency-Key" for p in doc["paths"]["/api/v1/regions"]["get"]["parameters"])
