"""The audit's workflow actions declared once (TransitionRoutes): each page flashes its transition's own message,
and the API checks a request once, in the order scope 404 → role 403 → stale/illegal 409 → body 422."""
from core.extensions import db
from core.testing import login_as
from helpers_audit import act, audit_body, get, post

from plugins.audit.models import Audit, CorrectiveAction, Nonconformity

A, N, C, R = "/api/v1/audits", "/api/v1/nonconformities", "/api/v1/corrective-actions", "/api/v1/management-reviews"
NC = {"title": "投诉记录缺少顾客反馈", "severity": "minor", "department": "customer_service", "source": "other",
      "owner": "cs", "due_on": "2026-04-30"}


def _flashed(client, response) -> str:
    assert response.status_code == 302, response.status_code
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_each_page_action_flashes_its_own_chinese_message(app, client, world):
    u = world["users"]
    for name in ("auditor", "cs"):
        u[name].language = "zh_CN"
    db.session.commit()
    audit = post(client, u["auditor"], A, audit_body(), 201).json
    login_as(client, "auditor")
    page = _flashed(client, client.post(f"/audit/audits/{audit['id']}/act/start", data={"version": audit["version"]}))
    assert "审核已开始。" in page and "已保存" not in page
    assert db.session.get(Audit, audit["id"]).state == "in_progress"
    # a refusal: the field's message in Chinese, without the API's key, and nothing changed
    version = db.session.get(Audit, audit["id"]).version
    page = _flashed(client, client.post(f"/audit/audits/{audit['id']}/act/cancel", data={"version": version}))
    assert "输入无效" in page and "reason:" not in page
    page = _flashed(client, client.post(f"/audit/audits/{audit['id']}/act/cancel",
                                        data={"version": version, "reason": "计划调整"}))
    assert "审核已取消。" in page

    nc = post(client, u["auditor"], N, NC, 201).json
    login_as(client, "cs")
    page = _flashed(client, client.post(f"/audit/nonconformities/{nc['id']}/act/analyse",
                                        data={"version": nc["version"], "root_cause": "流程缺失", "containment": "补录"}))
    assert "原因分析已记录。" in page
    assert db.session.get(Nonconformity, nc["id"]).state == "analysed"
    page = _flashed(client, client.post(f"/audit/nonconformities/{nc['id']}/act/add_action",
                                        data={"kind": "corrective", "description": "修订流程", "owner": "cs",
                                              "due_on": "2026-12-31"}))
    action = db.session.scalars(db.select(CorrectiveAction)).one()
    page = _flashed(client, client.post(f"/audit/actions/{action.id}/done",
                                        data={"version": action.version, "note": "已修订"}))
    assert "纠正措施已完成。" in page
    db.session.expire_all()
    assert db.session.get(CorrectiveAction, action.id).state == "done"
    assert client.post(f"/audit/nonconformities/{nc['id']}/act/nothing", data={}).status_code == 404


def test_a_moved_route_checks_scope_role_version_state_then_body(app, client, world):
    from core.testing import make_user

    u = world["users"]
    rm = make_user("rm", roles=["regional_manager"])  # may work nonconformities, but not see this one
    nc = post(client, u["auditor"], N, NC, 201).json
    stale_and_bad = {"version": nc["version"] + 3, "root_cause": ""}
    url = f"{N}/{nc['id']}/analyse"
    assert post(client, rm, url, stale_and_bad, 404).json["error"]["code"] == "not_found"
    assert post(client, u["tech"], url, stale_and_bad, 403).json["error"]["code"] == "forbidden"
    assert post(client, u["cs"], url, stale_and_bad, 409).json["error"]["code"] == "stale_version"
    r = post(client, u["cs"], url, {"version": nc["version"], "root_cause": ""}, 422)
    assert {"root_cause", "containment"} <= set(r.json["error"]["fields"])
    nc = act(client, u["cs"], N, nc, "analyse", root_cause="流程缺失", containment="补录").json
    r = post(client, u["cs"], url, {"version": nc["version"], "root_cause": ""}, 409)
    assert r.json["error"]["code"] == "illegal_transition"
    assert get(client, u["cs"], f"{N}/{nc['id']}").json["state"] == "analysed"
    # a corrective action: done twice is 409 before the empty note is looked at
    a = post(client, u["cs"], C, {"nonconformity_id": nc["id"], "kind": "corrective", "description": "修订流程",
                                  "owner": "boss", "due_on": "2026-12-31"}, 201).json
    assert post(client, u["tech"], f"{C}/{a['id']}/done", {"version": a["version"], "note": ""}, 403)
    assert act(client, u["boss"], C, a, "done", 422, note="").json["error"]["fields"]["note"]
    done = act(client, u["boss"], C, a, "done", note="已修订").json
    assert done["state"] == "done"
    r = act(client, u["boss"], C, done, "done", 409, note="")
    assert r.json["error"]["code"] == "illegal_transition"
