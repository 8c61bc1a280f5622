"""Availability: the number of boxes (one label page each) has a business maximum."""
from core.extensions import db
from plugins.rma.models import Rma

from .test_workflow_api import act, walk_to


def pages(pdf: bytes) -> int:
    return pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>")


def test_boxes_are_bounded_by_a_setting_and_labels_by_it(app, client, world):
    rma = walk_to(client, world, "approved")
    r = act(client, world, "d1", rma, "ship", expect=422, boxes=10000, carrier="SF", tracking="SF1")
    assert "boxes" in r["error"]["fields"]  # before: accepted, then a 191 s / 17.5 MB labels PDF
    act(client, world, "d1", rma, "ship", expect=422, boxes=201, carrier="SF", tracking="SF1")
    rma = act(client, world, "d1", rma, "ship", boxes=200, carrier="SF", tracking="SF1")
    # a record from before the bound: the PDF stops at the maximum all the same
    db.session.get(Rma, rma["id"]).boxes = 10000
    db.session.commit()
    r = client.get(f"/api/v1/rmas/{rma['id']}/labels.pdf", headers=world.h["d1"])
    assert r.status_code == 200 and pages(r.data) == 200
    assert len(r.data) < 2_000_000, len(r.data)  # before: 10,000 pages, 17.5 MB
