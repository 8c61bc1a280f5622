"""Per-line eligibility of a return, as the return policy says. Pure functions, no database.

Every refusal is a stable code (``REASONS``) with a message in the user's language; the
numbers (hours, days) come in through ``Rules`` so they stay admin-editable settings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from core.toolkit import warranty_period
from plugins.rma.models import QUALITY_ISSUES

CHINA = ZoneInfo("Asia/Shanghai")

# code -> message; blocking codes make a line "not accepted"
REASONS = {
    "no_warranty_date": _l("Give at least the production date so the warranty can be computed."),
    "out_of_warranty": _l("Out of warranty: this line can only be filed as a paid repair."),
    "order_mismatch_late": _l("An order mismatch must be reported within %(hours)s hours of receipt."),
    "order_mismatch_used": _l("An order mismatch is accepted only for unused goods."),
    "received_date_required": _l("Give the date you received the goods."),
    "company_error_late": _l("A shipping or order-entry error must be reported within %(days)s days of receipt."),
    "company_error_opened": _l("A shipping or order-entry error is accepted only with the package unopened."),
    "unpacking_damage_installed": _l("Damage found on unpacking must be reported before installation."),
    "sample": _l("Samples are not accepted unless the cause is product quality."),
    "installed": _l("Installed or used products are not accepted unless the cause is product quality."),
    "discontinued": _l("Discontinued products are not accepted unless the cause is product quality."),
    "special_order": _l("Special-order products are not accepted unless the cause is product quality."),
    "scrap": _l("Scrap is not accepted unless the cause is product quality."),
    "mixed_brand": _l("Products assembled with other brands are not accepted unless the cause is product quality."),
    "whole_unit": _l("Whole lamps are not taken back (only parts are serviced) unless the cause is product quality."),
    "future_date": _l("A date lies in the future."),
    "dealer_disqualified": _l("Your dealer qualification was cancelled; you cannot file returns."),
}
WARNINGS = {
    "label_not_intact": _l("The product label is torn or altered: service may be refused."),
}


def message(code: str, **params) -> str:
    text = REASONS.get(code) or WARNINGS.get(code)
    if text is None:  # a code added by another plugin through rma_line_checks
        return code
    text = str(text)
    try:
        return text % params if params else text.replace("%(hours)s", "").replace("%(days)s", "")
    except (KeyError, ValueError):
        return text


@dataclass(frozen=True)
class Rules:
    order_mismatch_hours: int = 24
    company_error_days: int = 2


@dataclass
class LineFacts:
    """What eligibility needs to know about one line (from a form, a JSON body or a RmaLine)."""
    issue: str
    warranty_months: int
    production_date: date | None = None
    purchase_date: date | None = None
    sale_date: date | None = None
    received_date: date | None = None
    received_time: datetime | None = None
    opened: bool = False
    installed: bool = False
    sample: bool = False
    special_order: bool = False
    scrap: bool = False
    mixed_brand: bool = False
    whole_unit: bool = False
    label_intact: bool = True
    discontinued: bool = False
    whole_unit_allowed: bool = False  # the category accepts whole units


@dataclass
class Eligibility:
    accepted: bool
    in_warranty: bool
    warranty_start: date | None
    warranty_end: date | None
    basis: str | None
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"accepted": self.accepted, "in_warranty": self.in_warranty,
                "warranty_start": self.warranty_start.isoformat() if self.warranty_start else None,
                "warranty_end": self.warranty_end.isoformat() if self.warranty_end else None,
                "basis": self.basis, "reasons": list(self.reasons), "warnings": list(self.warnings)}


def warranty(facts: LineFacts) -> tuple[date | None, date | None, str | None]:
    """(start, last covered day, basis): the toolkit's rule, shared with service requests."""
    return warranty_period(facts.warranty_months, purchase_date=facts.purchase_date, sale_date=facts.sale_date,
                           production_date=facts.production_date)


def china_today(now: datetime) -> date:
    return now.astimezone(CHINA).date()


def receipt_moment(facts: LineFacts) -> datetime | None:
    """When the goods arrived: the exact time when known, else the end of the receipt day (China time)."""
    return _receipt_moment(facts.received_time, facts.received_date)


def _receipt_moment(received_time: datetime | None, received_date: date | None) -> datetime | None:
    if received_time is not None:
        return received_time
    if received_date is not None:
        return datetime.combine(received_date + timedelta(days=1), time(0), tzinfo=CHINA)
    return None


def late_receipt(facts, now: datetime, rules: Rules) -> bool | None:
    """For an order mismatch: whether ``now`` is past the deadline after receipt (None when the receipt
    is unknown, or for any other issue). The only part of a judgement that needs more of ``now`` than
    its day in China; ``facts`` may be any object with the ``LineFacts`` names used here."""
    if facts.issue != "order_mismatch":
        return None
    return late_mismatch(facts.received_time, facts.received_date, now, rules.order_mismatch_hours)


def late_mismatch(received_time: datetime | None, received_date: date | None, now: datetime,
                  hours: int) -> bool | None:
    """``late_receipt`` of an order mismatch from its receipt (``received_time`` aware) and the rule's
    hours: the list read calls it for mismatch lines only, other lines cost no call."""
    moment = _receipt_moment(received_time, received_date)
    return None if moment is None else now > moment + timedelta(hours=hours)


def evaluate(facts: LineFacts, now: datetime, rules: Rules = Rules()) -> Eligibility:
    """The eligibility of one line filed at ``now`` (an aware datetime)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return judge(facts, china_today(now), late_receipt(facts, now, rules), rules)


def judge(facts: LineFacts, today: date, late: bool | None, rules: Rules = Rules()) -> Eligibility:
    """The eligibility of one line filed on ``today`` (China) with ``late`` from ``late_receipt``: a
    function of its arguments alone, so the same arguments may share one result."""
    reasons: list[str] = []
    warnings: list[str] = []
    start, end, basis = warranty(facts)
    quality = facts.issue in QUALITY_ISSUES
    for d in (facts.production_date, facts.purchase_date, facts.sale_date, facts.received_date):
        if d is not None and d > today:
            reasons.append("future_date")
            break
    in_warranty = end is not None and today <= end
    if start is None and facts.issue != "recall":
        reasons.append("no_warranty_date")
    elif not in_warranty and facts.issue not in ("paid_repair", "recall"):
        reasons.append("out_of_warranty")
    if facts.issue == "order_mismatch":
        if late is None:
            reasons.append("received_date_required")
        elif late:
            reasons.append("order_mismatch_late")
        if facts.installed:
            reasons.append("order_mismatch_used")
    if facts.issue == "company_error":
        if facts.received_date is None:
            reasons.append("received_date_required")
        elif today > facts.received_date + timedelta(days=rules.company_error_days):
            reasons.append("company_error_late")
        if facts.opened:
            reasons.append("company_error_opened")
    if facts.issue == "unpacking_damage" and facts.installed:
        reasons.append("unpacking_damage_installed")
    if not quality:
        for flag in ("sample", "installed", "special_order", "scrap", "mixed_brand"):
            if getattr(facts, flag) and not (flag == "installed" and "order_mismatch_used" in reasons):
                reasons.append(flag)
        if facts.discontinued:
            reasons.append("discontinued")
        if facts.whole_unit and not facts.whole_unit_allowed:
            reasons.append("whole_unit")
    if not facts.label_intact:
        warnings.append("label_not_intact")
    return Eligibility(accepted=not reasons, in_warranty=in_warranty, warranty_start=start, warranty_end=end,
                       basis=basis, reasons=reasons, warnings=warnings)
