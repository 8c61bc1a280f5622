from __future__ import annotations

from pydantic import Field

from core.toolkit import OutSchema, Schema


class OpenRmaLine(Schema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=1_000_000)


class OpenRmaIn(Schema):
    version: int
    lines: list[OpenRmaLine] | None = Field(None, min_length=1, max_length=200,
                                            description="default: every line of the record, its actual quantity")


class LinkOut(OutSchema):
    exception_id: int
    exception_number: str
    rma_id: int
    rma_number: str | None
    rma_state: str
    created_at: str
