"""Photos on the RMA detail page and freight-claim receipts (API and page), served only within scope."""
import io

from sqlalchemy import select

from core.extensions import db
from core.testing import login_as
from plugins.rma.models import RmaFreightClaim

from .conftest import line
from .test_workflow_api import act, file, walk_to

def as_user(app, username):
    """A fresh browser session logged in as ``username``."""
    c = app.test_client()
    assert login_as(c, username).status_code == 302
    return c


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%fake\n"


def test_dealer_uploads_a_photo_on_the_detail_page_and_sees_a_thumbnail(app, client, world):
    rma = file(client, world, submit=False)
    client = as_user(app, "d1")
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert "No photos yet." in page and 'enctype="multipart/form-data"' in page
    r = client.post(f"/rma/{rma['id']}/photos", data={"file": (io.BytesIO(PNG), "lamp.png")})
    assert r.status_code == 302 and r.location.endswith(f"/rma/{rma['id']}#photos")
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert "Photo added." in page and 'alt="lamp.png"' in page and "No photos yet." not in page
    src = page.split('alt="lamp.png"')[0].rsplit('src="', 1)[1].split('"')[0]
    r = client.get(src)
    assert r.status_code == 200 and r.data == PNG and r.mimetype == "image/png"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    r = client.post(f"/rma/{rma['id']}/photos", data={"file": (io.BytesIO(PDF), "report.pdf")})
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert "bi-file-earmark-pdf" in page and "report.pdf" in page


def test_wrong_type_too_large_or_missing_file_shown_next_to_the_field(app, client, world):
    from core import settings

    rma = file(client, world, submit=False)
    client = as_user(app, "d1")
    r = client.post(f"/rma/{rma['id']}/photos", data={"file": (io.BytesIO(b"MZ\x90exe"), "x.png")})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and 'class="invalid-feedback" id="photo-error"' in page
    assert "Only PNG, JPEG, GIF, WebP images and PDF files are accepted." in page
    r = client.post(f"/rma/{rma['id']}/photos", data={})
    assert r.status_code == 422 and "Choose a file." in r.get_data(as_text=True)
    settings.set_value("core.attachment_max_kb", 1)
    db.session.commit()
    big = PNG + b"\x00" * 2048
    r = client.post(f"/rma/{rma['id']}/photos", data={"file": (io.BytesIO(big), "big.png")})
    assert r.status_code == 422 and "The file is larger than 1 KB." in r.get_data(as_text=True)
    assert client.get(f"/api/v1/rmas/{rma['id']}/photos", headers=world.h["d1"]).json == []


def test_upload_form_only_for_the_returning_dealer_until_approval(app, client, world):
    rma = walk_to(client, world, "approved")
    client = as_user(app, "d1")
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert 'id="photo-file"' not in page
    r = client.post(f"/rma/{rma['id']}/photos", data={"file": (io.BytesIO(PNG), "late.png")})
    assert r.status_code == 409 and "until the return is approved" in r.get_data(as_text=True)
    draft = file(client, world, submit=False)
    client = as_user(app, "rm_east")  # may see it but may not file: no form
    assert 'id="photo-file"' not in client.get(f"/rma/{draft['id']}").get_data(as_text=True)


def test_photos_outside_scope_are_404_on_page_and_api(app, client, world):
    rma = file(client, world, submit=False)
    r = client.post(f"/api/v1/rmas/{rma['id']}/photos", data={"file": (io.BytesIO(PNG), "a.png")},
                    headers=world.h["d1"])
    pid = r.json["id"]
    other = file(client, world, user="d2", submit=False, lines=[line(serial="X")])
    client = as_user(app, "d2")
    assert client.get(f"/rma/{rma['id']}/photos/{pid}").status_code == 404
    assert client.get(f"/rma/{other['id']}/photos/{pid}").status_code == 404  # not this return's photo
    assert client.post(f"/rma/{rma['id']}/photos", data={"file": (io.BytesIO(PNG), "b.png")}).status_code == 404
    assert client.get(f"/api/v1/rmas/{rma['id']}/photos/{pid}", headers=world.h["d2"]).status_code == 404
    client = as_user(app, "rm_east")
    assert client.get(f"/rma/{rma['id']}/photos/{pid}").data == PNG


def _claim(client, w):
    rma = walk_to(client, w, "received", lines=[line(issue="safety")])
    rma = act(client, w, "tech", rma, "inspect", lines=[{"line_id": rma["lines"][0]["id"],
                                                          "verdict": "quality_fault"}])
    return rma, db.session.scalars(select(RmaFreightClaim).where(RmaFreightClaim.rma_id == rma["id"])).one()


def test_receipt_attachment_through_the_api(app, client, world):
    w = world
    rma, claim = _claim(client, w)
    url = f"/api/v1/rma-freight-claims/{claim.id}/receipts"
    r = client.post(url, data={"file": (io.BytesIO(PDF), "receipt.pdf")}, headers=w.h["d1"])
    assert r.status_code == 201 and r.json["content_type"] == "application/pdf"
    fid = r.json["id"]
    assert client.post(url, data={"file": (io.BytesIO(b"text"), "r.pdf")}, headers=w.h["d1"]).status_code == 422
    assert client.post(url, data={}, headers=w.h["d1"]).json["error"]["fields"]["file"]
    assert client.post(url, data={"file": (io.BytesIO(PDF), "r.pdf")}, headers=w.h["d2"]).status_code == 404
    assert client.post(url, data={"file": (io.BytesIO(PDF), "r.pdf")}, headers=w.h["order"]).status_code == 403
    assert client.get(f"{url}/{fid}", headers=w.h["order"]).data == PDF
    assert client.get(f"{url}/{fid}", headers=w.h["d2"]).status_code == 404
    assert [f["filename"] for f in client.get(url, headers=w.h["order"]).json] == ["receipt.pdf"]
    r = client.post(f"/api/v1/rma-freight-claims/{claim.id}/claim", json={"version": claim.version, "amount": "35",
                                                                          "receipt": "FP-1"}, headers=w.h["d1"])
    assert r.status_code == 200 and r.json["receipt"] == "FP-1"
    r = client.post(f"/api/v1/rma-freight-claims/{claim.id}/confirm", json={"version": r.json["version"]},
                    headers=w.h["order"])
    assert r.json["state"] == "confirmed"
    r = client.post(url, data={"file": (io.BytesIO(PNG), "late.png")}, headers=w.h["d1"])
    assert r.status_code == 409


def test_claim_page_needs_the_receipt_file_and_order_dept_sees_it(app, client, world):
    w = world
    rma, claim = _claim(client, w)
    client = as_user(app, "d1")
    page = client.get("/rma/claims").get_data(as_text=True)
    assert 'type="file" name="file"' in page
    form = {"id": claim.id, "version": claim.version, "amount": "42.50", "receipt": "FP-9", "decision": "claim"}
    r = client.post("/rma/claims", data=form)
    assert r.status_code == 422 and "Attach the receipt (image or PDF)." in r.get_data(as_text=True)
    assert 'value="42.50"' in r.get_data(as_text=True)  # what was typed stays
    db.session.expire_all()
    assert db.session.get(RmaFreightClaim, claim.id).state == "open"  # nothing half-written
    r = client.post("/rma/claims", data={**form, "file": (io.BytesIO(b"nope"), "r.txt")})
    assert r.status_code == 422 and "Only PNG, JPEG" in r.get_data(as_text=True)
    r = client.post("/rma/claims", data={**form, "file": (io.BytesIO(PNG), "fapiao.png")})
    assert r.status_code == 302
    client = as_user(app, "order")
    page = client.get("/rma/claims").get_data(as_text=True)
    assert "fapiao.png" in page and "42.50" in page and "Refuse this freight claim?" in page
    href = page.split("fapiao.png")[0].rsplit('href="', 1)[1].split('"')[0]
    assert client.get(href).data == PNG
    client = as_user(app, "d2")
    assert client.get(href).status_code == 404
    assert "fapiao.png" not in client.get("/rma/claims").get_data(as_text=True)


def test_action_errors_on_the_page_are_plain_sentences_in_the_users_language(app, client, world):
    rma = walk_to(client, world, "reviewed")
    world.users["order"].language = "zh_CN"
    db.session.commit()
    browser = as_user(app, "order")
    browser.post(f"/rma/{rma['id']}/do/approve", data={"version": rma["version"]})
    page = browser.post(f"/rma/{rma['id']}/do/approve", data={"version": rma["version"]},
                       follow_redirects=True).get_data(as_text=True)
    assert "该退货单已被他人修改,请刷新后重试。" in page and "stale version" not in page
    inspected = walk_to(client, world, "inspected")
    browser = as_user(app, "order")
    line_id = inspected["lines"][0]["id"]
    page = browser.post(f"/rma/{inspected['id']}/do/resolve", data={
        "version": inspected["version"], f"resolution-{line_id}": "paid_repair"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "有偿维修须填写费用。" in text
    assert "lines.0" not in text


def test_the_api_refuses_a_freight_claim_without_a_receipt_file(app, client, world):
    """The service refuses it (before: only the page did; the API claimed without any file)."""
    w = world
    rma, claim = _claim(client, w)
    body = {"version": claim.version, "amount": "35", "receipt": "FP-1"}
    r = client.post(f"/api/v1/rma-freight-claims/{claim.id}/claim", json=body, headers=w.h["d1"])
    assert r.status_code == 422 and r.json["error"]["fields"] == {"file": "Attach the receipt (image or PDF)."}
    db.session.expire_all()
    assert db.session.get(RmaFreightClaim, claim.id).state == "open"
    w.users["d1"].language = "zh_CN"
    db.session.commit()
    r = client.post(f"/api/v1/rma-freight-claims/{claim.id}/claim", json=body, headers=w.h["d1"])
    assert r.status_code == 422 and r.json["error"]["fields"]["file"] == "请附上运费票据(图片或 PDF)。"
    url = f"/api/v1/rma-freight-claims/{claim.id}/receipts"
    assert client.post(url, data={"file": (io.BytesIO(PDF), "fp.pdf")}, headers=w.h["d1"]).status_code == 201
    r = client.post(f"/api/v1/rma-freight-claims/{claim.id}/claim", json=body, headers=w.h["d1"])
    assert r.status_code == 200 and r.json["state"] == "claimed"
