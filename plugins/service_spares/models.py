"""Which stock movement issued which part of which visit record."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import UTCDateTime, db, utcnow


class ServiceSparesIssue(db.Model):
    __tablename__ = "service_spares_issue"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("service_visit.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(Integer)  # the index in the visit's parts_used
    movement_id: Mapped[int] = mapped_column(ForeignKey("spares_movement.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
