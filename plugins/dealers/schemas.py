"""API bodies, queries and responses of the dealers plugin (names are a contract; prefixed ``Dealers``)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from core.toolkit import ListQuery, OutSchema, Schema

AbcClass = Literal["A", "B", "C"]
ContactKind = Literal["visit", "phone", "letter", "card", "meeting"]
Status = Literal["active", "warned", "suspended", "disqualified"]
ChangeState = Literal["proposed", "decided", "confirmed", "rejected"]
Code = Field(min_length=1, max_length=32)


class DealersClassificationIn(Schema):
    dealer_code: str = Code
    abc_class: AbcClass
    reason: str = Field(min_length=1, max_length=2000)


class DealersClassificationOut(OutSchema):
    id: int
    dealer_code: str
    abc_class: AbcClass
    previous_class: AbcClass | None
    reason: str
    by: str | None
    created_at: str


class DealersClassificationQuery(ListQuery):
    dealer_code: str | None = Field(None, max_length=32)
    abc_class: AbcClass | None = None
    region: str | None = Field(None, max_length=32)


class DealersContactIn(Schema):
    dealer_code: str = Code
    contacted_on: date
    kind: ContactKind
    by: str | None = Field(None, max_length=64, description="username; default: the caller")
    summary: str = Field(min_length=1, max_length=4000)
    next_steps: str = Field("", max_length=4000)


class DealersContactOut(OutSchema):
    id: int
    dealer_code: str
    dealer_name: str
    contacted_on: str
    kind: ContactKind
    by: str
    summary: str
    next_steps: str
    created_at: str


class DealersContactQuery(ListQuery):
    dealer_code: str | None = Field(None, max_length=32)
    kind: ContactKind | None = None
    by: str | None = Field(None, max_length=64)
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = Field(None, max_length=200)
    sort: Literal["contacted_on", "-contacted_on"] = "-contacted_on"


class DealersScheduleQuery(ListQuery):
    region: str | None = Field(None, max_length=32)
    abc_class: AbcClass | None = Field(None, alias="class")
    overdue: bool | None = None
    dealer_code: str | None = Field(None, max_length=32)
    sort: Literal["next_due_on", "-next_due_on", "dealer_code", "-dealer_code", "days_overdue", "-days_overdue",
                  "last_contact_on", "-last_contact_on"] = "next_due_on"

    model_config = {**ListQuery.model_config, "populate_by_name": True}


class DealersScheduleOut(OutSchema):
    dealer_code: str
    dealer_name: str
    region_code: str | None
    abc_class: AbcClass
    last_contact_on: str | None
    next_due_on: str
    days_overdue: int


class DealersStatusChangeIn(Schema):
    dealer_code: str = Code
    to_status: Status
    reason: str = Field(min_length=1, max_length=2000)


class DealersStatusActionIn(Schema):
    version: int
    note: str = Field("", max_length=2000)


class DealersStatusChangeQuery(ListQuery):
    dealer_code: str | None = Field(None, max_length=32)
    state: ChangeState | None = None
    to_status: Status | None = None


class DealersEvidenceOut(OutSchema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class DealersStatusChangeOut(OutSchema):
    id: int
    dealer_code: str
    dealer_name: str
    from_status: Status
    to_status: Status
    reason: str
    state: ChangeState
    decision_note: str
    proposed_by: str | None
    decided_by: str | None
    decided_at: str | None
    confirmed_by: str | None
    confirmed_at: str | None
    effective_at: str | None
    attachments: list[DealersEvidenceOut]
    actions: list[str]
    version: int
    created_at: str


class DealersScorecardQuery(ListQuery):
    period_from: date | None = None
    period_to: date | None = None
    region: str | None = Field(None, max_length=32)
    abc_class: AbcClass | None = Field(None, alias="class")
    dealer_code: str | None = Field(None, max_length=32)

    model_config = {**ListQuery.model_config, "populate_by_name": True}


class DealersScorecardOut(OutSchema):
    dealer_code: str
    dealer_name: str
    region_code: str | None
    abc_class: AbcClass
    status: Status
    figures: dict[str, float | int | None]


class DealersStaffIn(Schema):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: str = Field("", max_length=120)
    email: str | None = Field(None, max_length=254)
    password: str = Field(min_length=1, max_length=256)
    language: Literal["zh_CN", "en"] = "zh_CN"


class DealersPortalItemOut(OutSchema):
    label: str
    url: str | None
    due_on: str | None


class DealersPortalSectionOut(OutSchema):
    key: str
    title: str
    count: int
    url: str | None
    order: int
    items: list[DealersPortalItemOut]


class DealersPortalDealerOut(OutSchema):
    dealer_code: str
    dealer_name: str
    status: Status
    sections: list[DealersPortalSectionOut]


class DealersPortalOut(OutSchema):
    dealers: list[DealersPortalDealerOut]
    unread_notifications: int
