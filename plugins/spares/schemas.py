from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from core.toolkit import ListQuery, OutSchema, Schema

Sku = Field(min_length=1, max_length=64)
Code = Field(None, max_length=32)


class ObligationIn(Schema):
    sku: str = Sku
    quantity: int = Field(ge=0, le=1_000_000)
    dealer_code: str | None = Code
    dealer_kind: Literal["dealer", "agent", "distributor"] | None = None
    abc_class: Literal["A", "B", "C"] | None = None
    region_code: str | None = Code
    note: str = Field("", max_length=300)

    @model_validator(mode="after")
    def one_scope(self):
        given = [k for k in ("dealer_code", "dealer_kind", "abc_class", "region_code") if getattr(self, k)]
        if len(given) > 1:
            raise ValueError(f"give at most one scope, not {', '.join(given)}")
        return self


class ObligationPatch(Schema):
    quantity: int | None = Field(None, ge=0, le=1_000_000)
    note: str | None = Field(None, max_length=300)


class ObligationOut(OutSchema):
    id: int
    sku: str
    part_name: str
    quantity: int
    scope: str
    dealer_code: str | None
    dealer_kind: str | None
    abc_class: str | None
    region_code: str | None
    note: str


class ObligationQuery(ListQuery):
    sku: str | None = None
    scope: Literal["dealer", "region", "abc_class", "dealer_kind", "all"] | None = None
    dealer_code: str | None = None


class RuleOut(OutSchema):
    id: int
    scope: str
    value: str | None
    quantity: int
    why: str


class ComplianceLineOut(OutSchema):
    sku: str
    part_name: str
    required: int
    on_hand: int
    compliant: bool
    rule: RuleOut


class ComplianceOut(OutSchema):
    dealer_code: str
    reported_on: str | None
    report_age_days: int | None
    report_overdue: bool
    rate: str | None
    items: list[ComplianceLineOut]


class ComplianceQuery(Schema):
    dealer_code: str | None = Field(None, max_length=32)


class RateOut(OutSchema):
    key: str
    name: str
    obliged: int
    compliant: int
    rate: str | None


class RatesQuery(ListQuery):
    by: Literal["dealer", "region", "part"] = "dealer"


class NonCompliantOut(OutSchema):
    dealer_code: str
    dealer_name: str
    region_code: str | None
    reported_on: str | None
    missing_parts: list[str]
    rate: str | None


class LineIn(Schema):
    sku: str = Sku
    quantity: int = Field(ge=0, le=1_000_000)


class PositiveLineIn(Schema):
    sku: str = Sku
    quantity: int = Field(gt=0, le=1_000_000)


class StockReportIn(Schema):
    dealer_code: str | None = Field(None, max_length=32)
    reported_on: date
    lines: list[LineIn] = Field(max_length=2000)
    check_only: bool = Field(False, description="true: check the report and answer 200 with its `warnings`; "
                                                "nothing is saved (ask before replacing a report of the same date)")


class OmittedPartOut(OutSchema):
    sku: str
    name: str
    required: int
    before: int = Field(description="the quantity in the report of the same date this one replaces")


class StockReportWarningOut(OutSchema):
    code: str = Field(description="`obliged_parts_omitted`: the report replaces one of the same date and leaves "
                                  "out obliged parts, which then count as none on hand")
    message: str
    parts: list[OmittedPartOut] = []


class StockReportOut(OutSchema):
    id: int
    dealer_code: str
    reported_on: str
    created_at: str
    lines: list[dict]
    warnings: list[StockReportWarningOut] = []


class StockReportCheckOut(OutSchema):
    """The answer to ``check_only``: what saving would warn about; nothing saved."""
    saved: bool = False
    warnings: list[StockReportWarningOut] = []


class StockReportQuery(ListQuery):
    dealer_code: str | None = None
    date_from: date | None = None
    date_to: date | None = None


class ApplicationIn(Schema):
    dealer_code: str | None = Field(None, max_length=32)
    lines: list[PositiveLineIn] = Field(min_length=1, max_length=500)
    reason: str = Field(min_length=1, max_length=2000)
    rma_id: int | None = Field(None, ge=1)
    rma_number: str | None = Field(None, max_length=32)  # the return's number as people quote it (or rma_id)


class ApplicationLineOut(OutSchema):
    sku: str
    part_name: str
    quantity: int
    shipped_quantity: int


class ApplicationOut(OutSchema):
    id: int
    number: str
    dealer_code: str
    state: str
    reason: str
    reject_reason: str
    rma_id: int | None
    rma_number: str | None = None
    submitted_at: str
    lines: list[ApplicationLineOut]
    version: int
    actions: list[str]


class ApplicationQuery(ListQuery):
    state: Literal["submitted", "approved", "shipped", "received", "rejected"] | None = None
    dealer_code: str | None = None
    open: bool | None = None


class ActionIn(Schema):
    version: int | None = None
    reason: str = Field("", max_length=2000)
    lines: list[LineIn] | None = Field(None, max_length=500)  # ship: shipped quantities (default: as applied)


class StockOut(OutSchema):
    sku: str
    part_name: str
    on_hand: int
    repaired_on_hand: int


class StockQuery(ListQuery):
    q: str | None = None
    zero: bool | None = None


class MovementIn(Schema):
    sku: str = Sku
    kind: Literal["receipt", "issue_rma", "repaired_return", "adjustment"]
    quantity: int = Field(ge=-1_000_000, le=1_000_000)
    pool: Literal["new", "repaired"] = "new"
    reason: str = Field("", max_length=500)
    rma_id: int | None = Field(None, ge=1)
    warranty: bool = False


class MovementOut(OutSchema):
    id: int
    sku: str
    kind: str
    pool: str
    quantity: int
    balance_after: int
    application_id: int | None
    rma_id: int | None
    reason: str
    actor: str | None
    created_at: str


class MovementQuery(ListQuery):
    sku: str | None = None
    kind: Literal["receipt", "issue_application", "issue_rma", "issue_service", "repaired_return", "adjustment"] | None = None


class RetentionOut(OutSchema):
    product_sku: str
    product_name: str
    category_code: str
    sku: str
    part_name: str
    discontinued_on: str
    retention_months: int
    ends_on: str
    in_force: bool
    head_office_on_hand: int
    zero_stock: bool


class RetentionQuery(ListQuery):
    in_force: bool = True
    zero_stock: bool | None = None
    on: date | None = None
