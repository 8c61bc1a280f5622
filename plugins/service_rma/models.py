"""Which return was opened from which service request."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import UTCDateTime, db, utcnow


class ServiceRmaLink(db.Model):
    __tablename__ = "service_rma_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"), unique=True)
    rma_id: Mapped[int] = mapped_column(ForeignKey("rma_rma.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rma = relationship("Rma", lazy="joined")
