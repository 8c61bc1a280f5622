"""Issue 9: each audit record page opens with a status bar: the path with the current step, and the actions the
user may take now (the transitions' labels), each leading to its form; a reader sees the bar without buttons."""
from core.extensions import db
from core.testing import record_status_bar
from tests.plugins.audit.helpers_audit import audit_body, post

A, N, I, R = "/api/v1/audits", "/api/v1/nonconformities", "/api/v1/improvements", "/api/v1/management-reviews"


def as_zh(world, *names):
    for name in names:
        world["users"][name].language = "zh_CN"
    db.session.commit()


def test_audit_and_nonconformity_bars(app, client, world):
    u = world["users"]
    audit = post(client, u["auditor"], A, audit_body(), 201).json
    nc = post(client, u["auditor"], N, {"title": "台账缺失", "severity": "minor", "department": "technical",
                                        "source": "other"}, 201).json
    as_zh(world, "auditor", "tech")
    assert record_status_bar(app, "auditor", f"/audit/audits/{audit['id']}") == (
        "已计划", [("btn-primary", "start"), ("btn-outline-danger", "cancel")])
    assert record_status_bar(app, "auditor", f"/audit/nonconformities/{nc['id']}") == (
        "待处理", [("btn-primary", "analyse"), ("btn-outline-danger", "cancel")])
    for url in (f"/audit/audits/{audit['id']}", f"/audit/nonconformities/{nc['id']}"):
        assert record_status_bar(app, "tech", url)[1] == []


def test_improvement_and_review_bars(app, client, world):
    u = world["users"]
    imp = post(client, u["tech"], I, {"title": "培训台账电子化", "origin": "suggestion", "owner": "tech"}, 201).json
    review = post(client, u["boss"], R, {"period_from": "2026-01-01", "period_to": "2026-06-30", "chair": "boss"},
                  201).json
    as_zh(world, "boss", "tech")
    assert record_status_bar(app, "boss", f"/audit/improvements/{imp['id']}")[1] == [("btn-primary", "approve")]
    assert record_status_bar(app, "boss", f"/audit/reviews/{review['id']}") == ("草稿", [("btn-primary", "hold")])
    for url in (f"/audit/improvements/{imp['id']}", f"/audit/reviews/{review['id']}"):
        assert record_status_bar(app, "tech", url)[1] == []
