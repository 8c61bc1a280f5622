"""The reply is due 24 CLOCK hours after receipt: nights, weekends and public holidays count."""
from datetime import datetime

import pytest

from core.testing import api_headers
from helpers_service import URL, create, get, ok
from helpers_service import CHINA


@pytest.mark.parametrize("received,checked,overdue", [
    # same day: 23:59 after receipt is in time, 24:01 is late
    ("2026-11-20T08:00:00+08:00", datetime(2026, 11, 21, 7, 59), False),
    ("2026-11-20T08:00:00+08:00", datetime(2026, 11, 21, 8, 0), False),
    ("2026-11-20T08:00:00+08:00", datetime(2026, 11, 21, 8, 1), True),
    # across midnight
    ("2026-11-19T23:30:00+08:00", datetime(2026, 11, 20, 23, 29), False),
    ("2026-11-19T23:30:00+08:00", datetime(2026, 11, 20, 23, 31), True),
    # the eve of National Day (1 Oct, a public holiday, and a Thursday): still 24 clock hours
    ("2026-09-30T20:00:00+08:00", datetime(2026, 10, 1, 19, 59), False),
    ("2026-09-30T20:00:00+08:00", datetime(2026, 10, 1, 20, 1), True),
    # a Saturday
    ("2026-11-14T10:00:00+08:00", datetime(2026, 11, 15, 10, 1), True),
])
def test_reply_due_in_clock_hours(client, world, clock, received, checked, overdue):
    cs = world["users"]["service"]
    clock.set(datetime.fromisoformat(received).astimezone(CHINA))
    rec = create(client, cs, received_at=received, purchase_date=None, sku="")
    clock.set(checked)
    got = get(client, cs, rec["id"]).json
    assert got["reply_overdue"] is overdue
    listed = client.get(URL + "?overdue=true", headers=api_headers(cs)).json["items"]
    assert [r["id"] for r in listed] == ([rec["id"]] if overdue else [])


def test_due_moment_and_setting(client, world, clock, app):
    from core.extensions import db
    from core import settings

    cs = world["users"]["service"]
    rec = create(client, cs, received_at="2026-09-30T20:00:00+08:00")
    assert rec["reply_due_at"] == "2026-10-01T12:00:00+00:00"  # 1 Oct 20:00 Beijing
    with app.app_context():
        settings.set_value("service.reply_hours", "12")
        db.session.commit()
    rec = create(client, cs, received_at="2026-11-20T01:00:00+08:00")
    assert rec["reply_due_at"] == "2026-11-20T05:00:00+00:00" and rec["reply_overdue"] is True


def test_a_late_reply_stays_flagged_and_a_timely_one_not(client, world, clock):
    cs = world["users"]["service"]
    clock.set(datetime(2026, 11, 21, 8, 30))
    late = create(client, cs, received_at="2026-11-20T08:00:00+08:00")
    timely = create(client, cs, received_at="2026-11-21T08:00:00+08:00")
    late = ok(client, cs, late, "reply", answer="x")
    timely = ok(client, cs, timely, "reply", answer="x")
    clock.set(datetime(2026, 11, 25, 8, 0))
    assert get(client, cs, late["id"]).json["reply_overdue"] is True
    assert get(client, cs, timely["id"]).json["reply_overdue"] is False


def test_queue_sorted_by_due_time(client, world, clock):
    from core.testing import login_as

    cs = world["users"]["service"]
    later = create(client, cs, received_at="2026-11-20T09:00:00+08:00", assignee="cs", customer_name="晚")
    sooner = create(client, cs, received_at="2026-11-19T20:00:00+08:00", assignee="cs", customer_name="早")
    create(client, cs, received_at="2026-11-19T19:00:00+08:00", assignee="cs2", customer_name="别人")
    login_as(client, "cs")
    page = client.get("/service/queue").get_data(as_text=True)
    assert page.index(sooner["number"]) < page.index(later["number"]) and "别人" not in page
