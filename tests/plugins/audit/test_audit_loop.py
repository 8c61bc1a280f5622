"""The whole loop: audit → finding → nonconformity → actions → independent check (not effective, then
effective) → improvement → management review with frozen inputs → decisions become records."""
from datetime import date

from core.extensions import db
from core.notifications import Notification
from core.testing import api_headers
from helpers_audit import act, audit_body, get, post, template_id

A, N, C = "/api/v1/audits", "/api/v1/nonconformities", "/api/v1/corrective-actions"
I, R = "/api/v1/improvements", "/api/v1/management-reviews"


def _notified(user) -> list[str]:
    return [n.title for n in db.session.query(Notification).filter_by(user_id=user.id)]


def test_whole_loop(app, client, world, clock):
    u = world["users"]
    auditor, auditor2, tech, boss = u["auditor"], u["auditor2"], u["tech"], u["boss"]
    audit = post(client, auditor, A, audit_body(template_id=template_id(client, auditor)), 201).json
    assert audit["number"] == "IA-2026-001" and audit["state"] == "planned"
    assert audit["criteria"] == "GB/T 27922-2011; after-sales service manual"
    assert len(audit["items"]) == 12 and audit["lead_auditor"] == "auditor" and audit["auditors"] == ["auditor2"]
    audit = act(client, auditor, A, audit, "start").json
    assert audit["state"] == "in_progress"
    # reporting needs every item answered and a nonconformity for each nonconforming item
    r = act(client, auditor, A, audit, "report", 409, report="报告")
    assert r.json["error"]["code"] == "guard_failed"
    h = api_headers(auditor)
    for i, item in enumerate(audit["items"]):
        body = {"result": "nonconform" if i == 1 else "conform", "evidence": f"证据 {i}"}
        r = client.patch(f"{A}/{audit['id']}/items/{item['id']}", json=body, headers=h)
        assert r.status_code == 200, r.json
    assert r.json["result"] == "conform" and r.json["evidence"] == "证据 11"
    audit = get(client, auditor, f"{A}/{audit['id']}").json
    assert act(client, auditor, A, audit, "report", 409, report="报告").json["error"]["code"] == "guard_failed"
    item = audit["items"][1]
    nc = post(client, auditor, N, {"title": "人员培训记录不全", "severity": "minor", "department": "technical",
                                    "source": "audit", "audit_id": audit["id"], "audit_item_id": item["id"],
                                    "owner": "tech", "due_on": "2026-04-30"}, 201).json
    assert nc["number"] == "NC-2026-0001" and nc["state"] == "open" and nc["owner"] == "tech"
    assert nc["raised_by"] == "auditor" and nc["audit_number"] == "IA-2026-001"
    assert "Nonconformity NC-2026-0001 assigned to you" in _notified(tech)
    audit = get(client, auditor, f"{A}/{audit['id']}").json
    assert audit["items"][1]["nonconformities"] == ["NC-2026-0001"]
    audit = act(client, auditor, A, audit, "report", report="上半年内审报告")
    assert audit.status_code == 200 and audit.json["state"] == "reported"
    audit = act(client, auditor, A, audit.json, "close").json
    assert audit["state"] == "closed"

    # the owner analyses, plans with at least one action, does it
    assert act(client, tech, N, nc, "plan", 409).json["error"]["code"] == "illegal_transition"
    nc = act(client, tech, N, nc, "analyse", root_cause="培训计划未执行", containment="立即补训").json
    assert nc["state"] == "analysed"
    r = act(client, tech, N, nc, "plan", 422)
    assert "actions" in r.json["error"]["fields"]
    action = post(client, tech, C, {"nonconformity_id": nc["id"], "kind": "corrective", "description": "建立培训台账",
                                    "owner": "tech", "due_on": "2026-03-20"}, 201).json
    assert action["state"] == "open" and action["overdue"] is False and action["nonconformity_number"] == nc["number"]
    nc = get(client, tech, f"{N}/{nc['id']}").json
    nc = act(client, tech, N, nc, "plan").json
    assert nc["state"] == "actions_planned"
    clock.set(date(2026, 3, 25))
    assert get(client, tech, f"{C}/{action['id']}").json["overdue"] is True
    action = act(client, tech, C, action, "done", note="台账已建立", evidence="台账扫描件").json
    assert action["state"] == "done" and action["done_on"] == "2026-03-25"
    nc = get(client, auditor, f"{N}/{nc['id']}").json
    assert nc["state"] == "verifying" and nc["verification_due_on"] == "2026-04-24"

    # early verification: 409, unless an auditor gives a reason; owners may not verify
    r = act(client, auditor2, N, nc, "verify", 409, verdict="not_effective", evidence="抽查仍缺记录")
    assert r.json["error"]["code"] == "verification_early"
    nc = act(client, auditor2, N, nc, "verify", verdict="not_effective", evidence="抽查仍缺记录",
             early_reason="认证审核前需确认").json
    assert nc["state"] == "analysed" and nc["reopened"] == 1
    assert [c["verdict"] for c in nc["checks"]] == ["not_effective"] and nc["checks"][0]["verifier"] == "auditor2"
    assert nc["actions"][0]["state"] == "done"  # the history stays

    # second round: a new action is required before planning again
    assert act(client, tech, N, nc, "plan", 422).status_code == 422
    a2 = post(client, tech, C, {"nonconformity_id": nc["id"], "kind": "preventive", "description": "每月检查台账",
                                "owner": "cs", "due_on": "2026-04-30"}, 201).json
    nc = act(client, tech, N, get(client, tech, f"{N}/{nc['id']}").json, "plan").json
    act(client, u["cs"], C, a2, "done", note="已检查")
    nc = get(client, auditor, f"{N}/{nc['id']}").json
    assert nc["state"] == "verifying"
    clock.set(date(2026, 5, 1))
    r = act(client, u["cs"], N, nc, "verify", 403, verdict="effective", evidence="x")  # cs may not verify at all
    nc = act(client, auditor2, N, nc, "verify", verdict="effective", evidence="连续两月台账完整").json
    assert nc["state"] == "closed" and [c["verdict"] for c in nc["checks"]] == ["not_effective", "effective"]
    assert nc["checks"][1]["early_reason"] == ""

    # improvement: proposed → approved → implemented → evaluated (not by the owner) → closed
    imp = post(client, tech, I, {"title": "培训台账电子化", "origin": "nonconformity", "link": nc["number"],
                                 "indicator": "培训记录完整率", "baseline": "70%", "target": "100%"}, 201).json
    assert imp["number"] == "IMP-2026-001" and imp["owner"] == "tech" and imp["state"] == "proposed"
    imp = act(client, boss, I, imp, "approve").json
    imp = act(client, tech, I, imp, "implement", result="完整率 98%").json
    imp = act(client, auditor, I, imp, "evaluate", effectiveness="effective", text="目标基本达成").json
    assert imp["state"] == "evaluated" and imp["evaluated_by"] == "auditor"
    imp = act(client, boss, I, imp, "close").json
    assert imp["state"] == "closed"

    # management review: inputs frozen at creation
    review = post(client, boss, R, {"period_from": "2026-01-01", "period_to": "2026-06-30", "chair": "boss",
                                    "participants": ["auditor", "tech"]}, 201).json
    assert review["number"] == "MR-2026-01" and review["state"] == "draft" and review["chair"] == "boss"
    titles = [s["title"] for s in review["inputs"]]
    assert titles[:5] == ["Internal audits", "Nonconformities", "Corrective actions", "Improvements and their results",
                          "Decisions of the previous review"]
    audits = {f["label"]: f["value"] for f in review["inputs"][0]["figures"]}
    assert audits["Audits done (reported or closed)"] == 1 and audits["Findings: nonconforming items"] == 1
    ncs = {f["label"]: f["value"] for f in review["inputs"][1]["figures"]}
    assert ncs["Opened in the period"] == 1 and ncs["Closed in the period"] == 1
    assert ncs["Found effective at the first check"] == "0%"
    review = act(client, boss, R, review, "hold", held_on="2026-05-01", decisions=[
        {"text": "推广电子台账到各部门", "owner": "cs", "due_on": "2026-08-31", "kind": "improvement"},
        {"text": "补齐设备校准记录", "owner": "tech", "due_on": "2026-07-31", "kind": "corrective"}]).json
    assert review["state"] == "held" and review["held_on"] == "2026-05-01"
    review = act(client, boss, R, review, "close").json
    assert review["state"] == "closed"
    records = [d["record"] for d in review["decisions"]]
    assert records == ["IMP-2026-002", "NC-2026-0002"]
    new_nc = get(client, tech, f"{N}?q=NC-2026-0002").json["items"][0]
    assert new_nc["source"] == "management_review" and new_nc["owner"] == "tech"
    assert new_nc["actions"][0]["description"] == "补齐设备校准记录" and new_nc["actions"][0]["owner"] == "tech"
    pdf = client.get(f"{R}/{review['id']}/minutes.pdf", headers=api_headers(boss))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"

    # a second review shows the first one's decisions and their status
    r2 = post(client, boss, R, {"period_from": "2026-07-01", "period_to": "2026-12-31", "chair": "boss"}, 201).json
    prev = next(s for s in r2["inputs"] if s["title"] == "Decisions of the previous review")
    assert [f["value"] for f in prev["figures"]] == ["IMP-2026-002 Proposed", "NC-2026-0002 Open"]
