"""Pages: lists, masking and aliases in HTML, the assessment workflow in forms, the chart."""
from core.testing import chart_specs, api_headers, login_as, make_user


def _as(world, username):
    world.client = world.client.application.test_client()
    login_as(world.client, username)


def _page(client, path, status=200):
    r = client.get(path)
    assert r.status_code == status, (path, r.status_code)
    return r.get_data(as_text=True)


def test_every_list_page_renders_for_supervision(app, world):
    world.complaint("2026-05-03T10:00:00")
    world.job("J-1", "2026-05-04T10:00:00", grades=("A", "B", "C"))
    _as(world, "sup")
    for path in ("/supervision/complaints", "/supervision/jobs?month=2026-05&has_feedback=1",
                 "/supervision/assessments", "/supervision/inspections", "/supervision/visits",
                 "/supervision/suggestions", "/supervision/inspectors", "/supervision/complaints/new",
                 "/supervision/jobs/new", "/supervision/visits/new", "/supervision/complaints?overdue=1&sort=number",
                 "/"):
        _page(world.client, path)
    assert "13812341234" in _page(world.client, "/supervision/complaints")


def test_phone_is_masked_in_pages_for_hr(app, world):
    c = world.complaint("2026-05-03T10:00:00")
    _as(world, "hrmgr")
    html = _page(world.client, f"/supervision/complaints/{c['id']}")
    assert "138****1234" in html and "13812341234" not in html
    assert "13812341234" not in _page(world.client, "/supervision/complaints")
    _as(world, "cshead")
    _page(world.client, f"/supervision/complaints/{c['id']}", 403)


def test_complaint_steps_through_the_page(app, world):
    c = world.complaint("2026-05-03T10:00:00")
    _as(world, "sup")
    r = world.client.post(f"/supervision/complaints/{c['id']}/step", data={"version": c["version"], "step": "facts",
                                                                          "note": "x"})
    assert r.status_code == 409
    r = world.client.post(f"/supervision/complaints/{c['id']}/step", data={"version": c["version"], "step": "thanked"})
    assert r.status_code == 302
    html = _page(world.client, f"/supervision/complaints/{c['id']}")
    assert 'name="step" value="listened"' in html


def test_a_month_through_the_pages_and_the_chart(app, world):
    world.job("APR-1", "2026-04-10T10:00:00", grades=("A", "A", "C"))
    world.job("APR-2", "2026-04-20T10:00:00", grades=("A", "B", "C"))
    for i in range(10):
        world.job(f"MAY-{i}", f"2026-05-{i + 1:02d}T09:30:00", grades=("A", "A", "C"))
    _as(world, "sup")
    r = world.client.post("/supervision/assessments", data={"month": "2026-05", "department": "customer_service"})
    assert r.status_code == 302
    html = _page(world.client, r.headers["Location"])
    assert 'id="average">4.00' in html and "1000.00" in html
    record_id = int(r.headers["Location"].rsplit("/", 1)[1])
    world.client.post(f"/supervision/assessments/{record_id}/submit", data={"version": 1})
    _as(world, "hrmgr")
    assert world.client.post(f"/supervision/assessments/{record_id}/confirm", data={"version": 2}).status_code == 302
    _as(world, "cshead")
    bad = world.client.post(f"/supervision/assessments/{record_id}/distribute",
                            data={"version": 3, "lines": "cshead 500\ncsstaff 400"})
    assert bad.status_code == 422
    ok = world.client.post(f"/supervision/assessments/{record_id}/distribute",
                           data={"version": 3, "lines": "cshead 500\ncsstaff 500.00"})
    assert ok.status_code == 302
    html = _page(world.client, f"/supervision/assessments/{record_id}")
    assert "csstaff" in html and "MAY-1" not in html  # the head sees the result, not supervision's details
    chart = _page(world.client, "/supervision/assessments/chart")
    spec = chart_specs(chart)["supervision-assessment-chart"]
    assert "2026-05" in spec["categories"] and 'style="' not in chart
    assert [s["name"] for s in spec["series"]] == ["Average per job", "Complaints"]


def test_inspection_page_hides_the_inspector_from_the_subject(app, world):
    spy = make_user("spy", roles=["technical"])
    world.headers["spy"] = api_headers(spy)
    world.post("sup", "/inspectors", {"username": "spy"}, 201)
    i = world.post("spy", "/inspections", {"subject_department": "customer_service",
                                           "visited_at": "2026-05-03T10:00:00", "place": "Hall"}, 201).get_json()
    for step, who in (("submit", "spy"), ("review", "sup"), ("publish", "sup")):
        i = world.post(who, f"/inspections/{i['id']}/{step}", {"version": i["version"]}, 200).get_json()
    _as(world, "cshead")
    html = _page(world.client, f"/supervision/inspections/{i['id']}")
    assert "inspector #1" in html and "spy" not in html
    _page(world.client, "/supervision/inspectors", 403)
    _as(world, "sup")
    assert "spy" in _page(world.client, f"/supervision/inspections/{i['id']}")


def test_public_suggest_page_in_chinese_by_default(app):
    html = _page(app.test_client(), "/suggest")
    assert "建议" in html and 'name="website"' in html
    r = app.test_client().post("/suggest", data={"text": "长" * 4001, "name": "王"})
    assert r.status_code == 422 and "最多 4000 个字符" in r.get_data(as_text=True)
    assert "characters" not in r.get_data(as_text=True)


def test_checklist_templates_are_kept_on_pages_in_both_languages(app, world):
    _as(world, "sup")
    assert "/supervision/checklist-templates" in _page(world.client, "/supervision/inspections")
    assert "New checklist template" in _page(world.client, "/supervision/checklist-templates/new")
    r = world.client.post("/supervision/checklist-templates/new", data={
        "name": "服务厅暗访", "active": "1", "text_0": "一分钟内接待", "weight_0": "3", "text_1": "着工装",
        "weight_1": "1", "text_2": "", "weight_2": "1"})
    assert r.status_code == 302, r.get_data(as_text=True)
    tpl = world.get("sup", "/checklist-templates", 200).get_json()["items"][0]
    assert tpl["name"] == "服务厅暗访" and [(i["text"], i["weight"]) for i in tpl["items"]] == [
        ("一分钟内接待", 3), ("着工装", 1)]
    html = _page(world.client, f"/supervision/checklist-templates/{tpl['id']}")
    assert "75.0%" in html and "25.0%" in html  # each item's share of the total weight 4
    # bad input: a weight out of range and an empty name come back as 422 with the fields marked
    r = world.client.post(f"/supervision/checklist-templates/{tpl['id']}", data={
        "name": "", "text_0": "一分钟内接待", "weight_0": "0", "text_1": "着工装", "weight_1": "1"})
    assert r.status_code == 422 and r.get_data(as_text=True).count("is-invalid") == 2
    # edit: a third item, one weight changed, taken out of use
    r = world.client.post(f"/supervision/checklist-templates/{tpl['id']}", data={
        "name": "服务厅暗访", "text_0": "一分钟内接待", "weight_0": "4", "text_1": "着工装", "weight_1": "1",
        "text_2": "讲解维修结果", "weight_2": "5"})
    assert r.status_code == 302
    tpl = world.get("sup", f"/checklist-templates/{tpl['id']}", 200).get_json()
    assert [i["weight"] for i in tpl["items"]] == [4, 1, 5] and tpl["active"] is False
    assert "服务厅暗访" in _page(world.client, "/supervision/checklist-templates?active=0")
    # the Chinese page
    make_user("sup_zh", roles=["supervision"], language="zh_CN")
    _as(world, "sup_zh")
    html = _page(world.client, f"/supervision/checklist-templates/{tpl['id']}")
    assert "权重" in html and "Weighted items" not in html
    # others: HR reads, cannot change; the assessed department does not see them
    _as(world, "hrmgr")
    _page(world.client, "/supervision/checklist-templates")
    assert world.client.post(f"/supervision/checklist-templates/{tpl['id']}", data={"name": "x"}).status_code == 403
    _as(world, "cshead")
    _page(world.client, "/supervision/checklist-templates", 403)
    world.get("cs", f"/checklist-templates/{tpl['id']}", 404)


def test_checklist_template_api_edits_and_bad_input(app, world):
    tpl = world.post("sup", "/checklist-templates", {"name": "Counter", "items": [{"text": "Greeted", "weight": 2}]},
                     201).get_json()
    world.post("sup", "/checklist-templates", {"name": "Counter", "items": [{"text": "x", "weight": 1}]}, 422)
    world.post("sup", "/checklist-templates", {"name": "Other", "items": [{"text": "x", "weight": 101}]}, 422)
    r = world.client.patch(f"/api/v1/checklist-templates/{tpl['id']}", headers=world.headers["sup"],
                           json={"items": [{"text": "Greeted", "weight": 2}, {"text": "Explained", "weight": 6}]})
    assert r.status_code == 200 and [i["weight"] for i in r.get_json()["items"]] == [2, 6]
    r = world.client.patch(f"/api/v1/checklist-templates/{tpl['id']}", headers=world.headers["hr"], json={"active": False})
    assert r.status_code == 403
    r = world.client.patch(f"/api/v1/checklist-templates/{tpl['id']}", headers=world.headers["sup"], json={"items": []})
    assert r.status_code == 422 and "items" in r.get_json()["error"]["fields"]
