"""Request and response bodies of the RMA JSON API (the contract other systems call)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from core.toolkit import ListQuery, OutSchema, Schema

Issue = Literal["quality_defect", "doa", "unpacking_damage", "order_mismatch", "company_error", "safety",
                "recall", "paid_repair"]
Verdict = Literal["quality_fault", "no_fault_found", "human_damage", "not_covered"]
Resolution = Literal["repair", "replace", "credit", "return_to_sender", "paid_repair"]
State = Literal["draft", "submitted", "reviewed", "approved", "shipped", "received", "inspected", "resolved",
                "returning", "returned", "closed", "rejected", "cancelled"]


class LineIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=100000)
    issue: Issue
    serial: str = Field("", max_length=64)
    production_date: date | None = None
    purchase_date: date | None = None
    sale_date: date | None = None
    # a date, or a date and time when the hour matters (the 24-hour order-mismatch window)
    received_date: date | datetime | None = None
    opened: bool = False
    installed: bool = False
    sample: bool = False
    special_order: bool = False
    scrap: bool = False
    mixed_brand: bool = False
    whole_unit: bool = False
    label_intact: bool = True
    description: str = Field("", max_length=2000)


class RmaIn(Schema):
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    submit: bool = False
    dealer_code: str | None = Field(None, max_length=32)


class RmaPatch(Schema):
    version: int
    lines: list[LineIn] = Field(min_length=1, max_length=200)


class EligibilityIn(Schema):
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    dealer_code: str | None = Field(None, max_length=32)


class VersionIn(Schema):
    version: int


class RmaCommentIn(Schema):
    """A review or approval with an optional comment (kept in the activity log)."""
    version: int
    comment: str = Field("", max_length=2000)


class RejectIn(Schema):
    version: int
    reason: str = Field(min_length=1, max_length=2000)


class ShipIn(Schema):
    version: int
    boxes: int | None = Field(None, ge=1, le=10000,
                              description="default: the box count the labels were printed for")
    carrier: str = Field(min_length=1, max_length=100)
    tracking: str = Field(min_length=1, max_length=100)


class ReturnShipIn(ShipIn):
    """The receiving unit sends the goods back to the returning unit (004 §6.3)."""
    boxes: int = Field(ge=1, le=10000)
    contents: str = Field("", max_length=2000, description="what is in the boxes; default: the lines sent back")


class BoxesIn(Schema):
    """The box count the labels are printed for (kept for shipping)."""
    version: int
    boxes: int = Field(ge=1, le=10000)


class ReceiveLineIn(Schema):
    line_id: int
    received_quantity: int = Field(ge=0, le=1000000)


class ReceiveIn(Schema):
    version: int
    lines: list[ReceiveLineIn] = Field(min_length=1, max_length=200)
    boxes_received: int = Field(ge=0, le=10000)


class InspectLineIn(Schema):
    line_id: int
    verdict: Verdict
    serious: bool = False
    worth_analysis: bool = False
    findings: str = Field("", max_length=2000, description="the technician's findings and root cause")


class InspectIn(Schema):
    version: int
    lines: list[InspectLineIn] = Field(min_length=1, max_length=200)


class ResolveLineIn(Schema):
    line_id: int
    resolution: Resolution
    fee: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)


class ResolveIn(Schema):
    version: int
    lines: list[ResolveLineIn] = Field(min_length=1, max_length=200)


class DecisionIn(Schema):
    version: int | None = None
    reason: str = Field("", max_length=2000)


class ClaimIn(Schema):
    version: int | None = None
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    receipt: str = Field(min_length=1, max_length=200)


class RmaQuery(ListQuery):
    state: State | None = None
    dealer_code: str | None = None
    sku: str | None = None
    overdue: bool | None = None
    q: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    after: int | None = Field(None, ge=1, description=(
        "keyset pagination (GET /rmas): only returns older than this id, i.e. the `id` of the last item of the "
        "previous page; `page` then counts from there. As fast on the thousandth page as on the first"))


class PenaltyQuery(ListQuery):
    state: Literal["proposed", "confirmed", "waived"] | None = None


class ClaimQuery(ListQuery):
    state: Literal["open", "claimed", "confirmed", "waived"] | None = None


class EligibilityOut(OutSchema):
    accepted: bool
    in_warranty: bool
    warranty_start: str | None
    warranty_end: str | None
    basis: Literal["purchase_voucher", "sale_label", "production"] | None
    reasons: list[str]
    warnings: list[str] = []
    messages: list[str] = []


class LineOut(OutSchema):
    id: int | None
    sku: str
    product_name: str
    quantity: int
    issue: Issue
    serial: str
    production_date: str | None
    purchase_date: str | None
    sale_date: str | None
    received_date: str | None
    opened: bool
    installed: bool
    sample: bool
    special_order: bool
    scrap: bool
    mixed_brand: bool
    whole_unit: bool
    label_intact: bool
    description: str
    unit_price: str
    received_quantity: int | None
    verdict: Verdict | None
    serious: bool
    worth_analysis: bool
    findings: str = ""
    resolution: Resolution | None
    fee: str | None
    eligibility: EligibilityOut


class ReceivingUnitOut(OutSchema):
    kind: Literal["head_office", "agent"]
    dealer_code: str | None


class CostOut(OutSchema):
    replaced_value: str
    repair_fees: str
    freight: str
    penalties: str


class RmaOut(OutSchema):
    id: int
    number: str | None
    filing_number: str | None = None
    state: State
    version: int
    dealer_code: str
    dealer_name: str
    receiving_unit: ReceivingUnitOut
    due_date: str | None
    overdue: bool
    boxes: int | None
    carrier: str
    tracking: str
    boxes_received: int | None
    reject_reason: str
    return_boxes: int | None = None
    return_carrier: str = ""
    return_tracking: str = ""
    return_contents: str = ""
    returned_at: str | None = None
    return_received_at: str | None = None
    created_at: str
    submitted_at: str | None
    reviewed_at: str | None
    approved_at: str | None
    shipped_at: str | None
    received_at: str | None
    inspected_at: str | None
    resolved_at: str | None
    closed_at: str | None
    lines: list[LineOut]
    cost: CostOut | None = None


class EligibilityResultOut(OutSchema):
    lines: list[LineOut]
    accepted: bool


class PenaltyOut(OutSchema):
    id: int
    rma_id: int
    rma_number: str | None
    dealer_code: str
    amount: str
    serious: bool
    state: Literal["proposed", "confirmed", "waived"]
    reason: str
    disqualification: Literal["none", "proposed", "confirmed", "declined"]
    version: int


class ClaimOut(OutSchema):
    id: int
    rma_id: int
    rma_number: str | None
    rma_line_id: int
    dealer_code: str
    amount: str | None
    receipt: str
    state: Literal["open", "claimed", "confirmed", "waived"]
    reason: str
    version: int


class HistoryLineOut(OutSchema):
    rma_id: int
    rma_number: str | None
    rma_state: State
    dealer_code: str
    line_id: int
    sku: str
    issue: Issue
    quantity: int
    verdict: Verdict | None
    resolution: Resolution | None
    filed_at: str


class HistoryOut(OutSchema):
    serial: str
    items: list[HistoryLineOut]


class RmaBulkApproveIn(Schema):
    """Returns to approve at once (each in its own transaction; see ``plugins/rma/bulk.py``)."""
    ids: list[Annotated[int, Field(gt=0, le=2**31 - 1)]] = Field(min_length=1, max_length=200)


class RmaBulkResultOut(OutSchema):
    id: int
    ok: bool
    status: int
    code: str
    message: str
    fields: dict[str, str]
    number: str | None
    version: int | None


class RmaBulkApproveOut(OutSchema):
    approved: int
    failed: int
    results: list[RmaBulkResultOut]
