"""Pages: the assessment walk, criteria, documents with a new version, record pages, the evidence pack."""
import io
from datetime import date

import pytest

from core.testing import chart_specs, login_as, make_user
from helpers_certification import PDF


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(date(2026, 11, 23))


def _text(r):
    return r.get_data(as_text=True)


def test_assessment_walk_in_pages(app, client, users):
    from plugins.audit.models import Improvement

    login_as(client, "auditor")
    r = client.get("/certification/")
    assert r.status_code == 200 and "No self-assessment yet." in _text(r)
    r = client.post("/certification/assessments", data={"year": 2025, "assessors": "吴磊, 李娜"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"])
    html = _text(page)
    assert page.status_code == 200 and "Self-assessment 2025" in html and "A6.1" in html and "Records contradict" not in html
    assert "After-sales service system" in html and "Complaint handling" in html
    from plugins.certification.models import SelfAssessment
    from core.extensions import db

    record = db.session.query(SelfAssessment).one()
    # score every criterion in the page's own form: full points except A6.1 at 1
    for item in record.items:
        record = db.session.get(SelfAssessment, record.id)
        db.session.refresh(record)
        points = 1 if item.code == "A6.1" else item.max_points
        r = client.post(f"/certification/assessments/{record.id}/criteria/{item.code}",
                        data={"version": record.version, "points": str(points), "notes": ""})
        assert r.status_code == 302, item.code
    db.session.refresh(record)
    assert float(record.score) == 98.0 and record.level == "five_star"
    r = client.post(f"/certification/assessments/{record.id}/specials",
                    data={"kind": "deduction", "reason": "退货超期", "rectification": "每日提醒", "version": record.version})
    assert r.status_code == 302
    html = _text(client.get(f"/certification/assessments/{record.id}"))
    assert "97.0" in html and "Five stars" in html and "bi-star-fill" in html and "退货超期" in html
    # full points without records are flagged
    assert "Records contradict the points given" in html
    db.session.refresh(record)
    r = client.post(f"/certification/assessments/{record.id}/act/submit", data={"version": record.version})
    assert r.status_code == 302
    other = app.test_client()
    login_as(other, "admin")
    db.session.refresh(record)
    html = _text(other.get(f"/certification/assessments/{record.id}"))
    assert "approve-assessment" in html
    r = other.post(f"/certification/assessments/{record.id}/act/approve", data={"version": record.version})
    assert r.status_code == 302
    db.session.refresh(record)
    assert record.state == "approved"
    assert db.session.query(Improvement).count() == 1  # A6.1 below its maximum
    html = _text(client.get("/certification/"))
    trend = chart_specs(html)["certification-trend-chart"]
    assert "2025" in trend["categories"] and 97.0 in trend["series"][0]["data"]
    assert "vendor/echarts/echarts.common.min.js" in html and "<script>" not in html


def test_criteria_page(app, client, users):
    login_as(client, "admin")
    r = client.get("/certification/criteria")
    assert r.status_code == 200 and "Total of applicable maxima: 100" in _text(r)
    from plugins.certification.criteria import CRITERIA

    form = {f"max_{c[0]}": str(c[2]) for c in CRITERIA}
    form.update({f"active_{c[0]}": "1" for c in CRITERIA})
    form["max_A6.1"] = "5"
    r = client.post("/certification/criteria", data=form)
    assert r.status_code == 422 and "total" in _text(r)
    form["max_A6.2"] = "0"
    assert client.post("/certification/criteria", data=form).status_code == 302
    service = app.test_client()
    make_user("clerk", roles=["customer_service"])
    login_as(service, "clerk")
    assert service.get("/certification/criteria").status_code == 200
    assert service.post("/certification/criteria", data=form).status_code == 403


def test_documents_pages(app, client, users):
    login_as(client, "auditor")
    assert "Nothing here yet." in _text(client.get("/certification/documents/"))
    r = client.post("/certification/documents/new", data={
        "code": "SM-01", "title": "售后服务管理手册", "kind": "service_manual", "version": "A/0",
        "effective_on": "2025-01-01", "approved_by": "总经理", "review_due_on": "2026-01-01",
        "file": (io.BytesIO(PDF), "m.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302
    url = r.headers["Location"]
    html = _text(client.get(url))
    assert "售后服务管理手册" in html and "The review was due on 2026-01-01" in html
    r = client.post(url, data={"v-version": "B/0", "v-effective_on": "2026-05-01", "v-approved_by": "总经理",
                               "v-file": (io.BytesIO(PDF), "m2.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302 and r.headers["Location"] != url
    html = _text(client.get(url))
    assert "Superseded" in html
    r = client.post(r.headers["Location"], data={"v-version": "B/0", "v-effective_on": "2026-06-01",
                                                 "v-approved_by": "x", "v-file": (io.BytesIO(PDF), "m3.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "already has version" in _text(r)
    assert client.get(url + "/file").data == PDF
    # other staff see the current version only
    other = app.test_client()
    login_as(other, "service")
    assert other.get(url).status_code == 404
    assert "B/0" in _text(other.get("/certification/documents/")) and "New document" not in _text(
        other.get("/certification/documents/"))
    assert other.get("/certification/documents/new").status_code == 403


def test_record_pages_and_pack(app, client, users):
    login_as(client, "auditor")
    r = client.post("/certification/equipment/new", data={"code": "EQ-1", "name": "万用表", "quantity": 1,
                                                          "needs_calibration": "y", "calibration_interval_months": 12,
                                                          "active": "y"})
    assert r.status_code == 302
    assert "Overdue" in _text(client.get("/certification/equipment/"))
    r = client.post("/certification/calibrations/new", data={"equipment_code": "EQ-1", "calibrated_on": "2026-10-01",
                                                             "result": "pass"})
    assert r.status_code == 302
    assert "Overdue" not in _text(client.get("/certification/equipment/"))
    r = client.post("/certification/training/new", data={"course": "标准培训", "held_on": "2026-03-01", "trainer": "吴磊",
                                                         "audience": "staff", "attendees": "李娜\n张伟"})
    assert r.status_code == 302
    assert "标准培训" in _text(client.get("/certification/training/"))
    r = client.post("/certification/training/new", data={"course": "", "held_on": "2027-03-01", "trainer": "x",
                                                         "audience": "staff", "attendees": "a"})
    assert r.status_code == 422
    html = _text(client.get("/certification/evidence-pack?year=2026"))
    assert "Service manual" in html and "Missing" in html and "Present" in html
    assert client.get("/certification/evidence-pack?year=abc").status_code == 200


def test_chinese_pages(app, client, users):
    make_user("wu", roles=["auditor"], language="zh_CN")
    login_as(client, "wu")
    client.post("/certification/assessments", data={"year": 2025, "assessors": ""})
    for url in ("/certification/", "/certification/assessments/1", "/certification/criteria",
                "/certification/documents/", "/certification/evidence-pack?year=2026", "/certification/equipment/",
                "/certification/training/", "/certification/calibrations/"):
        r = client.get(url)
        assert r.status_code == 200, url
        html = _text(r)
        for english in ("Self-assessment", "Evidence pack", "Controlled documents", "Not applicable", "Score",
                        "Missing", "Training records", "Equipment", "Calibrations", "Nothing here yet"):
            assert english not in html, (url, english)


def test_roles_on_pages(app, client, users):
    login_as(client, "service")
    assert client.get("/certification/").status_code == 403
    assert client.get("/certification/evidence-pack").status_code == 403
    assert client.get("/certification/documents/").status_code == 200
    assert client.get("/certification/equipment/new").status_code == 403


def test_demo_data_loads_and_is_idempotent(app, clock):
    from core.cli import load_demo_data
    from core.extensions import db
    from plugins.audit.models import Improvement, Nonconformity
    from plugins.certification.models import Document, SelfAssessment

    load_demo_data()
    load_demo_data()
    rows = db.session.query(SelfAssessment).order_by(SelfAssessment.year).all()
    assert [(r.year, r.state) for r in rows] == [(2025, "approved"), (2026, "draft")]
    assert rows[0].level in ("three_star", "four_star", "five_star")
    assert db.session.query(Document).filter_by(status="superseded").count() == 1
    assert db.session.query(Nonconformity).filter_by(source="self_assessment").count() == 1
    assert db.session.query(Improvement).filter_by(origin="self_assessment").count() >= 1
    client = app.test_client()
    login_as(client, "auditor", "demo12345")
    assert chart_specs(_text(client.get("/certification/")))["certification-trend-chart"]["series"]
    assert client.get(f"/certification/assessments/{rows[0].id}").status_code == 200
    dashboard = _text(client.get("/"))
    assert 'id="certification-score"' in dashboard and "待评审文件" in dashboard
