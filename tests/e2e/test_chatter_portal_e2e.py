"""In a browser: the chatter on supervision's records (a comment with an @mention posted from a
complaint's page and read by the one mentioned; a secret inspection seen by the inspected
department, its inspector by alias only, a draft not at all), and the dealer portal's "goods sent
back: confirm receipt" section (confirmation dialog, the return then received), in Chinese.

Set AFTERSALES_E2E_SHOTS=/some/dir to keep a screenshot of each step.
"""
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import as_user, login, shot

pytestmark = pytest.mark.e2e





def _prepare(app):
    """Chinese for the readers; the demo's inspections; a return of D001 whose goods are on their way back."""
    from sqlalchemy import select

    from core.extensions import db
    from core.dealers.models import Dealer
    from core.users.models import User
    from plugins.rma import services as rma
    from plugins.supervision.models import Inspection

    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        for name in ("service", "dealer1", "hr"):
            users[name].language = "zh_CN"
        dealer = db.session.scalar(select(Dealer).where(Dealer.code == "D001"))
        produced = (date.today() - timedelta(days=300)).isoformat()
        r = rma.create_rma(dealer, [{"sku": "PNL-600", "quantity": 1, "issue": "quality_defect", "serial": "PNL-E2E",
                                     "production_date": produced, "description": "不亮"}], users["dealer1"], submit=True)
        for action, who, payload in (
                ("review", "rm_east", {}), ("approve", "order", {}),
                ("ship", "dealer1", {"boxes": 1, "carrier": "顺丰速运", "tracking": "SF-E2E-1"}),
                ("receive", "order", {"boxes_received": 1, "lines": [{"line_id": r.lines[0].id, "received_quantity": 1}]}),
                ("inspect", "tech", {"lines": [{"line_id": r.lines[0].id, "verdict": "quality_fault"}]}),
                ("resolve", "order", {"lines": [{"line_id": r.lines[0].id, "resolution": "repair"}]}),
                ("return_ship", "order", {"boxes": 2, "carrier": "德邦物流", "tracking": "DB-BACK-7"})):
            rma.apply_action(r, action, users[who], r.version, **payload)
            db.session.flush()
        inspections = {i.state: i.id for i in db.session.scalars(select(Inspection))}
        db.session.commit()
        return r.id, r.number, inspections


def test_chatter_on_supervision_records_and_goods_back_on_the_portal(page, live_app):
    rma_id, number, inspections = _prepare(live_app.app)
    # a complaint's chatter: supervision writes to HR
    login(page, "supervisor")
    page.goto("/supervision/complaints")
    page.locator("table tbody tr a").first.click()
    complaint_url = page.url
    page.fill("#chatter textarea[name=body]", "Please check the compensation @hr")
    page.click("#chatter button[type=submit]")
    page.wait_for_load_state()
    assert "Message posted." in page.locator(".alert-success").inner_text()
    assert "Please check the compensation @hr" in page.locator("#chatter").inner_text()
    shot(page, "complaint-chatter-supervisor")
    # HR is told, in Chinese, and reads the comment with the activity labelled
    as_user(page, "hr")
    page.goto("/notifications")
    assert "提到了你" in page.locator("main").inner_text()
    page.goto(complaint_url)
    stream = page.locator("#chatter").inner_text()
    assert "Please check the compensation @hr" in stream and "状态" in stream and "state:" not in stream
    # the inspected department: the published inspection, its inspector by alias only; the draft does not exist
    as_user(page, "service")
    page.goto(f"/supervision/inspections/{inspections['published']}")
    text = page.locator("main").inner_text()
    assert "监察员 #1" in text and "钱进" not in text and "service2" not in text
    page.fill("#chatter textarea[name=body]", "已整改")
    page.click("#chatter button[type=submit]")
    page.wait_for_load_state()
    assert "已整改" in page.locator("#chatter").inner_text()
    shot(page, "inspection-chatter-inspected-department")
    response = page.goto(f"/supervision/inspections/{inspections['reviewed']}")
    assert response.status == 404
    # the dealer confirms receipt of the goods sent back, from the portal
    as_user(page, "dealer1")
    page.goto("/portal")
    section = page.locator("[data-key='rma.goods_back']")
    assert "退回给您的货物：请确认收货" in section.inner_text()
    row = section.locator(f"tr[data-rma='{rma_id}']")
    assert "德邦物流" in row.inner_text() and "DB-BACK-7" in row.inner_text()
    shot(page, "portal-goods-back")
    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    row.locator("button").click()
    page.wait_for_load_state()
    assert dialogs and number in dialogs[0]
    assert number in page.locator(".alert-success").inner_text()
    assert "目前没有正在退回给您的货物。" in page.locator("[data-key='rma.goods_back']").inner_text()
    page.goto(f"/rma/{rma_id}")
    assert "已确认收货" in page.locator("main").inner_text()  # the return's state: receipt confirmed
