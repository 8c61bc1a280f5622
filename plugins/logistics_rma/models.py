"""Which return (RMA) was opened from which transport exception record."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import UTCDateTime, db, utcnow


class LogisticsRmaLink(db.Model):
    __tablename__ = "logistics_rma_link"
    __table_args__ = (UniqueConstraint("exception_id", "rma_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exception_id: Mapped[int] = mapped_column(ForeignKey("logistics_exception.id", ondelete="CASCADE"), index=True)
    rma_id: Mapped[int] = mapped_column(ForeignKey("rma_rma.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    exception = relationship("LogisticsException", lazy="joined", innerjoin=True)
    rma = relationship("Rma", lazy="joined", innerjoin=True)
