"""GB/T 27922 arithmetic: the score of an assessment, its level, area and indicator subtotals.

Pure functions over plain numbers (no database), so the boundaries can be tested exactly.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from core.toolkit import settings

ZERO = Decimal("0")
TENTH = Decimal("0.1")
HUNDRED = Decimal("100")
LEVEL_SETTINGS = (("five_star", "certification.level_five_star"), ("four_star", "certification.level_four_star"),
                  ("three_star", "certification.level_three_star"), ("compliant", "certification.level_compliant"))


def one_decimal(value: Decimal) -> Decimal:
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


def score(items, bonuses: int, deductions: int, bonus_points: Decimal = Decimal("1"),
          deduction_points: Decimal = Decimal("1")) -> Decimal:
    """Points / applicable maximum x 100 + bonus - deductions, to one decimal, kept within 0..100.

    ``items`` are objects with ``points`` (None counts 0), ``max_points`` and ``not_applicable``.
    """
    applicable = [i for i in items if not i.not_applicable]
    maximum = sum((Decimal(i.max_points) for i in applicable), ZERO)
    points = sum((Decimal(i.points or 0) for i in applicable), ZERO)
    base = points / maximum * HUNDRED if maximum else ZERO
    total = base + Decimal(bonus_points) * bonuses - Decimal(deduction_points) * deductions
    return min(HUNDRED, max(ZERO, one_decimal(total)))


def thresholds() -> list[tuple[str, Decimal]]:
    return [(level, Decimal(str(settings.get(key)))) for level, key in LEVEL_SETTINGS]


def level(value: Decimal, limits: list[tuple[str, Decimal]] | None = None) -> str:
    """The level a score reaches: >= 95 five stars, >= 90 four, >= 80 three, >= 70 compliant."""
    for name, minimum in limits or thresholds():
        if value >= minimum:
            return name
    return "not_compliant"


def subtotals(items, key) -> list[dict]:
    """Points and applicable maximum grouped by ``key(item)``, in first-seen order."""
    groups: dict[str, dict] = {}
    for i in items:
        g = groups.setdefault(key(i), {"code": key(i), "points": ZERO, "max_points": ZERO, "applicable_max": ZERO})
        g["max_points"] += Decimal(i.max_points)
        if not i.not_applicable:
            g["applicable_max"] += Decimal(i.max_points)
            g["points"] += Decimal(i.points or 0)
    for g in groups.values():
        g["percent"] = one_decimal(g["points"] / g["applicable_max"] * HUNDRED) if g["applicable_max"] else None
    return list(groups.values())
