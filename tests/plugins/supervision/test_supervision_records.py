"""Complaints, masking, segregation of duties, inspections and their secrecy, suggestions, visits."""
import io

from core.testing import api_headers, login_as, make_user


def test_role_conflict_is_refused_in_api_and_admin_pages(app, world):
    r = world.post("admin", "/users", {"username": "both", "password": "long-password-1",
                                       "roles": ["supervision", "customer_service"]}, 422)
    err = r.get_json()["error"]
    assert err["code"] == "segregation_of_duties" and "customer_service" in err["message"] and "supervision" in err["message"]
    r = world.client.patch(f"/api/v1/users/{world.users['sup'].id}", json={"roles": ["supervision", "technical"]},
                           headers=world.headers["admin"])
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "segregation_of_duties"
    world.post("admin", "/users", {"username": "ok", "password": "long-password-1",
                                   "roles": ["supervision", "hr"]}, 201)
    login_as(world.client, "root")
    page = world.client.get("/admin/roles/")
    assert page.status_code == 200 and 'id="role-conflicts"' in page.get_data(as_text=True)
    form = world.client.post("/admin/users/new", data={"username": "mixed", "password": "long-password-1",
                                                        "roles": ["supervision", "customer_service"],
                                                        "language": "en", "active": "y"})
    assert form.status_code == 422 and "may not be held together" in form.get_data(as_text=True)


def test_complaint_five_steps_in_order_with_masking_and_overdue(world):
    c = world.complaint("2026-05-03T10:00:00", dealer_code="D1", rma_number="RMA-2026-000001")
    assert c["number"].startswith("TS-2026-") and len(c["number"]) == len("TS-2026-00001")
    assert c["customer_phone"] == "13812341234" and c["state"] == "received" and c["overdue"] is True
    # every role but supervision sees the phone masked
    for who in ("hr", "admin", "auditor"):
        assert world.get(who, f"/complaints/{c['id']}", 200).get_json()["customer_phone"] == "138****1234"
    # the assessed department and dealers do not see complaints at all
    world.get("cs", f"/complaints/{c['id']}", 403)
    world.get("dealer", "/complaints", 403)
    # skipping a step is 409
    r = world.post("sup", f"/complaints/{c['id']}/steps", {"version": c["version"], "step": "facts", "note": "x"}, 409)
    assert r.get_json()["error"]["code"] == "step_out_of_order"
    c = world.post("sup", f"/complaints/{c['id']}/steps", {"version": c["version"], "step": "thanked"}, 200).get_json()
    assert c["state"] == "in_progress" and c["first_response_at"] and c["next_step"] == "listened"
    world.post("sup", f"/complaints/{c['id']}/resolve", {"version": c["version"]}, 409)
    world.post("sup", f"/complaints/{c['id']}/steps", {"version": c["version"], "step": "listened"}, 422)  # note required
    for step in ("listened", "facts", "wish"):
        c = world.post("sup", f"/complaints/{c['id']}/steps", {"version": c["version"], "step": step,
                                                               "note": f"{step} noted"}, 200).get_json()
    c = world.post("sup", f"/complaints/{c['id']}/steps", {"version": c["version"], "step": "compensated",
                                                           "note": "free repair", "amount": "150.00"}, 200).get_json()
    assert [s["step"] for s in c["steps"]] == ["thanked", "listened", "facts", "wish", "compensated"]
    assert all(s["by"] == "sup" and s["at"] for s in c["steps"]) and c["steps"][-1]["amount"] == "150.00"
    world.post("hr", f"/complaints/{c['id']}/resolve", {"version": c["version"]}, 403)
    c = world.post("sup", f"/complaints/{c['id']}/resolve", {"version": c["version"]}, 200).get_json()
    world.post("sup", f"/complaints/{c['id']}/close", {"version": c["version"], "feedback": "happy"}, 422)
    c = world.post("sup", f"/complaints/{c['id']}/close", {"version": c["version"], "feedback": "satisfied"},
                   200).get_json()
    assert c["state"] == "closed" and c["feedback"] == "satisfied"
    assert world.get("sup", "/complaints?overdue=true", 200).get_json()["total"] == 1


def test_first_response_in_time_is_not_overdue(world):
    from datetime import datetime, timedelta

    now = datetime.now().replace(microsecond=0)
    c = world.complaint((now - timedelta(hours=2)).isoformat())
    assert c["overdue"] is False
    c = world.post("sup", f"/complaints/{c['id']}/steps", {"version": c["version"], "step": "thanked"}, 200).get_json()
    assert c["overdue"] is False
    assert world.get("sup", "/complaints?overdue=false", 200).get_json()["total"] == 1


def test_complaint_bad_input(world):
    base = {"channel": "hotline", "customer_name": "x", "department": "customer_service", "description": "d"}
    for change in ({"channel": "fax"}, {"department": "hr"}, {"customer_phone": "call me"}, {"customer_name": ""},
                   {"dealer_code": "NOPE"}, {"received_at": "2099-01-01T00:00:00"}, {"description": "x" * 5000}):
        world.post("sup", "/complaints", {**base, **change}, 422)
    world.post("hr", "/complaints", base, 403)


def test_service_jobs_queue_and_one_form_per_job(world):
    j = world.job("RMA-2026-000001 / line 1", "2026-05-03T10:00:00")
    # customer service may enter a job by hand; phone masked for them
    k = world.post("cs", "/service-jobs", {"reference": "manual-7", "completed_at": "2026-05-04T10:00:00",
                                           "customer_phone": "13900001111"}, 201).get_json()
    assert k["source"] == "manual" and k["department"] == "customer_service" and k["customer_phone"] == "139****1111"
    world.post("sup", "/service-jobs", {"reference": "manual-7", "completed_at": "2026-05-04T10:00:00"}, 409)
    world.post("hr", "/service-jobs", {"reference": "x", "completed_at": "2026-05-04T10:00:00"}, 403)
    world.get("cs", "/service-jobs", 403)
    f = world.post("sup", "/feedback-forms", {"service_job_id": j["id"], "channel": "phone_followup",
                                              "timeliness": "A", "repair_quality": "B", "attitude": "E"},
                   201).get_json()
    assert f["points"] == 1 and f["verified"] is False
    r = world.post("sup", "/feedback-forms", {"service_job_id": j["id"], "channel": "visit", "timeliness": "A",
                                              "repair_quality": "A", "attitude": "A"}, 409)
    assert r.get_json()["error"]["code"] == "form_exists"
    world.post("sup", "/feedback-forms", {"service_job_id": k["id"], "channel": "visit", "timeliness": "F",
                                          "repair_quality": "A", "attitude": "A"}, 422)
    q = world.get("sup", "/service-jobs?month=2026-05&has_feedback=false", 200).get_json()
    assert [x["reference"] for x in q["items"]] == ["manual-7"]
    assert world.get("sup", "/service-jobs?month=2026-06", 200).get_json()["total"] == 0
    world.get("sup", "/service-jobs?month=2026-5", 400)
    v = world.post("sup", f"/feedback-forms/{f['id']}/verify", {"version": f["version"]}, 200).get_json()
    assert v["verified"] is True
    world.post("sup", f"/feedback-forms/{f['id']}/verify", {"version": v["version"]}, 409)


def _inspection_setup(world):
    tpl = world.post("sup", "/checklist-templates", {"name": "Service counter", "items": [
        {"text": "Greeted within a minute", "weight": 3}, {"text": "Uniform worn", "weight": 1},
        {"text": "Repair explained", "weight": 4}]}, 201).get_json()
    spy = make_user("spy", roles=["customer_service"])  # a trusted staff member, secretly an inspector
    world.headers["spy"] = api_headers(spy)
    ins = world.post("sup", "/inspectors", {"username": "spy"}, 201).get_json()
    return tpl, ins


def test_inspection_alias_secrecy_and_score(world):
    tpl, ins = _inspection_setup(world)
    assert ins["alias"] == "inspector #1"
    # only supervision and admin see who the inspectors are
    assert world.get("admin", "/inspectors", 200).get_json()["items"][0]["username"] == "spy"
    for who in ("cs", "hr", "auditor", "dealer"):
        world.get(who, "/inspectors", 403)
    world.post("cs", "/inspections", {"subject_department": "customer_service",
                                      "visited_at": "2026-05-03T10:00:00"}, 403)  # not an inspector
    i = world.post("spy", "/inspections", {"subject_department": "customer_service", "place": "Service hall",
                                           "visited_at": "2026-05-03T10:00:00", "template_id": tpl["id"],
                                           "answers": [{"position": 0, "answer": "yes"}, {"position": 1, "answer": "n_a"},
                                                       {"position": 2, "answer": "no"}]}, 201).get_json()
    assert i["score"] == "42.86"  # 3 / (3 + 4) × 100
    assert i["inspector"] == "inspector #1"
    sup_view = world.get("sup", f"/inspections/{i['id']}", 200).get_json()
    assert "spy" in sup_view["inspector"]
    # the subject does not see it before publication; then sees findings and score, never the inspector
    world.get("cs", f"/inspections/{i['id']}", 404)
    i = world.client.patch(f"/api/v1/inspections/{i['id']}", json={"version": i["version"], "answers": [
        {"id": sup_view["answers"][2]["id"], "answer": "yes"}]}, headers=world.headers["spy"]).get_json()
    assert i["score"] == "100.00"
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    r = world.client.post(f"/api/v1/inspections/{i['id']}/evidence", data={"file": (io.BytesIO(png), "desk.png")},
                          headers=world.headers["spy"], content_type="multipart/form-data")
    assert r.status_code == 201 and r.get_json()["purpose"] == "photo"
    mp3 = b"ID3\x03\x00" + b"0" * 100
    r = world.client.post(f"/api/v1/inspections/{i['id']}/evidence", data={"file": (io.BytesIO(mp3), "talk.mp3")},
                          headers=world.headers["spy"], content_type="multipart/form-data")
    assert r.status_code == 201 and r.get_json()["purpose"] == "audio"
    r = world.client.post(f"/api/v1/inspections/{i['id']}/evidence", data={"file": (io.BytesIO(b"MZ" * 20), "x.exe")},
                          headers=world.headers["spy"], content_type="multipart/form-data")
    assert r.status_code == 422
    i = world.post("spy", f"/inspections/{i['id']}/submit", {"version": i["version"] + 1}, 409).get_json()
    i = world.get("spy", f"/inspections/{sup_view['id']}", 200).get_json()
    i = world.post("spy", f"/inspections/{i['id']}/submit", {"version": i["version"]}, 200).get_json()
    world.post("spy", f"/inspections/{i['id']}/review", {"version": i["version"]}, 403)
    i = world.post("sup", f"/inspections/{i['id']}/review", {"version": i["version"]}, 200).get_json()
    world.get("cs", f"/inspections/{i['id']}", 404)
    i = world.post("sup", f"/inspections/{i['id']}/publish", {"version": i["version"]}, 200).get_json()
    seen = world.get("cs", f"/inspections/{i['id']}", 200).get_json()
    assert seen["score"] == "100.00" and seen["inspector"] == "inspector #1" and "spy" not in str(seen)
    world.get("tech", f"/inspections/{i['id']}", 404)  # another department
    world.get("dealer", f"/inspections/{i['id']}", 404)
    assert world.get("hr", "/inspections", 200).get_json()["total"] == 1


def test_mystery_shopper_visit_to_a_dealer_is_seen_by_the_dealer_once_published(world):
    tpl, ins = _inspection_setup(world)
    i = world.post("spy", "/inspections", {"dealer_code": "D1", "visited_at": "2026-05-03T10:00:00",
                                           "template_id": tpl["id"]}, 201).get_json()
    assert i["score"] is None  # nothing applicable yet
    world.post("spy", "/inspections", {"dealer_code": "D1", "subject_department": "technical",
                                       "visited_at": "2026-05-03T10:00:00"}, 422)
    for step in ("submit", "review", "publish"):
        who = "spy" if step == "submit" else "sup"
        i = world.post(who, f"/inspections/{i['id']}/{step}", {"version": i["version"]}, 200).get_json()
    seen = world.get("dealer", f"/inspections/{i['id']}", 200).get_json()
    assert seen["dealer_code"] == "D1" and "spy" not in str(seen)


def test_public_suggestion_with_honeypot_rate_limit_and_conversion(app, world):
    anon = app.test_client()
    page = anon.get("/suggest")
    assert page.status_code == 200 and 'name="website"' in page.get_data(as_text=True)
    r = anon.post("/suggest", data={"text": "Spam", "website": "http://spam"})
    assert r.status_code == 200
    assert world.get("sup", "/suggestions", 200).get_json()["total"] == 0  # the honeypot kept nothing
    r = anon.post("/suggest", data={"text": ""})
    assert r.status_code == 422
    for i in range(5):
        assert anon.post("/suggest", data={"text": f"Idea {i}", "contact": "13812341234", "place": "Mall"}).status_code == 200
    assert anon.post("/suggest", data={"text": "one too many"}).status_code == 429
    other = app.test_client()
    assert other.post("/suggest", data={"text": "another address"},
                      environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
    items = world.get("sup", "/suggestions?state=new", 200).get_json()["items"]
    assert len(items) == 6
    s = items[-1]
    c = world.post("sup", f"/suggestions/{s['id']}/to-complaint", {"version": s["version"],
                                                                   "department": "customer_service"}, 201).get_json()
    assert c["channel"] == "suggestion_form" and c["customer_phone"] == "13812341234"
    world.post("sup", f"/suggestions/{s['id']}/dismiss", {"version": s["version"] + 1}, 409)
    t = items[0]
    taken = world.post("sup", f"/suggestions/{t['id']}/improvement", {"version": t["version"], "comment": "signage"},
                       200).get_json()
    assert taken["state"] == "improvement" and taken["note"] == "signage"
    assert taken["improvement_ref"] is None  # without the audit plugin nothing else records it
    # the poster is a PDF with the form's address
    login_as(world.client, "sup")
    pdf = world.client.get("/supervision/suggest/poster.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_customer_visits(world):
    v = world.post("sup", "/customer-visits", {"customer_name": "Big Hotel", "customer_class": "A",
                                               "visited_on": "2026-05-03", "participants": "sup, sales",
                                               "opinions": "lamps flicker", "follow_up": "send tech"}, 201).get_json()
    world.post("hr", "/customer-visits", {"customer_name": "x", "visited_on": "2026-05-03"}, 403)
    world.post("sup", "/customer-visits", {"customer_name": "x", "visited_on": "2026-05-03", "customer_class": "Z"}, 422)
    r = world.client.patch(f"/api/v1/customer-visits/{v['id']}", json={"version": v["version"], "follow_up_done": True},
                           headers=world.headers["sup"])
    assert r.status_code == 200 and r.get_json()["follow_up_done"] is True
    assert world.get("hr", "/customer-visits?follow_up_done=true", 200).get_json()["total"] == 1
    world.get("cs", "/customer-visits", 403)


def test_other_plugins_hooks(app, world):
    from datetime import date

    from plugins.supervision import services

    world.complaint("2026-05-03T10:00:00", dealer_code="D1")
    world.job("J-1", "2026-05-04T10:00:00", grades=("A", "B", "C"))
    card = services.scorecard([world.dealer.id], date(2026, 5, 1), date(2026, 5, 31))
    assert card[0]["key"] == "supervision.complaints" and card[0]["values"] == {world.dealer.id: 1}
    review = services.review_inputs(date(2026, 5, 1), date(2026, 5, 31))
    assert [f["value"] for f in review[0]["figures"]] == [1] and isinstance(review[0]["figures"][0]["label"], str)
    assert card[1]["values"] == {world.dealer.id: None}
    assert review[1]["figures"][1]["value"] == "3.00"
    sources = {s["source"]: s for s in services.nonconformity_sources()}
    complaint = sources["complaint"]["load"](1, world.users["sup"])
    assert sources["complaint"]["describe"](complaint)["dealer_code"] == "D1"
    assert sources["complaint"]["load"](1, world.users["cs"]) is None


def test_complaint_and_inspection_lists_run_a_constant_number_of_queries(app, world):
    from core.testing import count_queries

    tpl, _ins = _inspection_setup(world)

    def add(k):
        for n in range(k):
            c = world.complaint(f"2026-05-0{n + 1}T10:00:00", dealer_code="D1")
            world.post("sup", f"/complaints/{c['id']}/steps", {"version": c["version"], "step": "thanked"}, 200)
            world.post("spy", "/inspections", {"subject_department": "customer_service", "template_id": tpl["id"],
                                               "visited_at": f"2026-05-0{n + 1}T10:00:00"}, 201)

    def counts():
        out = []
        for path, who in (("/api/v1/complaints", "sup"), ("/api/v1/inspections", "sup"), ("/api/v1/inspections", "spy")):
            with count_queries(app) as q:
                assert world.client.get(path, headers=world.headers[who]).status_code == 200
            out.append(q.count)
        return out

    add(1)
    few = counts()
    add(4)
    assert counts() == few


def test_remind_command_notifies_supervision_of_overdue_complaints(app, world):
    from sqlalchemy import select

    from core.extensions import db
    from core.notifications import Notification

    world.complaint("2026-05-03T10:00:00")
    result = app.test_cli_runner().invoke(args=["supervision", "remind"])
    assert result.exit_code == 0 and "1 overdue" in result.output
    messages = [n.message for n in db.session.scalars(
        select(Notification).where(Notification.user_id == world.users["sup"].id))]
    assert {"title": "%(count)s complaints await a first response", "body": "Their first-response time has passed.",
            "args": {"count": 1}} in messages


def test_public_suggestions_use_the_core_throttle(app, world):
    """One per-address limit in the core (the login throttle's table), not one per plugin."""
    from sqlalchemy import select

    from core.extensions import db
    from core.users.models import ThrottleCounter

    anon = app.test_client()
    env = {"REMOTE_ADDR": "10.9.9.9"}
    for i in range(5):
        assert anon.post("/suggest", data={"text": f"Idea {i}"}, environ_base=env).status_code == 200
    assert anon.post("/suggest", data={"text": "one too many"}, environ_base=env).status_code == 429
    hits = db.session.scalar(select(ThrottleCounter.hits).where(ThrottleCounter.key == "supervision.suggest:10.9.9.9"))
    assert hits == 6
    # the login throttle counts the same address separately
    assert anon.post("/login", data={"username": "x", "password": "y"}, environ_base=env).status_code != 429
