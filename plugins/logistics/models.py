"""The transport exception record (产品运输异常记录表) and its lines."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import Timestamped, UTCDateTime, Versioned, db

KINDS = ("lost", "short", "wrong_goods", "damaged", "mass_breakage")
PARTIES = ("carrier", "company", "dealer", "unknown")
STATES = ("draft", "filed", "accepted", "refused", "resolved")
OUTCOMES = ("credit", "exchange", "carrier_claim", "rejected")
CLAIM_STATES = ("open", "settled")

# attachment purposes (core.attachments)
PHOTO = "photo"
SIGNED_DOCUMENT = "signed_document"
PURPOSES = (PHOTO, SIGNED_DOCUMENT)


class LogisticsException(Timestamped, Versioned, db.Model):
    __tablename__ = "logistics_exception"
    __activity_model__ = "logistics_exception"
    __table_args__ = (
        Index("ix_logistics_exception_state_dealer", "state", "dealer_id"),
        Index("ix_logistics_exception_carrier_received", "carrier", "received_on"),
        # the lists' filter and order (newest received first): the queue by state, a dealer's records
        Index("ix_logistics_exception_state_received", "state", "received_on", "id"),
        Index("ix_logistics_exception_dealer_received", "dealer_id", "received_on", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("core_dealer.id"), index=True)
    delivery_note: Mapped[str] = mapped_column(String(64))
    carrier: Mapped[str] = mapped_column(String(120))
    waybill: Mapped[str] = mapped_column(String(64), default="")
    shipped_on: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    responsible_party: Mapped[str] = mapped_column(String(10), default="unknown")
    unopened: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    signer: Mapped[str] = mapped_column(String(120), default="")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    filed_on: Mapped[date | None] = mapped_column(Date)
    filing_deadline: Mapped[date | None] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    late_reason: Mapped[str] = mapped_column(Text, default="")
    unconditional: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(16))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    claim_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    claim_status: Mapped[str | None] = mapped_column(String(10), index=True)
    claim_settled_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    claim_settled_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    dealer = relationship("Dealer", lazy="joined", innerjoin=True)
    lines: Mapped[list["LogisticsExceptionLine"]] = relationship(
        back_populates="exception", cascade="all, delete-orphan", lazy="selectin",
        order_by="LogisticsExceptionLine.id")

    @property
    def signed(self) -> bool:
        """The carrier (or other responsible party) signed: signer and time recorded."""
        return bool(self.signer) and self.signed_at is not None

    def __repr__(self) -> str:
        return f"<LogisticsException {self.number}>"


class LogisticsExceptionLine(db.Model):
    __tablename__ = "logistics_exception_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    exception_id: Mapped[int] = mapped_column(ForeignKey("logistics_exception.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    expected_quantity: Mapped[int] = mapped_column(Integer)
    actual_quantity: Mapped[int] = mapped_column(Integer)
    # goods damaged in transport: how many of the received pieces, and their production date (the
    # return opened from the record carries both)
    damaged_quantity: Mapped[int | None] = mapped_column(Integer)
    production_date: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")

    exception: Mapped[LogisticsException] = relationship(back_populates="lines")
