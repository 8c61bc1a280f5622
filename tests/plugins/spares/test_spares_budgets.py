"""Statement budgets of the spares compliance lists (issue 8): the same statements for a page of 5
and of 50, and for 3 dealers or 63.

The compliance lists (non-compliant dealers, rates) are computed from one compliance matrix read in
a fixed number of statements (the obligations with their parts, the counted dealers, each dealer's
latest report, those reports' lines) and paginated in memory; with the token cache warm the API adds
the auth version. The compliance page of a dealer reads the obligations once per request (three
times before: its parts, its trend, the regions' rates). A browser session authenticates in one
statement (core.users.authcache.session_user; it took 4): with reports the dealer's page went 17 ->
12, the non-compliant list 9 -> 6, the overview 10 -> 7.

The non-compliant list, the rates by dealer and by region and the overall rate now read the
per-dealer compliance summary (plugins.spares.summary): the API's non-compliant list is 3 statements
(auth, the summary rows, the SKUs of the obligations' parts), the rates by dealer or region 2, never
a report line; the rates by part 4 (auth, the obligations, the dealers counted by kind, class and
region, the summary's missing parts; one more where per-dealer overrides exist); the pages 6 -> 5
(non-compliant), 12 -> 10 (a dealer's), 7 -> 4 (overview).

A dealer's compliance reads the obligations that apply to it with its latest report's lines in one
statement, and its trend in one (the reports x its winning rules x their lines, counted in SQL):
the API 5 -> 4 (auth, the dealer, its latest report, its rules with the lines), the page 10 -> 8.

The page's dealer picker is filled from /spares/dealers.json when first focused (every dealer was an
``<option>`` in the page): one statement fewer, a dealer's page 8 -> 7, the overview 4 -> 3."""
import re
from datetime import date, timedelta

import pytest

from core.extensions import db
from core.testing import api_headers, make_dealer, session_login, warm_get_statements
from plugins.spares import services

API = {"/api/v1/spare-compliance/non-compliant": 3, "/api/v1/spare-compliance/rates?by=dealer": 2,
       "/api/v1/spare-compliance/rates?by=region": 2, "/api/v1/spare-compliance/rates?by=part": 4,
       "/api/v1/spare-compliance?dealer_code=D1": 4}
PAGES = {"/spares/non-compliant": 5, "/spares/?dealer=D1": 7, "/spares/": 3}


def _world(client, world, dealers):
    h = api_headers(world.admin)
    client.post("/api/v1/spare-obligations", json={"sku": "DRV", "quantity": 2}, headers=h)
    client.post("/api/v1/spare-obligations", json={"sku": "COB", "quantity": 1, "abc_class": "A"}, headers=h)
    made = [make_dealer(f"X{i:02d}", region=world.east if i % 2 else world.south) for i in range(dealers)]
    for i, d in enumerate([world.d1, world.d2, *made]):
        for age in (3, 40):
            services.create_stock_report(d, date.today() - timedelta(days=age), [("DRV", i % 3), ("COB", 1)])
    db.session.commit()


def _counts(app, client, paths, headers=None):
    out = {}
    for path in paths:
        r, statements = warm_get_statements(app, client, path, headers)
        out[path] = len(statements)
    return out


@pytest.mark.parametrize("dealers", [0, 60])
def test_compliance_api_statements(app, client, world, dealers):
    _world(client, world, dealers)
    h = api_headers(world.service)
    for size in (5, 50):
        paths = [p + ("&" if "?" in p else "?") + f"per_page={size}" if "dealer_code" not in p else p for p in API]
        assert _counts(app, client, paths, h) == {p: API[p.split("per_page")[0].rstrip("?&")] for p in paths}


@pytest.mark.parametrize("dealers", [0, 60])
def test_compliance_page_statements(app, client, world, dealers):
    _world(client, world, dealers)
    session_login(client, world.service)
    assert _counts(app, client, PAGES) == PAGES
    html = client.get("/spares/?dealer=D1").get_data(as_text=True)
    assert "Product DRV" in html or "DRV" in html


def test_non_compliant_page_is_paginated(app, client, world):
    """The non-compliant page shows a page of dealers (by code) with the count and the pager, not
    every non-compliant dealer at once."""
    _world(client, world, 60)
    session_login(client, world.service)
    html = client.get("/spares/non-compliant?per_page=25").get_data(as_text=True)
    rows = re.findall(r'href="/spares/\?dealer=([A-Z0-9]+)"', html)
    everyone = [r["dealer_code"] for r in services.non_compliant()]
    assert len(everyone) > 25 and rows == everyone[:25]
    assert f'<span class="badge text-bg-secondary">{len(everyone)}</span>' in html and 'aria-label="Next page"' in html
    second = client.get("/spares/non-compliant?per_page=25&page=2").get_data(as_text=True)
    assert re.findall(r'href="/spares/\?dealer=([A-Z0-9]+)"', second) == everyone[25:50]


@pytest.mark.parametrize("dealers", [0, 60])
def test_every_dealers_rule_change_statements(app, client, world, dealers):
    """Changing a rule for every dealer recomputes every dealer's summary row in one INSERT .. SELECT
    (its dealers, rules, reports and lines read inside it; on PostgreSQL the rows are locked first):
    the same statements for 3 dealers or 63. It read the rules, the dealers, their latest reports and
    those reports' lines into Python, then deleted and inserted every row."""
    from core.testing import count_queries

    _world(client, world, dealers)
    h = api_headers(world.admin)
    every = client.get("/api/v1/spare-obligations?sku=DRV", headers=h).json["items"][0]
    assert every["scope"] == "all"
    client.patch(f"/api/v1/spare-obligations/{every['id']}", json={"quantity": 3}, headers=h)  # warm
    with count_queries(app) as q:
        assert client.patch(f"/api/v1/spare-obligations/{every['id']}", json={"quantity": 4}, headers=h).status_code == 200
    summary = [s for s in q.statements if "spares_compliance" in s]
    postgresql = db.engine.dialect.name == "postgresql"
    assert len(summary) == (3 if postgresql else 1) and "INSERT INTO spares_compliance" in summary[-1]
    assert not [s for s in q.statements if s.lstrip().startswith("SELECT spares_stock_report_line")]
    # with auth, the rule's update and its activity entry; PostgreSQL locks the rows first (two more).
    # SQLite's BEGINs go to the driver itself (core.extensions._on_begin), not through SQLAlchemy
    assert len(q.statements) == (10 if postgresql else 8), q.statements


