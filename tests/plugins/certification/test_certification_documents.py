"""Controlled documents (supersession, who reads what), training records, equipment, calibrations, reminders."""
import io
from datetime import date

import pytest

from core.extensions import db
from core.notifications import Notification
from core.testing import api_headers, count_queries
from helpers_certification import PDF, upload_document

DOCS = "/api/v1/documents"


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(date(2026, 11, 23))


def test_document_register_and_supersession(app, client, users):
    auditor, service = users["auditor"], users["service"]
    r = upload_document(client, auditor)
    assert r.status_code == 201, r.json
    v1 = r.json
    assert (v1["code"], v1["version"], v1["status"], v1["kind"]) == ("SM-01", "A/0", "current", "service_manual")
    assert v1["file"]["filename"] == "manual.pdf" and v1["file"]["size"] == len(PDF)
    assert client.get(v1["file"]["url"], headers=api_headers(service)).data == PDF
    # a new version supersedes the old one
    r = client.post(f"{DOCS}/{v1['id']}/versions", headers=api_headers(auditor), content_type="multipart/form-data",
                    data={"version": "B/0", "effective_on": "2026-03-01", "approved_by": "总经理",
                          "file": (io.BytesIO(PDF + b"v2"), "manual-b.pdf")})
    assert r.status_code == 201, r.json
    v2 = r.json
    assert v2["version"] == "B/0" and v2["status"] == "current" and v2["previous_id"] == v1["id"]
    assert v2["title"] == v1["title"]
    note = db.session.query(Notification).filter_by(user_id=service.id).one()
    assert "SM-01" in note.title and "B/0" in note.title  # every staff member reads current documents
    assert db.session.query(Notification).filter_by(user_id=auditor.id).count() == 0
    old = client.get(f"{DOCS}/{v1['id']}", headers=api_headers(auditor)).json
    assert old["status"] == "superseded" and old["superseded_on"] == "2026-03-01"
    # the keepers still read the old version and its file; other staff see only the current one
    assert client.get(f"{DOCS}/{v1['id']}/file", headers=api_headers(auditor)).data == PDF
    assert client.get(f"{DOCS}/{v1['id']}", headers=api_headers(service)).status_code == 404
    assert client.get(f"{DOCS}/{v1['id']}/file", headers=api_headers(service)).status_code == 404
    staff_list = client.get(DOCS, headers=api_headers(service)).json
    assert [d["version"] for d in staff_list["items"]] == ["B/0"]
    assert client.get(DOCS + "?status=superseded", headers=api_headers(auditor)).json["total"] == 1
    assert [d["version"] for d in client.get(f"{DOCS}/{v2['id']}/versions", headers=api_headers(auditor)).json["items"]] \
        == ["B/0", "A/0"]
    assert client.get(f"{DOCS}/{v2['id']}/versions", headers=api_headers(service)).json["total"] == 1
    # each year's evidence is the version in force at its end
    for year, version in ((2025, "A/0"), (2026, "B/0")):
        item = client.get(f"/api/v1/evidence-pack?year={year}", headers=api_headers(auditor)).json["items"][4]
        assert item["code"] == "2.1" and item["status"] == "present"
        assert [e["label"] for e in item["evidence"]] == [f"SM-01 售后服务管理手册 ({version})"]
    # a superseded version is frozen and cannot be superseded again
    r = client.post(f"{DOCS}/{v1['id']}/versions", headers=api_headers(auditor), content_type="multipart/form-data",
                    data={"version": "C/0", "effective_on": "2026-04-01", "approved_by": "x",
                          "file": (io.BytesIO(PDF), "c.pdf")})
    assert r.status_code == 409
    assert client.patch(f"{DOCS}/{v1['id']}", json={"title": "x"}, headers=api_headers(auditor)).status_code == 409
    # the same version twice, or an earlier effective date, is refused
    r = client.post(f"{DOCS}/{v2['id']}/versions", headers=api_headers(auditor), content_type="multipart/form-data",
                    data={"version": "A/0", "effective_on": "2026-04-01", "approved_by": "x",
                          "file": (io.BytesIO(PDF), "c.pdf")})
    assert r.status_code == 422 and "version" in r.json["error"]["fields"]
    r = client.post(f"{DOCS}/{v2['id']}/versions", headers=api_headers(auditor), content_type="multipart/form-data",
                    data={"version": "C/0", "effective_on": "2026-01-01", "approved_by": "x",
                          "file": (io.BytesIO(PDF), "c.pdf")})
    assert r.status_code == 422 and "effective_on" in r.json["error"]["fields"]


def test_document_bad_input_and_roles(app, client, users):
    auditor, service = users["auditor"], users["service"]
    assert upload_document(client, service).status_code == 403
    r = upload_document(client, auditor, kind="poster", code="", effective_on="soon")
    assert r.status_code == 422 and {"kind", "code", "effective_on"} <= set(r.json["error"]["fields"])
    r = upload_document(client, auditor, content=b"MZ\x90\x00 not a pdf")
    assert r.status_code == 422 and "file" in r.json["error"]["fields"]
    r = upload_document(client, auditor, review_due_on="2024-01-01")
    assert r.status_code == 422 and "review_due_on" in r.json["error"]["fields"]
    r = client.post(DOCS, json={"code": "X"}, headers=api_headers(auditor))
    assert r.status_code == 400
    r = client.post(DOCS, data={"code": "X1", "title": "t", "kind": "other", "version": "1",
                                "effective_on": "2026-01-01", "approved_by": "a"},
                    headers=api_headers(auditor), content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.json["error"]["fields"]
    assert upload_document(client, auditor).status_code == 201
    r = upload_document(client, auditor)
    assert r.status_code == 409 and r.json["error"]["code"] == "duplicate_code"
    assert client.get(DOCS + "?per_page=201", headers=api_headers(auditor)).status_code == 400


def test_review_reminders(app, client, users, clock):
    from plugins.certification.services import remind

    auditor = users["auditor"]
    upload_document(client, auditor, code="QP-01", kind="procedure_response", review_due_on="2026-12-10")
    upload_document(client, auditor, code="QP-02", kind="procedure_repair", review_due_on="2027-06-30")
    assert remind(date(2026, 11, 23)) == {"documents": 1, "equipment": 0}
    db.session.commit()
    titles = [n.title for n in db.session.query(Notification).filter_by(user_id=auditor.id)]
    assert any("QP-01" in t for t in titles) and not any("QP-02" in t for t in titles)
    assert users["admin"].id in {n.user_id for n in db.session.query(Notification)}
    assert remind(date(2026, 11, 24))["documents"] == 0  # once only
    listed = client.get(DOCS + "?review_due_before=2026-12-31", headers=api_headers(auditor)).json
    assert [d["code"] for d in listed["items"]] == ["QP-01"]
    clock.set(date(2026, 12, 11))
    d = client.get(DOCS + "?code=QP-01", headers=api_headers(auditor)).json["items"][0]
    assert d["review_overdue"] is True
    client.patch(f"{DOCS}/{d['id']}", json={"review_due_on": "2026-12-20"}, headers=api_headers(auditor))
    result = app.test_cli_runner().invoke(args=["certification", "remind"])
    assert result.exit_code == 0 and "1 document(s) due for review" in result.output


def test_training_records(app, client, users):
    auditor, service = users["auditor"], users["service"]
    h = api_headers(auditor)
    r = client.post("/api/v1/training-records", json={"course": "GB/T 27922 标准培训", "held_on": "2026-03-10",
                                                      "trainer": "吴磊", "attendees": ["李娜", "张伟", "李娜"],
                                                      "result": "合格"}, headers=h)
    assert r.status_code == 201, r.json
    assert r.json["attendees"] == ["李娜", "张伟"] and r.json["audience"] == "staff"
    assert client.get("/api/v1/training-records?year=2026", headers=api_headers(service)).json["total"] == 1
    assert client.get("/api/v1/training-records?year=2025", headers=h).json["total"] == 0
    r = client.post("/api/v1/training-records", json={"course": "x", "held_on": "2027-01-01", "trainer": "y",
                                                      "attendees": ["z"]}, headers=h)
    assert r.status_code == 422 and "held_on" in r.json["error"]["fields"]
    r = client.post("/api/v1/training-records", json={"course": "", "held_on": "2026-01-01", "trainer": "y",
                                                      "attendees": []}, headers=h)
    assert r.status_code == 422 and {"course", "attendees"} <= set(r.json["error"]["fields"])
    assert client.post("/api/v1/training-records", json={"course": "x", "held_on": "2026-01-01", "trainer": "y",
                                                         "attendees": ["z"]}, headers=api_headers(service)).status_code == 403
    rid = r = client.get("/api/v1/training-records", headers=h).json["items"][0]["id"]
    r = client.patch(f"/api/v1/training-records/{rid}", json={"result": "复训合格"}, headers=h)
    assert r.status_code == 200 and r.json["result"] == "复训合格"
    assert client.patch(f"/api/v1/training-records/{rid}", json={"result": "x"},
                        headers=api_headers(service)).status_code == 403
    assert client.delete(f"/api/v1/training-records/{rid}", headers=h).status_code == 204


def test_equipment_and_calibrations_overdue(app, client, users, clock):
    auditor, service = users["auditor"], users["service"]
    h = api_headers(auditor)
    r = client.post("/api/v1/equipment", json={"code": "EQ-1", "name": "万用表", "calibration_interval_months": 12},
                    headers=h)
    assert r.status_code == 201 and r.json["overdue"] is True and r.json["next_due_on"] is None
    eq = r.json
    assert client.post("/api/v1/equipment", json={"code": "EQ-1", "name": "x"}, headers=h).status_code == 422
    client.post("/api/v1/equipment", json={"code": "EQ-2", "name": "工具箱", "needs_calibration": False}, headers=h)
    r = client.post("/api/v1/calibrations", json={"equipment_code": "EQ-1", "calibrated_on": "2025-11-01",
                                                  "certificate_no": "JL-1"}, headers=h)
    assert r.status_code == 201, r.json
    cal = r.json
    assert cal["due_on"] == "2026-11-01" and cal["overdue"] is True
    e = client.get(f"/api/v1/equipment/{eq['id']}", headers=api_headers(service)).json
    assert e["next_due_on"] == "2026-11-01" and e["overdue"] is True
    assert client.get("/api/v1/equipment?overdue=true", headers=h).json["total"] == 1
    assert client.get("/api/v1/calibrations?overdue=true", headers=h).json["total"] == 1
    # a fresh calibration clears the flag (and the older one is no longer "the" overdue one)
    r = client.post("/api/v1/calibrations", json={"equipment_code": "EQ-1", "calibrated_on": "2026-11-20"}, headers=h)
    assert r.json["due_on"] == "2027-11-20" and r.json["overdue"] is False
    assert client.get(f"/api/v1/equipment/{eq['id']}", headers=h).json["overdue"] is False
    assert client.get("/api/v1/calibrations?overdue=true", headers=h).json["total"] == 0
    assert client.get("/api/v1/equipment?overdue=true", headers=h).json["total"] == 0
    # bad input
    r = client.post("/api/v1/calibrations", json={"equipment_code": "NOPE", "calibrated_on": "2026-01-01"}, headers=h)
    assert r.status_code == 422 and "equipment_code" in r.json["error"]["fields"]
    r = client.post("/api/v1/calibrations", json={"equipment_code": "EQ-1", "calibrated_on": "2026-01-01",
                                                  "due_on": "2025-01-01"}, headers=h)
    assert r.status_code == 422 and "due_on" in r.json["error"]["fields"]
    r = client.post("/api/v1/calibrations", json={"equipment_code": "EQ-1", "calibrated_on": "2027-01-01"}, headers=h)
    assert r.status_code == 422
    # equipment with calibrations is kept
    assert client.delete(f"/api/v1/equipment/{eq['id']}", headers=h).status_code == 409
    # deleting the newest calibration brings the older due date back
    assert client.delete(f"/api/v1/calibrations/{r.json.get('id', 0) or 0}", headers=h).status_code == 404
    newest = client.get("/api/v1/calibrations?sort=-calibrated_on", headers=h).json["items"][0]
    assert client.delete(f"/api/v1/calibrations/{newest['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/equipment/{eq['id']}", headers=h).json["next_due_on"] == "2026-11-01"
    # list query counts do not grow with rows
    with count_queries(app) as q1:
        client.get("/api/v1/calibrations?per_page=1", headers=h)
    for n in range(3):
        client.post("/api/v1/calibrations", json={"equipment_code": "EQ-1", "calibrated_on": f"2024-0{n + 1}-01"},
                    headers=h)
    with count_queries(app) as q4:
        client.get("/api/v1/calibrations?per_page=50", headers=h)
    assert q4.count == q1.count
    with count_queries(app) as qd1:
        client.get(DOCS + "?per_page=1", headers=h)
    for n in range(3):
        upload_document(client, auditor, code=f"QC-{n}", kind="other")
    with count_queries(app) as qd4:
        client.get(DOCS, headers=h)
    assert qd4.count == qd1.count
    with count_queries(app) as qe:
        client.get("/api/v1/equipment", headers=h)
    assert qe.count <= q1.count


GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


def test_documents_accept_only_pdf_png_jpeg_by_their_content(app, client, users):
    from core.testing import login_as, make_user

    auditor = users["auditor"]

    def upload(content, name, code, user=auditor, mimetype="application/pdf"):
        data = {"code": code, "title": "名册", "kind": "staff_roster", "version": "1", "effective_on": "2026-01-01",
                "approved_by": "总经理", "file": (io.BytesIO(content), name, mimetype)}
        return client.post(DOCS, data=data, headers=api_headers(user), content_type="multipart/form-data")

    # a program or a text file renamed .pdf and sent as application/pdf: refused by its first bytes
    for content, name in ((b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "setup.exe.pdf"), (b"staff: wang, li\n", "roster.pdf"),
                          (GIF, "scan.png"), (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "photo.jpg")):
        r = upload(content, name, "R-1")
        assert r.status_code == 422, (name, r.json)
        assert r.json["error"]["fields"] == {"file": "only PDF, PNG, JPEG are accepted"}
    assert client.get(DOCS, headers=api_headers(auditor)).json["total"] == 0  # nothing kept
    # PDF, PNG and JPEG pass whatever their names say; the stored type is the sniffed one
    for content, code, kind in ((PDF, "R-2", "application/pdf"), (PNG, "R-3", "image/png"), (JPEG, "R-4", "image/jpeg")):
        r = upload(content, "scan.bin", code, mimetype="application/octet-stream")
        assert r.status_code == 201, r.json
        f = client.get(r.json["file"]["url"], headers=api_headers(auditor))
        assert f.status_code == 200 and f.mimetype == kind
    # a new version follows the same rule
    doc = client.get(DOCS + "?q=R-2", headers=api_headers(auditor)).json["items"][0]
    r = client.post(f"{DOCS}/{doc['id']}/versions", headers=api_headers(auditor), content_type="multipart/form-data",
                    data={"version": "2", "effective_on": "2026-02-01", "approved_by": "总经理",
                          "file": (io.BytesIO(b"MZ\x90\x00"), "v2.pdf")})
    assert r.status_code == 422 and "file" in r.json["error"]["fields"]
    # in the user's language, through the API and the page
    zh = make_user("zhang", roles=["auditor"], language="zh_CN")
    r = upload(b"MZ\x90\x00", "setup.pdf", "R-5", user=zh)
    assert r.status_code == 422 and r.json["error"]["fields"]["file"] == "只接受 PDF, PNG, JPEG"
    login_as(client, "zhang")
    page = client.post("/certification/documents/new", content_type="multipart/form-data", data={
        "code": "R-6", "title": "名册", "kind": "staff_roster", "version": "1", "effective_on": "2026-01-01",
        "approved_by": "总经理", "file": (io.BytesIO(b"plain text"), "roster.pdf")})
    assert page.status_code == 422 and "只接受 PDF, PNG, JPEG" in page.get_data(as_text=True)
