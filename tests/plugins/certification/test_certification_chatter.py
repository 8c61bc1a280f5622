"""The core chatter on a self-assessment and on a controlled document: a comment posted from the
page, @mentions that notify, labels in Chinese, superseded versions closed to non-keepers."""
import io

from sqlalchemy import select

from core.extensions import db
from core.notifications import Notification
from core.testing import api_headers, login_as
from helpers_certification import PDF, open_assessment, upload_document


def _mentions(user):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.title.like("%mentioned you%"))))


def test_self_assessment_chatter(app, client, users):
    auditor, admin = users["auditor"], users["admin"]
    a = open_assessment(client, auditor)
    code = client.get(f"/api/v1/self-assessments/{a['id']}", headers=api_headers(auditor)).json["criteria"][0]["code"]
    r = client.patch(f"/api/v1/self-assessments/{a['id']}/criteria/{code}", json={"points": 1, "notes": "ok"},
                    headers=api_headers(auditor))
    assert r.status_code == 200, r.json
    page = f"/certification/assessments/{a['id']}"
    login_as(client, "auditor")
    r = client.post(f"/chatter/certification_assessment/{a['id']}", data={"body": "请审核 @admin @service",
                                                                          "next": page})
    assert r.status_code == 302 and r.headers["Location"].endswith(page + "#chatter")
    # the customer-service user may not open self-assessments: not told
    assert len(_mentions(admin)) == 1 and _mentions(users["service"]) == []
    admin.language = "zh_CN"
    db.session.commit()
    other = app.test_client()
    login_as(other, "admin")
    html = other.get(page).get_data(as_text=True)
    assert "请审核 @admin" in html and f"{code} · 得分: — → 1" in html
    assert f"{code}.points" not in html and "year:" not in html
    url = f"/api/v1/chatter/certification_assessment/{a['id']}"
    assert client.post(url, json={"body": "x"}, headers=api_headers(users["service"])).status_code == 403


def test_document_chatter_and_superseded_versions(app, client, users):
    auditor, service = users["auditor"], users["service"]
    v1 = upload_document(client, auditor).json
    page = f"/certification/documents/{v1['id']}"
    login_as(client, "auditor")
    r = client.post(f"/chatter/certification_document/{v1['id']}", data={
        "body": "第 3 章要改 @service", "next": page, "files": (io.BytesIO(PDF), "markup.pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 302
    assert len(_mentions(service)) == 1
    service.language = "zh_CN"
    db.session.commit()
    staff = app.test_client()
    login_as(staff, "service")
    html = staff.get(page).get_data(as_text=True)
    assert "第 3 章要改" in html and "markup.pdf" in html and "版本: — → A/0" in html
    r = client.post(f"/api/v1/documents/{v1['id']}/versions", headers=api_headers(auditor),
                    content_type="multipart/form-data", data={"version": "B/0", "effective_on": "2026-03-01",
                                                              "approved_by": "总经理",
                                                              "file": (io.BytesIO(PDF + b"v2"), "b.pdf")})
    assert r.status_code == 201
    # the superseded version is the keepers' only: 404 on its chatter for other staff
    url = f"/api/v1/chatter/certification_document/{v1['id']}"
    assert client.get(url, headers=api_headers(service)).status_code == 404
    assert client.post(url, json={"body": "x"}, headers=api_headers(service)).status_code == 404
    assert staff.post(f"/chatter/certification_document/{v1['id']}", data={"body": "x"}).status_code == 404
    assert client.get(url, headers=api_headers(auditor)).status_code == 200
