from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.model_utils import Timestamped, Versioned

PRODUCT_STATUSES = ("active", "discontinued")


class ProductCategory(Timestamped, db.Model):
    __tablename__ = "core_product_category"
    __activity_model__ = "product_category"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    warranty_months: Mapped[int] = mapped_column(Integer)
    retention_months: Mapped[int] = mapped_column(Integer)
    whole_unit_returns: Mapped[bool] = mapped_column(Boolean, default=False)


class ProductPart(db.Model):
    """Bill of materials: ``quantity`` of ``part`` in one ``product``."""
    __tablename__ = "core_product_part"
    __table_args__ = (UniqueConstraint("product_id", "part_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("core_product.id", ondelete="CASCADE"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("core_product.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    part = relationship("Product", foreign_keys=[part_id], lazy="joined")


class Product(Timestamped, Versioned, db.Model):
    __tablename__ = "core_product"
    __activity_model__ = "product"
    # (status, sku), not status alone: "active products by SKU" (the dealers' catalogue) walks this
    # index in order; with a bare status index SQLite picked it and sorted ~all rows (19 ms at 20k).
    __table_args__ = (Index("ix_core_product_status_sku", "status", "sku"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("core_product_category.id"), index=True)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    status: Mapped[str] = mapped_column(String(14), default="active")
    discontinued_on: Mapped[date | None] = mapped_column(Date)
    is_spare_part: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    category: Mapped[ProductCategory] = relationship(lazy="joined")
    parts: Mapped[list[ProductPart]] = relationship(
        foreign_keys=[ProductPart.product_id], cascade="all, delete-orphan", lazy="selectin",
        order_by=ProductPart.id)

    def __repr__(self) -> str:
        return f"<Product {self.sku}>"
