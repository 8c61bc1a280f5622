"""The eligibility engine alone: every rule at its boundaries (pure functions, no database)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from core.toolkit import add_months
from plugins.rma.eligibility import CHINA, LineFacts, Rules, evaluate, warranty

NOW = datetime(2026, 6, 15, 4, 0, tzinfo=timezone.utc)  # 12:00 in China
TODAY = date(2026, 6, 15)


def facts(**kw):
    data = {"issue": "quality_defect", "warranty_months": 36, "production_date": date(2025, 1, 1)}
    data.update(kw)
    return LineFacts(**data)


def test_warranty_basis_voucher_then_label_then_production():
    f = facts(purchase_date=date(2025, 3, 1), sale_date=date(2025, 2, 1))
    assert warranty(f) == (date(2025, 3, 1), date(2028, 2, 29), "purchase_voucher")
    assert warranty(facts(sale_date=date(2025, 2, 1)))[2] == "sale_label"
    assert warranty(facts()) == (date(2025, 1, 1), date(2027, 12, 31), "production")
    assert warranty(facts(production_date=None)) == (None, None, None)


def test_month_arithmetic_clamps_month_end():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)


def test_last_day_of_warranty_is_covered_and_the_next_is_not():
    # 3 years from 2023-06-15: covered through 2026-06-14
    start = date(2023, 6, 15)
    on_last = evaluate(facts(production_date=start), datetime(2026, 6, 14, 15, 0, tzinfo=timezone.utc))  # 23:00 China
    assert on_last.in_warranty and on_last.accepted and on_last.warranty_end == date(2026, 6, 14)
    after = evaluate(facts(production_date=start), datetime(2026, 6, 14, 16, 0, tzinfo=timezone.utc))  # 00:00 China, 15th
    assert not after.in_warranty and after.reasons == ["out_of_warranty"]


def test_rigid_strip_has_two_years():
    r = evaluate(facts(warranty_months=24, production_date=date(2024, 6, 15)), NOW)
    assert not r.in_warranty and "out_of_warranty" in r.reasons
    r = evaluate(facts(warranty_months=24, production_date=date(2024, 6, 16)), NOW)
    assert r.in_warranty and r.accepted


def test_out_of_warranty_only_as_paid_repair():
    old = facts(production_date=date(2020, 1, 1))
    assert evaluate(old, NOW).reasons == ["out_of_warranty"]
    paid = evaluate(facts(production_date=date(2020, 1, 1), issue="paid_repair"), NOW)
    assert paid.accepted and not paid.in_warranty


def test_no_date_at_all_is_refused():
    assert evaluate(facts(production_date=None), NOW).reasons == ["no_warranty_date"]


def test_order_mismatch_24_hours_with_time():
    received = NOW - timedelta(hours=24)
    ok = evaluate(facts(issue="order_mismatch", received_date=received.astimezone(CHINA).date(),
                        received_time=received), NOW)
    assert ok.accepted
    late = evaluate(facts(issue="order_mismatch", received_date=received.date(),
                          received_time=received - timedelta(seconds=1)), NOW)
    assert late.reasons == ["order_mismatch_late"]


def test_order_mismatch_date_only_counts_from_end_of_receipt_day():
    # received 2026-06-14 (China): window ends 2026-06-16 00:00 China = 2026-06-15 16:00 UTC
    f = facts(issue="order_mismatch", received_date=date(2026, 6, 14))
    assert evaluate(f, datetime(2026, 6, 15, 16, 0, tzinfo=timezone.utc)).accepted
    assert evaluate(f, datetime(2026, 6, 15, 16, 0, 1, tzinfo=timezone.utc)).reasons == ["order_mismatch_late"]


def test_order_mismatch_needs_receipt_date_and_unused_goods():
    assert evaluate(facts(issue="order_mismatch"), NOW).reasons == ["received_date_required"]
    r = evaluate(facts(issue="order_mismatch", received_date=TODAY, installed=True), NOW)
    assert r.reasons == ["order_mismatch_used"]


def test_company_error_two_days_and_unopened():
    assert evaluate(facts(issue="company_error", received_date=TODAY - timedelta(days=2)), NOW).accepted
    late = evaluate(facts(issue="company_error", received_date=TODAY - timedelta(days=3)), NOW)
    assert late.reasons == ["company_error_late"]
    opened = evaluate(facts(issue="company_error", received_date=TODAY, opened=True), NOW)
    assert opened.reasons == ["company_error_opened"]


def test_windows_follow_the_rules_given():
    f = facts(issue="company_error", received_date=TODAY - timedelta(days=3))
    assert evaluate(f, NOW, Rules(order_mismatch_hours=24, company_error_days=3)).accepted


@pytest.mark.parametrize("flag", ["sample", "installed", "special_order", "scrap", "mixed_brand"])
def test_not_accepted_kinds_unless_quality(flag):
    assert evaluate(facts(issue="company_error", received_date=TODAY, **{flag: True}), NOW).reasons == [flag]
    assert evaluate(facts(issue="quality_defect", **{flag: True}), NOW).accepted


def test_discontinued_and_whole_unit_unless_quality():
    assert evaluate(facts(issue="paid_repair", discontinued=True), NOW).reasons == ["discontinued"]
    assert evaluate(facts(issue="doa", discontinued=True), NOW).accepted
    assert evaluate(facts(issue="paid_repair", whole_unit=True), NOW).reasons == ["whole_unit"]
    assert evaluate(facts(issue="paid_repair", whole_unit=True, whole_unit_allowed=True), NOW).accepted
    assert evaluate(facts(issue="safety", whole_unit=True), NOW).accepted


def test_unpacking_damage_must_be_before_installation():
    assert evaluate(facts(issue="unpacking_damage", installed=True), NOW).reasons == ["unpacking_damage_installed"]


def test_torn_label_is_flagged_not_refused():
    r = evaluate(facts(label_intact=False), NOW)
    assert r.accepted and r.warnings == ["label_not_intact"]


def test_recall_is_taken_back_out_of_warranty():
    assert evaluate(facts(issue="recall", production_date=date(2019, 1, 1)), NOW).accepted


def test_future_dates_are_refused():
    assert "future_date" in evaluate(facts(production_date=TODAY + timedelta(days=1)), NOW).reasons
