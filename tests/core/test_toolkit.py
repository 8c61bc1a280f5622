"""The plugins' public API: time in the business zone, months, the acting dealer, notifications
rendered in the reader's language at reading time, and exports that cannot run formulas."""
from datetime import date, datetime, timedelta, timezone

import pytest

from core import toolkit
from core.extensions import db
from core.notifications import Notification
from core.testing import login_as, make_dealer, make_user


def test_today_is_the_business_zone_date(app, monkeypatch):
    # 17:30 UTC on 31 Dec is already 1 Jan in Shanghai
    monkeypatch.setattr(toolkit, "utcnow", lambda: datetime(2026, 12, 31, 17, 30, tzinfo=timezone.utc))
    assert toolkit.today() == date(2027, 1, 1)
    toolkit.settings.set_value("core.time_zone", "UTC")
    db.session.commit()
    assert toolkit.today() == date(2026, 12, 31)


@pytest.mark.parametrize("day, months, expected", [
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2026, 11, 30), 36, date(2029, 11, 30)),
    (date(2026, 3, 15), -3, date(2025, 12, 15)),
])
def test_add_months_clamps_to_month_end(day, months, expected):
    assert toolkit.add_months(day, months) == expected


@pytest.mark.parametrize("dates, expected", [
    # the voucher wins over the sale label and the production date
    ({"purchase_date": date(2023, 11, 21), "sale_date": date(2020, 1, 1), "production_date": date(2019, 1, 1)},
     (date(2023, 11, 21), date(2026, 11, 20), "purchase_voucher")),
    ({"sale_date": date(2024, 2, 29), "production_date": date(2019, 1, 1)},
     (date(2024, 2, 29), date(2027, 2, 27), "sale_label")),  # 29 Feb + 36 months = 28 Feb, minus a day
    ({"production_date": date(2023, 11, 20)}, (date(2023, 11, 20), date(2026, 11, 19), "production")),
    ({}, (None, None, None)),
])
def test_warranty_period_one_rule_for_returns_and_service(dates, expected):
    period = toolkit.warranty_period(36, **dates)
    assert period == expected and (period.start, period.end, period.basis) == expected


def test_warranty_covers_through_the_last_day():
    period = toolkit.warranty_period(36, purchase_date=date(2023, 11, 21))
    assert period.covers(date(2026, 11, 20)) is True  # the boundary day is still covered
    assert period.covers(date(2026, 11, 21)) is False
    assert toolkit.warranty_period(24, production_date=date(2024, 11, 21)).end == date(2026, 11, 20)
    assert toolkit.warranty_period(36).covers(date(2000, 1, 1)) is False  # no date: never covered


def test_acting_dealer_one_rule(app):
    own, other = make_dealer("D1"), make_dealer("D2")
    dealer_user = make_user("shop", roles=["dealer"], dealer=own)
    staff = make_user("order", roles=["order_dept"])
    db.session.commit()
    assert toolkit.acting_dealer(dealer_user) is own
    assert toolkit.acting_dealer(dealer_user, "D1") is own
    with pytest.raises(toolkit.ValidationError) as exc:
        toolkit.acting_dealer(dealer_user, "D2")
    assert "dealer_code" in exc.value.fields
    assert toolkit.acting_dealer(staff, "D2") is other
    with pytest.raises(toolkit.ValidationError):
        toolkit.acting_dealer(staff, None)
    with pytest.raises(toolkit.ValidationError):
        toolkit.acting_dealer(staff, "NOPE")


def test_suspended_dealer_may_not_file(app):
    dealer = make_dealer("D1")
    toolkit.ensure_dealer_may_file(dealer)
    dealer.status = "suspended"
    with pytest.raises(toolkit.Conflict) as exc:
        toolkit.ensure_dealer_may_file(dealer)
    assert exc.value.code == "dealer_suspended"


def test_notification_renders_in_the_readers_language_when_read(app, client):
    user = make_user("clerk", roles=["order_dept"], language="zh_CN")
    toolkit.notify([user], toolkit.N_("Dealers"), toolkit.N_("Regions"), "/")
    db.session.commit()
    login_as(client, "clerk")
    page = client.get("/notifications").get_data(as_text=True)
    assert "经销商" in page and "区域" in page
    user.language = "en"
    db.session.commit()
    page = client.get("/notifications").get_data(as_text=True)
    assert "Dealers" in page and "经销商" not in page


def test_notify_interpolates_arguments_and_skips_inactive(app):
    user = make_user("clerk", roles=["order_dept"])
    gone = make_user("gone", roles=["order_dept"], active=False)
    toolkit.notify([user, gone, user], toolkit.N_("Return %(number)s approved"), "", "/x", number="RMA-2026-000001")
    db.session.commit()
    rows = db.session.scalars(db.select(Notification)).all()
    assert len(rows) == 1
    assert rows[0].display_title == "Return RMA-2026-000001 approved"
    assert rows[0].message["args"] == {"number": "RMA-2026-000001"}


@pytest.mark.parametrize("value", ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_neutralises_formulas(value):
    assert toolkit.safe_cell(value) == "'" + value


def test_export_response_csv_and_xlsx(app):
    from io import BytesIO

    from openpyxl import load_workbook

    with app.test_request_context():
        resp = toolkit.export_response("x", ["serial"], [["=cmd()"], ["SN1"]], "csv")
        text = resp.get_data(as_text=True)
        assert text.lstrip("\ufeff").splitlines() == ["serial", "'=cmd()", "SN1"]
        resp = toolkit.export_response("x", ["serial", "at"], [["=cmd()", datetime(2026, 1, 1, tzinfo=timezone.utc)]], "xlsx")
        ws = load_workbook(BytesIO(resp.get_data())).active
        assert ws["A2"].value == "'=cmd()"
        assert ws["B2"].value == datetime(2026, 1, 1, 8, 0)


def test_choice_declares_values_and_labels_once():
    from typing import get_args

    import pydantic

    from core.toolkit import Choice
    from plugins.rma.models import FLAGS

    kinds = Choice(("a", "Alpha"), ("b", "Beta"))
    assert list(kinds) == ["a", "b"] and "a" in kinds and "z" not in kinds and len(kinds) == 2
    assert kinds.label("b") == "Beta" and kinds.label("z") == "z" and kinds.labels == {"a": "Alpha", "b": "Beta"}
    assert kinds.choices(blank="-") == [("", "-"), ("a", "Alpha"), ("b", "Beta")]
    assert get_args(kinds.literal) == ("a", "b")

    class In(pydantic.BaseModel):
        kind: kinds.literal

    with pytest.raises(pydantic.ValidationError):
        In(kind="z")
    with pytest.raises(ValueError):
        Choice(("a", "A"), ("a", "again"))
    assert "label_intact" in FLAGS and str(FLAGS.label("opened")) == "Package opened"


def test_xlsx_export_drops_control_characters(app):
    from io import BytesIO

    from openpyxl import load_workbook

    with app.test_request_context():
        resp = toolkit.export_response("x", ["title"], [["a\x18b"]], "xlsx")
    assert load_workbook(BytesIO(resp.get_data())).active["A2"].value == "ab"


def test_rate_limited_counts_per_scope_and_address_in_the_database(app):
    from core import toolkit

    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.1.1.1"}):
        assert [toolkit.rate_limited("demo.scope", 2, 60) for _ in range(3)] == [False, False, True]
        assert toolkit.rate_limited("demo.scope", 2, 60, address="10.1.1.2") is False  # another address
        assert toolkit.rate_limited("demo.other", 2, 60) is False  # another scope


def test_add_months_is_relativedelta_on_every_day():
    """The arithmetic gives what ``relativedelta(months=n)`` gave, on every day of four years
    (leap and not) for -25..61 months."""
    from dateutil.relativedelta import relativedelta

    day = date(2023, 1, 1)
    while day < date(2027, 1, 1):
        for months in range(-25, 62, 3):
            assert toolkit.add_months(day, months) == day + relativedelta(months=months), (day, months)
        day += timedelta(days=1)


def test_add_months_century_leap_years_and_remembered_warranty():
    """Month lengths by table: 2000 is a leap year, 1900 and 2100 are not; the remembered
    warranty periods are the computed ones, whatever the argument order."""
    from dateutil.relativedelta import relativedelta

    for day in (date(1899, 2, 28), date(1999, 2, 28), date(2099, 1, 31), date(2000, 1, 31), date(1900, 1, 29)):
        for months in (1, 12, 13, 24):
            assert toolkit.add_months(day, months) == day + relativedelta(months=months), (day, months)
    first = toolkit.warranty_period(24, production_date=date(2024, 2, 29))
    assert first == (date(2024, 2, 29), date(2026, 2, 27), "production")
    assert toolkit.warranty_period(24, None, None, date(2024, 2, 29)) == first
    assert toolkit.warranty_period(12, sale_date=date(2024, 2, 29)).end == date(2025, 2, 27)
