from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.toolkit import ListQuery, OutSchema, Schema


class ChargebackOut(OutSchema):
    id: int
    rma_id: int
    rma_number: str | None
    rma_line_id: int
    dealer_code: str
    sku: str
    amount: str
    state: str
    part_skus: list[str]
    grounds: str
    shortfall: list[dict]
    reason: str
    decided_by: str | None
    decided_at: str | None
    version: int
    actions: list[str]


class ChargebackQuery(ListQuery):
    state: Literal["proposed", "confirmed", "waived"] | None = None
    rma_id: int | None = None
    dealer_code: str | None = None


class DecisionIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)
    version: int | None = None


class RmaIssueIn(Schema):
    rma_id: int
    rma_line_id: int
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=100000)
