"""A suspended or disqualified dealer's users still log in and read but file nothing new, in every plugin."""
from datetime import date, timedelta

import pytest

from core.extensions import db
from core.testing import api_headers, login_as
from core.toolkit import change_dealer_status


@pytest.fixture
def enabled_plugins():
    return None  # every plugin


RMA = {"lines": [{"sku": "PNL-600", "quantity": 1, "issue": "quality_defect", "serial": "SN-1",
                  "production_date": (date.today() - timedelta(days=100)).isoformat()}]}
LOGISTICS = {"delivery_note": "DN-1", "carrier": "SF", "received_on": date.today().isoformat(), "kind": "short",
             "lines": [{"sku": "PNL-600", "expected_quantity": 2, "actual_quantity": 1}]}
REPORT = {"reported_on": date.today().isoformat(), "lines": [{"sku": "DRV", "quantity": 1}]}
APPLICATION = {"lines": [{"sku": "DRV", "quantity": 1}], "reason": "customer waiting"}


def _file_all(client, user):
    h = api_headers(user)
    return {"rma": client.post("/api/v1/rmas", json=RMA, headers=h),
            "logistics": client.post("/api/v1/logistics-exceptions", json=LOGISTICS, headers=h),
            "report": client.post("/api/v1/spare-stock-reports", json=REPORT, headers=h),
            "application": client.post("/api/v1/spare-applications", json=APPLICATION, headers=h)}


@pytest.mark.parametrize("status", ["suspended", "disqualified"])
def test_no_new_filing_when_suspended_or_disqualified(app, client, world, status):
    change_dealer_status(world["dealers"]["D1"], status, "by decision", world["users"]["admin"])
    db.session.commit()
    results = _file_all(client, world["users"]["dealer1"])
    for name, resp in results.items():
        if name == "rma" and status == "disqualified":  # the rma plugin's own answer, unchanged
            assert resp.status_code == 403 and resp.json["error"]["code"] == "dealer_disqualified", resp.json
        else:
            assert resp.status_code == 409 and resp.json["error"]["code"] == f"dealer_{status}", (name, resp.json)
    # they still log in, land on the portal and read their records
    login_as(client, "dealer1")
    assert client.get("/portal").status_code == 200
    assert client.get("/api/v1/rmas", headers=api_headers(world["users"]["dealer1"])).status_code == 200


def test_a_warned_dealer_still_files(app, client, world):
    change_dealer_status(world["dealers"]["D1"], "warned", "a warning", world["users"]["admin"])
    db.session.commit()
    results = _file_all(client, world["users"]["dealer1"])
    for name, resp in results.items():
        assert resp.status_code not in (403, 409), (name, resp.json)
