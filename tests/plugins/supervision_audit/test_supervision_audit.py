"""Supervision × audit: suggestions become improvement records; complaints and inspections raise
nonconformities through audit's hook (end to end, through both plugins' APIs and pages)."""
from core.testing import api_headers, login_as, make_dealer, make_user


def _users():
    return {"sup": make_user("sup", roles=["supervision"]), "auditor": make_user("aud", roles=["auditor"]),
            "cs": make_user("cshead", roles=["customer_service"])}


def test_link_is_auto_installed_with_both_plugins(app):
    assert "supervision_audit" in app.extensions["aftersales"].enabled_ids


def test_a_suggestion_taken_as_an_improvement_becomes_an_audit_improvement(app, client):
    users = _users()
    h = api_headers(users["sup"])
    anon = app.test_client()
    assert anon.post("/suggest", data={"text": "候修区没有座位", "place": "株洲服务站"}).status_code == 200
    s = client.get("/api/v1/suggestions?state=new", headers=h).get_json()["items"][0]
    r = client.post(f"/api/v1/suggestions/{s['id']}/improvement", json={"version": s["version"], "comment": "增设座椅"},
                    headers=h)
    assert r.status_code == 200, r.get_json()
    done = r.get_json()
    assert done["state"] == "improvement" and done["improvement_ref"].startswith("IMP-")
    imp_id = int(done["improvement_url"].rstrip("/").split("/")[-1])
    imp = client.get(f"/api/v1/improvements/{imp_id}", headers=api_headers(users["auditor"])).get_json()
    assert imp["number"] == done["improvement_ref"] and imp["origin"] == "suggestion"
    assert "增设座椅" in imp["title"] and "候修区没有座位" in imp["description"] and imp["owner"] == "sup"
    assert imp["link"] == f"/supervision/suggestions#suggestion-{s['id']}"
    # the suggestion list links to the improvement record
    login_as(client, "sup")
    page = client.get("/supervision/suggestions").get_data(as_text=True)
    assert done["improvement_ref"] in page and done["improvement_url"] in page
    # handled once only: a second try is a conflict and creates nothing more
    r = client.post(f"/api/v1/suggestions/{s['id']}/improvement", json={"version": done["version"]}, headers=h)
    assert r.status_code == 409
    assert client.get("/api/v1/improvements?origin=suggestion",
                      headers=api_headers(users["auditor"])).get_json()["total"] == 1


def test_complaints_and_published_inspections_raise_nonconformities(app, client):
    users = _users()
    make_dealer("D1")
    sup, aud = api_headers(users["sup"]), api_headers(users["auditor"])
    c = client.post("/api/v1/complaints", json={"channel": "hotline", "received_at": "2026-05-03T10:00:00",
                                                 "customer_name": "李四", "customer_phone": "13812341234",
                                                 "department": "technical", "description": "维修后仍闪烁"},
                    headers=sup).get_json()
    body = {"title": "维修质量投诉", "severity": "minor", "source_model": "supervision_complaint", "source_id": c["id"]}
    r = client.post("/api/v1/nonconformities", json=body, headers=api_headers(users["cs"]))
    assert r.status_code == 403  # raising is the auditors' permission
    r = client.post("/api/v1/nonconformities", json=body, headers=aud)
    assert r.status_code == 201, r.get_json()
    nc = r.get_json()
    assert nc["source"] == "complaint" and nc["department"] == "technical"
    assert nc["source_url"] == f"/supervision/complaints/{c['id']}" and c["number"] in nc["source_title"]
    # the complaint page offers the button to an auditor (who may read complaints), not to the assessed department
    login_as(client, "aud")
    page = client.get(f"/supervision/complaints/{c['id']}").get_data(as_text=True)
    assert 'id="raise-nonconformity"' in page and "source_model=supervision_complaint" in page

    # an inspection: auditors see it (and may raise from it) only once published
    tpl = client.post("/api/v1/checklist-templates", json={"name": "柜台", "items": [{"text": "主动问候", "weight": 2}]},
                      headers=sup).get_json()
    spy = make_user("spy", roles=["customer_service"])
    client.post("/api/v1/inspectors", json={"username": "spy"}, headers=sup)
    i = client.post("/api/v1/inspections", json={"dealer_code": "D1", "visited_at": "2026-05-03T10:00:00",
                                                  "template_id": tpl["id"]}, headers=api_headers(spy)).get_json()
    body = {"title": "暗访不合格", "severity": "major", "source_model": "supervision_inspection", "source_id": i["id"]}
    assert client.post("/api/v1/nonconformities", json=body, headers=aud).status_code == 404
    for step, who in (("submit", spy), ("review", users["sup"]), ("publish", users["sup"])):
        i = client.post(f"/api/v1/inspections/{i['id']}/{step}", json={"version": i["version"]},
                        headers=api_headers(who)).get_json()
    r = client.post("/api/v1/nonconformities", json=body, headers=aud)
    assert r.status_code == 201, r.get_json()
    nc = r.get_json()
    assert nc["source"] == "inspection" and nc["dealer_code"] == "D1" and "spy" not in str(nc)
