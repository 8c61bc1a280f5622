"""API bodies and responses for transport exception records (names are a contract)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from core.toolkit import ListQuery, OutSchema, Schema

Kind = Literal["lost", "short", "wrong_goods", "damaged", "mass_breakage"]
Party = Literal["carrier", "company", "dealer", "unknown"]
State = Literal["draft", "filed", "accepted", "refused", "resolved"]
Outcome = Literal["credit", "exchange", "carrier_claim", "rejected"]
ClaimStatus = Literal["open", "settled"]
Money = Field(None, gt=0, max_digits=12, decimal_places=2)


class LineIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    expected_quantity: int = Field(ge=0, le=1_000_000)
    actual_quantity: int = Field(ge=0, le=1_000_000)
    damaged_quantity: int | None = Field(None, ge=0, le=1_000_000, description="damaged pieces among those received")
    production_date: date | None = Field(None, description="on the goods' label; the return opened from the record carries it")
    description: str = Field("", max_length=1000)


class SignatureIn(Schema):
    signer: str = Field(min_length=1, max_length=120)
    signed_at: datetime


class ExceptionIn(Schema):
    dealer_code: str | None = Field(None, max_length=32, description="staff only; a dealer files for itself")
    delivery_note: str = Field(min_length=1, max_length=64, description="delivery note or order number")
    carrier: str = Field(min_length=1, max_length=120)
    waybill: str = Field("", max_length=64)
    shipped_on: date | None = None
    received_on: date
    kind: Kind
    responsible_party: Party = "unknown"
    unopened: bool = False
    description: str = Field("", max_length=2000)
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    carrier_signature: SignatureIn | None = None


class ExceptionPatch(Schema):
    delivery_note: str | None = Field(None, min_length=1, max_length=64)
    carrier: str | None = Field(None, min_length=1, max_length=120)
    waybill: str | None = Field(None, max_length=64)
    shipped_on: date | None = None
    received_on: date | None = None
    kind: Kind | None = None
    responsible_party: Party | None = None
    unopened: bool | None = None
    description: str | None = Field(None, max_length=2000)
    lines: list[LineIn] | None = Field(None, min_length=1, max_length=200)
    carrier_signature: SignatureIn | None = None
    version: int | None = None


class ActionIn(Schema):
    version: int
    comment: str = Field("", max_length=2000)


class AcceptIn(ActionIn):
    late_reason: str | None = Field(None, max_length=2000)
    responsible_party: Party | None = Field(None, description="the party the order department found responsible")


class ResolveIn(ActionIn):
    outcome: Outcome
    claim_amount: Decimal | None = Money


class SettleClaimIn(ActionIn):
    settled_amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    settled_on: date | None = None


class LineOut(OutSchema):
    sku: str
    expected_quantity: int
    actual_quantity: int
    damaged_quantity: int | None = None
    production_date: str | None = None
    description: str


class SignatureOut(OutSchema):
    signer: str
    signed_at: str


class ClaimOut(OutSchema):
    amount: str
    status: ClaimStatus
    settled_amount: str | None
    settled_on: str | None


class AttachmentOut(OutSchema):
    id: int
    purpose: str
    filename: str
    content_type: str
    size: int
    url: str


class ExceptionOut(OutSchema):
    id: int
    number: str
    dealer_code: str
    dealer_name: str
    delivery_note: str
    carrier: str
    waybill: str
    shipped_on: str | None
    received_on: str
    kind: Kind
    responsible_party: Party
    unopened: bool
    description: str
    lines: list[LineOut]
    carrier_signature: SignatureOut | None
    state: State
    outcome: Outcome | None
    late: bool
    late_reason: str
    filed_on: str | None
    filing_deadline: str | None
    unconditional: bool
    claim: ClaimOut | None
    decision_note: str
    attachments: list[AttachmentOut]
    actions: list[str]
    version: int
    created_at: str


class ExceptionQuery(ListQuery):
    q: str | None = Field(None, max_length=100, description="number, delivery note or waybill")
    state: State | None = None
    kind: Kind | None = None
    carrier: str | None = Field(None, max_length=120)
    dealer_code: str | None = Field(None, max_length=32)
    responsible_party: Party | None = None
    outcome: Outcome | None = None
    late: bool | None = None
    claim_status: ClaimStatus | None = None
    received_from: date | None = None
    received_to: date | None = None
    sort: Literal["received_on", "-received_on", "number", "-number", "carrier", "-carrier", "state", "-state"] = "-received_on"
