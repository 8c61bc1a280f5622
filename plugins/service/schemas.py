"""API bodies and responses for service requests and visits (names are a contract)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from core.toolkit import ListQuery, OutSchema, Schema

Channel = Literal["hotline", "online", "in_store", "dealer"]
State = Literal["received", "replied", "scheduled", "on_site", "resolved", "taken_back", "closed", "cancelled"]
Result = Literal["solved", "unsolved", "taken_back"]
Tool = Annotated[str, Field(min_length=1, max_length=80)]
Sort = Literal["received_at", "-received_at", "reply_due_at", "-reply_due_at", "number", "-number", "state", "-state"]


class ServiceRequestIn(Schema):
    channel: Channel = "hotline"
    received_at: datetime | None = Field(None, description="default now; a naive time is Beijing time")
    customer_name: str = Field(min_length=1, max_length=120)
    customer_phone: str = Field(min_length=5, max_length=32)
    customer_address: str = Field("", max_length=300)
    dealer_code: str | None = Field(None, max_length=32, description="a dealer files for itself; staff may name one")
    sku: str = Field("", max_length=64)
    serial: str = Field("", max_length=64)
    purchase_date: date | None = None
    sale_date: date | None = None
    production_date: date | None = None
    problem: str = Field(min_length=1, max_length=4000)
    assignee: str | None = Field(None, max_length=80)


class ServiceRequestQuery(ListQuery):
    q: str | None = Field(None, max_length=100)
    state: State | None = None
    channel: Channel | None = None
    dealer_code: str | None = Field(None, max_length=32)
    assignee: str | None = Field(None, max_length=80)
    technician: str | None = Field(None, max_length=80)
    in_warranty: bool | None = None
    overdue: bool | None = None
    open: bool | None = None
    sort: Sort = "-received_at"


class ServiceActionIn(Schema):
    version: int
    comment: str = Field("", max_length=2000)


class ServiceReplyIn(ServiceActionIn):
    answer: str = Field(min_length=1, max_length=4000)
    on_site: bool = False


class ServiceScheduleIn(ServiceActionIn):
    technician: str = Field(min_length=1, max_length=80)
    window_from: datetime
    window_to: datetime


class ServiceQuoteIn(ServiceActionIn):
    fee: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    repairable: bool = True


class ServiceCloseIn(ServiceActionIn):
    customer_confirmed: bool = False


class ServiceCancelIn(ServiceActionIn):
    reason: str = Field(min_length=1, max_length=2000)


class ServiceAssignIn(ServiceActionIn):
    assignee: str = Field(min_length=1, max_length=80)


class ServicePartIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    qty: int = Field(ge=1, le=10_000)


class ServiceVisitIn(Schema):
    arrived_at: datetime | None = Field(None, description="default now; a naive time is Beijing time")
    tools: list[Tool] = Field(default_factory=list, max_length=30)
    problem_confirmed: bool = False
    actual_fault: str = Field("", max_length=4000)
    work_done: str = Field("", max_length=4000)
    parts_used: list[ServicePartIn] = Field(default_factory=list, max_length=50)
    unsolved: str = Field("", max_length=4000)
    result: Result = "solved"


class ServiceVisitCompleteIn(Schema):
    version: int


class ServicePartOut(OutSchema):
    sku: str
    qty: int


class ServicePartIssuedOut(OutSchema):
    sku: str
    name: str
    qty: int
    movement_id: int
    balance_after: int | None
    reference: str
    issued_at: str | None


class ServiceSignatureOut(OutSchema):
    signer_name: str
    kind: str | None
    signed_at: str | None


class ServiceVisitOut(OutSchema):
    id: int
    request_id: int
    request_number: str
    technician: str
    arrived_at: str
    on_time: bool | None
    tools: list[str]
    problem_confirmed: bool
    actual_fault: str
    work_done: str
    parts_used: list[ServicePartOut]
    parts_issued: list[ServicePartIssuedOut] | None = Field(
        None, description="with the spares plugin: the parts issued from head-office stock and their movements")
    unsolved: str
    result: Result
    signature: ServiceSignatureOut | None
    state: Literal["open", "completed"]
    completed_at: str | None
    version: int


class ServiceRequestOut(OutSchema):
    id: int
    number: str
    channel: Channel
    received_at: str
    reply_due_at: str
    reply_overdue: bool
    customer_name: str
    customer_phone: str
    customer_address: str
    dealer_code: str | None
    sku: str
    serial: str
    purchase_date: str | None
    sale_date: str | None
    production_date: str | None
    warranty_basis: str | None
    warranty_end: str | None
    in_warranty: bool | None
    problem: str
    assignee: str | None
    state: State
    answer: str
    on_site: bool
    replied_at: str | None
    technician: str | None
    window_from: str | None
    window_to: str | None
    repairable: bool | None
    fee: str | None
    quote_accepted: bool
    resolved_at: str | None
    closed_at: str | None
    customer_confirmed: bool
    cancel_reason: str
    visits: list[ServiceVisitOut]
    actions: list[str]
    version: int
    created_at: str
