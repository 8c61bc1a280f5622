"""Shared builders for the certification tests."""
from decimal import Decimal

from core.extensions import db
from core.testing import api_headers

SA = "/api/v1/self-assessments"
PDF = b"%PDF-1.4\n%certification test\n%%EOF\n"


def open_assessment(client, user, year=2025, **extra):
    r = client.post(SA, json={"year": year, **extra}, headers=api_headers(user))
    assert r.status_code == 201, r.json
    return r.json


def score_to(assessment_id, total, user, not_applicable=()):
    """Give points in criterion order until ``total`` is used up (the rest 0), through the service."""
    from plugins.certification import services

    record = services.get_assessment(assessment_id)
    remaining = Decimal(str(total))
    for item in record.items:
        if item.code in not_applicable:
            services.score_criterion(record, item.code, {"not_applicable": True}, user)
            continue
        give = min(item.max_points, remaining)
        remaining -= give
        services.score_criterion(record, item.code, {"points": give}, user)
    db.session.commit()
    return record


def add_special(client, user, assessment, kind, reason="reason", rectification=""):
    return client.post(f"{SA}/{assessment['id']}/specials",
                       json={"kind": kind, "reason": reason, "rectification": rectification},
                       headers=api_headers(user))


def act(client, user, assessment, action, version=None):
    return client.post(f"{SA}/{assessment['id']}/{action}",
                       json={"version": assessment["version"] if version is None else version},
                       headers=api_headers(user))


def get(client, user, assessment_id):
    r = client.get(f"{SA}/{assessment_id}", headers=api_headers(user))
    assert r.status_code == 200, r.json
    return r.json


def upload_document(client, user, **over):
    data = {"code": "SM-01", "title": "售后服务管理手册", "kind": "service_manual", "version": "A/0",
            "effective_on": "2025-01-01", "approved_by": "总经理", "review_due_on": "2026-12-31"}
    data.update(over)
    content = data.pop("content", PDF)
    import io

    data["file"] = (io.BytesIO(content), "manual.pdf")
    return client.post("/api/v1/documents", data=data, headers=api_headers(user), content_type="multipart/form-data")
