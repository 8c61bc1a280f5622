"""The compliance summary's flush listeners (issue 8): the spares mappers' (and the dealer
mapper's) insert/update/delete events mark the dealers to recompute, so a flush that writes no
spares object (an RMA filed and moved on, a product) never passes through the summary's code and
never recomputes, while every spares write still keeps the summary in step."""
from datetime import date, timedelta

import pytest

from core.extensions import db
from core.testing import api_headers, make_category, make_dealer, make_product, make_user
from plugins.spares import services, summary
from plugins.spares.models import ComplianceSummary


@pytest.fixture
def enabled_plugins():
    return ["rma", "spares"]


@pytest.fixture
def calls(monkeypatch):
    """How often the summary's code runs: the recompute, and any listener marking a dealer."""
    seen = {"recompute": 0, "marked": 0}
    recompute, pending = summary.recompute, summary._pending

    def counting_recompute(*args, **kw):
        seen["recompute"] += 1
        return recompute(*args, **kw)

    def counting_pending(session):
        seen["marked"] += 1
        return pending(session)

    monkeypatch.setattr(summary, "recompute", counting_recompute)
    monkeypatch.setattr(summary, "_pending", counting_pending)
    return seen


def _world():
    cat = make_category("ELECTRONIC", 36, 36)
    make_product("DRV", category=cat, unit_price="45.00", is_spare_part=True)
    make_product("PNL-600", category=cat, unit_price="268.00")
    d1 = make_dealer("D1", abc_class="A")
    admin, user = make_user("admin", roles=["admin"]), make_user("u1", roles=["dealer"], dealer=d1)
    services.create_obligation({"sku": "DRV", "quantity": 2}, actor=admin)
    db.session.commit()
    return d1, admin, user


def test_rma_writes_run_no_summary_code(app, client, calls):
    d1, admin, user = _world()
    calls.update(recompute=0, marked=0)
    bought = (date.today() - timedelta(days=60)).isoformat()
    r = client.post("/api/v1/rmas", headers=api_headers(user), json={"lines": [
        {"sku": "PNL-600", "quantity": 1, "issue": "quality_defect", "serial": "SN-1", "purchase_date": bought,
         "production_date": bought, "description": "flickers"}]})
    assert r.status_code == 201, r.json
    r = client.post(f"/api/v1/rmas/{r.json['id']}/submit", headers=api_headers(user), json={"version": r.json["version"]})
    assert r.status_code == 200, r.json
    make_product("P2", category=None)  # a core write
    d1 = db.session.get(type(d1), d1.id)
    d1.phone = "123"  # a dealer change the summary does not depend on
    db.session.commit()
    assert calls == {"recompute": 0, "marked": 0}


def test_spares_writes_recompute_their_dealers(app, client, calls):
    d1, admin, user = _world()
    calls.update(recompute=0, marked=0)
    r = client.post("/api/v1/spare-stock-reports", headers=api_headers(user), json={
        "reported_on": date.today().isoformat(), "lines": [{"sku": "DRV", "quantity": 2}]})
    assert r.status_code == 201, r.json
    assert calls["recompute"] == 1 and calls["marked"] > 0
    row = db.session.get(ComplianceSummary, d1.id)
    assert (row.obliged, row.compliant, row.missing) == (1, 1, "")
    ob = client.get("/api/v1/spare-obligations", headers=api_headers(admin)).json["items"][0]
    assert client.patch(f"/api/v1/spare-obligations/{ob['id']}", json={"quantity": 3},
                        headers=api_headers(admin)).status_code == 200
    assert calls["recompute"] == 2
    db.session.expire_all()
    row = db.session.get(ComplianceSummary, d1.id)
    drv = services.spare_part("DRV")
    assert (row.obliged, row.compliant, row.missing) == (1, 0, str(drv.id))
    d1 = db.session.get(type(d1), d1.id)
    d1.abc_class = "B"  # a change the summary depends on
    db.session.commit()
    assert calls["recompute"] == 3
