"""The dealer portal's "goods sent back: confirm receipt" section: the dealer's own returns in
``returning`` with the shipment, a confirm button (with a confirmation dialog) running the same
action as the return's page, an empty state, another dealer's return answering 404, Chinese."""
from core.extensions import db
from core.testing import login_as
from plugins.rma.models import Rma

from .test_workflow_api import walk_to

import pytest


@pytest.fixture
def enabled_plugins():
    return ["rma", "dealers"]


def _section(page: str) -> str:
    start = page.index('data-key="rma.goods_back"')
    return page[start:page.index('<div class="card shadow-sm', start)]


def test_dealer_confirms_goods_sent_back_from_the_portal(app, client, world):
    login_as(client, "d1")
    page = client.get("/portal").get_data(as_text=True)
    assert "No goods are on their way back to you." in _section(page)  # empty state
    rma = walk_to(client, world, "returning")
    mine = walk_to(client, world, "resolved")  # not sent back yet: not listed
    world.other.region_id = world.east.id  # so that the same regional manager reviews both
    db.session.commit()
    theirs = walk_to(client, world, "returning", user="d2")
    page = client.get("/portal").get_data(as_text=True)
    section = _section(page)
    assert "Goods sent back to you: confirm receipt" in page
    assert rma["number"] in section and "顺丰" in section and "SF-BACK" in section
    assert theirs["number"] not in section and mine["number"] not in section
    assert 'data-confirm="Confirm that you received the goods of return' in section
    saved = db.session.get(Rma, rma["id"])
    assert saved.returned_at is not None
    # another dealer's return: 404, nothing changes
    other = db.session.get(Rma, theirs["id"])
    r = client.post(f"/rma/{theirs['id']}/goods-back/confirm", data={"version": other.version})
    assert r.status_code == 404
    r = client.post(f"/rma/{rma['id']}/goods-back/confirm", data={"version": saved.version})
    assert r.status_code == 302 and r.headers["Location"].endswith("/portal")
    db.session.expire_all()
    assert db.session.get(Rma, rma["id"]).state == "returned"
    assert db.session.get(Rma, rma["id"]).return_received_at is not None
    assert db.session.get(Rma, theirs["id"]).state == "returning"
    page = client.get("/portal").get_data(as_text=True)
    assert f"Receipt of return {rma['number']} confirmed." in page
    assert "No goods are on their way back to you." in _section(page)
    # a stale form (confirmed meanwhile) says so and changes nothing
    r = client.post(f"/rma/{rma['id']}/goods-back/confirm", data={"version": saved.version}, follow_redirects=True)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "alert-danger" in body and "Receipt of return" not in body


def test_goods_back_section_in_chinese(app, client, world):
    rma = walk_to(client, world, "returning")
    world.users["d1"].language = "zh_CN"
    db.session.commit()
    login_as(client, "d1")
    section = _section(client.get("/portal").get_data(as_text=True))
    for text in ("退回给您的货物：请确认收货", "承运商", "运单号", "箱数", "寄出时间", "确认收货"):
        assert text in section, text
    for english in ("Goods sent back", "Carrier", "Tracking", "Boxes", "Sent on", "Confirm receipt"):
        assert english not in section, english
    assert rma["number"] in section
    staff = app.test_client()
    login_as(staff, "order")  # head office has no portal; the dealer's goods are the dealer's to confirm
    assert staff.get("/portal").status_code == 403
