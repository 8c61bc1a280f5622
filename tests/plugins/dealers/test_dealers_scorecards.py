"""Scorecards: figures from every enabled plugin, a constant number of queries at 10 and 1,000 dealers,
the ranking page with its chart, the per-dealer page and the xlsx export."""
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import insert

from core.extensions import db
from core.testing import api_headers, count_queries, login_as
from core.toolkit import Dealer

URL = "/api/v1/dealer-scorecards"


@pytest.fixture
def enabled_plugins():
    return None  # every plugin contributes its figures


def add_dealers(n, region, start=0):
    db.session.execute(insert(Dealer), [{"code": f"X{start + i:05d}", "name": f"Bulk {i}", "kind": "dealer",
                                         "region_id": region.id, "status": "active", "abc_class": "ABC"[i % 3],
                                         "contact": "", "phone": "", "address": "", "status_reason": ""}
                                        for i in range(n)])
    db.session.commit()


def test_figures_of_every_plugin_with_directions(app, client, world):
    on = date.today()
    rm = world["users"]["rm_east"]
    client.post("/api/v1/dealer-contacts", headers=api_headers(rm), json={
        "dealer_code": "D1", "contacted_on": on.isoformat(), "kind": "visit", "summary": "ok"})
    resp = client.get(URL, headers=api_headers(world["users"]["order"]),
                      query_string={"period_from": (on - timedelta(days=6)).isoformat(), "period_to": on.isoformat()})
    assert resp.status_code == 200, resp.json
    keys = {f["key"]: f["direction"] for f in resp.json["figures"]}
    assert keys == {"dealers.contacts_on_schedule": "higher_better", "rma.returns_filed": "lower_better",
                    "rma.refused_line_rate": "lower_better", "rma.human_damage_penalties": "lower_better",
                    "logistics.late_or_refused": "lower_better", "spares.compliance": "higher_better",
                    "spares_rma.chargebacks": "lower_better",
                    "supervision.complaints": "lower_better", "supervision.mystery_shopper": "higher_better"}
    d1 = next(i for i in resp.json["items"] if i["dealer_code"] == "D1")
    assert d1["figures"]["dealers.contacts_on_schedule"] == 100.0  # class A: one contact a week
    assert d1["figures"]["rma.returns_filed"] == 0 and d1["figures"]["rma.refused_line_rate"] is None
    d2 = next(i for i in resp.json["items"] if i["dealer_code"] == "D2")
    assert d2["figures"]["dealers.contacts_on_schedule"] == 0.0
    # a regional manager sees their regions' dealers only
    east = client.get(URL, headers=api_headers(rm)).json
    assert sorted(i["dealer_code"] for i in east["items"]) == ["A1", "D1", "S1"]
    assert client.get(URL, headers=api_headers(world["users"]["dealer1"])).status_code == 403


def test_bad_periods(app, client, world):
    h = api_headers(world["users"]["order"])
    resp = client.get(URL + "?period_from=2026-11-10&period_to=2026-11-01", headers=h)
    assert resp.status_code == 422 and "period_from" in resp.json["error"]["fields"]
    resp = client.get(URL + "?period_from=2010-01-01&period_to=2026-11-01", headers=h)
    assert resp.status_code == 422 and "period_to" in resp.json["error"]["fields"]
    assert client.get(URL + "?period_from=yesterday", headers=h).status_code == 400
    assert client.get(URL + "?per_page=201", headers=h).status_code == 400


def test_query_count_is_flat_at_10_and_1000_dealers(app, client, world):
    add_dealers(6, world["regions"]["EAST"])
    order = world["users"]["order"]
    h = api_headers(order)
    login_as(client, "order")
    period = "period_from=2026-01-01&period_to=2026-11-30"

    def measure():
        counts = []
        for path in (f"{URL}?per_page=200&{period}", f"/dealers/scorecards?{period}",
                     f"/dealers/scorecards/export.xlsx?{period}"):
            client.get(path, headers=h if path.startswith("/api/") else None)  # token/settings caches warm
            with count_queries(app) as q:
                resp = client.get(path, headers=h if path.startswith("/api/") else None)
            assert resp.status_code == 200, path
            counts.append(q.count)
        return counts

    small = measure()
    add_dealers(990, world["regions"]["SOUTH"], start=100)
    large = measure()
    assert small == large, (small, large)


def test_ranking_page_chart_and_export(app, client, world):
    rm = world["users"]["rm_east"]
    on = date.today()
    client.post("/api/v1/dealer-contacts", headers=api_headers(rm), json={
        "dealer_code": "D1", "contacted_on": on.isoformat(), "kind": "phone", "summary": "ok"})
    login_as(client, "order")
    page = client.get("/dealers/scorecards?figure=dealers.contacts_on_schedule").get_data(as_text=True)
    assert "<svg" in page and "Region EAST" in page and "Region SOUTH" in page
    assert page.index("D1 Dealer D1") < page.index("A1 Dealer A1")  # best first within the region
    resp = client.get("/dealers/scorecards/export.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(resp.data)).active.values)
    assert rows[0][:3] == ("Dealer", "Name", "Region") and "Contacts kept on schedule (%)" in rows[0]
    assert {r[0] for r in rows[1:]} == {"A1", "D1", "D2", "S1"}
    one = client.get("/dealers/D1/scorecard").get_data(as_text=True)
    assert "Contacts kept on schedule (%)" in one and "higher is better" in one
    assert client.get("/dealers/NOPE/scorecard").status_code == 404
