"""The /api/v1/certification-criteria and /api/v1/self-assessments contract."""
from datetime import date

import pytest

from core.testing import api_headers, count_queries
from helpers_certification import SA, act, add_special, get, open_assessment, score_to

CRIT = "/api/v1/certification-criteria"


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(date(2026, 11, 23))


def test_criteria_listed_and_points_kept_at_100(app, client, users):
    admin, auditor = users["admin"], users["auditor"]
    r = client.get(CRIT, headers=api_headers(users["service"]))
    assert r.status_code == 200 and r.json["total"] == 39 and r.json["total_points"] == 100
    first = r.json["items"][0]
    assert set(first) >= {"code", "area", "indicator", "title", "max_points"}
    a61 = next(c for c in r.json["items"] if c["code"] == "A6.1")
    assert a61["indicator"] == "A6" and a61["area"] == "A" and "内部审核" in a61["title"]
    h = api_headers(admin)
    # moving a point keeps the total: fine
    r = client.patch(CRIT, json={"items": [{"code": "A6.1", "max_points": 4}, {"code": "A7.1", "max_points": 1}]},
                     headers=h)
    assert r.status_code == 200, r.json
    assert next(c for c in r.json["items"] if c["code"] == "A6.1")["max_points"] == 4
    # a total other than 100 is refused and nothing changes
    r = client.patch(CRIT, json={"items": [{"code": "A6.1", "max_points": 5}]}, headers=h)
    assert r.status_code == 422 and r.json["error"]["code"] == "total_not_100"
    assert next(c for c in client.get(CRIT, headers=h).json["items"] if c["code"] == "A6.1")["max_points"] == 4
    # a criterion taken out of the model leaves the denominator too: 422 unless points move
    r = client.patch(CRIT, json={"items": [{"code": "B6.1", "active": False}]}, headers=h)
    assert r.status_code == 422
    r = client.patch(CRIT, json={"items": [{"code": "B6.1", "active": False}, {"code": "B6.2", "max_points": 4}]},
                     headers=h)
    assert r.status_code == 200 and r.json["total_points"] == 100
    # bad input, unknown code, auditors may not configure
    assert client.patch(CRIT, json={"items": [{"code": "ZZ", "max_points": 1}]}, headers=h).status_code == 422
    r = client.patch(CRIT, json={"items": [{"code": "A6.1", "max_points": -1}]}, headers=h)
    assert r.status_code == 422 and "items.0.max_points" in r.json["error"]["fields"]
    assert client.patch(CRIT, json={"items": []}, headers=h).status_code == 422
    assert client.patch(CRIT, json={"items": [{"code": "A6.1", "max_points": 4}]},
                        headers=api_headers(auditor)).status_code == 403


def test_criteria_change_reaches_open_drafts_only(app, client, users):
    admin, auditor = users["admin"], users["auditor"]
    draft = open_assessment(client, auditor, 2026)
    client.patch(f"{SA}/{draft['id']}/criteria/A6.1", json={"points": 3}, headers=api_headers(auditor))
    r = client.patch(CRIT, json={"items": [{"code": "A6.1", "max_points": 2}, {"code": "A7.1", "max_points": 3}]},
                     headers=api_headers(admin))
    assert r.status_code == 200
    item = next(c for c in get(client, auditor, draft["id"])["criteria"] if c["code"] == "A6.1")
    assert item["max_points"] == 2 and item["points"] == 2


def test_assessment_score_level_subtotals(app, client, users):
    auditor = users["auditor"]
    a = open_assessment(client, auditor, 2025, assessors=["吴磊", "李娜", "吴磊"])
    assert a["state"] == "draft" and a["score"] == 0 and a["level"] == "not_compliant"
    assert a["assessors"] == ["吴磊", "李娜"] and len(a["criteria"]) == 39
    assert [x["code"] for x in a["areas"]] == ["A", "B", "C"] and len(a["indicators"]) == 15
    h = api_headers(auditor)
    r = client.patch(f"{SA}/{a['id']}/criteria/A6.1", json={"points": 2.5, "notes": "两次内审"}, headers=h)
    assert r.status_code == 200, r.json
    assert r.json["score"] == 2.5 and r.json["version"] == a["version"] + 1
    a61 = next(c for c in r.json["criteria"] if c["code"] == "A6.1")
    assert a61["points"] == 2.5 and a61["notes"] == "两次内审"
    area_a = next(x for x in r.json["areas"] if x["code"] == "A")
    assert area_a["points"] == 2.5 and area_a["applicable_max"] == 44
    ind = next(x for x in r.json["indicators"] if x["code"] == "A6")
    assert (ind["points"], ind["max_points"], ind["area"]) == (2.5, 8, "A")
    # not applicable leaves the denominator: 2.5 of 96 -> 2.6
    r = client.patch(f"{SA}/{a['id']}/criteria/B6.1", json={"not_applicable": True}, headers=h)
    r = client.patch(f"{SA}/{a['id']}/criteria/B6.2", json={"not_applicable": True}, headers=h)
    assert r.json["score"] == 2.6
    b6 = next(x for x in r.json["indicators"] if x["code"] == "B6")
    assert b6["applicable_max"] == 0 and b6["percent"] is None
    # points again make it applicable
    r = client.patch(f"{SA}/{a['id']}/criteria/B6.2", json={"points": 0}, headers=h)
    assert next(c for c in r.json["criteria"] if c["code"] == "B6.2")["not_applicable"] is False


@pytest.mark.parametrize("points,bonus,deductions,score,level", [
    ("69.9", 0, 0, 69.9, "not_compliant"), ("70", 0, 0, 70.0, "compliant"),
    ("78.9", 1, 0, 79.9, "compliant"), ("81", 0, 1, 80.0, "three_star"),
    ("89.9", 0, 0, 89.9, "three_star"), ("92", 0, 2, 90.0, "four_star"),
    ("93.9", 1, 0, 94.9, "four_star"), ("94", 1, 0, 95.0, "five_star")])
def test_boundaries_through_the_api(app, client, users, points, bonus, deductions, score, level):
    auditor = users["auditor"]
    a = open_assessment(client, auditor, 2025)
    score_to(a["id"], points, auditor)
    for n in range(bonus):
        assert add_special(client, auditor, a, "bonus", "省级先进").status_code == 201
    for n in range(deductions):
        assert add_special(client, auditor, a, "deduction", f"超期 {n}", "整改").status_code == 201
    data = get(client, auditor, a["id"])
    assert (data["score"], data["level"]) == (score, level)
    assert (data["bonus"], data["deductions"]) == (bonus, deductions)


def test_specials_rules(app, client, users):
    auditor = users["auditor"]
    a = open_assessment(client, auditor, 2025)
    r = add_special(client, auditor, a, "deduction", "退货超期")
    assert r.status_code == 422 and "rectification" in r.json["error"]["fields"]
    assert add_special(client, auditor, a, "deduction", "退货超期", "每日提醒").status_code == 201
    assert add_special(client, auditor, a, "bonus", "先进单位").status_code == 201
    r = add_special(client, auditor, a, "bonus", "第二个")
    assert r.status_code == 422 and r.json["error"]["code"] == "second_bonus"
    r = client.post(f"{SA}/{a['id']}/specials", json={"kind": "gift", "reason": ""}, headers=api_headers(auditor))
    assert r.status_code == 422 and {"kind", "reason"} <= set(r.json["error"]["fields"])
    data = get(client, auditor, a["id"])
    bonus = next(s for s in data["specials"] if s["kind"] == "bonus")
    r = client.delete(f"{SA}/{a['id']}/specials/{bonus['id']}", headers=api_headers(auditor))
    assert r.status_code == 200 and r.json["bonus"] == 0
    assert add_special(client, auditor, a, "bonus", "先进单位").status_code == 201


def test_bad_input_and_conflicts(app, client, users, clock):
    auditor = users["auditor"]
    h = api_headers(auditor)
    assert client.post(SA, json={"year": "x"}, headers=h).status_code == 422
    assert client.post(SA, json={"year": 2025, "extra": 1}, headers=h).status_code == 422
    r = client.post(SA, json={"year": 2027}, headers=h)
    assert r.status_code == 422 and "year" in r.json["error"]["fields"]
    a = open_assessment(client, auditor, 2025)
    r = client.post(SA, json={"year": 2025}, headers=h)
    assert r.status_code == 409 and r.json["error"]["code"] == "duplicate_year"
    r = client.patch(f"{SA}/{a['id']}/criteria/A6.1", json={"points": 3.5}, headers=h)
    assert r.status_code == 422 and "points" in r.json["error"]["fields"]
    assert client.patch(f"{SA}/{a['id']}/criteria/A6.1", json={"points": 1.25}, headers=h).status_code == 422
    assert client.patch(f"{SA}/{a['id']}/criteria/A6.1", json={"points": -1}, headers=h).status_code == 422
    r = client.patch(f"{SA}/{a['id']}/criteria/A6.1", json={"points": 1, "not_applicable": True}, headers=h)
    assert r.status_code == 422
    assert client.patch(f"{SA}/{a['id']}/criteria/Z9.9", json={"points": 1}, headers=h).status_code == 404
    assert client.patch(f"{SA}/{a['id']}/criteria/A6.1", json={"points": 1, "version": a["version"] - 1},
                        headers=h).status_code == 409
    r = client.patch(f"{SA}/{a['id']}/criteria/A6.1", json={"evidence_links": ["x"] * 21}, headers=h)
    assert r.status_code == 422
    for bad in ("javascript:alert(1)", "//evil.example/x", "ftp://x"):
        r = client.patch(f"{SA}/{a['id']}/criteria/A6.1", json={"evidence_links": [bad]}, headers=h)
        assert r.status_code == 422 and "evidence_links" in r.json["error"]["fields"], bad
    r = client.patch(f"{SA}/{a['id']}/criteria/A6.1", json={"evidence_links": ["/audit/audits/", "https://x.cn/a"]},
                     headers=h)
    assert next(c for c in r.json["criteria"] if c["code"] == "A6.1")["evidence_links"] == ["/audit/audits/",
                                                                                           "https://x.cn/a"]
    assert client.get(f"{SA}/999999", headers=h).status_code == 404
    # submit needs every applicable criterion scored
    r = act(client, auditor, get(client, auditor, a["id"]), "submit")
    assert r.status_code == 422 and r.json["error"]["code"] == "unscored" and "criteria.A1.1" in r.json["error"]["fields"]
    assert client.post(f"{SA}/{a['id']}/submit", json={}, headers=h).status_code == 422


def test_roles(app, client, users):
    auditor, service, admin = users["auditor"], users["service"], users["admin"]
    a = open_assessment(client, auditor, 2025)
    hs = api_headers(service)
    assert client.get(SA, headers=hs).status_code == 403
    assert client.get(f"{SA}/{a['id']}", headers=hs).status_code == 403
    assert client.post(SA, json={"year": 2024}, headers=hs).status_code == 403
    assert client.get(SA).status_code == 401
    score_to(a["id"], 85, auditor)
    a = get(client, auditor, a["id"])
    assert a["actions"] == ["submit"]
    a = act(client, auditor, a, "submit").json
    assert a["state"] == "submitted" and "approve" not in a["actions"]
    r = act(client, auditor, a, "approve")
    assert r.status_code == 403
    assert "approve" in get(client, admin, a["id"])["actions"]
    # a submitted assessment is read-only
    r = client.patch(f"{SA}/{a['id']}/criteria/A6.1", json={"points": 1}, headers=api_headers(auditor))
    assert r.status_code == 409
    assert add_special(client, auditor, a, "bonus").status_code == 409
    assert client.delete(f"{SA}/{a['id']}", headers=api_headers(auditor)).status_code == 409
    # back to draft, then delete
    a = act(client, auditor, a, "reopen").json
    assert a["state"] == "draft"
    assert client.delete(f"{SA}/{a['id']}", headers=api_headers(auditor)).status_code == 204


def test_list_filters_and_query_counts(app, client, users):
    auditor = users["auditor"]
    for year in (2022, 2023, 2024, 2025):
        open_assessment(client, auditor, year)
    h = api_headers(auditor)
    r = client.get(SA + "?sort=year&per_page=2", headers=h)
    assert r.json["total"] == 4 and [x["year"] for x in r.json["items"]] == [2022, 2023]
    assert client.get(SA + "?year=2024", headers=h).json["total"] == 1
    assert client.get(SA + "?state=approved", headers=h).json["total"] == 0
    assert client.get(SA + "?per_page=500", headers=h).status_code == 400
    with count_queries(app) as q1:
        client.get(SA + "?per_page=1", headers=h)
    with count_queries(app) as q4:
        client.get(SA + "?per_page=4", headers=h)
    assert q4.count == q1.count
    a = client.get(SA + "?year=2025", headers=h).json["items"][0]
    client.get(f"{SA}/{a['id']}", headers=h)  # the settings cache warm, as on a running server
    with count_queries(app) as qd:
        client.get(f"{SA}/{a['id']}", headers=h)
    score_to(a["id"], 80, auditor)
    with count_queries(app) as qd2:
        client.get(f"{SA}/{a['id']}", headers=h)
    assert qd2.count == qd.count and qd.count < 40
