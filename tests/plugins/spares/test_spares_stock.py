"""Applications through their workflow, the head-office ledger and the last unit issued twice at once."""
import threading
import time
from types import SimpleNamespace

import pytest

from core.errors import Conflict, ValidationError
from core.extensions import db
from core.testing import api_headers
from plugins.spares import services
from plugins.spares.models import Application, Movement, Stock


def stock_of(part):
    db.session.expire_all()
    s = db.session.scalar(db.select(Stock).where(Stock.part_id == part.id))
    return (s.on_hand, s.repaired_on_hand) if s else (0, 0)


def receive(client, user, sku, qty, **extra):
    return client.post("/api/v1/spare-movements", json={"sku": sku, "kind": "receipt", "quantity": qty, **extra},
                       headers=api_headers(user))


def test_application_workflow_and_stock_leaving_head_office(app, client, world):
    receive(client, world.service, "DRV", 3)
    h1, hs = api_headers(world.u1), api_headers(world.service)
    r = client.post("/api/v1/spare-applications", json={"lines": [{"sku": "DRV", "quantity": 2}, {"sku": "COB", "quantity": 1}],
                                                         "reason": "customer lamp", "rma_id": 77}, headers=h1)
    assert r.status_code == 201, r.json
    a = r.json
    assert a["state"] == "submitted" and a["dealer_code"] == "D1" and a["rma_id"] == 77  # no RMA plugin: kept as given
    assert a["actions"] == [] and a["number"].startswith("SPA-")
    base = f"/api/v1/spare-applications/{a['id']}"
    assert client.post(f"{base}/approve", json={}, headers=h1).status_code == 403
    assert client.post(f"{base}/ship", json={}, headers=hs).status_code == 409
    r = client.post(f"{base}/approve", json={"version": a["version"] + 5}, headers=hs)
    assert r.status_code == 409 and r.json["error"]["code"] == "stale_version"
    r = client.post(f"{base}/approve", json={"version": a["version"]}, headers=hs)
    assert r.status_code == 200 and r.json["state"] == "approved" and set(r.json["actions"]) == {"reject", "ship"}
    # COB is not in stock: nothing ships, nothing leaves stock
    r = client.post(f"{base}/ship", json={}, headers=hs)
    assert r.status_code == 422 and r.json["error"]["code"] == "insufficient_stock"
    assert stock_of(world.drv) == (3, 0)
    assert db.session.get(Application, a["id"]).state == "approved"
    r = client.post(f"{base}/ship", json={"lines": [{"sku": "DRV", "quantity": 3}]}, headers=hs)
    assert r.status_code == 422  # more than applied for
    r = client.post(f"{base}/ship", json={"lines": [{"sku": "DRV", "quantity": 2}, {"sku": "COB", "quantity": 0}]}, headers=hs)
    assert r.status_code == 200 and r.json["state"] == "shipped"
    assert [(l["sku"], l["shipped_quantity"]) for l in r.json["lines"]] == [("DRV", 2), ("COB", 0)]
    assert stock_of(world.drv) == (1, 0)
    m = client.get("/api/v1/spare-movements?kind=issue_application", headers=hs).json["items"]
    assert [(x["sku"], x["quantity"], x["balance_after"], x["application_id"]) for x in m] == [("DRV", -2, 1, a["id"])]
    r = client.post(f"{base}/receive", json={}, headers=h1)
    assert r.status_code == 200 and r.json["state"] == "received" and r.json["actions"] == []
    acts = client.get(f"/api/v1/activity?model=spares_application&id={a['id']}", headers=hs).json["items"]
    assert [e["action"] for e in acts][:4] == ["receive", "ship", "approve", "submitted"]


def test_reject_needs_a_reason(app, client, world):
    hs = api_headers(world.service)
    a = client.post("/api/v1/spare-applications", json={"dealer_code": "D2", "lines": [{"sku": "DRV", "quantity": 1}],
                                                         "reason": "stock"}, headers=hs).json
    r = client.post(f"/api/v1/spare-applications/{a['id']}/reject", json={"reason": "  "}, headers=hs)
    assert r.status_code == 422 and "reason" in r.json["error"]["fields"]
    r = client.post(f"/api/v1/spare-applications/{a['id']}/reject", json={"reason": "holds enough"}, headers=hs)
    assert r.status_code == 200 and r.json["state"] == "rejected" and r.json["reject_reason"] == "holds enough"
    assert client.post(f"/api/v1/spare-applications/{a['id']}/approve", json={}, headers=hs).status_code == 409


def test_bad_applications(app, client, world):
    h1 = api_headers(world.u1)
    r = client.post("/api/v1/spare-applications", json={"lines": [], "reason": ""}, headers=h1)
    assert r.status_code == 422 and {"lines", "reason"} <= set(r.json["error"]["fields"])
    r = client.post("/api/v1/spare-applications", json={"lines": [{"sku": "DRV", "quantity": 0}, {"sku": "X", "quantity": 1}],
                                                         "reason": "r", "rma_id": "abc"}, headers=h1)
    assert r.status_code == 422 and {"lines.0.quantity", "rma_id"} <= set(r.json["error"]["fields"])
    r = client.post("/api/v1/spare-applications", json={"lines": [{"sku": "X", "quantity": 1}], "reason": "r"}, headers=h1)
    assert r.status_code == 422 and "lines.0.sku" in r.json["error"]["fields"]
    r = client.post("/api/v1/spare-applications", json={"lines": [{"sku": "DRV", "quantity": 1}], "reason": "r"},
                    headers=api_headers(world.order))
    assert r.status_code == 403
    assert client.get("/api/v1/spare-applications/999", headers=h1).status_code == 404
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 0


def test_ledger_rules(app, client, world):
    hs = api_headers(world.service)
    assert receive(client, world.service, "DRV", 0).status_code == 422
    assert receive(client, world.service, "DRV", 2, pool="repaired").status_code == 422
    assert receive(client, world.service, "LAMP", 2).status_code == 422  # not a spare part
    assert receive(client, world.u1, "DRV", 2).status_code == 403
    assert receive(client, world.service, "DRV", 2).json["balance_after"] == 2
    post = lambda **b: client.post("/api/v1/spare-movements", json={"sku": "DRV", **b}, headers=hs)
    r = post(kind="adjustment", quantity=-1)
    assert r.status_code == 422 and "reason" in r.json["error"]["fields"]
    r = post(kind="adjustment", quantity=-3, reason="count")
    assert r.status_code == 422 and r.json["error"]["code"] == "insufficient_stock"
    assert post(kind="adjustment", quantity=-2, reason="stocktake").json["balance_after"] == 0
    assert post(kind="repaired_return", quantity=2, reason="repaired").json["pool"] == "repaired"
    assert stock_of(world.drv) == (0, 2)
    # repaired parts: warranty replacements only, never sold (not even to an application)
    r = post(kind="issue_rma", quantity=1, pool="repaired", rma_id=5)
    assert r.status_code == 422 and "pool" in r.json["error"]["fields"]
    assert post(kind="issue_rma", quantity=1, pool="repaired").status_code == 422  # rma_id required
    r = post(kind="issue_rma", quantity=1, pool="repaired", rma_id=5, warranty=True)
    assert r.status_code == 201 and r.json["quantity"] == -1 and r.json["rma_id"] == 5
    assert post(kind="issue_rma", quantity=1, rma_id=5, warranty=True).status_code == 422  # no new stock
    a = client.post("/api/v1/spare-applications", json={"dealer_code": "D1", "lines": [{"sku": "DRV", "quantity": 1}],
                                                         "reason": "r"}, headers=hs).json
    client.post(f"/api/v1/spare-applications/{a['id']}/approve", json={}, headers=hs)
    assert client.post(f"/api/v1/spare-applications/{a['id']}/ship", json={}, headers=hs).status_code == 422
    assert stock_of(world.drv) == (0, 1)
    assert post(kind="issue_application", quantity=1).status_code == 422  # only through shipping
    kinds = [m["kind"] for m in client.get("/api/v1/spare-movements?sku=DRV", headers=hs).json["items"]]
    assert kinds == ["issue_rma", "repaired_return", "adjustment", "receipt"]
    m = db.session.scalars(db.select(Movement)).first()
    m.quantity = 100
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(RuntimeError):
        db.session.delete(db.session.scalars(db.select(Movement)).first())
        db.session.flush()
    db.session.rollback()


def test_issue_for_rma_prefers_repaired_under_warranty(app, world):
    services.move_stock(world.cob, 2, "receipt")
    services.move_stock(world.cob, 1, "repaired_return", pool="repaired")
    assert services.issue_for_rma(world.cob, 1, rma_id=1, warranty=True).pool == "repaired"
    assert services.issue_for_rma(world.cob, 1, rma_id=1, warranty=True).pool == "new"
    assert services.issue_for_rma(world.cob, 1, rma_id=1, warranty=False).pool == "new"
    with pytest.raises(ValidationError):
        services.issue_for_rma(world.cob, 1, rma_id=1, warranty=False)
    db.session.commit()
    assert stock_of(world.cob) == (0, 0)


def _is_postgres(app):
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def _concurrent_app(tmp_path):
    from core.testing import database_url, make_app

    if database_url().startswith("sqlite"):
        # a real file with a connection per thread: the in-memory test database has only one
        return make_app(plugins=["spares"], SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/race.db",
                        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"check_same_thread": False, "timeout": 15}})
    return make_app(plugins=["spares"])


def test_last_unit_issued_twice_at_once_exactly_one_succeeds(tmp_path):
    """Thread A takes the last unit and holds its transaction open; thread B tries the same.

    B's conditional UPDATE waits for A's lock, then finds ``on_hand >= 1`` false and
    changes nothing: exactly one issue succeeds and stock ends at 0, never -1.
    """
    from core.testing import make_category, make_product

    app = _concurrent_app(tmp_path)
    with app.app_context():
        part = make_product("LAST", category=make_category("E"), is_spare_part=True)
        services.move_stock(part, 1, "receipt")
        db.session.commit()
        part_id = part.id
    results, a_updated = {}, threading.Event()

    def worker(name, hold):
        with app.app_context():
            try:
                if not hold:
                    a_updated.wait(10)
                # the part as a plain (id, sku): the UPDATE is each transaction's first statement
                part = SimpleNamespace(id=part_id, sku="LAST")
                services.move_stock(part, -1, "issue_rma", rma_id=1)
                if hold:
                    a_updated.set()
                    time.sleep(0.5)  # B is now blocked on A's row / database lock
                db.session.commit()
                results[name] = "issued"
            except (ValidationError, Conflict) as exc:
                db.session.rollback()
                results[name] = exc.code
            finally:
                a_updated.set()
                db.session.remove()

    threads = [threading.Thread(target=worker, args=("a", True)), threading.Thread(target=worker, args=("b", False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # B waited for A's lock (row lock on PostgreSQL, database lock on SQLite), then its
    # WHERE on_hand >= 1 was false: it changed nothing and was refused.
    assert results == {"a": "issued", "b": "insufficient_stock"}
    with app.app_context():
        assert db.session.scalar(db.select(Stock.on_hand).where(Stock.part_id == part_id)) == 0
        assert db.session.scalar(db.select(db.func.count(Movement.id)).where(Movement.kind == "issue_rma")) == 1
        db.session.remove()
        db.engine.dispose()


def test_simultaneous_start_many_threads_never_oversell(tmp_path):
    from core.testing import make_category, make_product

    app = _concurrent_app(tmp_path)
    with app.app_context():
        part = make_product("FEW", category=make_category("E"), is_spare_part=True)
        services.move_stock(part, 3, "receipt")
        db.session.commit()
        part_id = part.id
    barrier, outcomes = threading.Barrier(6), []

    def worker():
        with app.app_context():
            from core.products.models import Product

            barrier.wait(10)
            try:
                services.move_stock(db.session.get(Product, part_id), -1, "issue_rma", rma_id=1)
                db.session.commit()
                outcomes.append("ok")
            except (ValidationError, Conflict):
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    issued = outcomes.count("ok")
    assert len(outcomes) == 6 and 1 <= issued <= 3
    if _is_postgres(app):
        assert issued == 3  # row locks serialise the six: three succeed, three find none left
    with app.app_context():
        assert db.session.scalar(db.select(Stock.on_hand).where(Stock.part_id == part_id)) == 3 - issued
        assert db.session.scalar(db.select(db.func.count(Movement.id)).where(Movement.kind == "issue_rma")) == issued
        db.session.remove()
        db.engine.dispose()
