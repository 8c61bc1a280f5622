"""The dealer scorecard's spare-part compliance (issue 8) is read from the per-dealer summary
(``spares_compliance``): the figures the whole compliance matrix gave (every counted dealer
computed in Python), in one statement whatever the number of dealers."""
from datetime import date, timedelta

import pytest

from core.extensions import db
from core.testing import api_headers, count_queries, make_dealer
from plugins.spares import services
from plugins.spares.dealers_hooks import dealers_scorecard


@pytest.fixture
def enabled_plugins():
    return ["spares", "dealers"]


def _matrix_figures(dealer_ids):
    """What the scorecard computed before: the compliance matrix, every counted dealer in memory."""
    _rules, rows = services.compliance_matrix(user=services.SYSTEM)
    values = {d: None for d in dealer_ids}
    for row in rows:
        if row.dealer.id in values and row.required:
            values[row.dealer.id] = round(100.0 * row.compliant_parts() / len(row.required), 1)
    return values


def test_scorecard_equals_the_matrix_computation(app, client, world):
    h = api_headers(world.admin)
    for body in ({"sku": "DRV", "quantity": 2}, {"sku": "COB", "quantity": 3, "abc_class": "A"},
                 {"sku": "COB", "quantity": 1, "dealer_code": "D2"}):
        assert client.post("/api/v1/spare-obligations", json=body, headers=h).status_code == 201
    quiet = make_dealer("Q1", region=world.south, abc_class="A")  # never reported
    gone = make_dealer("Q2", region=world.south, status="disqualified")  # holds no obligation
    on = date.today()
    services.create_stock_report(world.d1, on - timedelta(days=40), [("DRV", 2), ("COB", 3)])
    services.create_stock_report(world.d1, on - timedelta(days=2), [("DRV", 2), ("COB", 1)])  # the latest counts
    services.create_stock_report(world.d2, on - timedelta(days=5), [("DRV", 5), ("COB", 1)])
    services.create_stock_report(world.agent, on - timedelta(days=5), [("DRV", 1)])
    db.session.commit()
    ids = [world.d1.id, world.d2.id, world.agent.id, quiet.id, gone.id]

    with count_queries(app) as q:
        got = dealers_scorecard(dealer_ids=ids, period_from=on, period_to=on)[0]["values"]
    assert got == _matrix_figures(ids)
    assert got == {world.d1.id: 50.0, world.d2.id: 100.0, world.agent.id: 0.0, quiet.id: 0.0, gone.id: None}
    assert q.count == 1  # the summary rows (the matrix read the rules, dealers, latest reports and their lines)
    # through the scorecard API as well
    items = client.get("/api/v1/dealer-scorecards", headers=api_headers(world.admin)).json["items"]
    assert {i["dealer_code"]: i["figures"]["spares.compliance"] for i in items} == {
        "A1": 0.0, "D1": 50.0, "D2": 100.0, "Q1": 0.0, "Q2": None}


def test_scorecard_without_obligations(app, client, world):
    ids = [world.d1.id, world.d2.id]
    assert dealers_scorecard(dealer_ids=ids, period_from=date.today(), period_to=date.today())[0]["values"] == \
        _matrix_figures(ids) == {world.d1.id: None, world.d2.id: None}
