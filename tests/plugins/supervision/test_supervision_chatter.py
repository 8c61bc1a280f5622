"""The core chatter on supervision's records: comments posted from the page, @mentions that
notify, the activity log with labels in Chinese, and a secret inspection's secrecy (the
inspected department gets 404 before publication, everyone but supervision reads the alias)."""
from sqlalchemy import select

from core.extensions import db
from core.notifications import Notification
from core.testing import api_headers, login_as, make_user


def _inspection_setup(world):
    tpl = world.post("sup", "/checklist-templates", {"name": "Service counter", "items": [
        {"text": "Greeted within a minute", "weight": 3}]}, 201).get_json()
    spy = make_user("spy", roles=["customer_service"])  # a staff member, secretly an inspector
    world.headers["spy"] = api_headers(spy)
    world.post("sup", "/inspectors", {"username": "spy"}, 201)
    return tpl


def _browser(app, username):
    client = app.test_client()
    login_as(client, username)
    return client


def _mentions(user):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.title.like("%mentioned you%"))))


def _zh(world, *keys):
    for key in keys:
        world.users[key].language = "zh_CN"
    db.session.commit()


def _post_from_page(client, model, record_id, page, body):
    r = client.post(f"/chatter/{model}/{record_id}", data={"body": body, "next": page})
    assert r.status_code == 302 and r.headers["Location"].endswith(page + "#chatter"), r.status_code
    return r


def test_complaint_chatter_comment_mention_and_labels_in_chinese(app, world):
    c = world.complaint("2026-05-03T10:00:00")
    page = f"/supervision/complaints/{c['id']}"
    sup = _browser(app, "sup")
    assert 'id="chatter"' in sup.get(page).get_data(as_text=True)
    _post_from_page(sup, "supervision_complaint", c["id"], page, "请回电 @hrmgr @cshead")
    # HR sees complaints and is told; the customer-service department never sees them, so it is not
    assert len(_mentions(world.users["hr"])) == 1 and _mentions(world.users["cs"]) == []
    _zh(world, "hr")
    html = _browser(app, "hrmgr").get(page).get_data(as_text=True)
    assert "请回电 @hrmgr" in html
    assert "状态: — → 已收到" in html and "state:" not in html and "received" not in html
    items = world.get("hr", f"/chatter/supervision_complaint/{c['id']}", 200).get_json()["items"]
    assert items[0]["kind"] == "comment" and items[0]["author"] == "sup"
    created = [i for i in items if i["kind"] == "activity"][0]
    assert created["action"] == "创建"
    assert created["changes"] == [{"field": "状态", "old": "—", "new": "已收到"}]
    # outside the record's scope: 404 on every chatter endpoint
    world.get("cs", f"/chatter/supervision_complaint/{c['id']}", 404)
    world.post("cs", f"/chatter/supervision_complaint/{c['id']}", {"body": "x"}, 404)
    world.post("dealer", f"/chatter/supervision_complaint/{c['id']}", {"body": "x"}, 404)
    assert _browser(app, "cshead").post(f"/chatter/supervision_complaint/{c['id']}", data={"body": "x"}).status_code == 404


def test_job_and_assessment_chatter(app, world):
    job = world.job("J-1", "2026-05-04T10:00:00", grades=("A", "B", "C"))
    page = f"/supervision/jobs/{job['id']}"
    sup = _browser(app, "sup")
    _post_from_page(sup, "supervision_job", job["id"], page, "回访已完成 @aud")
    assert len(_mentions(world.users["auditor"])) == 1
    _zh(world, "auditor")
    html = _browser(app, "aud").get(page).get_data(as_text=True)
    assert "回访已完成 @aud" in html and "参考号: — → J-1" in html
    a = world.assess("2026-05")
    page = f"/supervision/assessments/{a['id']}"
    _post_from_page(sup, "supervision_assessment", a["id"], page, "请确认 @hrmgr")
    assert len(_mentions(world.users["hr"])) == 1
    _zh(world, "hr")
    html = _browser(app, "hrmgr").get(page).get_data(as_text=True)
    assert "请确认 @hrmgr" in html and "状态: — → 草稿" in html and "draft" not in html
    assert 'type="file"' not in html.split('id="chatter"')[1]  # a computed record takes no files
    # the department head sees its assessment only once confirmed: before that, 404 here too
    world.get("cs", f"/chatter/supervision_assessment/{a['id']}", 404)
    world.post("cs", f"/chatter/supervision_assessment/{a['id']}", {"body": "x"}, 404)


def test_secret_inspection_chatter_hides_it_and_its_inspector(app, world):
    tpl = _inspection_setup(world)
    i = world.post("spy", "/inspections", {"subject_department": "customer_service", "place": "Service hall",
                                           "visited_at": "2026-05-03T10:00:00", "template_id": tpl["id"]},
                   201).get_json()
    url = f"/chatter/supervision_inspection/{i['id']}"
    page = f"/supervision/inspections/{i['id']}"
    spy = _browser(app, "spy")
    _post_from_page(spy, "supervision_inspection", i["id"], page, "柜台无人 @cshead @sup")
    # the inspected department is never told of a draft about it, nor can it read or post
    assert _mentions(world.users["cs"]) == [] and len(_mentions(world.users["sup"])) == 1
    for who in ("cs", "cs2", "tech", "dealer", "hr"):
        world.get(who, url, 404)
        world.post(who, url, {"body": "x"}, 404)
    assert _browser(app, "cshead").post(url, data={"body": "x"}).status_code == 404
    assert _browser(app, "cshead").get(page).status_code == 404
    # supervision reads alias and name
    assert world.get("sup", url, 200).get_json()["items"][0]["author"] == "inspector #1 · spy (spy)"
    for step in ("submit", "review", "publish"):
        who = "spy" if step == "submit" else "sup"
        i = world.post(who, f"/inspections/{i['id']}/{step}", {"version": i["version"]}, 200).get_json()
    world.post("spy", url, {"body": "请改进 @cshead"}, 201)
    told = _mentions(world.users["cs"])
    assert len(told) == 1 and "spy" not in str(told[0].message) and "inspector #1" in str(told[0].message)
    world.get("tech", url, 404)  # another department: still nothing
    # the inspected department (and HR, auditors) see the published inspection by alias only
    _zh(world, "cs")
    items = world.get("cs", url, 200).get_json()["items"]
    authors = {it["author"] for it in items if it["kind"] == "comment"}
    assert authors == {"监察员 #1"}
    assert "spy" not in str(items)
    assert {it["author"] for it in items if it["kind"] == "activity" and it["action"] in ("创建", "已提交")} <= {"监察员 #1"}
    html = _browser(app, "cshead").get(page).get_data(as_text=True)
    assert "柜台无人" in html and "监察员 #1" in html and "spy" not in html
    assert "spy" not in str(world.get("auditor", url, 200).get_json())
