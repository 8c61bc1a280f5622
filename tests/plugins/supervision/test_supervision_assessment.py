"""The seed's monthly assessment (002 §3), to the yuan."""
from decimal import Decimal

import pytest

from core.testing import count_queries



def test_seed_example_forty_over_ten_after_three_and_a_half_is_a_1000_yuan_reward(world):
    # April: two jobs, totals 4 and 3 = 7 / 2 = 3.50
    world.job("APR-1", "2026-04-10T10:00:00", grades=("A", "A", "C"))  # 4
    world.job("APR-2", "2026-04-20T10:00:00", grades=("A", "B", "C"))  # 3
    # May: ten jobs, total 40 (four points each) -> 4.00
    for i in range(10):
        world.job(f"MAY-{i}", f"2026-05-{i + 1:02d}T09:30:00", grades=("A", "A", "C"))
    a = world.assess("2026-05")
    assert (a["jobs"], a["total"], a["average"], a["previous_average"]) == (10, 40, "4.00", "3.50")
    assert (a["delta"], a["outcome"], a["amount"]) == ("0.50", "reward", "1000.00")
    assert a["special"] is None and a["complaints"] == 0 and a["complaints_passed"] is True
    assert a["net_amount"] == "1000.00" and a["state"] == "draft"
    assert len(a["details"]) == 10 and all(not d["no_feedback"] for d in a["details"])


def test_penalty_when_the_average_falls_and_none_when_equal(world):
    world.job("APR-1", "2026-04-10T10:00:00", grades=("A", "A", "A"))  # 6.00
    world.job("MAY-1", "2026-05-10T10:00:00", grades=("A", "A", "B"))  # 5.00
    a = world.assess("2026-05")
    assert (a["delta"], a["outcome"], a["amount"], a["net_amount"]) == ("-1.00", "penalty", "2000.00", "-2000.00")
    world.job("JUN-1", "2026-06-10T10:00:00", grades=("A", "A", "B"))  # 5.00 again
    b = world.assess("2026-06")
    assert (b["delta"], b["outcome"], b["amount"]) == ("0.00", "none", "0.00")


def test_rounding_is_half_up_to_two_places(world):
    # 8 jobs, total 1 -> 0.125 -> 0.13 (banker's rounding would give 0.12)
    world.job("R-0", "2026-05-01T10:00:00", grades=("B", "C", "C"))
    for i in range(1, 8):
        world.job(f"R-{i}", f"2026-05-0{i + 1}T10:00:00", grades=("C", "C", "C"))
    a = world.assess("2026-05")
    assert (a["jobs"], a["total"], a["average"]) == (8, 1, "0.13")
    # 3 jobs total 2 -> 0.666.. -> 0.67; previous 0.13 -> delta 0.54 -> 1080 yuan
    for i in range(3):
        world.job(f"S-{i}", f"2026-06-0{i + 1}T10:00:00", grades=("B", "C", "C") if i < 2 else ("C", "C", "C"))
    b = world.assess("2026-06")
    assert (b["average"], b["previous_average"], b["delta"], b["amount"]) == ("0.67", "0.13", "0.54", "1080.00")


def test_a_job_without_feedback_counts_zero_and_an_unverified_form_does_not_count(world):
    world.job("A-1", "2026-05-03T10:00:00", grades=("A", "A", "A"))
    world.job("A-2", "2026-05-04T10:00:00")  # no form
    world.job("A-3", "2026-05-05T10:00:00", grades=("E", "E", "E"), verified=False)
    a = world.assess("2026-05")
    assert (a["jobs"], a["total"], a["average"]) == (3, 6, "2.00")
    flags = {d["reference"]: d["no_feedback"] for d in a["details"]}
    assert flags == {"A-1": False, "A-2": True, "A-3": True}
    assert a["special"] == "all_top"  # every counted item graded A


def test_a_month_with_no_jobs_has_no_average_and_no_outcome(world):
    world.job("APR-1", "2026-04-10T10:00:00", grades=("A", "A", "A"))
    a = world.assess("2026-05")
    assert (a["jobs"], a["total"], a["average"], a["delta"], a["outcome"], a["amount"]) == (
        0, 0, None, None, "none", "0.00")
    assert a["special"] is None
    # the month after an empty month has no previous average either
    world.job("JUN-1", "2026-06-10T10:00:00", grades=("A", "A", "A"))
    b = world.assess("2026-06")
    assert (b["average"], b["previous_average"], b["outcome"]) == ("6.00", None, "none")


def test_all_top_and_all_bottom_specials(world):
    world.job("APR-1", "2026-04-10T10:00:00", grades=("C", "C", "C"))  # 0
    world.job("MAY-1", "2026-05-10T10:00:00", grades=("A", "A", "A"))
    world.job("MAY-2", "2026-05-11T10:00:00", grades=("A", "A", "A"))
    a = world.assess("2026-05")
    assert (a["average"], a["delta"], a["amount"], a["special"], a["special_amount"]) == (
        "6.00", "6.00", "12000.00", "all_top", "2000.00")
    assert a["net_amount"] == "14000.00"
    world.job("JUN-1", "2026-06-10T10:00:00", grades=("E", "E", "E"))
    b = world.assess("2026-06")
    assert (b["average"], b["delta"], b["special"], b["special_amount"], b["net_amount"]) == (
        "-6.00", "-12.00", "all_bottom", "2000.00", "-26000.00")
    # one B spoils the all-top special
    world.job("JUL-1", "2026-07-10T10:00:00", grades=("A", "A", "A"))
    world.job("JUL-2", "2026-07-11T10:00:00", grades=("A", "B", "A"))
    assert world.assess("2026-07")["special"] is None


@pytest.mark.parametrize("count,passed,penalty,sanction", [
    (5, True, "0.00", False), (6, False, "1000.00", False), (10, False, "1000.00", False),
    (11, False, "3000.00", False), (29, False, "5000.00", False), (30, False, "5000.00", True)])
def test_complaint_band_boundaries(world, count, passed, penalty, sanction):
    for i in range(count):
        world.complaint(f"2026-05-{(i % 28) + 1:02d}T10:00:00")
    world.complaint("2026-05-03T10:00:00", department="technical")  # another department's complaint
    world.complaint("2026-04-30T23:00:00")  # April (business time)
    a = world.assess("2026-05")
    assert (a["complaints"], a["complaints_passed"], a["complaint_penalty"], a["sanction_proposed"]) == (
        count, passed, penalty, sanction)
    assert Decimal(a["net_amount"]) == -Decimal(penalty)


def test_bands_are_a_setting(app, world):
    from core import settings

    settings.set_value("supervision.complaint_bands", "6-8:500,9-40:900")
    settings.set_value("supervision.complaints_acceptable", 2)
    from core.extensions import db
    db.session.commit()
    for i in range(3):
        world.complaint(f"2026-05-0{i + 1}T10:00:00")
    assert world.assess("2026-05")["complaint_penalty"] == "0.00"  # failed, but below the first band
    for i in range(6):
        world.complaint(f"2026-05-1{i}T10:00:00")
    a = world.assess("2026-05")
    assert (a["complaints"], a["complaints_passed"], a["complaint_penalty"]) == (9, False, "900.00")


def test_workflow_freezes_figures_and_hr_confirms_then_head_distributes(world):
    world.job("APR-1", "2026-04-10T10:00:00", grades=("A", "A", "C"))
    world.job("APR-2", "2026-04-20T10:00:00", grades=("A", "B", "C"))
    for i in range(10):
        world.job(f"MAY-{i}", f"2026-05-{i + 1:02d}T09:30:00", grades=("A", "A", "C"))
    a = world.assess("2026-05")
    # the department head does not see a draft
    world.get("cs", f"/monthly-assessments/{a['id']}", 404)
    assert world.get("cs", "/monthly-assessments", 200).get_json()["total"] == 0
    # stale version
    world.post("sup", f"/monthly-assessments/{a['id']}/submit", {"version": a["version"] + 5}, 409)
    # HR cannot submit, supervision cannot confirm
    world.post("hr", f"/monthly-assessments/{a['id']}/submit", {"version": a["version"]}, 403)
    s = world.post("sup", f"/monthly-assessments/{a['id']}/submit", {"version": a["version"]}, 200).get_json()
    assert s["state"] == "submitted"
    # frozen: no recompute, no second draft of the month
    world.post("sup", f"/monthly-assessments/{a['id']}/recompute", {"version": s["version"]}, 409)
    assert world.assess("2026-05", status=409)["error"]["code"] == "assessment_frozen"
    # a late job and form after submission: shown as after confirmation, not counted
    late = world.job("MAY-LATE", "2026-05-28T10:00:00", grades=("E", "E", "E"))
    s = world.get("sup", f"/monthly-assessments/{a['id']}", 200).get_json()
    assert s["jobs"] == 10 and s["average"] == "4.00" and s["amount"] == "1000.00"
    assert [x["job_id"] for x in s["late"]] == [late["id"]] and s["late"][0]["after"] == "confirmation"
    world.post("sup", f"/monthly-assessments/{a['id']}/confirm", {"version": s["version"]}, 403)
    world.post("hr", f"/monthly-assessments/{a['id']}/confirm", {"version": s["version"], "sanction": "warning"}, 422)
    c = world.post("hr", f"/monthly-assessments/{a['id']}/confirm", {"version": s["version"]}, 200).get_json()
    assert c["state"] == "confirmed" and c["net_amount"] == "1000.00"
    # the head now sees it (published), without the supervision details
    seen = world.get("cs", f"/monthly-assessments/{a['id']}", 200).get_json()
    assert seen["net_amount"] == "1000.00" and seen["details"] == [] and "distribute" in seen["actions"]
    world.get("tech", f"/monthly-assessments/{a['id']}", 404)
    # lines must sum exactly
    r = world.post("cs", f"/monthly-assessments/{a['id']}/distribute",
                   {"version": c["version"], "lines": [{"username": "cshead", "amount": "600.00"},
                                                       {"username": "csstaff", "amount": "399.99"}]}, 422)
    assert "lines" in r.get_json()["error"]["fields"]
    r = world.post("cs", f"/monthly-assessments/{a['id']}/distribute",
                   {"version": c["version"], "lines": [{"username": "hrmgr", "amount": "1000.00"}]}, 422)
    assert "lines.0.username" in r.get_json()["error"]["fields"]
    d = world.post("cs", f"/monthly-assessments/{a['id']}/distribute",
                   {"version": c["version"], "lines": [{"username": "cshead", "amount": "600.00"},
                                                       {"username": "csstaff", "amount": "400.00"}]}, 200).get_json()
    assert d["state"] == "distributed" and sum(Decimal(x["amount"]) for x in d["lines"]) == Decimal("1000.00")
    # a confirmed month never changes, and it is the previous average of June
    world.job("JUN-1", "2026-06-10T10:00:00", grades=("A", "A", "A"))
    assert world.assess("2026-06")["previous_average"] == "4.00"


def test_sanction_at_thirty_complaints_is_chosen_by_hr(world):
    for i in range(30):
        world.complaint(f"2026-05-{(i % 28) + 1:02d}T10:00:00")
    a = world.assess("2026-05")
    s = world.post("sup", f"/monthly-assessments/{a['id']}/submit", {"version": a["version"]}, 200).get_json()
    r = world.post("hr", f"/monthly-assessments/{a['id']}/confirm", {"version": s["version"]}, 422)
    assert "sanction" in r.get_json()["error"]["fields"]
    world.post("hr", f"/monthly-assessments/{a['id']}/confirm", {"version": s["version"], "sanction": "fired"}, 422)
    c = world.post("hr", f"/monthly-assessments/{a['id']}/confirm",
                   {"version": s["version"], "sanction": "demotion"}, 200).get_json()
    assert c["sanction"] == "demotion" and c["net_amount"] == "-5000.00"


def test_bad_input(world):
    for body in ({"month": "2026-13"}, {"month": "May"}, {"month": "2026-05", "department": "hr"},
                 {"month": "2026-05", "extra": 1}):
        world.post("sup", "/monthly-assessments", body, 422)
    world.post("sup", "/monthly-assessments", {"month": "2099-01"}, 422)
    world.post("cs", "/monthly-assessments", {"month": "2026-05"}, 403)
    world.get("sup", "/monthly-assessments?per_page=500", 400)
    world.get("sup", "/monthly-assessments/999", 404)


def test_list_and_detail_query_counts_are_constant(app, world):
    for i in range(3):
        world.job(f"J-{i}", f"2026-0{i + 3}-10T10:00:00", grades=("A", "B", "C"))
        world.assess(f"2026-0{i + 3}")
    h = world.headers["sup"]
    with count_queries(app) as few:
        world.client.get("/api/v1/monthly-assessments", headers=h)
    for i in range(3):
        world.job(f"K-{i}", f"2026-0{i + 6}-10T10:00:00", grades=("A", "B", "C"))
        world.assess(f"2026-0{i + 6}")
    with count_queries(app) as many:
        r = world.client.get("/api/v1/monthly-assessments", headers=h)
    assert r.get_json()["total"] == 6
    assert many.count == few.count
    with count_queries(app) as q:
        world.client.get("/api/v1/service-jobs?month=2026-05", headers=h)
    small = q.count
    for i in range(5):
        world.job(f"L-{i}", f"2026-05-1{i}T10:00:00", grades=("A", "A", "A"))
    with count_queries(app) as q:
        r = world.client.get("/api/v1/service-jobs?month=2026-05", headers=h)
    assert r.get_json()["total"] == 6 and q.count == small


def test_assessment_actions_through_the_page(app, world):
    """The page runs the same declared actions as the API: stale 409 on the page, HR refused 403, success flashed."""
    from core.testing import session_login

    world.job("MAY-1", "2026-05-03T09:30:00", grades=("A", "A", "C"))
    a = world.assess("2026-05")
    hr, sup = app.test_client(), app.test_client()
    session_login(hr, world.users["hr"])
    session_login(sup, world.users["sup"])
    url = f"/supervision/assessments/{a['id']}/submit"
    assert hr.post(url, data={"version": a["version"]}).status_code == 403
    r = sup.post(url, data={"version": a["version"] + 5})
    assert r.status_code == 409
    r = sup.post(url, data={"version": a["version"], "comment": "ok"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/supervision/assessments/{a['id']}")
    assert "The assessment is submitted; its figures are frozen." in sup.get(r.headers["Location"]).get_data(as_text=True)
    assert world.get("sup", f"/monthly-assessments/{a['id']}", 200).get_json()["state"] == "submitted"
    r = sup.post(f"/supervision/assessments/{a['id']}/recompute", data={"version": a["version"] + 1})
    assert r.status_code == 409  # recompute stays the page's own (a draft only)
