"""Spare parts: obligations, dealer stock reports, applications, head-office stock and its ledger."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import notifications, sequences  # noqa: F401  (their tables must exist wherever spares runs)
from core.toolkit import Timestamped, UTCDateTime, Versioned, db, utcnow

SCOPES = ("dealer", "region", "abc_class", "dealer_kind", "all")  # most specific first
APPLICATION_STATES = ("submitted", "approved", "shipped", "received", "rejected")
MOVEMENT_KINDS = ("receipt", "issue_application", "issue_rma", "issue_service", "repaired_return", "adjustment")
POOLS = ("new", "repaired")


class Obligation(Timestamped, db.Model):
    """Head office's required turnover stock of one spare part, for one scope of dealers.

    Exactly one of the scope columns is set, or none (every dealer). ``dealer_id`` set is a
    per-dealer override.
    """
    __tablename__ = "spares_obligation"
    __activity_model__ = "spares_obligation"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("core_dealer.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("core_region.id"), index=True)
    abc_class: Mapped[str | None] = mapped_column(String(1))
    dealer_kind: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(300), default="")

    part = relationship("Product", lazy="joined")
    dealer = relationship("Dealer", lazy="joined")
    region = relationship("Region", lazy="joined")

    @property
    def scope(self) -> str:
        if self.dealer_id is not None:
            return "dealer"
        if self.region_id is not None:
            return "region"
        if self.abc_class is not None:
            return "abc_class"
        if self.dealer_kind is not None:
            return "dealer_kind"
        return "all"

    @property
    def scope_value(self) -> str | None:
        return {"dealer": lambda: self.dealer.code, "region": lambda: self.region.code,
                "abc_class": lambda: self.abc_class, "dealer_kind": lambda: self.dealer_kind,
                "all": lambda: None}[self.scope]()


class StockReport(db.Model):
    """A dealer's count of its on-hand spare parts on ``reported_on``."""
    __tablename__ = "spares_stock_report"
    __activity_model__ = "spares_stock_report"
    __table_args__ = (Index("ix_spares_stock_report_dealer_date", "dealer_id", "reported_on", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("core_dealer.id"))
    reported_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    dealer = relationship("Dealer", lazy="joined")
    created_by = relationship("User", lazy="joined")
    lines: Mapped[list[StockReportLine]] = relationship(back_populates="report", cascade="all, delete-orphan",
                                                         lazy="selectin", order_by="StockReportLine.id")


class StockReportLine(db.Model):
    __tablename__ = "spares_stock_report_line"
    __table_args__ = (UniqueConstraint("report_id", "part_id"), CheckConstraint("quantity >= 0", name="quantity_not_negative"))
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("spares_stock_report.id", ondelete="CASCADE"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    report: Mapped[StockReport] = relationship(back_populates="lines")
    part = relationship("Product", lazy="joined")


class Application(Timestamped, Versioned, db.Model):
    """备件申请: a dealer asks the customer service department for spare parts."""
    __tablename__ = "spares_application"
    __activity_model__ = "spares_application"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("core_dealer.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), default="submitted", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    rma_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the RMA plugin may be absent
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    dealer = relationship("Dealer", lazy="joined")
    lines: Mapped[list[ApplicationLine]] = relationship(back_populates="application", cascade="all, delete-orphan",
                                                         lazy="selectin", order_by="ApplicationLine.id")


class ApplicationLine(db.Model):
    __tablename__ = "spares_application_line"
    __table_args__ = (UniqueConstraint("application_id", "part_id"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("spares_application.id", ondelete="CASCADE"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    shipped_quantity: Mapped[int] = mapped_column(Integer, default=0)
    application: Mapped[Application] = relationship(back_populates="lines")
    part = relationship("Product", lazy="joined")


class Stock(db.Model):
    """Head-office stock of one part: new parts and repaired parts are kept apart."""
    __tablename__ = "spares_stock"
    __table_args__ = (CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
                      CheckConstraint("repaired_on_hand >= 0", name="repaired_not_negative"))
    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"), unique=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    repaired_on_hand: Mapped[int] = mapped_column(Integer, default=0)
    part = relationship("Product", lazy="joined")


class Movement(db.Model):
    """Append-only ledger line: ``quantity`` is signed (+ in, - out) within one ``pool``."""
    __tablename__ = "spares_movement"
    __table_args__ = (Index("ix_spares_movement_part", "part_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    pool: Mapped[str] = mapped_column(String(10), default="new")
    quantity: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("spares_application.id"), index=True)
    rma_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    part = relationship("Product", lazy="joined")
    actor = relationship("User", lazy="joined")
    application = relationship(Application, lazy="joined")


@event.listens_for(Movement, "before_update")
@event.listens_for(Movement, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("stock movements are append-only")


class ComplianceSummary(db.Model):
    """Each dealer's compliance with today's obligations as of its latest stock report, kept in step
    by plugins.spares.summary (in the transaction that changes a report, an obligation or a dealer)
    so the compliance lists and rates read a row per dealer instead of every report line.
    ``missing`` holds the part ids held short of the requirement, ascending."""
    __tablename__ = "spares_compliance"
    dealer_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # no FK: kept when a dealer goes
    report_id: Mapped[int | None] = mapped_column(Integer)
    reported_on: Mapped[date | None] = mapped_column(Date)
    obliged: Mapped[int] = mapped_column(Integer, default=0)
    compliant: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[str] = mapped_column(Text, default="")
