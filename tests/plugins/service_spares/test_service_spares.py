"""Parts used on an on-site visit are issued from head-office stock through the spares plugin's API."""
from core.testing import api_headers, login_as
from helpers_service import URL, VISITS, to_on_site, visit


def _stock(client, user, sku):
    rows = client.get(f"/api/v1/spare-movements?sku={sku}", headers=api_headers(user)).json["items"]
    return rows


def _on_hand(sku):
    from sqlalchemy import select

    from core.toolkit import Product, db
    from plugins.spares.models import Stock

    return db.session.scalar(select(Stock.on_hand).join(Product, Product.id == Stock.part_id)
                             .where(Product.sku == sku))


def test_link_is_auto_installed_with_both_plugins(app):
    ids = [m.id for m in app.extensions["aftersales"].manifests]
    assert "service_spares" in ids


def test_recording_the_parts_issues_them_from_head_office_stock(client, world):
    tech, admin = world["users"]["tech1"], world["users"]["admin"]
    rec = to_on_site(client, world)
    v = visit(client, tech, rec, parts_used=[{"sku": "DRV-1", "qty": 2}, {"sku": "LED-5", "qty": 1}])
    assert _on_hand("DRV-1") == 3 and _on_hand("LED-5") == 0
    assert [(p["sku"], p["qty"], p["reference"], p["balance_after"]) for p in v["parts_issued"]] == [
        ("DRV-1", 2, rec["number"], 3), ("LED-5", 1, rec["number"], 0)]
    # the movement in the spares ledger names the request
    moves = _stock(client, admin, "DRV-1")
    issued = [m for m in moves if m["kind"] == "issue_service"]
    assert len(issued) == 1 and issued[0]["quantity"] == -2 and issued[0]["reason"] == rec["number"]
    assert issued[0]["id"] == v["parts_issued"][0]["movement_id"] and issued[0]["actor"] == "technician1"
    # the request and the visit answer the same
    got = client.get(f"{URL}/{rec['id']}", headers=api_headers(tech)).json
    assert got["visits"][0]["parts_issued"] == v["parts_issued"]
    assert client.get(f"{VISITS}/{v['id']}", headers=api_headers(tech)).json["parts_issued"] == v["parts_issued"]


def test_short_stock_refuses_the_record_and_writes_nothing(client, world):
    from sqlalchemy import func, select

    from core.toolkit import db
    from plugins.service.models import ServiceVisit
    from plugins.spares.models import Movement

    tech = world["users"]["tech1"]
    rec = to_on_site(client, world)
    moves = db.session.scalar(select(func.count(Movement.id)))
    # the first line could be issued, the second is short: all or nothing
    r = client.post(f"{URL}/{rec['id']}/visits", json={"parts_used": [{"sku": "DRV-1", "qty": 2},
                                                                      {"sku": "LED-5", "qty": 2}]},
                    headers=api_headers(tech) | {"Accept-Language": "zh-CN"})
    assert r.status_code == 422 and r.json["error"]["code"] == "insufficient_stock"
    assert list(r.json["error"]["fields"]) == ["parts_used.1.qty"]
    assert "LED-5" in r.json["error"]["fields"]["parts_used.1.qty"]
    assert _on_hand("DRV-1") == 5 and _on_hand("LED-5") == 1
    assert db.session.scalar(select(func.count(Movement.id))) == moves
    assert db.session.scalar(select(func.count(ServiceVisit.id))) == 0
    # two lines of the same part count together
    r = client.post(f"{URL}/{rec['id']}/visits", json={"parts_used": [{"sku": "DRV-1", "qty": 3},
                                                                      {"sku": "DRV-1", "qty": 3}]},
                    headers=api_headers(tech))
    assert r.status_code == 422 and _on_hand("DRV-1") == 5
    # not a spare part, unknown part
    r = client.post(f"{URL}/{rec['id']}/visits", json={"parts_used": [{"sku": "PNL-600", "qty": 1},
                                                                      {"sku": "NOPE", "qty": 1}]},
                    headers=api_headers(tech))
    assert r.status_code == 422 and set(r.json["error"]["fields"]) == {"parts_used.0.sku", "parts_used.1.sku"}


def test_the_refusal_is_in_the_users_language(client, world):
    tech = world["users"]["tech1"]
    tech.language = "zh_CN"
    from core.toolkit import db

    db.session.commit()
    rec = to_on_site(client, world)
    r = client.post(f"{URL}/{rec['id']}/visits", json={"parts_used": [{"sku": "LED-5", "qty": 4}]},
                    headers=api_headers(tech))
    assert r.status_code == 422
    assert r.json["error"]["fields"]["parts_used.0.qty"] == "LED-5：需要 4，总部库存仅 1"


def test_visit_page_shows_the_issued_parts_and_refuses_short_stock(client, world):
    rec = to_on_site(client, world)
    login_as(client, "technician1")
    r = client.post(f"/service/{rec['id']}/visit", data={"arrived_at": "2026-11-20T15:00", "work_done": "更换驱动",
                                                         "parts_used": "DRV-1 9", "result": "solved"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "DRV-1: 9 needed, only 5 in head-office stock" in page
    assert _on_hand("DRV-1") == 5
    r = client.post(f"/service/{rec['id']}/visit", data={"arrived_at": "2026-11-20T15:00", "work_done": "更换驱动",
                                                         "parts_used": "DRV-1 2", "result": "solved"})
    assert r.status_code == 302 and _on_hand("DRV-1") == 3
    page = client.get(f"/service/{rec['id']}/visit").get_data(as_text=True)
    assert "Parts issued from head-office stock" in page and rec["number"] in page and "3 left" in page
    detail = client.get(f"/service/{rec['id']}").get_data(as_text=True)
    assert "Parts issued from head-office stock" in detail and "驱动电源" in detail


def test_the_ledger_page_labels_the_movement(client, world):
    tech = world["users"]["tech1"]
    visit(client, tech, to_on_site(client, world), parts_used=[{"sku": "DRV-1", "qty": 1}])
    login_as(client, "admin")
    page = client.get("/spares/movements/?kind=issue_service").get_data(as_text=True)
    assert "Issue to an on-site service visit" in page and "DRV-1" in page


def test_a_visit_without_parts_issues_nothing(client, world):
    v = visit(client, world["users"]["tech1"], to_on_site(client, world), parts_used=[])
    assert v["parts_issued"] == [] and _on_hand("DRV-1") == 5


def test_issued_parts_cost_one_query_for_the_whole_list(app, client, world):
    from core.testing import count_queries

    tech, cs = world["users"]["tech1"], world["users"]["service"]
    visit(client, tech, to_on_site(client, world), parts_used=[{"sku": "DRV-1", "qty": 1}])
    with count_queries(app) as few:
        assert client.get(URL, headers=api_headers(cs)).status_code == 200
    for i in range(3):
        visit(client, tech, to_on_site(client, world, customer_name=f"客户{i}"), parts_used=[{"sku": "DRV-1", "qty": 1}])
    with count_queries(app) as many:
        items = client.get(URL, headers=api_headers(cs)).json["items"]
    assert many.count == few.count and all(r["visits"][0]["parts_issued"][0]["qty"] == 1 for r in items)


def test_the_filing_dealer_sees_the_parts_but_not_head_office_stock(client, world):
    tech, dealer = world["users"]["tech1"], world["users"]["dealer1"]
    rec = to_on_site(client, world, dealer_code="D1")
    v = visit(client, tech, rec, parts_used=[{"sku": "DRV-1", "qty": 1}])
    assert v["parts_issued"][0]["balance_after"] == 4
    seen = client.get(f"{URL}/{rec['id']}", headers=api_headers(dealer)).json["visits"][0]["parts_issued"]
    assert seen[0]["sku"] == "DRV-1" and seen[0]["qty"] == 1 and seen[0]["balance_after"] is None
    login_as(client, "dealer1")
    page = client.get(f"/service/{rec['id']}").get_data(as_text=True)
    assert "Parts issued from head-office stock" in page and "4 left" not in page
