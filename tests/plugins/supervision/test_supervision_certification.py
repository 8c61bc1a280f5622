"""Supervision's records as GB/T 27922 evidence in a self-assessment (certification enabled; the
supervision_audit link adds complaint analysis), with the warnings where records contradict points."""
from datetime import timedelta

import pytest

from core.testing import api_headers
from core.toolkit import utcnow


@pytest.fixture
def enabled_plugins():
    return ["supervision", "certification"]


def _steps(world, c, upto):
    for step in ("thanked", "listened", "facts", "wish", "compensated")[:upto]:
        c = world.post("sup", f"/complaints/{c['id']}/steps", {"version": c["version"], "step": step,
                                                                 "note": "记录"}, 200).get_json()
    return c


def test_supervision_records_are_evidence_and_contradict_full_points(app, world):
    assert {"supervision_audit", "audit"} <= set(app.extensions["aftersales"].enabled_ids)
    # complaints: one answered at once and handled in all five steps, closed with the customer's feedback;
    # one answered days late, only thanked
    fresh = (utcnow() - timedelta(hours=2)).replace(tzinfo=None).isoformat(timespec="seconds")
    c = _steps(world, world.complaint(fresh), 5)
    c = world.post("sup", f"/complaints/{c['id']}/resolve", {"version": c["version"]}, 200).get_json()
    world.post("sup", f"/complaints/{c['id']}/close", {"version": c["version"], "feedback": "satisfied"}, 200)
    _steps(world, world.complaint("2026-05-03T10:00:00", channel="letter"), 1)
    # two jobs in April, one followed up by phone with a verified form; the month confirmed by HR
    world.job("APR-1", "2026-04-10T10:00:00", grades=("A", "B", "C"))
    world.job("APR-2", "2026-04-12T10:00:00")
    a = world.assess("2026-04")
    a = world.post("sup", f"/monthly-assessments/{a['id']}/submit", {"version": a["version"]}, 200).get_json()
    world.post("hr", f"/monthly-assessments/{a['id']}/confirm", {"version": a["version"]}, 200)
    world.post("sup", "/customer-visits", {"customer_name": "大酒店", "visited_on": "2026-06-02",
                                           "follow_up": "派技术员", "follow_up_done": True}, 201)
    world.post("sup", "/customer-visits", {"customer_name": "去年的", "visited_on": "2025-06-02"}, 201)
    # a public suggestion taken as an improvement (audit improvement through supervision_audit)
    app.test_client().post("/suggest", data={"text": "增加夜间热线"})
    s = world.get("sup", "/suggestions", 200).get_json()["items"][0]
    world.post("sup", f"/suggestions/{s['id']}/improvement", {"version": s["version"], "comment": "热线延长"}, 200)

    h = api_headers(world.users["auditor"])
    sa = world.client.post("/api/v1/self-assessments", json={"year": 2026}, headers=h).get_json()
    data = world.client.get(f"/api/v1/self-assessments/{sa['id']}", headers=h).get_json()
    ev = {c["code"]: {e["label"]: e["count"] for e in c["evidence"]} for c in data["criteria"]}
    assert ev["A5.1"]["Complaints received by supervision"] == 2
    assert ev["A5.1"]["Complaints received on the hotline"] == 1
    assert ev["A5.2"] == {"Completed service jobs": 2, "Verified feedback forms": 1,
                          "Completed jobs without a verified feedback form": 1}
    assert ev["A5.3"]["Monthly assessments confirmed by HR"] == 1
    assert ev["C1.1"] == {"Visits to key customers": 1}
    assert ev["C1.3"] == {"Follow-up calls with a feedback form": 1, "Customer visits with their follow-up done": 1}
    assert ev["C2.1"]["Complaints answered within the response time"] == 1
    assert ev["C2.1"]["Complaints answered late or not yet answered"] == 1
    assert ev["C2.2"] == {"Complaints handled in all five steps": 1, "Complaints closed with the customer's feedback": 1,
                          "Complaints not yet handled in all five steps": 1}
    assert ev["C2.3"] == {"Nonconformities raised from complaints": 0, "Improvements proposed from public suggestions": 1}
    links = {e["label"]: e["url"] for c in data["criteria"] for e in c["evidence"]}
    assert links["Complaints answered late or not yet answered"] == "/supervision/complaints?overdue=1"

    def score(code, points):
        r = world.client.patch(f"/api/v1/self-assessments/{sa['id']}/criteria/{code}", json={"points": points},
                               headers=h)
        assert r.status_code == 200, r.get_json()
        return {w["criterion_code"]: w for w in r.get_json()["warnings"]}

    warnings = score("C2.1", 3)  # full points, one complaint answered late
    assert warnings["C2.1"]["code"] == "records_contradict"
    assert "Complaints answered late or not yet answered (1)" in warnings["C2.1"]["message"]
    assert "C2.1" not in score("C2.1", 2)  # below the maximum: no contradiction
    assert "A5.3" not in score("A5.3", 2)  # assessments on record back full points
    assert score("A5.2", 2)["A5.2"]["code"] == "records_contradict"  # a job without a form
    assert "C1.1" not in score("C1.1", 3)
    # the evidence pack: complaint records (5.3) are present
    pack = {i["code"]: i for i in world.client.get("/api/v1/evidence-pack?year=2026", headers=h).get_json()["items"]}
    assert pack["5.3"]["status"] == "present"


def test_no_supervision_records_no_evidence_counts(app, world):
    h = api_headers(world.users["auditor"])
    sa = world.client.post("/api/v1/self-assessments", json={"year": 2025}, headers=h).get_json()
    r = world.client.patch(f"/api/v1/self-assessments/{sa['id']}/criteria/C2.2", json={"points": 4}, headers=h)
    data = r.get_json()
    c22 = next(c for c in data["criteria"] if c["code"] == "C2.2")
    assert c22["evidence"] and all(e["count"] == 0 for e in c22["evidence"])
    assert [w["code"] for w in data["warnings"] if w["criterion_code"] == "C2.2"] == ["no_records"]
    pack = {i["code"]: i for i in world.client.get("/api/v1/evidence-pack?year=2025", headers=h).get_json()["items"]}
    assert pack["5.3"]["status"] == "missing"
