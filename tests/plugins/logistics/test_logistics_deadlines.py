"""The filing deadline (2 working days, China's calendar) and the company-error window, at their boundaries."""
from datetime import date

import pytest

from core import settings
from core.testing import api_headers
from core.extensions import db
from core.notifications import Notification
from helpers_logistics import act, create, get
from plugins.logistics import services

# (received_on, last day to file): checked against chinesecalendar 1.11 (2026 plan: National Day
# 10-01..10-07 with make-up workdays Sun 09-20 and Sat 10-10; Mid-autumn 09-25..09-27).
BOUNDARIES = [
    (date(2026, 11, 6), date(2026, 11, 10)),   # Fri -> over the weekend -> Tue
    (date(2026, 11, 7), date(2026, 11, 10)),   # received on a Saturday: Mon is day 1, Tue day 2
    (date(2026, 9, 30), date(2026, 10, 9)),    # eve of National Day: 10-08 day 1, 10-09 day 2
    (date(2026, 10, 9), date(2026, 10, 12)),   # Fri before the make-up Saturday 10-10 (day 1), Mon day 2
    (date(2026, 9, 19), date(2026, 9, 21)),    # Sat: the make-up Sunday 09-20 counts as day 1
    (date(2026, 9, 24), date(2026, 9, 29)),    # Thu before Mid-autumn (09-25..27 off)
]


@pytest.mark.parametrize("received, deadline", BOUNDARIES)
def test_deadline_is_two_working_days(app, received, deadline):
    assert services.filing_deadline(received) == deadline


@pytest.mark.parametrize("received, deadline", BOUNDARIES)
def test_filing_on_the_last_day_is_in_time(app, client, world, clock, received, deadline):
    clock.set(received)
    rec = create(client, world["users"]["dealer1"], received_on=received.isoformat(), shipped_on=None)
    clock.set(deadline)
    r = act(client, world["users"]["dealer1"], rec, "file")
    assert r.status_code == 200, r.json
    assert r.json["state"] == "filed" and r.json["late"] is False
    assert r.json["filing_deadline"] == deadline.isoformat() and r.json["filed_on"] == deadline.isoformat()


@pytest.mark.parametrize("received, deadline", BOUNDARIES)
def test_filing_a_day_later_is_refused_and_recorded_late(app, client, world, clock, received, deadline):
    from datetime import timedelta

    clock.set(received)
    dealer = world["users"]["dealer1"]
    rec = create(client, dealer, received_on=received.isoformat(), shipped_on=None)
    clock.set(deadline + timedelta(days=1))
    r = act(client, dealer, rec, "file")
    assert r.status_code == 422
    assert r.json["error"]["code"] == "filing_late"
    assert "receiver bears the loss" in r.json["error"]["message"]
    assert "received_on" in r.json["error"]["fields"]
    after = get(client, dealer, rec["id"]).json
    assert after["state"] == "draft" and after["late"] is True
    assert after["filing_deadline"] == deadline.isoformat()


def test_weekend_day_after_deadline_is_late_too(app, client, world, clock):
    # received Wed 11-04 -> deadline Fri 11-06; filing on Sat 11-07 is late although no working day passed
    clock.set(date(2026, 11, 4))
    dealer = world["users"]["dealer1"]
    rec = create(client, dealer, received_on="2026-11-04", shipped_on=None)
    clock.set(date(2026, 11, 7))
    assert act(client, dealer, rec, "file").status_code == 422


def test_deadline_applies_only_without_a_responsible_party(app, client, world, clock):
    clock.set(date(2026, 11, 2))
    dealer = world["users"]["dealer1"]
    rec = create(client, dealer, received_on="2026-11-02", responsible_party="carrier")
    clock.set(date(2026, 11, 30))
    r = act(client, dealer, rec, "file")
    assert r.status_code == 200 and r.json["late"] is False and r.json["filing_deadline"] is None


def test_the_number_of_working_days_is_a_setting(app, client, world, clock):
    settings.set_value("logistics.filing_working_days", 3)
    db.session.commit()
    clock.set(date(2026, 11, 6))
    dealer = world["users"]["dealer1"]
    rec = create(client, dealer, received_on="2026-11-06")
    clock.set(date(2026, 11, 11))  # Wed = 3rd working day
    assert act(client, dealer, rec, "file").status_code == 200


def test_late_filing_flow(app, client, world, clock):
    dealer, order = world["users"]["dealer1"], world["users"]["order"]
    clock.set(date(2026, 11, 2))
    rec = create(client, dealer, received_on="2026-11-02")
    clock.set(date(2026, 11, 5))  # Mon 11-02 -> deadline Wed 11-04
    assert act(client, dealer, rec, "file").status_code == 422
    late = get(client, dealer, rec["id"]).json
    # the order department is told; the dealer cannot move the receipt date or delete the evidence
    assert db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.user_id == order.id)) == 1
    r = client.patch(f"/api/v1/logistics-exceptions/{rec['id']}", json={"received_on": "2026-11-04"},
                     headers=api_headers(dealer))
    assert r.status_code == 422 and "received_on" in r.json["error"]["fields"]
    r = client.delete(f"/api/v1/logistics-exceptions/{rec['id']}",
                      headers=api_headers(dealer))
    assert r.status_code == 409
    # filing again stays refused
    assert act(client, dealer, late, "file").status_code == 422
    late = get(client, dealer, rec["id"]).json
    # the dealer may not accept its own late filing; the order department needs a reason
    assert act(client, dealer, late, "accept", late_reason="x").status_code == 403
    r = act(client, order, late, "accept")
    assert r.status_code == 422 and "late_reason" in r.json["error"]["fields"]
    r = act(client, order, late, "accept", late_reason="   ")
    assert r.status_code == 422
    r = act(client, order, late, "accept", late_reason="承运商延误送达单据，特批受理")
    assert r.status_code == 200, r.json
    assert r.json["state"] == "accepted" and r.json["late"] is True
    assert r.json["late_reason"] == "承运商延误送达单据，特批受理"
    log = client.get(f"/api/v1/activity?model=logistics_exception&id={rec['id']}",
                     headers=api_headers(order)).json["items"]
    assert log[0]["action"] == "accept_late" and log[0]["comment"] == "承运商延误送达单据，特批受理"
    assert any(e["action"] == "filing_refused_late" for e in log)


def test_admin_cannot_accept_late_without_the_permission(app, client, world, clock):
    dealer, admin = world["users"]["dealer1"], world["users"]["admin"]
    clock.set(date(2026, 11, 2))
    rec = create(client, dealer, received_on="2026-11-02")
    clock.set(date(2026, 11, 9))
    act(client, dealer, rec, "file")
    rec = get(client, dealer, rec["id"]).json
    assert act(client, admin, rec, "accept", late_reason="because").status_code == 403


def test_a_late_filing_can_be_refused_and_resolved_rejected(app, client, world, clock):
    dealer, order = world["users"]["dealer1"], world["users"]["order"]
    clock.set(date(2026, 11, 2))
    rec = create(client, dealer, received_on="2026-11-02")
    clock.set(date(2026, 11, 9))
    act(client, dealer, rec, "file")
    rec = get(client, dealer, rec["id"]).json
    r = act(client, order, rec, "refuse", comment="逾期不受理")
    assert r.status_code == 200 and r.json["state"] == "refused"
    r2 = act(client, order, r.json, "resolve", outcome="credit")
    assert r2.status_code == 422 and "outcome" in r2.json["error"]["fields"]
    r2 = act(client, order, r.json, "resolve", outcome="rejected")
    assert r2.status_code == 200 and r2.json["state"] == "resolved" and r2.json["outcome"] == "rejected"


def test_a_draft_in_time_cannot_be_refused_or_accepted_before_filing(app, client, world, clock):
    dealer, order = world["users"]["dealer1"], world["users"]["order"]
    clock.set(date(2026, 11, 2))
    rec = create(client, dealer, received_on="2026-11-02")
    assert act(client, order, rec, "refuse").status_code == 409
    assert act(client, order, rec, "accept").status_code == 409


# --- the company's own mistake (004 §6 item 6) -------------------------------------------


def _company_error(client, dealer, clock, received, filed, **over):
    clock.set(received)
    fields = dict(kind="wrong_goods", responsible_party="company", unopened=True, received_on=received.isoformat(),
                  shipped_on=None, lines=[{"sku": "DL-10W", "expected_quantity": 30, "actual_quantity": 0,
                                           "description": "received PNL-600 instead"}])
    fields.update(over)
    rec = create(client, dealer, **fields)
    clock.set(filed)
    r = act(client, dealer, rec, "file")
    assert r.status_code == 200, r.json
    return r.json


def test_company_error_reported_on_the_second_day_is_unconditional(app, client, world, clock):
    dealer, order = world["users"]["dealer1"], world["users"]["order"]
    rec = _company_error(client, dealer, clock, date(2026, 11, 6), date(2026, 11, 8))  # calendar days, Sunday too
    assert rec["unconditional"] is True
    assert act(client, order, rec, "refuse").status_code == 409
    rec = act(client, order, rec, "accept").json
    for outcome in ("rejected", "carrier_claim"):
        r = act(client, order, rec, "resolve", outcome=outcome, **({"claim_amount": "10.00"} if outcome == "carrier_claim" else {}))
        assert r.status_code == 422 and "credit, exchange" in r.json["error"]["fields"]["outcome"]
    r = act(client, order, rec, "resolve", outcome="exchange")
    assert r.status_code == 200 and r.json["outcome"] == "exchange"


def test_company_error_reported_on_the_third_day_is_not_unconditional(app, client, world, clock):
    dealer, order = world["users"]["dealer1"], world["users"]["order"]
    rec = _company_error(client, dealer, clock, date(2026, 11, 6), date(2026, 11, 9))
    assert rec["unconditional"] is False
    assert act(client, order, rec, "refuse").status_code == 200


@pytest.mark.parametrize("over", [{"unopened": False}, {"responsible_party": "carrier"},
                                  {"kind": "short", "lines": [{"sku": "DL-10W", "expected_quantity": 3, "actual_quantity": 1}]}])
def test_unconditional_needs_wrong_goods_by_the_company_unopened(app, client, world, clock, over):
    rec = _company_error(client, world["users"]["dealer1"], clock, date(2026, 11, 6), date(2026, 11, 6), **over)
    assert rec["unconditional"] is False
