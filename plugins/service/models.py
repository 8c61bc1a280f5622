"""Service requests (服务请求) and on-site visit records (上门服务记录)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import Timestamped, UTCDateTime, Versioned, db

CHANNELS = ("hotline", "online", "in_store", "dealer")
STATES = ("received", "replied", "scheduled", "on_site", "resolved", "taken_back", "closed", "cancelled")
OPEN_STATES = ("received", "replied", "scheduled", "on_site")
VISIT_STATES = ("open", "completed")
VISIT_RESULTS = ("solved", "unsolved", "taken_back")
SIGNATURE_KINDS = ("drawn", "paper")

# attachment purposes (core attachments), model "service_visit"
SIGNATURE = "signature"


class ServiceRequest(Timestamped, Versioned, db.Model):
    __tablename__ = "service_request"
    __activity_model__ = "service_request"
    __table_args__ = (
        Index("ix_service_request_state_due", "state", "reply_due_at"),
        Index("ix_service_request_assignee_state", "assignee_id", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(10), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reply_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    customer_name: Mapped[str] = mapped_column(String(120))
    customer_phone: Mapped[str] = mapped_column(String(32))
    customer_address: Mapped[str] = mapped_column(String(300), default="")
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("core_dealer.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("core_product.id"))
    sku: Mapped[str] = mapped_column(String(64), default="")
    serial: Mapped[str] = mapped_column(String(64), default="", index=True)
    purchase_date: Mapped[date | None] = mapped_column(Date)
    sale_date: Mapped[date | None] = mapped_column(Date)
    production_date: Mapped[date | None] = mapped_column(Date)
    warranty_basis: Mapped[str | None] = mapped_column(String(20))
    warranty_end: Mapped[date | None] = mapped_column(Date)
    in_warranty: Mapped[bool | None] = mapped_column(Boolean)
    problem: Mapped[str] = mapped_column(Text, default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    state: Mapped[str] = mapped_column(String(12), default="received", index=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    on_site: Mapped[bool] = mapped_column(Boolean, default=False)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), index=True)
    window_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    repairable: Mapped[bool | None] = mapped_column(Boolean)
    fee: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    quote_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    customer_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    dealer = relationship("Dealer", lazy="joined")
    assignee = relationship("User", foreign_keys=[assignee_id], lazy="joined")
    technician = relationship("User", foreign_keys=[technician_id], lazy="joined")

    def __repr__(self) -> str:
        return f"<ServiceRequest {self.number}>"


class ServiceVisit(Timestamped, Versioned, db.Model):
    __tablename__ = "service_visit"
    __activity_model__ = "service_visit"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    tools: Mapped[list] = mapped_column(JSON, default=list)
    problem_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    actual_fault: Mapped[str] = mapped_column(Text, default="")
    work_done: Mapped[str] = mapped_column(Text, default="")
    parts_used: Mapped[list] = mapped_column(JSON, default=list)
    unsolved: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(String(12), default="solved")
    signer_name: Mapped[str] = mapped_column(String(120), default="")
    signature_kind: Mapped[str | None] = mapped_column(String(8))
    signature_id: Mapped[int | None] = mapped_column(Integer)  # core attachment id
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(10), default="open", index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[ServiceRequest] = relationship(lazy="joined", innerjoin=True)
    technician = relationship("User", foreign_keys=[technician_id], lazy="joined", innerjoin=True)

    @property
    def signed(self) -> bool:
        return self.signature_id is not None and bool(self.signer_name)

    def __repr__(self) -> str:
        return f"<ServiceVisit {self.id} of {self.request_id}>"
