"""Goods sent back after resolution (004 §6.3), box labels for the count given, the technician's findings."""
import re

from core.extensions import db
from core.testing import login_as
from plugins.rma.models import Rma

from .conftest import line
from .test_workflow_api import act, file, notified, walk_to


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page[^s]", pdf))


def test_credited_return_closes_without_a_return_shipment(app, client, world):
    w = world
    rma = walk_to(client, w, "inspected")
    rma = act(client, w, "order", rma, "resolve",
              lines=[{"line_id": l["id"], "resolution": "credit"} for l in rma["lines"]])
    r = act(client, w, "order", rma, "return-ship", expect=409, boxes=1, carrier="SF", tracking="1")
    assert r["error"]["code"] == "guard_failed"
    assert act(client, w, "order", rma, "close")["state"] == "closed"
    login_as(client, "d1")
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert "Sent back" not in page  # no return-shipment step on a credited return


def test_agent_sends_back_and_distributor_confirms(app, client, world):
    w = world
    rma = file(client, w, user="s1")
    rma = act(client, w, "rm_east", rma, "review")
    rma = act(client, w, "s1", rma, "ship", boxes=1, carrier="德邦", tracking="DB1")
    lid = rma["lines"][0]["id"]
    rma = act(client, w, "a1", rma, "receive", boxes_received=1, lines=[{"line_id": lid, "received_quantity": 2}])
    rma = act(client, w, "tech", rma, "inspect", lines=[{"line_id": lid, "verdict": "no_fault_found",
                                                          "findings": "LED driver tested fine for 4 h"}])
    assert rma["lines"][0]["findings"] == "LED driver tested fine for 4 h"
    rma = act(client, w, "a1", rma, "resolve", lines=[{"line_id": lid, "resolution": "return_to_sender"}])
    act(client, w, "order", rma, "return-ship", expect=403, boxes=1, carrier="SF", tracking="X")  # not its goods
    rma = act(client, w, "a1", rma, "return-ship", boxes=1, carrier="德邦", tracking="DB-BACK", contents="2 面板灯")
    assert rma["return_contents"] == "2 面板灯" and rma["state"] == "returning"
    assert any("sent back to you" in t for t in notified("s1"))
    act(client, w, "a1", rma, "confirm-return", expect=403)  # only the returning unit confirms
    rma = act(client, w, "s1", rma, "confirm-return")
    assert any("confirmed receipt" in t for t in notified("a1"))
    assert any("confirmed receipt" in t for t in notified("order"))  # head office closes it
    assert act(client, w, "order", rma, "close")["state"] == "closed"


def test_return_shipment_through_the_pages(app, client, world):
    w = world
    rma = walk_to(client, w, "resolved")
    login_as(client, "order")
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert 'href="#return_ship"' in page and 'id="return_ship"' in page  # status bar button and its form
    assert 'form="close"' not in page  # nothing to close yet
    r = client.post(f"/rma/{rma['id']}/do/return_ship",
                    data={"version": rma["version"], "boxes": "2", "carrier": "顺丰", "tracking": "SF-R9"})
    assert r.status_code == 302
    saved = db.session.get(Rma, rma["id"])
    assert saved.state == "returning" and saved.return_boxes == 2 and saved.return_contents == "PNL-600 × 2"
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert "SF-R9" in page and "on its way back" in page and 'id="return-labels"' in page
    pdf = client.get(f"/rma/{rma['id']}/return-labels.pdf")
    assert pdf.mimetype == "application/pdf" and pages(pdf.data) == 2
    api = client.get(f"/api/v1/rmas/{rma['id']}/return-labels.pdf", headers=w.h["d1"])
    assert api.status_code == 200 and pages(api.data) == 2
    dealer = app.test_client()
    login_as(dealer, "d1")
    page = dealer.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert 'form="confirm_return"' in page and 'id="return_ship"' not in page
    r = dealer.post(f"/rma/{rma['id']}/do/confirm_return", data={"version": saved.version}, follow_redirects=True)
    db.session.expire_all()
    assert r.status_code == 200 and db.session.get(Rma, rma["id"]).state == "returned", r.get_data(as_text=True)[-3000:]
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert 'form="close"' in page and "received by the dealer" in page


def test_box_count_asked_where_labels_are_printed(app, client, world):
    w = world
    rma = walk_to(client, w, "approved")
    r = client.get(f"/api/v1/rmas/{rma['id']}/labels.pdf", headers=w.h["d1"])
    assert r.status_code == 409 and r.json["error"]["code"] == "boxes_unknown"
    login_as(client, "d1")
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert 'id="print-labels"' in page and 'id="box-labels"' not in page
    r = client.post(f"/rma/{rma['id']}/labels", data={"version": rma["version"], "boxes": "2"})
    assert r.status_code == 302
    pdf = client.get(f"/rma/{rma['id']}/labels.pdf")
    assert pdf.mimetype == "application/pdf" and pages(pdf.data) == 2  # box 1 of 2, box 2 of 2
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert "Print box labels (2 boxes)" in page and 'name="boxes" value="2"' in page  # shipping keeps it
    saved = db.session.get(Rma, rma["id"])
    rma = act(client, w, "d1", {"id": rma["id"], "version": saved.version}, "ship", carrier="SF", tracking="T1")
    assert rma["boxes"] == 2
    other = walk_to(client, w, "approved")
    r = act(client, w, "d1", other, "ship", expect=422, carrier="SF", tracking="T2")
    assert "boxes" in r["error"]["fields"]
    r = client.post(f"/api/v1/rmas/{other['id']}/boxes", json={"version": other["version"], "boxes": 3},
                    headers=w.h["order"])
    assert r.status_code == 403


def test_findings_shown_on_the_return_page(app, client, world):
    w = world
    rma = walk_to(client, w, "received", lines=[line(description="flickers after 10 minutes")])
    login_as(client, "tech")
    lid = rma["lines"][0]["id"]
    r = client.post(f"/rma/{rma['id']}/do/inspect", data={"version": rma["version"], f"verdict-{lid}": "quality_fault",
                                                          f"findings-{lid}": "cold solder joint on the driver"})
    assert r.status_code == 302
    assert db.session.get(Rma, rma["id"]).lines[0].findings == "cold solder joint on the driver"
    dealer = app.test_client()
    login_as(dealer, "d1")
    page = dealer.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert "cold solder joint on the driver" in page and "flickers after 10 minutes" in page
