"""Issue 9: complaint, assessment and inspection pages open with a status bar: the path with the current step
and the actions the user may take now, each leading to its form; a reader sees the bar without buttons."""
from core.extensions import db
from core.testing import api_headers, make_user, record_status_bar


def _zh(*users):
    for user in users:
        user.language = "zh_CN"
    db.session.commit()


def test_complaint_bar(app, world):
    c = world.complaint("2026-05-03T10:00:00")
    _zh(world.users["sup"], world.users["auditor"])
    assert record_status_bar(app, "sup", f"/supervision/complaints/{c['id']}") == ("已收到", [("btn-primary", "step")])
    step, buttons = record_status_bar(app, "aud", f"/supervision/complaints/{c['id']}")
    assert step == "已收到" and buttons == []


def test_assessment_bar(app, world):
    a = world.assess("2026-05")
    _zh(world.users["sup"], world.users["hr"])
    step, buttons = record_status_bar(app, "sup", f"/supervision/assessments/{a['id']}")
    assert step == "草稿" and buttons == [("btn-primary", "submit"), ("btn-outline-secondary", "recompute")]
    step, buttons = record_status_bar(app, "hrmgr", f"/supervision/assessments/{a['id']}")
    assert step == "草稿" and buttons == []


def test_inspection_bar(app, world):
    spy = make_user("spy", roles=["technical"], language="zh_CN")
    world.headers["spy"] = api_headers(spy)
    world.post("sup", "/inspectors", {"username": "spy"}, 201)
    i = world.post("spy", "/inspections", {"subject_department": "customer_service",
                                           "visited_at": "2026-05-03T10:00:00", "place": "Hall"}, 201).get_json()
    _zh(world.users["sup"], world.users["cs"])
    assert record_status_bar(app, "spy", f"/supervision/inspections/{i['id']}")[1] == [("btn-primary", "submit"),
                                                                          ("btn-outline-secondary", "edit")]
    i = world.post("spy", f"/inspections/{i['id']}/submit", {"version": i["version"]}, 200).get_json()
    assert record_status_bar(app, "sup", f"/supervision/inspections/{i['id']}")[1] == [("btn-primary", "review")]
    for step in ("review", "publish"):
        i = world.post("sup", f"/inspections/{i['id']}/{step}", {"version": i["version"]}, 200).get_json()
    step, buttons = record_status_bar(app, "cshead", f"/supervision/inspections/{i['id']}")
    assert step == "已公布" and buttons == []
