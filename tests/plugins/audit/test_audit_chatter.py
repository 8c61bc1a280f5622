"""The core chatter on audits, improvements, management reviews and nonconformities: a comment
posted from the page, @mentions that notify, the activity log with labels in Chinese."""
from sqlalchemy import select

from core.extensions import db
from core.notifications import Notification
from core.testing import api_headers, login_as
from helpers_audit import act, audit_body, post, template_id

A, I, R, N = "/api/v1/audits", "/api/v1/improvements", "/api/v1/management-reviews", "/api/v1/nonconformities"


def _mentions(user):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.title.like("%mentioned you%"))))


def _comment(client, model, record_id, page, body):
    r = client.post(f"/chatter/{model}/{record_id}", data={"body": body, "next": page})
    assert r.status_code == 302 and r.headers["Location"].endswith(page + "#chatter"), r.status_code


def test_audit_improvement_review_and_nonconformity_chatter(app, client, world):
    users = world["users"]
    auditor, tech, boss = users["auditor"], users["tech"], users["boss"]
    audit = post(client, auditor, A, audit_body(template_id=template_id(client, auditor)), 201).json
    audit = act(client, auditor, A, audit, "start").json
    imp = post(client, tech, I, {"title": "培训台账电子化", "origin": "suggestion", "owner": "tech"}, 201).json
    review = post(client, boss, R, {"period_from": "2026-01-01", "period_to": "2026-06-30", "chair": "boss"}, 201).json
    nc = post(client, auditor, N, {"title": "台账缺失", "severity": "minor", "department": "technical", "source": "other"}, 201).json
    login_as(client, "auditor")
    records = [("audit_audit", audit["id"], f"/audit/audits/{audit['id']}"),
               ("audit_improvement", imp["id"], f"/audit/improvements/{imp['id']}"),
               ("audit_management_review", review["id"], f"/audit/reviews/{review['id']}"),
               ("audit_nonconformity", nc["id"], f"/audit/nonconformities/{nc['id']}")]
    for model, record_id, page in records:
        _comment(client, model, record_id, page, f"请看 {model} @tech @dealer1")
    # the technical department sees every one of them; a dealer none (not told)
    assert len(_mentions(tech)) == len(records) and _mentions(users["dealer1"]) == []
    tech.language = "zh_CN"
    db.session.commit()
    reader = app.test_client()
    login_as(reader, "tech")
    expected = {"audit_audit": ["状态: 已计划 → 进行中", "已开始"], "audit_improvement": ["状态: — → 已提出"],
                "audit_management_review": ["状态: — → 草稿"], "audit_nonconformity": ["状态: — → "]}
    for model, record_id, page in records:
        html = reader.get(page).get_data(as_text=True)
        assert f"请看 {model} @tech" in html, model
        for text in expected[model]:
            assert text in html, (model, text)
        assert "state:" not in html and "planned →" not in html
    r = client.post(f"/api/v1/chatter/audit_audit/{audit['id']}", json={"body": "x"},
                    headers=api_headers(users["dealer1"]))
    assert r.status_code in (403, 404)
