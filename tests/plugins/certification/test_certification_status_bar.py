"""Issue 9: the self-assessment page opens with a status bar: the path with the current step and the actions
the user may take now, each leading to its button; a reader sees the bar without buttons."""
from core.extensions import db
from core.testing import record_status_bar
from helpers_certification import act, get, open_assessment, score_to


def test_self_assessment_bar(app, client, users):
    auditor, admin = users["auditor"], users["admin"]
    auditor.language = admin.language = "zh_CN"
    db.session.commit()
    a = open_assessment(client, auditor, 2025)
    score_to(a["id"], 85, auditor)
    path = f"/certification/assessments/{a['id']}"
    assert record_status_bar(app, "auditor", path)[1] == [("btn-primary", "submit")]
    a = act(client, auditor, get(client, auditor, a["id"]), "submit").json
    step, buttons = record_status_bar(app, "admin", path)
    assert step == "已提交" and buttons == [("btn-primary", "approve"), ("btn-outline-secondary", "reopen")]
    assert act(client, admin, a, "approve").status_code == 200
    step, buttons = record_status_bar(app, "auditor", path)
    assert step == "已审批" and buttons == []
