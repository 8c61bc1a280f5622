from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from core.api import ListQuery, OutSchema, Schema

def Code(default=...):
    return Field(default, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")

def Sku(default=...):
    return Field(default, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-/]+$")



class CategoryIn(Schema):
    code: str = Code()
    name: str = Field(min_length=1, max_length=120)
    warranty_months: int = Field(ge=0, le=600)
    retention_months: int = Field(ge=0, le=600)
    whole_unit_returns: bool = False


class CategoryPatch(Schema):
    code: str | None = Code(None)
    name: str | None = Field(None, min_length=1, max_length=120)
    warranty_months: int | None = Field(None, ge=0, le=600)
    retention_months: int | None = Field(None, ge=0, le=600)
    whole_unit_returns: bool | None = None


class CategoryOut(OutSchema):
    id: int
    code: str
    name: str
    warranty_months: int
    retention_months: int
    whole_unit_returns: bool


class CategoryQuery(ListQuery):
    q: str | None = None


class PartIn(Schema):
    sku: str = Sku()
    quantity: int = Field(ge=1, le=100000)


class PartOut(OutSchema):
    sku: str
    quantity: int


def Price(default=...):
    return Field(default, ge=0, max_digits=12, decimal_places=2)



class ProductIn(Schema):
    sku: str = Sku()
    name: str = Field(min_length=1, max_length=200)
    category_code: str = Field(min_length=1, max_length=32)
    unit_price: Decimal = Price()
    status: Literal["active", "discontinued"] = "active"
    discontinued_on: date | None = None
    is_spare_part: bool = False
    parts: list[PartIn] = Field([], max_length=500)


class ProductPatch(Schema):
    sku: str | None = Sku(None)
    name: str | None = Field(None, min_length=1, max_length=200)
    category_code: str | None = Field(None, min_length=1, max_length=32)
    unit_price: Decimal | None = Price(None)
    status: Literal["active", "discontinued"] | None = None
    discontinued_on: date | None = None
    is_spare_part: bool | None = None
    parts: list[PartIn] | None = Field(None, max_length=500)
    version: int | None = None


class ProductOut(OutSchema):
    id: int
    sku: str
    name: str
    category_code: str
    unit_price: str
    status: str
    discontinued_on: str | None
    is_spare_part: bool
    parts: list[PartOut]
    version: int


class ProductQuery(ListQuery):
    q: str | None = None
    category_code: str | None = None
    status: Literal["active", "discontinued"] | None = None
    is_spare_part: bool | None = None
    sort: Literal["sku", "-sku", "name", "-name", "unit_price", "-unit_price"] = "sku"
