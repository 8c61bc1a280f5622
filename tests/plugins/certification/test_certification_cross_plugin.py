"""Evidence offered by other plugins through certification_evidence (optional hookimpls)."""
from datetime import date

import pytest

from core.extensions import db
from core.testing import api_headers, make_dealer, make_user
from helpers_certification import get, open_assessment


@pytest.fixture
def enabled_plugins():
    return ["certification", "rma", "spares", "logistics"]


def test_other_plugins_offer_evidence(app, client, clock):
    from plugins.logistics.models import LogisticsException

    clock.set(date(2026, 11, 23))
    auditor = make_user("auditor", roles=["auditor"])
    dealer = make_dealer("D1")
    db.session.add(LogisticsException(number="LEX-2026-000001", dealer_id=dealer.id, delivery_note="DN", carrier="德邦",
                                      received_on=date(2026, 5, 2), kind="damaged", state="resolved",
                                      claim_status="settled", claim_amount=100))
    db.session.commit()
    a = open_assessment(client, auditor, 2026)
    data = get(client, auditor, a["id"])
    ev = {c["code"]: c["evidence"] for c in data["criteria"]}
    assert [e["count"] for e in ev["B3.1"]] == [1, 1] and ev["B3.1"][0]["url"] == "/logistics/"
    assert [e["count"] for e in ev["B3.2"]] == [1, 1]
    assert [e["label"] for e in ev["B5.2"]] == ["Returns resolved within the working-day limit", "Returns resolved late"]
    assert len(ev["A3.3"]) == 3 and all(e["count"] == 0 for e in ev["A3.3"])
    assert ev["B5.1"][0]["label"] == "Returns filed"
    # full points for transport exceptions are backed by the record: no warning; spare parts are not
    h = api_headers(auditor)
    client.patch(f"/api/v1/self-assessments/{a['id']}/criteria/B3.1", json={"points": 3}, headers=h)
    r = client.patch(f"/api/v1/self-assessments/{a['id']}/criteria/A3.3", json={"points": 2}, headers=h)
    assert {w["criterion_code"] for w in r.json["warnings"]} == {"A3.3"}
    pack = {i["code"]: i for i in client.get("/api/v1/evidence-pack?year=2026", headers=h).json["items"]}
    assert pack["4.4"]["status"] == "missing" and len(pack["4.4"]["evidence"]) == 6  # A3.3 and B4.2


def test_plugins_start_without_certification():
    from core.testing import make_app

    app = make_app(plugins=["rma", "spares", "logistics"])
    assert "certification" not in app.extensions["aftersales"].enabled_ids
