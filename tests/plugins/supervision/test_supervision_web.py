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
