"""Scope: dealer-specific obligations follow the dealer record rule; the ledger is head office's."""
from core.dealers.models import region_managers
from core.extensions import db
from core.testing import api_headers, login_as, make_user


def test_regional_manager_sees_only_its_regions_dealer_obligations(app, client, world):
    h = api_headers(world.service)
    east = client.post("/api/v1/spare-obligations", json={"sku": "DRV", "quantity": 2, "dealer_code": "D1"}, headers=h).json
    south = client.post("/api/v1/spare-obligations", json={"sku": "DRV", "quantity": 3, "dealer_code": "D2"}, headers=h).json
    general = client.post("/api/v1/spare-obligations", json={"sku": "COB", "quantity": 1}, headers=h).json
    manager = make_user("rm", roles=["regional_manager"])
    db.session.execute(region_managers.insert().values(region_id=world.east.id, user_id=manager.id))
    db.session.commit()
    rm = api_headers(manager)
    ids = {o["id"] for o in client.get("/api/v1/spare-obligations", headers=rm).json["items"]}
    assert ids == {east["id"], general["id"]}  # before: also D2's (another region)
    assert client.get(f"/api/v1/spare-obligations/{south['id']}", headers=rm).status_code == 404
    assert client.get(f"/api/v1/spare-obligations/{east['id']}", headers=rm).status_code == 200
    login_as(client, "rm")
    assert client.get(f"/spares/obligations/{south['id']}").status_code == 404
    assert "D2" not in client.get("/spares/obligations/").get_data(as_text=True)


def test_the_movement_ledger_is_head_office_only(app, client, world):
    manager = make_user("rm", roles=["regional_manager"])
    assert client.get("/api/v1/spare-movements", headers=api_headers(manager)).status_code == 403  # before: 200
    assert client.get("/api/v1/spare-movements", headers=api_headers(world.order)).status_code == 200
    login_as(client, "rm")
    assert client.get("/spares/movements/").status_code == 403
