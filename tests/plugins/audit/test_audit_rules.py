"""Independence rules, record rules, bad input, numbering, stale versions, the programme, the frozen snapshot,
exports, reminders and query counts of the audit API."""
from datetime import date
from io import BytesIO

import pytest

from core.extensions import db
from core.notifications import Notification
from core.testing import api_headers, count_queries
from helpers_audit import act, audit_body, get, post

A, N, C = "/api/v1/audits", "/api/v1/nonconformities", "/api/v1/corrective-actions"
I, R = "/api/v1/improvements", "/api/v1/management-reviews"


def nc_body(**kw):
    body = {"title": "投诉记录缺少顾客反馈", "severity": "minor", "department": "customer_service", "source": "other",
            "owner": "cs", "due_on": "2026-04-30"}
    body.update(kw)
    return body


def verifying_nc(client, u, clock, owner="cs", action_owner="order"):
    nc = post(client, u["auditor"], N, nc_body(owner=owner), 201).json
    nc = act(client, u[owner], N, nc, "analyse", root_cause="流程缺失", containment="补录").json
    a = post(client, u[owner], C, {"nonconformity_id": nc["id"], "kind": "corrective", "description": "修订流程",
                                   "owner": action_owner, "due_on": "2026-03-31"}, 201).json
    nc = act(client, u[owner], N, get(client, u[owner], f"{N}/{nc['id']}").json, "plan").json
    act(client, u[action_owner], C, a, "done", note="已修订")
    return get(client, u["auditor"], f"{N}/{nc['id']}").json


# --- independence -----------------------------------------------------------------------------

def test_auditor_may_not_audit_own_department(app, client, world):
    u = world["users"]
    u["tech"].roles  # noqa: B018
    from core.users.models import Role

    u["auditor2"].roles.append(db.session.get(Role, "technical"))
    db.session.commit()
    r = post(client, u["auditor"], A, audit_body(), 422)
    assert r.json["error"]["code"] == "auditor_not_independent"
    assert "auditor2" in r.json["error"]["fields"]["auditors"] and "technical" in r.json["error"]["fields"]["auditors"]
    # the lead auditor too
    r = post(client, u["auditor"], A, audit_body(lead_auditor="auditor2", auditors=[]), 422)
    assert r.json["error"]["code"] == "auditor_not_independent"
    # another department is fine
    assert post(client, u["auditor"], A, audit_body(departments=["hr"]), 201).json["number"] == "IA-2026-001"


def test_verifier_must_be_independent_and_early_needs_an_auditors_reason(app, client, world, clock):
    u = world["users"]
    from core.users.models import Role

    u["cs"].roles.append(db.session.get(Role, "auditor"))  # the owner is also an auditor
    db.session.commit()
    nc = verifying_nc(client, u, clock, owner="cs", action_owner="auditor2")
    clock.set(date(2026, 6, 1))
    for who in ("cs", "auditor2"):
        r = act(client, u[who], N, nc, "verify", 422, verdict="effective", evidence="已核查")
        assert r.json["error"]["code"] == "verifier_not_independent" and who in r.json["error"]["message"]
    clock.set(date(2026, 3, 3))
    # early: refused without a reason; admin (not an auditor) refused even with one
    assert act(client, u["auditor"], N, nc, "verify", 409, verdict="effective",
               evidence="x").json["error"]["code"] == "verification_early"
    assert act(client, u["admin"], N, nc, "verify", 409, verdict="effective", evidence="x",
               early_reason="急").json["error"]["code"] == "verification_early"
    nc = act(client, u["auditor"], N, nc, "verify", verdict="effective", evidence="x", early_reason="认证前").json
    assert nc["state"] == "closed" and nc["checks"][0]["early_reason"] == "认证前"


def test_evaluator_is_not_the_owner(app, client, world):
    u = world["users"]
    imp = post(client, u["auditor"], I, {"title": "回访脚本优化", "origin": "suggestion"}, 201).json
    assert imp["owner"] == "auditor"
    imp = act(client, u["boss"], I, imp, "approve").json
    imp = act(client, u["auditor"], I, imp, "implement", result="回访率 95%").json
    r = act(client, u["auditor"], I, imp, "evaluate", 422, effectiveness="effective", text="好")
    assert r.json["error"]["code"] == "evaluator_not_independent"
    assert act(client, u["auditor2"], I, imp, "evaluate", effectiveness="partly", text="部分达成").json["state"] == "evaluated"
    # only approvers close, only auditors evaluate
    assert act(client, u["tech"], I, imp, "close", 403).status_code == 403


# --- record rules -----------------------------------------------------------------------------

def test_dealer_sees_only_own_dealer_nonconformities_read_only(app, client, world):
    u = world["users"]
    mine = post(client, u["auditor"], N, nc_body(department=None, dealer_code="D1", owner=None), 201).json
    other = post(client, u["auditor"], N, nc_body(department="D2", owner=None), 201).json
    internal = post(client, u["auditor"], N, nc_body(), 201).json
    assert mine["dealer_code"] == "D1" and mine["department"] == "D1" and other["dealer_code"] == "D2"
    d1 = u["dealer1"]
    listed = get(client, d1, N).json
    assert [i["number"] for i in listed["items"]] == [mine["number"]] and listed["total"] == 1
    got = get(client, d1, f"{N}/{mine['id']}").json
    assert got["allowed_actions"] == []
    get(client, d1, f"{N}/{other['id']}", 404)
    get(client, d1, f"{N}/{internal['id']}", 404)
    assert act(client, d1, N, mine, "analyse", 403, root_cause="x", containment="y").status_code == 403
    post(client, d1, N, nc_body(), 403)
    for url in (A, I, R, "/api/v1/audit-programme", "/api/v1/audit-checklist-templates"):
        get(client, d1, url, 403)
    # corrective actions of the dealer's NC are visible, others' are 404
    assert get(client, d1, C).json["total"] == 0
    # the pages: list and detail of its own only
    from core.testing import login_as

    login_as(client, "dealer1")
    assert client.get(f"/audit/nonconformities/{mine['id']}").status_code == 200
    assert client.get(f"/audit/nonconformities/{other['id']}").status_code == 404
    page = client.get("/audit/nonconformities/").get_data(as_text=True)
    assert mine["number"] in page and other["number"] not in page
    assert client.get("/audit/audits/").status_code == 403


def test_only_owner_or_auditor_works_a_nonconformity(app, client, world):
    u = world["users"]
    nc = post(client, u["auditor"], N, nc_body(), 201).json
    assert act(client, u["tech"], N, nc, "analyse", 403, root_cause="x", containment="y").status_code == 403
    assert act(client, u["cs"], N, nc, "cancel", 403, reason="x").status_code == 403
    nc = act(client, u["auditor"], N, nc, "cancel", reason="不成立").json
    assert nc["state"] == "cancelled" and nc["cancel_reason"] == "不成立"


# --- bad input ----------------------------------------------------------------------------------

def test_bad_input_answers_422_with_field_maps(app, client, world):
    u = world["users"]
    a = u["auditor"]
    r = post(client, a, A, {"title": "", "planned_on": "someday", "departments": ["sales"], "extra": 1}, 422)
    assert {"title", "planned_on", "departments.0", "lead_auditor", "extra"} <= set(r.json["error"]["fields"])
    r = post(client, a, A, audit_body(auditors=["nobody"], dealer_codes=["ZZ"]), 422)
    assert "dealer_codes" in r.json["error"]["fields"]
    r = post(client, a, A, audit_body(auditors=["nobody"]), 422)
    assert "nobody" in r.json["error"]["fields"]["auditors"]
    r = post(client, a, A, audit_body(departments=[], dealer_codes=[]), 422)
    assert "departments" in r.json["error"]["fields"]
    r = post(client, a, A, audit_body(title="x" * 201), 422)
    assert "title" in r.json["error"]["fields"]
    r = post(client, a, N, {"title": "x", "severity": "huge", "source": "gossip"}, 422)
    assert {"severity", "source"} <= set(r.json["error"]["fields"])
    r = post(client, a, N, nc_body(department="sales"), 422)
    assert "department" in r.json["error"]["fields"]
    r = post(client, a, N, nc_body(owner="ghost"), 422)
    assert "owner" in r.json["error"]["fields"]
    r = post(client, a, N, nc_body(owner="dealer1"), 422)
    assert "owner" in r.json["error"]["fields"]
    r = post(client, a, N, nc_body(source_model="no_such_table", source_id=1), 422)
    assert "source_model" in r.json["error"]["fields"]
    nc = post(client, a, N, nc_body(), 201).json
    r = act(client, u["cs"], N, nc, "analyse", 422, root_cause="", containment="")
    assert {"root_cause", "containment"} <= set(r.json["error"]["fields"])
    r = post(client, a, R, {"period_from": "2026-06-30", "period_to": "2026-01-01", "chair": "boss"}, 403)
    r = post(client, u["boss"], R, {"period_from": "2026-06-30", "period_to": "2026-01-01", "chair": "boss"}, 422)
    assert "period_to" in r.json["error"]["fields"]
    r = post(client, u["boss"], R, {"period_from": "2026-01-01", "period_to": "2026-06-30", "chair": "tech"}, 422)
    assert "chair" in r.json["error"]["fields"]
    assert get(client, a, f"{N}?per_page=500", 400).json["error"]["code"] == "bad_query"
    assert client.post(A, data="x", headers=api_headers(a)).status_code == 400


def test_numbering_and_stale_versions(app, client, world, clock):
    u = world["users"]
    a = u["auditor"]
    numbers = [post(client, a, A, audit_body(), 201).json["number"] for _ in range(2)]
    numbers.append(post(client, a, A, audit_body(planned_on="2027-01-15"), 201).json["number"])
    assert numbers == ["IA-2026-001", "IA-2026-002", "IA-2027-001"]
    ncs = [post(client, a, N, nc_body(), 201).json for _ in range(2)]
    assert [n["number"] for n in ncs] == ["NC-2026-0001", "NC-2026-0002"]
    assert post(client, a, I, {"title": "x", "origin": "other"}, 201).json["number"] == "IMP-2026-001"
    assert post(client, u["boss"], R, {"period_from": "2026-01-01", "period_to": "2026-06-30", "chair": "boss"},
                201).json["number"] == "MR-2026-01"
    nc = act(client, u["cs"], N, ncs[0], "analyse", root_cause="r", containment="c").json
    r = act(client, u["cs"], N, ncs[0], "analyse", 409, root_cause="r", containment="c")
    assert r.json["error"]["code"] == "stale_version"
    assert nc["version"] == ncs[0]["version"] + 1


def test_checklist_answers_only_in_progress(app, client, world):
    u = world["users"]
    audit = post(client, u["auditor"], A, audit_body(items=[{"question": "Q1", "reference": "5.1"}]), 201).json
    url = f"{A}/{audit['id']}/items/{audit['items'][0]['id']}"
    h = api_headers(u["auditor"])
    assert client.patch(url, json={"result": "conform"}, headers=h).status_code == 409
    audit = act(client, u["auditor"], A, audit, "start").json
    assert client.patch(url, json={"result": "maybe"}, headers=h).status_code == 422
    assert client.patch(f"{A}/{audit['id']}/items/999999", json={"result": "conform"}, headers=h).status_code == 404
    assert client.patch(url, json={"result": "conform"}, headers=api_headers(u["tech"])).status_code == 403
    assert act(client, u["auditor"], A, audit, "report", 422, report="").status_code == 422
    r = act(client, u["auditor"], A, audit, "cancel", reason="停电")
    assert r.json["state"] == "cancelled" and r.json["cancel_reason"] == "停电"


# --- programme, snapshot, export, reminders ---------------------------------------------------------

def test_programme_counts_done_or_planned(app, client, world):
    u = world["users"]
    a = u["auditor"]
    first = post(client, a, A, audit_body(), 201).json
    p = get(client, a, "/api/v1/audit-programme?year=2026").json
    assert p["minimum"] == 2 and p["planned_or_done"] == 1 and p["met"] is False
    second = post(client, a, A, audit_body(planned_on="2026-09-10"), 201).json
    assert get(client, a, "/api/v1/audit-programme?year=2026").json["met"] is True
    act(client, a, A, second, "cancel", reason="x")
    p = get(client, a, "/api/v1/audit-programme?year=2026").json
    assert p["met"] is False and [x["number"] for x in p["audits"]] == [first["number"], second["number"]]
    assert get(client, a, "/api/v1/audit-programme?year=1800", 400).status_code == 400


def test_review_inputs_are_frozen(app, client, world, clock):
    u = world["users"]
    post(client, u["auditor"], N, nc_body(), 201)
    review = post(client, u["boss"], R, {"period_from": "2026-01-01", "period_to": "2026-12-31", "chair": "boss",
                                         "participants": ["auditor"]}, 201).json
    opened = next(f["value"] for f in review["inputs"][1]["figures"] if f["label"] == "Opened in the period")
    assert opened == 1
    for _ in range(3):
        post(client, u["auditor"], N, nc_body(), 201)
    again = get(client, u["boss"], f"{R}/{review['id']}").json
    assert again["inputs"] == review["inputs"] and again["inputs_frozen_at"] == review["inputs_frozen_at"]
    # a new review of the same period sees the new data
    later = post(client, u["boss"], R, {"period_from": "2026-01-01", "period_to": "2026-12-31", "chair": "boss"}, 201).json
    assert next(f["value"] for f in later["inputs"][1]["figures"] if f["label"] == "Opened in the period") == 4


def test_improvements_filter_and_export_xlsx(app, client, world, clock):
    from openpyxl import load_workbook

    u = world["users"]
    post(client, u["tech"], I, {"title": "=cmd()", "origin": "suggestion", "due_on": "2026-03-10"}, 201)
    post(client, u["cs"], I, {"title": "回访", "origin": "complaint_trend"}, 201)
    clock.set(date(2026, 3, 20))
    a = u["auditor"]
    assert [i["title"] for i in get(client, a, f"{I}?overdue=true").json["items"]] == ["=cmd()"]
    assert [i["owner"] for i in get(client, a, f"{I}?owner=cs").json["items"]] == ["cs"]
    assert get(client, a, f"{I}?origin=suggestion").json["total"] == 1
    r = client.get(f"{I}/export?origin=suggestion", headers=api_headers(a))
    assert r.status_code == 200 and "spreadsheetml" in r.mimetype
    rows = list(load_workbook(BytesIO(r.data)).active.values)
    assert len(rows) == 2 and rows[1][1] == "'=cmd()"


def test_remind_notifies_lead_auditors_and_overdue_owners(app, client, world, clock):
    from plugins.audit import services

    u = world["users"]
    post(client, u["auditor"], A, audit_body(planned_on="2026-03-06", lead_auditor="auditor2"), 201)
    post(client, u["auditor"], A, audit_body(planned_on="2026-05-06"), 201)
    nc = post(client, u["auditor"], N, nc_body(), 201).json
    nc = act(client, u["cs"], N, nc, "analyse", root_cause="r", containment="c").json
    post(client, u["cs"], C, {"nonconformity_id": nc["id"], "kind": "corrective", "description": "修订",
                              "owner": "order", "due_on": "2026-03-02"}, 201)
    clock.set(date(2026, 3, 3))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "remind"])
    assert result.exit_code == 0 and "1 lead auditor" in result.output and "1 action owner" in result.output
    titles = lambda user: [n.title for n in db.session.query(Notification).filter_by(user_id=user.id)]  # noqa: E731
    assert any("is planned on 2026-03-06" in t for t in titles(u["auditor2"]))
    assert any("is overdue" in t for t in titles(u["order"]))
    assert services.remind(date(2026, 3, 3))["audits"] == 1


# --- query counts -------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [A, N, C, I, R])
def test_list_query_counts_do_not_grow(app, client, world, url):
    u = world["users"]

    def add_round(k):
        audit = post(client, u["auditor"], A, audit_body(items=[{"question": "Q"}, {"question": "Q2"}]), 201).json
        nc = post(client, u["auditor"], N, nc_body(audit_id=audit["id"], audit_item_id=audit["items"][0]["id"]), 201).json
        nc = act(client, u["cs"], N, nc, "analyse", root_cause="r", containment="c").json
        post(client, u["cs"], C, {"nonconformity_id": nc["id"], "kind": "corrective", "description": "d",
                                  "owner": "order", "due_on": "2026-04-01"}, 201)
        post(client, u["tech"], I, {"title": f"imp {k}", "origin": "other"}, 201)
        post(client, u["boss"], R, {"period_from": "2026-01-01", "period_to": "2026-02-01", "chair": "boss"}, 201)

    h = api_headers(u["auditor"])

    def measure():
        db.session.expire_all()
        assert client.get(url, headers=h).status_code == 200  # warm the token/settings cache, as a running server is
        with count_queries(app) as q:
            assert client.get(url, headers=h).status_code == 200
        return q.count

    add_round(0)
    few = measure()
    for k in range(1, 4):
        add_round(k)
    assert measure() == few


def test_checklist_evidence_files(app, client, world):
    from io import BytesIO as B

    u = world["users"]
    audit = post(client, u["auditor"], A, audit_body(items=[{"question": "Q1"}]), 201).json
    item = audit["items"][0]
    url = f"{A}/{audit['id']}/items/{item['id']}/attachments"
    pdf = b"%PDF-1.4\n%evidence\n"
    h = api_headers(u["auditor"])
    r = client.post(url, data={"file": (B(pdf), "记录.pdf")}, headers=h, content_type="multipart/form-data")
    assert r.status_code == 409  # not started yet
    audit = act(client, u["auditor"], A, audit, "start").json
    r = client.post(url, data={"file": (B(b"plain text"), "x.txt")}, headers=h, content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.json["error"]["fields"]
    r = client.post(url, data={"file": (B(pdf), "记录.pdf")}, headers=h, content_type="multipart/form-data")
    assert r.status_code == 201 and r.json["content_type"] == "application/pdf"
    got = client.get(r.json["url"], headers=api_headers(u["tech"]))
    assert got.status_code == 200 and got.data == pdf
    assert get(client, u["auditor"], f"{A}/{audit['id']}").json["items"][0]["attachments"][0]["id"] == r.json["id"]
    assert client.get(r.json["url"], headers=api_headers(u["dealer1"])).status_code == 403


def test_regional_manager_sees_what_they_own(app, client, world):
    from core.testing import make_user

    u = world["users"]
    rm = make_user("rm", roles=["regional_manager"])
    nc = post(client, u["auditor"], N, nc_body(owner="cs"), 201).json
    mine = post(client, u["auditor"], N, nc_body(owner="rm"), 201).json
    get(client, rm, f"{N}/{nc['id']}", 404)
    assert [i["number"] for i in get(client, rm, N).json["items"]] == [mine["number"]]
    nc = act(client, u["cs"], N, nc, "analyse", root_cause="r", containment="c").json
    post(client, u["cs"], C, {"nonconformity_id": nc["id"], "kind": "corrective", "description": "d",
                              "owner": "rm", "due_on": "2026-04-01"}, 201)
    assert get(client, rm, f"{N}/{nc['id']}").json["number"] == nc["number"]
