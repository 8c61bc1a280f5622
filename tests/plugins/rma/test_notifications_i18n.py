"""Notifications are written in each recipient's language, not the actor's."""
from datetime import date

from core.extensions import db

from .test_workflow_api import act, file, notified, walk_to


def test_each_recipient_reads_its_own_language(app, client, world):
    w = world
    w.users["rm_east"].language = "zh_CN"
    w.users["order"].language = "zh_CN"
    w.users["order2"].language = "en"
    w.users["d1"].language = "en"
    w.users["tech"].language = "zh_CN"
    db.session.commit()
    rma = file(client, w)  # d1 (English) submits: the Chinese-speaking manager reads Chinese
    assert notified("rm_east") == ["待审核退货:东方照明"]
    rma = act(client, w, "rm_east", rma, "review")  # a Chinese actor notifies two order users, one each language
    assert notified("order") == ["待审批退货:东方照明"]
    assert notified("order2") == ["Return to approve: 东方照明"]
    rma = act(client, w, "order", rma, "approve")  # Chinese actor, English dealer
    number = f"RMA-{date.today().year}-000001"
    assert notified("d1")[-1] == f"Return {number} approved: print the box labels and ship it."
    rma = act(client, w, "d1", rma, "ship", boxes=1, carrier="SF", tracking="1")
    rma = act(client, w, "order2", rma, "receive", boxes_received=1,
              lines=[{"line_id": l["id"], "received_quantity": l["quantity"]} for l in rma["lines"]])
    assert notified("tech") == [f"退货 {number} 已签收:请鉴定"]


def test_rejection_in_the_dealers_language_with_the_reason_as_typed(app, client, world):
    w = world
    w.users["d1"].language = "zh_CN"
    db.session.commit()
    rma = walk_to(client, w, "submitted")
    act(client, w, "rm_east", rma, "reject", reason="照片不清楚")
    from sqlalchemy import select

    from core.notifications import Notification
    from flask_babel import force_locale

    n = db.session.scalars(select(Notification).where(Notification.user_id == w.users["d1"].id)).all()[-1]
    with force_locale("zh_CN"):
        assert (n.display_title, n.display_body) == (f"您的退货申请 {rma['filing_number']} 被驳回", "原因：照片不清楚")
    with force_locale("en"):  # the same notification reads in English once the dealer switches
        assert n.display_title == f"Your return {rma['filing_number']} was rejected"


def test_overdue_reminder_from_the_cli_uses_each_language(app, client, world):
    from datetime import timedelta

    from plugins.rma import services

    w = world
    w.users["order"].language = "zh_CN"
    db.session.commit()
    rma = walk_to(client, w, "received")
    services.remind_overdue(today=date.today() + timedelta(days=30))
    db.session.commit()
    zh, en = notified("order")[-1], notified("order2")[-1]
    assert zh.startswith(f"退货 {rma['number']} 已逾期"), zh
    assert en.startswith(f"Return {rma['number']} is overdue"), en
