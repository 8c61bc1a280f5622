from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.model_utils import Timestamped, UTCDateTime, Versioned

DEALER_KINDS = ("dealer", "agent", "distributor")
DEALER_KIND_LABELS = {"dealer": _l("Dealer"), "agent": _l("Agent"), "distributor": _l("Distributor")}
DEALER_STATUSES = ("active", "warned", "suspended", "disqualified")
ABC_CLASSES = ("A", "B", "C")

region_managers = Table(
    "core_region_manager", db.metadata,
    Column("region_id", ForeignKey("core_region.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True),
)


class Region(Timestamped, db.Model):
    __tablename__ = "core_region"
    __activity_model__ = "region"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    managers = relationship("User", secondary=region_managers, lazy="select", order_by="User.username")


class Dealer(Timestamped, Versioned, db.Model):
    __tablename__ = "core_dealer"
    __activity_model__ = "dealer"
    __dealer_column__ = "id"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="dealer")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("core_dealer.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("core_region.id"), index=True)
    contact: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(14), default="active", index=True)
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", use_alter=True))
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    abc_class: Mapped[str] = mapped_column(String(1), default="C")

    parent = relationship("Dealer", remote_side=[id], lazy="joined", join_depth=1)
    region = relationship(Region, lazy="joined")
    status_changed_by = relationship("User", foreign_keys=[status_changed_by_id], lazy="select")

    @property
    def dealer_id(self) -> int:
        """A dealer is in its own scope, so record rules apply to dealers too."""
        return self.id

    def __repr__(self) -> str:
        return f"<Dealer {self.code}>"
