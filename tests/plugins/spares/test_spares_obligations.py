"""Obligation rules, the most specific one winning, and compliance at its boundary."""
from datetime import date, timedelta

from core.extensions import db
from core.testing import api_headers
from plugins.spares.models import Obligation, StockReport


def post_rule(client, h, **body):
    r = client.post("/api/v1/spare-obligations", json=body, headers=h)
    assert r.status_code == 201, r.json
    return r.json


def compliance(client, user, code=None):
    url = "/api/v1/spare-compliance" + (f"?dealer_code={code}" if code else "")
    return client.get(url, headers=api_headers(user))


def drv_line(resp):
    return next(i for i in resp.json["items"] if i["sku"] == "DRV")


def test_most_specific_rule_wins_step_by_step(app, client, world):
    h = api_headers(world.service)
    ids = {}
    expected = [("all", {}, 1), ("dealer_kind", {"dealer_kind": "dealer"}, 2), ("abc_class", {"abc_class": "A"}, 3),
                ("region", {"region_code": "EAST"}, 4), ("dealer", {"dealer_code": "D1"}, 5)]
    for scope, extra, qty in expected:
        ids[scope] = post_rule(client, h, sku="DRV", quantity=qty, **extra)["id"]
        line = drv_line(compliance(client, world.admin, "D1"))
        assert line["required"] == qty and line["rule"]["scope"] == scope and line["rule"]["id"] == ids[scope]
    assert "D1" in line["rule"]["why"] and "rule for dealers in region EAST (4)" in line["rule"]["why"]
    # peel the rules off again: each time the next most specific one takes over
    for scope, _extra, qty in reversed(expected[1:]):
        assert client.delete(f"/api/v1/spare-obligations/{ids[scope]}", headers=h).status_code == 204
        line = drv_line(compliance(client, world.admin, "D1"))
        assert line["required"] == qty - 1
    # D2 (south, class B, kind dealer) only ever matched the kind and "all" rules
    assert drv_line(compliance(client, world.admin, "D2"))["rule"]["scope"] == "all"


def test_other_dealers_get_their_own_rule(app, client, world):
    h = api_headers(world.service)
    post_rule(client, h, sku="DRV", quantity=1)
    post_rule(client, h, sku="DRV", quantity=7, dealer_kind="agent")
    post_rule(client, h, sku="DRV", quantity=9, region_code="SOUTH")
    assert drv_line(compliance(client, world.admin, "A1"))["required"] == 7
    assert drv_line(compliance(client, world.admin, "D2"))["required"] == 9
    assert drv_line(compliance(client, world.admin, "D1"))["required"] == 1


def test_override_to_zero_exempts_a_dealer(app, client, world):
    h = api_headers(world.service)
    post_rule(client, h, sku="DRV", quantity=3)
    post_rule(client, h, sku="DRV", quantity=0, dealer_code="D1")
    line = drv_line(compliance(client, world.admin, "D1"))
    assert line["required"] == 0 and line["on_hand"] == 0 and line["compliant"] is True


def test_stock_exactly_at_required_is_compliant_one_below_is_not(app, client, world):
    post_rule(client, api_headers(world.service), sku="DRV", quantity=4)
    h1 = api_headers(world.u1)
    today = date.today()
    r = client.post("/api/v1/spare-stock-reports", json={"reported_on": (today - timedelta(days=3)).isoformat(),
                                                          "lines": [{"sku": "DRV", "quantity": 3}]}, headers=h1)
    assert r.status_code == 201, r.json
    line = drv_line(compliance(client, world.u1))
    assert (line["on_hand"], line["compliant"]) == (3, False)
    client.post("/api/v1/spare-stock-reports", json={"reported_on": today.isoformat(),
                                                      "lines": [{"sku": "DRV", "quantity": 4}]}, headers=h1)
    body = compliance(client, world.u1).json
    assert drv_line(compliance(client, world.u1)) ["compliant"] is True and body["rate"] == "100.0"
    # a report filed later for an earlier date does not replace the newer count
    client.post("/api/v1/spare-stock-reports", json={"reported_on": (today - timedelta(days=10)).isoformat(),
                                                      "lines": [{"sku": "DRV", "quantity": 0}]}, headers=h1)
    assert drv_line(compliance(client, world.u1))["on_hand"] == 4
    # a part absent from the latest report counts as zero
    post_rule(client, api_headers(world.service), sku="COB", quantity=1)
    cob = next(i for i in compliance(client, world.u1).json["items"] if i["sku"] == "COB")
    assert cob["on_hand"] == 0 and cob["compliant"] is False


def test_rates_and_non_compliant_list(app, client, world):
    post_rule(client, api_headers(world.service), sku="DRV", quantity=2)
    client.post("/api/v1/spare-stock-reports", json={"reported_on": date.today().isoformat(),
                                                      "lines": [{"sku": "DRV", "quantity": 2}]}, headers=api_headers(world.u1))
    h = api_headers(world.admin)
    by_region = {r["key"]: r for r in client.get("/api/v1/spare-compliance/rates?by=region", headers=h).json["items"]}
    assert by_region["EAST"] == {"key": "EAST", "name": "Region EAST", "obliged": 2, "compliant": 1, "rate": "50.0"}
    assert by_region["SOUTH"]["rate"] == "0.0"
    by_part = client.get("/api/v1/spare-compliance/rates?by=part", headers=h).json["items"]
    assert by_part == [{"key": "DRV", "name": "Product DRV", "obliged": 3, "compliant": 1, "rate": "33.3"}]
    nc = client.get("/api/v1/spare-compliance/non-compliant", headers=h).json
    assert [r["dealer_code"] for r in nc["items"]] == ["A1", "D2"] and nc["items"][0]["missing_parts"] == ["DRV"]


def test_bad_obligations_are_refused(app, client, world):
    h = api_headers(world.service)
    r = client.post("/api/v1/spare-obligations", json={"sku": "DRV", "quantity": 1, "dealer_code": "D1", "abc_class": "A"}, headers=h)
    assert r.status_code == 422
    r = client.post("/api/v1/spare-obligations", json={"sku": "NOPE", "quantity": -1, "dealer_kind": "shop"}, headers=h)
    assert r.status_code == 422 and {"quantity", "dealer_kind"} <= set(r.json["error"]["fields"])
    r = client.post("/api/v1/spare-obligations", json={"sku": "LAMP", "quantity": 1}, headers=h)
    assert r.status_code == 422 and "not a spare part" in r.json["error"]["fields"]["sku"]
    r = client.post("/api/v1/spare-obligations", json={"sku": "DRV", "quantity": 1, "region_code": "NORTH"}, headers=h)
    assert r.status_code == 422 and "region_code" in r.json["error"]["fields"]
    post_rule(client, h, sku="DRV", quantity=1, region_code="EAST")
    r = client.post("/api/v1/spare-obligations", json={"sku": "DRV", "quantity": 2, "region_code": "EAST"}, headers=h)
    assert r.status_code == 422
    r = client.post("/api/v1/spare-obligations", json={"sku": "DRV", "quantity": 2}, headers=api_headers(world.u1))
    assert r.status_code == 403
    assert client.get("/api/v1/spare-obligations", headers=api_headers(world.u1)).status_code == 403
    assert db.session.scalar(db.select(db.func.count(Obligation.id))) == 1
    assert client.get("/api/v1/spare-obligations/999", headers=h).status_code == 404
    r = client.patch("/api/v1/spare-obligations/1", json={"quantity": 5}, headers=h)
    assert r.status_code == 200 and r.json["quantity"] == 5 and r.json["scope"] == "region"


def test_stock_report_validation_is_all_or_nothing(app, client, world):
    h1 = api_headers(world.u1)
    today = date.today()
    r = client.post("/api/v1/spare-stock-reports", json={"reported_on": today.isoformat(), "lines": [
        {"sku": "DRV", "quantity": 1}, {"sku": "NOPE", "quantity": 1}, {"sku": "DRV", "quantity": 2},
        {"sku": "LAMP", "quantity": 1}]}, headers=h1)
    assert r.status_code == 422
    assert set(r.json["error"]["fields"]) == {"lines.1.sku", "lines.2.sku", "lines.3.sku"}
    r = client.post("/api/v1/spare-stock-reports", json={"reported_on": (today + timedelta(days=1)).isoformat(),
                                                          "lines": [{"sku": "DRV", "quantity": 1}]}, headers=h1)
    assert r.status_code == 422 and "reported_on" in r.json["error"]["fields"]
    r = client.post("/api/v1/spare-stock-reports", json={"reported_on": "yesterday", "lines": [{"sku": "DRV", "quantity": "x"}]}, headers=h1)
    assert r.status_code == 422 and {"reported_on", "lines.0.quantity"} <= set(r.json["error"]["fields"])
    r = client.post("/api/v1/spare-stock-reports", json={"dealer_code": "D2", "reported_on": today.isoformat(),
                                                          "lines": [{"sku": "DRV", "quantity": 1}]}, headers=h1)
    assert r.status_code == 422 and "dealer_code" in r.json["error"]["fields"]
    r = client.post("/api/v1/spare-stock-reports", json={"reported_on": today.isoformat(),
                                                          "lines": [{"sku": "DRV", "quantity": 1}]}, headers=api_headers(world.service))
    assert r.status_code == 422 and r.json["error"]["fields"] == {"dealer_code": "required"}
    r = client.post("/api/v1/spare-stock-reports", json={"dealer_code": "D2", "reported_on": today.isoformat(),
                                                          "lines": [{"sku": "DRV", "quantity": 1}]}, headers=api_headers(world.service))
    assert r.status_code == 201 and r.json["dealer_code"] == "D2"
    r = client.post("/api/v1/spare-stock-reports", json={"reported_on": today.isoformat(), "lines": []},
                    headers=api_headers(world.order))
    assert r.status_code == 403
    assert db.session.scalar(db.select(db.func.count(StockReport.id))) == 1


def test_fast_matrix_agrees_with_the_explained_rule(app, client, world):
    from core.testing import make_dealer
    from plugins.spares import services

    h = api_headers(world.service)
    for sku in ("DRV", "COB"):
        post_rule(client, h, sku=sku, quantity=1)
    post_rule(client, h, sku="DRV", quantity=2, dealer_kind="agent")
    post_rule(client, h, sku="COB", quantity=3, abc_class="B")
    post_rule(client, h, sku="DRV", quantity=4, region_code="SOUTH")
    post_rule(client, h, sku="COB", quantity=5, dealer_code="A1")
    make_dealer("S1", kind="distributor", parent=world.agent, region=world.south, abc_class="B")
    rules = services.Rules.load()
    for dealer in db.session.scalars(db.select(services.Dealer)):
        explained = {pid: ob.id for pid, (ob, _) in rules.for_dealer(dealer).items()}
        assert {pid: ob.id for pid, ob in rules.winners(dealer).items()} == explained, dealer.code
