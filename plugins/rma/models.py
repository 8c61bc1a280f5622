"""RMA documents, their lines, penalties and freight reimbursement claims."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import Choice, Timestamped, UTCDateTime, Versioned, db

# After resolution, goods that go back to the returning unit (004 §6.3) are shipped back
# ("returning") and their receipt confirmed by the dealer ("returned") before the return closes.
STATES = ("draft", "submitted", "reviewed", "approved", "shipped", "received", "inspected",
          "resolved", "returning", "returned", "closed", "rejected", "cancelled")
OPEN_STATES = ("draft", "submitted", "reviewed", "approved", "shipped", "received", "inspected", "resolved",
               "returning", "returned")
SLA_STATES = ("received", "inspected")  # the clock runs from receipt until resolution
ISSUES = ("quality_defect", "doa", "unpacking_damage", "order_mismatch", "company_error", "safety", "recall",
          "paid_repair")
QUALITY_ISSUES = ("quality_defect", "doa", "unpacking_damage", "safety", "recall")
FLAGS = Choice(("opened", _l("Package opened")), ("installed", _l("Installed or used")), ("sample", _l("Sample")),
               ("special_order", _l("Special order")), ("scrap", _l("Scrap")),
               ("mixed_brand", _l("Assembled with other brands")), ("whole_unit", _l("Whole lamp")),
               ("label_intact", _l("Label intact")))  # the line's boolean columns, in form order
VERDICTS = ("quality_fault", "no_fault_found", "human_damage", "not_covered")
RESOLUTIONS = ("repair", "replace", "credit", "return_to_sender", "paid_repair")
# Repaired, replaced and no-fault goods go back to the returning unit; a credit sends nothing back.
SENT_BACK = ("repair", "replace", "return_to_sender", "paid_repair")
PENALTY_STATES = ("proposed", "confirmed", "waived")
DISQUALIFICATION_STATES = ("none", "proposed", "confirmed", "declined")
CLAIM_STATES = ("open", "claimed", "confirmed", "waived")


class Rma(Timestamped, Versioned, db.Model):
    __tablename__ = "rma_rma"
    __activity_model__ = "rma"
    # the lists (newest first): a dealer's or an agent's (dealer_id, id), a queue (state, id),
    # a date range (created_at); the migration rma_0004_list_indexes says why each one
    __table_args__ = (Index("ix_rma_rma_dealer_state", "dealer_id", "state", "id"),
                      Index("ix_rma_rma_state_id", "state", "id"),
                      Index("ix_rma_rma_dealer_id_id", "dealer_id", "id"),
                      Index("ix_rma_rma_created_at", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    filing_number: Mapped[str | None] = mapped_column(String(32), unique=True)  # from the moment it is filed
    dealer_id: Mapped[int] = mapped_column(ForeignKey("core_dealer.id"), index=True)
    receiving_dealer_id: Mapped[int | None] = mapped_column(ForeignKey("core_dealer.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    state: Mapped[str] = mapped_column(String(12), default="draft")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    inspected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    boxes: Mapped[int | None] = mapped_column(Integer)
    carrier: Mapped[str] = mapped_column(String(100), default="")
    tracking: Mapped[str] = mapped_column(String(100), default="")
    boxes_received: Mapped[int | None] = mapped_column(Integer)
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    # the goods sent back to the returning unit after resolution
    return_boxes: Mapped[int | None] = mapped_column(Integer)
    return_carrier: Mapped[str] = mapped_column(String(100), default="")
    return_tracking: Mapped[str] = mapped_column(String(100), default="")
    return_contents: Mapped[str] = mapped_column(Text, default="")
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dealer = relationship("Dealer", foreign_keys=[dealer_id], lazy="joined")
    receiving_dealer = relationship("Dealer", foreign_keys=[receiving_dealer_id], lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id], lazy="select")
    lines: Mapped[list["RmaLine"]] = relationship(back_populates="rma", cascade="all, delete-orphan",
                                                  order_by="RmaLine.id", lazy="selectin")

    def __repr__(self) -> str:
        return f"<Rma {self.number or self.id} {self.state}>"


class RmaLine(db.Model):
    __tablename__ = "rma_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    rma_id: Mapped[int] = mapped_column(ForeignKey("rma_rma.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    serial: Mapped[str] = mapped_column(String(64), default="", index=True)
    production_date: Mapped[date | None] = mapped_column(Date)
    purchase_date: Mapped[date | None] = mapped_column(Date)
    sale_date: Mapped[date | None] = mapped_column(Date)
    received_date: Mapped[date | None] = mapped_column(Date)
    received_time: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when known to the hour
    issue: Mapped[str] = mapped_column(String(20))
    opened: Mapped[bool] = mapped_column(Boolean, default=False)
    installed: Mapped[bool] = mapped_column(Boolean, default=False)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    special_order: Mapped[bool] = mapped_column(Boolean, default=False)
    scrap: Mapped[bool] = mapped_column(Boolean, default=False)
    mixed_brand: Mapped[bool] = mapped_column(Boolean, default=False)
    whole_unit: Mapped[bool] = mapped_column(Boolean, default=False)
    label_intact: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    received_quantity: Mapped[int | None] = mapped_column(Integer)
    verdict: Mapped[str | None] = mapped_column(String(20))
    serious: Mapped[bool] = mapped_column(Boolean, default=False)
    worth_analysis: Mapped[bool] = mapped_column(Boolean, default=False)
    findings: Mapped[str] = mapped_column(Text, default="")  # the technician's findings / root cause
    resolution: Mapped[str | None] = mapped_column(String(20))
    fee: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))

    rma: Mapped[Rma] = relationship(back_populates="lines")
    product = relationship("Product", lazy="joined")

    @property
    def counted_quantity(self) -> int:
        """Head office's count stands once the goods are received."""
        return self.received_quantity if self.received_quantity is not None else self.quantity


class RmaPenalty(Timestamped, Versioned, db.Model):
    """A penalty proposed for human damage; confirmed or waived by the order department."""
    __tablename__ = "rma_penalty"
    __activity_model__ = "rma_penalty"
    id: Mapped[int] = mapped_column(primary_key=True)
    rma_id: Mapped[int] = mapped_column(ForeignKey("rma_rma.id", ondelete="CASCADE"), unique=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("core_dealer.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    serious: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(12), default="proposed", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    disqualification: Mapped[str] = mapped_column(String(12), default="none")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rma = relationship(Rma, lazy="joined")
    dealer = relationship("Dealer", lazy="joined")


class RmaFreightClaim(Timestamped, Versioned, db.Model):
    """Freight reimbursed against a receipt for safety/recall lines and lines worth analysing."""
    __tablename__ = "rma_freight_claim"
    __activity_model__ = "rma_freight_claim"
    id: Mapped[int] = mapped_column(primary_key=True)
    rma_id: Mapped[int] = mapped_column(ForeignKey("rma_rma.id", ondelete="CASCADE"), index=True)
    rma_line_id: Mapped[int] = mapped_column(ForeignKey("rma_line.id", ondelete="CASCADE"), unique=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("core_dealer.id"), index=True)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    receipt: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(12), default="open", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rma = relationship(Rma, lazy="joined")
    dealer = relationship("Dealer", lazy="joined")
