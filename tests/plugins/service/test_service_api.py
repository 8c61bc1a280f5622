"""The /api/v1/service-requests contract: filing, warranty, bad input, record rules, transitions, query counts."""
import pytest

from core.testing import api_headers, count_queries
from helpers_service import URL, act, body, create, get, ok, sign, to_on_site, visit

VISITS = "/api/v1/service-visits"


def test_create_and_get(client, world):
    cs = world["users"]["service"]
    rec = create(client, cs)
    assert rec["number"] == "SR-2026-000001" and rec["state"] == "received" and rec["channel"] == "hotline"
    assert rec["received_at"] == "2026-11-20T01:00:00+00:00"
    assert rec["reply_due_at"] == "2026-11-21T01:00:00+00:00" and rec["reply_overdue"] is False
    assert rec["warranty_basis"] == "purchase_voucher" and rec["warranty_end"] == "2028-01-09"
    assert rec["in_warranty"] is True and rec["dealer_code"] is None
    assert set(rec["actions"]) == {"reply", "cancel", "assign"}
    assert get(client, cs, rec["id"]).json["number"] == rec["number"]


@pytest.mark.parametrize("dates,in_warranty,end", [
    # received 2026-11-20: a lighting product (36 months) bought 2023-11-21 is covered through 2026-11-20
    ({"purchase_date": "2023-11-21"}, True, "2026-11-20"),
    ({"purchase_date": "2023-11-20"}, False, "2026-11-19"),
    # the voucher wins over the sale label and the production date
    ({"purchase_date": "2024-01-01", "sale_date": "2020-01-01", "production_date": "2019-01-01"}, True, "2026-12-31"),
    ({"sale_date": "2023-11-21", "production_date": "2019-01-01"}, True, "2026-11-20"),
    ({"production_date": "2023-11-20"}, False, "2026-11-19"),
])
def test_warranty_boundary_day(client, world, dates, in_warranty, end):
    rec = create(client, world["users"]["service"], **{"purchase_date": None, **dates})
    assert rec["in_warranty"] is in_warranty and rec["warranty_end"] == end


def test_warranty_uses_the_category_months(client, world):
    rec = create(client, world["users"]["service"], sku="STRIP-1M", purchase_date="2024-11-21")
    assert rec["warranty_end"] == "2026-11-20" and rec["in_warranty"] is True
    rec = create(client, world["users"]["service"], sku="STRIP-1M", purchase_date="2024-11-20")
    assert rec["in_warranty"] is False
    rec = create(client, world["users"]["service"], sku="", purchase_date=None)
    assert rec["in_warranty"] is None and rec["warranty_end"] is None


@pytest.mark.parametrize("phone", ["12345", "1380013800", "23800138000", "138001380001", "0731", "abc13800138000"])
def test_bad_phone(client, world, phone):
    r = client.post(URL, json=body(customer_phone=phone), headers=api_headers(world["users"]["service"]))
    assert r.status_code == 422 and "customer_phone" in r.json["error"]["fields"]


@pytest.mark.parametrize("phone,stored", [("138 0013 8000", "13800138000"), ("+86 13800138000", "13800138000"),
                                          ("0731-22881234", "0731-22881234"), ("400-888-1234", "400-888-1234")])
def test_good_phone(client, world, phone, stored):
    assert create(client, world["users"]["service"], customer_phone=phone)["customer_phone"] == stored


@pytest.mark.parametrize("over,field", [
    ({"received_at": "2026-11-20T18:00:00+08:00"}, "received_at"),
    ({"purchase_date": "2026-11-21"}, "purchase_date"),
    ({"production_date": "2026-12-01", "purchase_date": None}, "production_date"),
    ({"sale_date": "2026-11-21", "purchase_date": None}, "sale_date"),
    ({"purchase_date": "2024-01-01", "production_date": "2024-02-01"}, "purchase_date"),
    ({"sku": "NOPE"}, "sku"),
    ({"channel": "dealer"}, "dealer_code"),
    ({"assignee": "dealer1"}, "assignee"),
])
def test_bad_input(client, world, over, field):
    r = client.post(URL, json=body(**over), headers=api_headers(world["users"]["service"]))
    assert r.status_code == 422, r.json
    assert field in r.json["error"]["fields"]


def test_sizes_are_bounded(client, world):
    h = api_headers(world["users"]["service"])
    assert client.post(URL, json=body(problem="x" * 4001), headers=h).status_code == 422
    assert client.post(URL, json=body(extra="x"), headers=h).status_code == 422
    assert client.get(URL + "?per_page=201", headers=h).status_code == 400


def test_dealer_files_for_its_customer_and_sees_only_its_own(client, world):
    d1, d2, cs = world["users"]["dealer1"], world["users"]["dealer2"], world["users"]["service"]
    mine = create(client, d1, channel="hotline")
    assert mine["channel"] == "dealer" and mine["dealer_code"] == "D1" and mine["actions"] == []
    other = create(client, d2)
    direct = create(client, cs)
    listed = client.get(URL, headers=api_headers(d1)).json
    assert [r["number"] for r in listed["items"]] == [mine["number"]] and listed["total"] == 1
    assert get(client, d1, other["id"]).status_code == 404
    assert get(client, d1, direct["id"]).status_code == 404
    # read-only after filing: visible but not allowed
    r = act(client, d1, mine, "cancel", reason="x")
    assert r.status_code == 403
    assert client.patch(f"{URL}/{mine['id']}", json={"problem": "x"}, headers=api_headers(d1)).status_code == 405
    # naming another dealer is refused
    r = client.post(URL, json=body(dealer_code="D2"), headers=api_headers(d1))
    assert r.status_code == 422 and "dealer_code" in r.json["error"]["fields"]


def test_technician_sees_only_assigned_requests(client, world):
    tech1, tech2 = world["users"]["tech1"], world["users"]["tech2"]
    rec = to_on_site(client, world)
    other = create(client, world["users"]["service"])
    assert [r["id"] for r in client.get(URL, headers=api_headers(tech1)).json["items"]] == [rec["id"]]
    assert client.get(URL, headers=api_headers(tech2)).json["total"] == 0
    assert get(client, tech2, rec["id"]).status_code == 404
    assert get(client, tech1, other["id"]).status_code == 404
    assert act(client, tech2, rec, "resolve").status_code == 404
    # the technical department sees all
    assert client.get(URL, headers=api_headers(world["users"]["technical"])).json["total"] == 2


def test_technician_cannot_reply_or_schedule(client, world):
    cs, tech = world["users"]["service"], world["users"]["tech1"]
    rec = create(client, cs, assignee="cs")
    ok(client, cs, rec, "assign", assignee="cs")
    rec = get(client, cs, rec["id"]).json
    # not visible to the technician until it is its own
    assert act(client, tech, rec, "reply", answer="x").status_code == 404
    rec = ok(client, cs, rec, "reply", answer="上门", on_site=True)
    rec = ok(client, cs, rec, "schedule", technician="technician1", window_from="2026-11-20T14:00:00",
             window_to="2026-11-20T16:00:00")
    assert act(client, tech, rec, "cancel", reason="x").status_code == 403


def test_phone_only_resolution_closes_with_customer_confirmation(client, world):
    cs = world["users"]["service"]
    rec = create(client, cs)
    rec = ok(client, cs, rec, "reply", answer="重启驱动即可", on_site=False)
    assert rec["replied_at"] and rec["assignee"] == "cs" and "resolve" in rec["actions"]
    rec = ok(client, cs, rec, "resolve")
    r = act(client, cs, rec, "close", customer_confirmed=False)
    assert r.status_code == 409 and r.json["error"]["code"] == "guard_failed"
    rec = ok(client, cs, rec, "close", customer_confirmed=True)
    assert rec["state"] == "closed" and rec["customer_confirmed"] is True


def test_on_site_request_closes_only_with_a_co_signed_visit(client, world):
    cs, tech = world["users"]["service"], world["users"]["tech1"]
    rec = to_on_site(client, world)
    v = visit(client, tech, rec)
    assert v["on_time"] is True and v["parts_used"] == [{"sku": "DRV-1", "qty": 1}]
    assert v["parts_issued"] is None  # without the spares plugin the parts stay as typed
    rec = ok(client, tech, get(client, tech, rec["id"]).json, "resolve")
    r = act(client, cs, rec, "close", customer_confirmed=True)
    assert r.status_code == 409  # the customer's word does not replace a co-signed record after a visit
    assert sign(client, tech, v).status_code == 200
    v = client.get(f"{VISITS}/{v['id']}", headers=api_headers(tech)).json
    assert client.post(f"{VISITS}/{v['id']}/complete", json={"version": v["version"]},
                       headers=api_headers(tech)).status_code == 200
    rec = ok(client, cs, get(client, cs, rec["id"]).json, "close")
    assert rec["state"] == "closed" and rec["visits"][0]["signature"]["signer_name"] == "刘女士"


def test_stale_version_and_illegal_transition(client, world):
    cs = world["users"]["service"]
    rec = create(client, cs)
    r = act(client, cs, rec, "reply", answer="x", version=rec["version"] + 5)
    assert r.status_code == 409 and r.json["error"]["code"] == "stale_version"
    r = act(client, world["users"]["order"], rec, "start_visit")
    assert r.status_code == 403  # the order department sees requests but carries out no visits
    r = act(client, world["users"]["admin"], rec, "start_visit")
    assert r.status_code == 409 and r.json["error"]["code"] == "illegal_transition"
    r = act(client, cs, rec, "cancel", reason="")
    assert r.status_code == 422
    rec = ok(client, cs, rec, "cancel", reason="客户撤回")
    assert rec["state"] == "cancelled" and rec["cancel_reason"] == "客户撤回"


def test_schedule_window_is_checked(client, world):
    cs = world["users"]["service"]
    rec = ok(client, cs, create(client, cs), "reply", answer="x", on_site=True)
    r = act(client, cs, rec, "schedule", technician="technician1", window_from="2026-11-20T16:00:00+08:00",
            window_to="2026-11-20T14:00:00+08:00")
    assert r.status_code == 422 and "window_to" in r.json["error"]["fields"]
    r = act(client, cs, rec, "schedule", technician="dealer1", window_from="2026-11-20T14:00:00+08:00",
            window_to="2026-11-20T16:00:00+08:00")
    assert r.status_code == 422 and "technician" in r.json["error"]["fields"]


def test_out_of_warranty_needs_an_accepted_quote_before_the_repair(client, world):
    tech, cs = world["users"]["tech1"], world["users"]["service"]
    rec = to_on_site(client, world, purchase_date="2020-01-01")
    assert rec["in_warranty"] is False and "quote" in rec["actions"]
    r = act(client, tech, rec, "resolve")
    assert r.status_code == 409
    r = act(client, tech, rec, "accept_quote")
    assert r.status_code == 409 and r.json["error"]["code"] == "no_quote"
    rec = ok(client, tech, rec, "quote", fee="120.00")
    assert rec["fee"] == "120.00" and rec["repairable"] is True and "accept_quote" in rec["actions"]
    rec = ok(client, tech, rec, "accept_quote")
    assert rec["quote_accepted"] is True
    rec = ok(client, tech, rec, "resolve")
    assert rec["state"] == "resolved"
    # in warranty: no quote
    inw = create(client, cs)
    r = act(client, world["users"]["admin"], ok(client, cs, inw, "reply", answer="x", on_site=True), "quote", fee="1")
    assert r.status_code == 409 and r.json["error"]["code"] == "in_warranty"


def test_take_back(client, world):
    tech = world["users"]["tech1"]
    rec = ok(client, tech, to_on_site(client, world), "take_back")
    assert rec["state"] == "taken_back"


def test_filters_search_sort(client, world):
    cs = world["users"]["service"]
    a = create(client, cs, customer_name="张三", channel="online")
    b = create(client, cs, customer_name="李四", received_at="2026-11-19T08:00:00+08:00")
    h = api_headers(cs)
    assert [r["id"] for r in client.get(URL + "?channel=online", headers=h).json["items"]] == [a["id"]]
    assert [r["id"] for r in client.get(URL + "?q=李四", headers=h).json["items"]] == [b["id"]]
    assert [r["id"] for r in client.get(URL + "?sort=reply_due_at", headers=h).json["items"]] == [b["id"], a["id"]]
    # now 11-20 17:00: b was due 11-20 08:00
    assert [r["id"] for r in client.get(URL + "?overdue=true", headers=h).json["items"]] == [b["id"]]
    assert [r["id"] for r in client.get(URL + "?overdue=false", headers=h).json["items"]] == [a["id"]]
    assert client.get(URL + "?state=bogus", headers=h).status_code == 400


def test_list_and_detail_query_counts_are_constant(app, client, world):
    cs, tech = world["users"]["service"], world["users"]["tech1"]
    h = api_headers(cs)
    rec = to_on_site(client, world)
    visit(client, tech, rec)
    assert client.get(URL, headers=h).status_code == 200  # warm the token/settings cache, as a running server is
    with count_queries(app) as few:
        assert client.get(URL, headers=h).status_code == 200
    for i in range(6):
        r = to_on_site(client, world, customer_name=f"客户{i}")
        visit(client, tech, r)
    assert client.get(URL, headers=h).status_code == 200
    with count_queries(app) as many:
        assert client.get(URL, headers=h).json["total"] == 7
    assert many.count == few.count
    with count_queries(app) as detail:
        assert client.get(f"{URL}/{rec['id']}", headers=h).status_code == 200
    assert detail.count <= 6, detail.statements

