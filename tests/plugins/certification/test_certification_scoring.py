"""Score arithmetic (N/A out of the denominator, bonus, deductions) and every level boundary."""
from decimal import Decimal
from types import SimpleNamespace

import pytest

from plugins.certification import scoring
from plugins.certification.criteria import CRITERIA

LIMITS = [("five_star", Decimal("95")), ("four_star", Decimal("90")), ("three_star", Decimal("80")),
          ("compliant", Decimal("70"))]


def item(points, maximum=100, na=False):
    return SimpleNamespace(points=None if points is None else Decimal(str(points)), max_points=Decimal(str(maximum)),
                           not_applicable=na)


def test_seeded_model_is_three_areas_fifteen_indicators_total_100():
    assert sum(c[2] for c in CRITERIA) == 100
    assert {c[1][0] for c in CRITERIA} == {"A", "B", "C"}
    assert len({c[1] for c in CRITERIA}) == 15


@pytest.mark.parametrize("score,level", [
    ("0", "not_compliant"), ("69.9", "not_compliant"), ("70.0", "compliant"), ("79.9", "compliant"),
    ("80.0", "three_star"), ("89.9", "three_star"), ("90.0", "four_star"), ("94.9", "four_star"),
    ("95.0", "five_star"), ("100", "five_star")])
def test_level_boundaries(score, level):
    assert scoring.level(Decimal(score), LIMITS) == level


@pytest.mark.parametrize("points,bonus,deductions,expected", [
    ("69.9", 0, 0, "69.9"), ("70.0", 0, 0, "70.0"), ("68.9", 1, 0, "69.9"), ("69.0", 1, 0, "70.0"),
    ("80.9", 0, 1, "79.9"), ("81.0", 0, 1, "80.0"), ("90.9", 0, 2, "88.9"), ("89.0", 1, 0, "90.0"),
    ("95.9", 0, 1, "94.9"), ("94.0", 1, 0, "95.0"), ("79.9", 0, 0, "79.9"), ("89.9", 0, 0, "89.9")])
def test_bonus_and_deductions_at_the_boundaries(points, bonus, deductions, expected):
    assert scoring.score([item(points)], bonus, deductions) == Decimal(expected)


def test_not_applicable_leaves_the_denominator_and_rounding_is_half_up():
    # 62.9 of an applicable 90 = 69.888.. -> 69.9 (the N/A 10 points do not count)
    items = [item("62.9", 90), item(None, 10, na=True)]
    assert scoring.score(items, 0, 0) == Decimal("69.9")
    assert scoring.level(scoring.score(items, 0, 0), LIMITS) == "not_compliant"
    # 63 of 90 = 70.0
    assert scoring.score([item("63", 90), item("5", 10, na=True)], 0, 0) == Decimal("70.0")
    # 1 of 3 = 33.333 -> 33.3; 2 of 3 = 66.666 -> 66.7
    assert scoring.score([item("1", 3)], 0, 0) == Decimal("33.3")
    assert scoring.score([item("2", 3)], 0, 0) == Decimal("66.7")
    # unscored counts 0; everything N/A gives 0 (no division by zero)
    assert scoring.score([item(None, 50), item("50", 50)], 0, 0) == Decimal("50.0")
    assert scoring.score([item(None, 50, na=True)], 0, 0) == Decimal("0")


def test_score_stays_within_0_and_100():
    assert scoring.score([item("100")], 1, 0) == Decimal("100")
    assert scoring.score([item("0")], 0, 3) == Decimal("0")


def test_subtotals_by_group():
    items = [SimpleNamespace(points=Decimal("2"), max_points=Decimal("3"), not_applicable=False, g="A"),
             SimpleNamespace(points=None, max_points=Decimal("2"), not_applicable=True, g="A"),
             SimpleNamespace(points=Decimal("4"), max_points=Decimal("4"), not_applicable=False, g="B")]
    a, b = scoring.subtotals(items, lambda i: i.g)
    assert (a["points"], a["max_points"], a["applicable_max"], a["percent"]) == (2, 5, 3, Decimal("66.7"))
    assert b["percent"] == Decimal("100.0")


def test_levels_follow_the_settings(app):
    from core import settings
    from core.extensions import db

    settings.set_value("certification.level_three_star", "85")
    db.session.commit()
    assert scoring.level(Decimal("84.9")) == "compliant"
    assert scoring.level(Decimal("85.0")) == "three_star"
