"""Service requests and co-signed visit records as GB/T 27922 evidence (certification enabled)."""
import pytest

from core.testing import api_headers
from helpers_service import VISITS, create, ok, sign, to_on_site, visit


@pytest.fixture
def enabled_plugins():
    return ["service", "certification"]


def test_replies_and_co_signed_visits_are_evidence(app, client, world):
    from core.testing import make_user

    cs, tech = world["users"]["service"], world["users"]["tech1"]
    rec = to_on_site(client, world)  # hotline, received 09:00, replied 17:00 the same day: in time
    v = visit(client, tech, rec)
    assert sign(client, tech, v).status_code == 200
    v = client.get(f"{VISITS}/{v['id']}", headers=api_headers(tech)).json
    r = client.post(f"{VISITS}/{v['id']}/complete", json={"version": v["version"]}, headers=api_headers(tech))
    assert r.status_code == 200, r.json
    late = create(client, cs, channel="online", received_at="2026-11-18T09:00:00+08:00")
    ok(client, cs, late, "reply", answer="电话指导", on_site=False)  # 56 hours later
    create(client, cs)  # hotline, not replied yet
    auditor = make_user("aud", roles=["auditor"])
    h = api_headers(auditor)
    sa = client.post("/api/v1/self-assessments", json={"year": 2026}, headers=h).json
    data = client.get(f"/api/v1/self-assessments/{sa['id']}", headers=h).json
    ev = {c["code"]: {e["label"]: e["count"] for e in c["evidence"]} for c in data["criteria"]}
    assert ev["B2.1"] == {"Service requests taken on the hotline": 2}
    assert ev["B2.2"] == {"Requests replied to within 24 hours": 1, "Requests replied to after 24 hours": 1,
                          "Requests scheduled for on-site service": 1}
    assert ev["B4.3"] == {"On-site service records co-signed by the customer": 1}
    assert {e["url"] for c in data["criteria"] if c["code"] == "B4.3" for e in c["evidence"]} == {"/service/"}

    def warnings(code, points):
        r = client.patch(f"/api/v1/self-assessments/{sa['id']}/criteria/{code}", json={"points": points}, headers=h)
        assert r.status_code == 200, r.json
        return {w["criterion_code"]: w["code"] for w in r.json["warnings"]}

    assert warnings("B2.2", 2)["B2.2"] == "records_contradict"  # full points, one reply late
    assert "B4.3" not in warnings("B4.3", 2)  # the co-signed record backs full points
    # another year holds none of it
    other = client.post("/api/v1/self-assessments", json={"year": 2025}, headers=h).json
    r = client.patch(f"/api/v1/self-assessments/{other['id']}/criteria/B4.3", json={"points": 2}, headers=h)
    assert [w["code"] for w in r.json["warnings"] if w["criterion_code"] == "B4.3"] == ["no_records"]
