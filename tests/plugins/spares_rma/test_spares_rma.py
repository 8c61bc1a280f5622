"""Chargebacks at the boundaries of the rule, their decision, the RMA panel and replacement issues."""
from datetime import timedelta

from flask_login import login_user

from core.extensions import db
from core.notifications import Notification
from core.testing import api_headers
from plugins.spares import services as spares
from plugins.spares.schemas import ApplicationIn
from plugins.spares_rma.models import Chargeback



def make_rma(dealer, filed, lines, state="inspected"):
    """An RMA as the rma plugin leaves it after inspection (built directly: only its documented columns)."""
    from core.extensions import db
    from plugins.rma.models import Rma, RmaLine

    rma = Rma(number=f"RMA-T-{dealer.code}-{filed.timestamp():.0f}-{len(lines)}", dealer_id=dealer.id, state=state,
              submitted_at=filed)
    rma.lines = [RmaLine(product_id=l["product"].id, quantity=l.get("quantity", 1), issue="quality_defect",
                         whole_unit=l.get("whole_unit", True), verdict=l.get("verdict", "quality_fault"),
                         received_quantity=l.get("received_quantity")) for l in lines]
    db.session.add(rma)
    db.session.commit()
    return rma


def resolve(rma, resolutions, actor):
    """Resolve the lines and fire ``rma_state_changed`` after commit, as the rma workflow does."""
    from core import events
    from core.extensions import db

    for line, resolution in zip(rma.lines, resolutions):
        line.resolution = resolution
    old, rma.state = rma.state, "resolved"
    events.emit("rma_state_changed", rma=rma, old_state=old, new_state="resolved", actor=actor)
    events.commit()
    db.session.expire_all()


def report(world, dealer, qty, on, created=None):
    r = spares.create_stock_report(dealer, on, [("DRV", qty)])
    r.created_at = created or (world.filed - timedelta(hours=1))  # entered before the RMA was filed
    db.session.commit()
    return r


def chargebacks():
    db.session.expire_all()
    return db.session.scalars(db.select(Chargeback).order_by(Chargeback.id)).all()


def test_chargeback_proposed_for_whole_unit_replace_when_short_and_no_application(app, client, world):
    report(world, world.d1, 1, world.filed.date() - timedelta(days=3))
    rma = make_rma(world.d1, world.filed, [{"product": world.lamp, "quantity": 2, "received_quantity": 3}])
    resolve(rma, ["replace"], world.admin)
    [cb] = chargebacks()
    assert (cb.rma_id, cb.rma_line_id, cb.dealer_id, cb.state) == (rma.id, rma.lines[0].id, world.d1.id, "proposed")
    assert str(cb.amount) == "804.00"  # head office's count (3) x unit price
    r = client.get("/api/v1/spare-chargebacks", headers=api_headers(world.order)).json["items"]
    assert r[0]["sku"] == "LAMP" and r[0]["amount"] == "804.00" and r[0]["part_skus"] == ["DRV"]
    assert r[0]["dealer_code"] == "D1" and r[0]["actions"] == ["confirm", "waive"] and r[0]["grounds"]
    assert r[0]["shortfall"] == [{"sku": "DRV", "required": 2, "on_hand": 1,
                                  "reported_on": (world.filed.date() - timedelta(days=3)).isoformat()}]
    notes = db.session.scalars(db.select(Notification)).all()
    assert [n.user_id for n in notes] == [world.order.id]


def test_credit_counts_and_no_report_counts_as_nothing_on_hand(app, world):
    rma = make_rma(world.d1, world.filed, [{"product": world.lamp}])
    resolve(rma, ["credit"], world.admin)
    assert len(chargebacks()) == 1


def test_no_chargeback_at_exactly_required(app, world):
    report(world, world.d1, 2, world.filed.date() - timedelta(days=1))
    resolve(make_rma(world.d1, world.filed, [{"product": world.lamp}]), ["replace"], world.admin)
    assert chargebacks() == []


def test_no_chargeback_for_part_lines_repairs_or_unobliged_dealers(app, world):
    resolve(make_rma(world.d1, world.filed, [{"product": world.lamp, "whole_unit": False}]), ["replace"], world.admin)
    resolve(make_rma(world.d1, world.filed + timedelta(seconds=1), [{"product": world.lamp}]), ["repair"], world.admin)
    spares.create_obligation({"sku": "DRV", "quantity": 0, "dealer_code": "D2"})
    db.session.commit()
    resolve(make_rma(world.d2, world.filed, [{"product": world.lamp}]), ["replace"], world.admin)
    # a product whose parts carry no obligation
    frame_only = make_rma(world.d1, world.filed + timedelta(seconds=2), [{"product": world.frame}])
    resolve(frame_only, ["replace"], world.admin)
    assert chargebacks() == []


def test_an_application_before_filing_clears_the_dealer_one_after_does_not(app, world):
    app_before = spares.create_application(ApplicationIn(lines=[{"sku": "DRV", "quantity": 2}], reason="stock"), world.u1)
    app_before.submitted_at = world.filed - timedelta(minutes=1)
    db.session.commit()
    resolve(make_rma(world.d1, world.filed, [{"product": world.lamp}]), ["replace"], world.admin)
    assert chargebacks() == []
    # D2 applied only after filing: too late
    later = spares.create_application(ApplicationIn(lines=[{"sku": "DRV", "quantity": 2}], reason="late"), world.u2)
    later.submitted_at = world.filed + timedelta(minutes=1)
    db.session.commit()
    resolve(make_rma(world.d2, world.filed, [{"product": world.lamp}]), ["replace"], world.admin)
    assert [c.dealer_id for c in chargebacks()] == [world.d2.id]


def test_reports_entered_after_filing_are_ignored(app, world):
    report(world, world.d1, 0, world.filed.date() - timedelta(days=5))
    # back-dated after the RMA was filed, claiming enough stock: does not count
    report(world, world.d1, 9, world.filed.date() - timedelta(days=1), created=world.filed + timedelta(hours=1))
    resolve(make_rma(world.d1, world.filed, [{"product": world.lamp}]), ["replace"], world.admin)
    [cb] = chargebacks()
    assert [(p["on_hand"], p["reported_on"]) for p in cb.shortfall] == [(0, (world.filed.date() - timedelta(days=5)).isoformat())]


def test_only_resolution_triggers_and_only_once(app, world):
    from core import events

    rma = make_rma(world.d1, world.filed, [{"product": world.lamp}])
    rma.lines[0].resolution = "replace"
    events.emit("rma_state_changed", rma=rma, old_state="received", new_state="inspected", actor=world.admin)
    events.commit()
    assert chargebacks() == []
    resolve(rma, ["replace"], world.admin)
    events.emit("rma_state_changed", rma=rma, old_state="resolved", new_state="resolved", actor=world.admin)
    events.commit()
    assert len(chargebacks()) == 1


def test_confirm_and_waive_with_reason_and_record_rules(app, client, world):
    resolve(make_rma(world.d1, world.filed, [{"product": world.lamp}]), ["replace"], world.admin)
    resolve(make_rma(world.d2, world.filed, [{"product": world.lamp}]), ["credit"], world.admin)
    cb1, cb2 = chargebacks()
    h1, ho = api_headers(world.u1), api_headers(world.order)
    assert [c["id"] for c in client.get("/api/v1/spare-chargebacks", headers=h1).json["items"]] == [cb1.id]
    assert client.get(f"/api/v1/spare-chargebacks/{cb2.id}", headers=h1).status_code == 404
    assert client.post(f"/api/v1/spare-chargebacks/{cb2.id}/confirm", json={"reason": "x"}, headers=h1).status_code == 404
    assert client.post(f"/api/v1/spare-chargebacks/{cb1.id}/confirm", json={"reason": "x"}, headers=h1).status_code == 403
    r = client.post(f"/api/v1/spare-chargebacks/{cb1.id}/confirm", json={}, headers=ho)
    assert r.status_code == 422 and "reason" in r.json["error"]["fields"]
    r = client.post(f"/api/v1/spare-chargebacks/{cb1.id}/confirm", json={"reason": "no stock held", "version": 99}, headers=ho)
    assert r.status_code == 409
    r = client.post(f"/api/v1/spare-chargebacks/{cb1.id}/confirm", json={"reason": "no stock held"}, headers=ho)
    assert r.status_code == 200 and r.json["state"] == "confirmed" and r.json["reason"] == "no stock held"
    assert r.json["decided_by"] == "order" and r.json["actions"] == []
    assert client.post(f"/api/v1/spare-chargebacks/{cb1.id}/waive", json={"reason": "x"}, headers=ho).status_code == 409
    r = client.post(f"/api/v1/spare-chargebacks/{cb2.id}/waive", json={"reason": "first case"}, headers=ho)
    assert r.json["state"] == "waived"
    assert client.get("/api/v1/spare-chargebacks?state=waived", headers=ho).json["total"] == 1
    acts = client.get(f"/api/v1/activity?model=spares_rma_chargeback&id={cb1.id}", headers=ho).json["items"]
    assert [a["action"] for a in acts] == ["confirm", "spares_rma.proposed"]


def test_rma_panel_slot_and_pages(app, client, world):
    from core.testing import login_as
    from core.web import render_slot

    rma = make_rma(world.d1, world.filed, [{"product": world.lamp}])
    resolve(rma, ["replace"], world.admin)
    with app.test_request_context("/"):
        login_user(db.session.get(type(world.order), world.order.id))
        html = str(render_slot("rma_detail_panels", record=db.session.get(type(rma), rma.id)))
    assert "spares-rma-panel" in html and "268.00" in html and f"/spares-rma/rmas/{rma.id}/issue" not in html
    with app.test_request_context("/"):
        login_user(db.session.get(type(world.service), world.service.id))
        html = str(render_slot("rma_detail_panels", record=db.session.get(type(rma), rma.id)))
    assert f"/spares-rma/rmas/{rma.id}/issue" in html  # customer service may issue a replacement part
    login_as(client, "order")
    page = client.get("/spares-rma/chargebacks/")
    assert page.status_code == 200 and "LAMP" in page.get_data(as_text=True)
    cb = chargebacks()[0]
    r = client.post(f"/spares-rma/chargebacks/{cb.id}/waive", data={"reason": "", "version": cb.version})
    assert r.status_code == 302 and chargebacks()[0].state == "proposed"
    client.post(f"/spares-rma/chargebacks/{cb.id}/waive", data={"reason": "goodwill", "version": cb.version})
    assert chargebacks()[0].state == "waived"
    assert client.get("/").status_code == 200


def test_application_rma_id_is_validated_with_the_link(app, client, world):
    own = make_rma(world.d1, world.filed, [{"product": world.lamp}])
    other = make_rma(world.d2, world.filed, [{"product": world.lamp}])
    h1 = api_headers(world.u1)
    body = {"lines": [{"sku": "DRV", "quantity": 1}], "reason": "r"}
    r = client.post("/api/v1/spare-applications", json={**body, "rma_id": other.id}, headers=h1)
    assert r.status_code == 422 and "rma_id" in r.json["error"]["fields"]
    assert client.post("/api/v1/spare-applications", json={**body, "rma_id": 9999}, headers=h1).status_code == 422
    r = client.post("/api/v1/spare-applications", json={**body, "rma_id": own.id}, headers=h1)
    assert r.status_code == 201 and r.json["rma_id"] == own.id


def test_replacement_issue_for_a_resolved_rma(app, client, world):
    spares.move_stock(world.drv, 1, "receipt")
    spares.move_stock(world.drv, 1, "repaired_return", pool="repaired")
    db.session.commit()
    hs = api_headers(world.service)
    open_rma = make_rma(world.d1, world.filed, [{"product": world.lamp}])
    r = client.post("/api/v1/spare-rma-issues", json={"rma_id": open_rma.id, "rma_line_id": open_rma.lines[0].id,
                                                      "sku": "DRV", "quantity": 1}, headers=hs)
    assert r.status_code == 409
    warranty = make_rma(world.d1, world.filed + timedelta(seconds=1), [{"product": world.lamp, "whole_unit": False}])
    resolve(warranty, ["replace"], world.admin)
    line_id = warranty.lines[0].id
    r = client.post("/api/v1/spare-rma-issues", json={"rma_id": warranty.id, "rma_line_id": line_id, "sku": "FRAME",
                                                      "quantity": 1}, headers=hs)
    assert r.status_code == 422 and "sku" in r.json["error"]["fields"]
    r = client.post("/api/v1/spare-rma-issues", json={"rma_id": warranty.id, "rma_line_id": 999999, "sku": "DRV",
                                                      "quantity": 1}, headers=hs)
    assert r.status_code == 422
    r = client.post("/api/v1/spare-rma-issues", json={"rma_id": warranty.id, "rma_line_id": line_id, "sku": "DRV",
                                                      "quantity": 1}, headers=hs)
    assert r.status_code == 201 and r.json["pool"] == "repaired" and r.json["rma_id"] == warranty.id
    paid = make_rma(world.d1, world.filed + timedelta(seconds=2),
                    [{"product": world.lamp, "whole_unit": False, "verdict": "human_damage"}])
    resolve(paid, ["paid_repair"], world.admin)
    spares.move_stock(world.drv, 1, "repaired_return", pool="repaired")
    db.session.commit()
    r = client.post("/api/v1/spare-rma-issues", json={"rma_id": paid.id, "rma_line_id": paid.lines[0].id, "sku": "DRV",
                                                      "quantity": 1}, headers=hs)
    assert r.status_code == 201 and r.json["pool"] == "new"  # out of warranty: never a repaired part
    r = client.post("/api/v1/spare-rma-issues", json={"rma_id": paid.id, "rma_line_id": paid.lines[0].id, "sku": "DRV",
                                                      "quantity": 1}, headers=hs)
    assert r.status_code == 422 and r.json["error"]["code"] == "insufficient_stock"
    assert client.post("/api/v1/spare-rma-issues", json={"rma_id": paid.id, "rma_line_id": 1, "sku": "DRV", "quantity": 1},
                       headers=api_headers(world.u1)).status_code == 403


def test_spares_alone_has_no_link(app):
    from core.testing import make_app

    alone = make_app(plugins=["spares"])
    assert "spares_rma" not in alone.extensions["aftersales"].enabled_ids
    assert "spares_rma" in app.extensions["aftersales"].enabled_ids
    with alone.app_context():
        db.session.remove()
        db.engine.dispose()


def test_every_string_has_a_chinese_translation():
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parents[3] / "plugins/spares_rma/translations/zh_CN/LC_MESSAGES/messages.po"
    catalog = read_po(po.open("rb"))
    assert len(catalog) > 30 and [m.id for m in catalog if m.id and not m.string] == []
