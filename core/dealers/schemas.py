from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.api import ListQuery, OutSchema, Schema

def Code(default=...):
    return Field(default, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")

Kind = Literal["dealer", "agent", "distributor"]
Status = Literal["active", "warned", "suspended", "disqualified"]
AbcClass = Literal["A", "B", "C"]


class RegionIn(Schema):
    code: str = Code()
    name: str = Field(min_length=1, max_length=120)
    manager_usernames: list[str] = Field([], max_length=100)


class RegionPatch(Schema):
    code: str | None = Code(None)
    name: str | None = Field(None, min_length=1, max_length=120)
    manager_usernames: list[str] | None = Field(None, max_length=100)


class RegionOut(OutSchema):
    id: int
    code: str
    name: str
    manager_usernames: list[str]


class RegionQuery(ListQuery):
    q: str | None = None


class DealerIn(Schema):
    code: str = Code()
    name: str = Field(min_length=1, max_length=200)
    kind: Kind = "dealer"
    parent_code: str | None = Field(None, max_length=32)
    region_code: str | None = Field(None, max_length=32)
    status: Status = "active"
    status_reason: str = Field("", max_length=500)
    abc_class: AbcClass = "C"
    contact: str = Field("", max_length=120)
    phone: str = Field("", max_length=40)
    address: str = Field("", max_length=300)


class DealerPatch(Schema):
    code: str | None = Code(None)
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: Kind | None = None
    parent_code: str | None = Field(None, max_length=32)
    region_code: str | None = Field(None, max_length=32)
    status: Status | None = None
    status_reason: str | None = Field(None, max_length=500)
    abc_class: AbcClass | None = None
    contact: str | None = Field(None, max_length=120)
    phone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=300)
    version: int | None = None


class DealerOut(OutSchema):
    id: int
    code: str
    name: str
    kind: str
    parent_code: str | None
    region_code: str | None
    status: str
    status_reason: str
    status_changed_at: str | None
    abc_class: str
    contact: str
    phone: str
    address: str
    version: int


class DealerQuery(ListQuery):
    q: str | None = None
    kind: Kind | None = None
    status: Status | None = None
    region_code: str | None = None
    abc_class: AbcClass | None = None
    parent_code: str | None = None
    sort: Literal["code", "-code", "name", "-name", "status", "-status"] = "code"
