"""Chargebacks: a dealer bears a whole-unit replacement or credit it could have avoided with a spare part."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import Timestamped, UTCDateTime, Versioned, db

STATES = ("proposed", "confirmed", "waived")


class Chargeback(Timestamped, Versioned, db.Model):
    __tablename__ = "spares_rma_chargeback"
    __activity_model__ = "spares_rma_chargeback"
    id: Mapped[int] = mapped_column(primary_key=True)
    rma_id: Mapped[int] = mapped_column(ForeignKey("rma_rma.id", ondelete="CASCADE"), index=True)
    rma_line_id: Mapped[int] = mapped_column(ForeignKey("rma_line.id", ondelete="CASCADE"), unique=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("core_dealer.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    state: Mapped[str] = mapped_column(String(12), default="proposed", index=True)
    part_skus: Mapped[str] = mapped_column(String(500), default="")  # the parts it lacked, comma-separated
    shortfall: Mapped[list] = mapped_column(JSON, default=list)  # why: [{sku, required, on_hand, reported_on}]
    reason: Mapped[str] = mapped_column(Text, default="")  # the order department's reason to confirm or waive
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rma = relationship("Rma", lazy="joined")
    dealer = relationship("Dealer", lazy="joined")
    product = relationship("Product", lazy="joined")
    decided_by = relationship("User", lazy="joined")
