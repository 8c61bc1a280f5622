"""The compliance page's trend chart and the spare-part lists through the shared list macro."""
from datetime import date, timedelta

from core.testing import api_headers, chart_specs, login_as



def post_rule(client, h, **body):
    assert client.post("/api/v1/spare-obligations", json=body, headers=h).status_code == 201


def test_compliance_page_carries_the_trend_of_the_dealers_reports(app, client, world):
    post_rule(client, api_headers(world.service), sku="DRV", quantity=2)
    post_rule(client, api_headers(world.service), sku="COB", quantity=1)
    h1 = api_headers(world.u1)
    today = date.today()
    for days, drv, cob in ((20, 0, 0), (10, 2, 0), (1, 2, 1)):
        r = client.post("/api/v1/spare-stock-reports", json={"reported_on": (today - timedelta(days=days)).isoformat(),
                        "lines": [{"sku": "DRV", "quantity": drv}, {"sku": "COB", "quantity": cob}]}, headers=h1)
        assert r.status_code == 201, r.json
    login_as(client, "admin")
    html = client.get("/spares/?dealer=D1").get_data(as_text=True)
    trend = chart_specs(html)["spares-compliance-chart"]
    assert trend["categories"] == [(today - timedelta(days=d)).isoformat() for d in (20, 10, 1)]
    assert trend["series"][0]["data"] == [0.0, 50.0, 100.0]


def test_spare_lists_sort_and_ignore_unknown_keys(app, client, world):
    login_as(client, "admin")
    for path in ("/spares/applications/", "/spares/reports/", "/spares/movements/"):
        for sort in ("", "?sort=-id", "?sort=nonsense", "?sort=dealer&per_page=9999"):
            assert client.get(path + sort).status_code == 200, (path, sort)
