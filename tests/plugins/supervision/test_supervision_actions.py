"""Supervision's workflow actions declared once (TransitionRoutes): each page flashes its transition's own message,
and a secret inspection's transition is checked in the order scope 404 → role 403 → stale/illegal 409 → body 422."""
from core.extensions import db
from core.testing import api_headers, make_user, session_login


def _inspection(world):
    tpl = world.post("sup", "/checklist-templates", {"name": "Service counter", "items": [
        {"text": "Greeted within a minute", "weight": 3}]}, 201).get_json()
    spy = make_user("spy", roles=["customer_service"])  # a staff member, secretly an inspector
    world.headers["spy"] = api_headers(spy)
    world.users["spy"] = spy
    world.post("sup", "/inspectors", {"username": "spy"}, 201)
    return world.post("spy", "/inspections", {"subject_department": "customer_service", "place": "Service hall",
                                              "visited_at": "2026-05-03T10:00:00", "template_id": tpl["id"]},
                      201).get_json()


def _flashed(client, response) -> str:
    assert response.status_code == 302, response.status_code
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_each_page_action_flashes_its_own_chinese_message(app, world):
    i = _inspection(world)
    for name in ("spy", "sup"):
        world.users[name].language = "zh_CN"
    db.session.commit()
    spy, sup = app.test_client(), app.test_client()
    session_login(spy, world.users["spy"])
    session_login(sup, world.users["sup"])
    page = _flashed(spy, spy.post(f"/supervision/inspections/{i['id']}/submit", data={"version": i["version"]}))
    assert "暗访检查已提交审核。" in page and "完成" not in page
    i = world.get("sup", f"/inspections/{i['id']}", 200).get_json()
    assert i["state"] == "submitted"
    assert spy.post(f"/supervision/inspections/{i['id']}/review", data={"version": i["version"]}).status_code == 403
    page = _flashed(sup, sup.post(f"/supervision/inspections/{i['id']}/review", data={"version": i["version"]}))
    assert "暗访检查已审核。" in page
    # a refusal on the page: the record page again, 409, the reason in Chinese
    r = sup.post(f"/supervision/inspections/{i['id']}/review", data={"version": i["version"] + 1})
    assert r.status_code == 409 and "只有已提交的暗访检查可以审核。" in r.get_data(as_text=True)

    c = world.post("sup", "/complaints", {"channel": "hotline", "customer_name": "王先生", "department": "technical",
                                          "description": "维修慢"}, 201).get_json()
    page = _flashed(sup, sup.post(f"/supervision/complaints/{c['id']}/step",
                                  data={"version": c["version"], "step": "thanked"}))
    assert "处理步骤已记录。" in page

    anon = app.test_client()
    assert anon.post("/suggest", data={"text": "多设几个座位"}).status_code == 200
    s = world.get("sup", "/suggestions", 200).get_json()["items"][0]
    page = _flashed(sup, sup.post(f"/supervision/suggestions/{s['id']}/dismiss",
                                  data={"version": s["version"], "note": "重复"}))
    assert "该建议已驳回。" in page
    assert world.get("sup", f"/suggestions/{s['id']}", 200).get_json()["note"] == "重复"
    assert anon.post("/suggest", data={"text": "前台无人接待", "contact": "13812341234"}).status_code == 200
    s = world.get("sup", "/suggestions?state=new", 200).get_json()["items"][0]
    r = sup.post(f"/supervision/suggestions/{s['id']}/to_complaint", data={"version": s["version"]})
    page = _flashed(sup, r)  # back to the list, the reason in Chinese, nothing changed
    assert "请选择被投诉部门。" in page
    assert world.get("sup", f"/suggestions/{s['id']}", 200).get_json()["state"] == "new"
    r = sup.post(f"/supervision/suggestions/{s['id']}/to_complaint",
                 data={"version": s["version"], "department": "customer_service"})
    complaint = world.get("sup", "/complaints?per_page=5", 200).get_json()["items"][0]
    assert r.headers["Location"].endswith(f"/supervision/complaints/{complaint['id']}")
    assert "该建议已转为投诉。" in _flashed(sup, r) and complaint["channel"] == "suggestion_form"


def test_an_inspection_transition_checks_scope_role_version_state_then_body(world):
    i = _inspection(world)
    url = f"/inspections/{i['id']}/submit"
    stale_and_long = {"version": i["version"] + 2, "comment": "x" * 2001}
    # the inspected department does not know of the draft; supervision sees it but is not its inspector
    assert world.post("cs", url, stale_and_long, 404).get_json()["error"]["code"] == "not_found"
    assert world.post("sup", url, stale_and_long, 403).get_json()["error"]["code"] == "forbidden"
    assert world.post("spy", url, stale_and_long, 409).get_json()["error"]["code"] == "stale_version"
    r = world.post("spy", url, {"version": i["version"], "comment": "x" * 2001}, 422).get_json()
    assert "comment" in r["error"]["fields"]
    i = world.post("spy", url, {"version": i["version"]}, 200).get_json()
    assert i["state"] == "submitted" and i["inspector"] == "inspector #1"
    r = world.post("spy", url, {"version": i["version"], "comment": "x" * 2001}, 409).get_json()
    assert r["error"]["code"] == "illegal_transition"
    world.post("cs", f"/inspections/{i['id']}/review", {"version": i["version"]}, 404)  # still hidden
