"""Gap-free yearly document numbers (``RMA-2026-000123``), safe under concurrent writers."""
from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db


class Sequence(db.Model):
    __tablename__ = "core_sequence"
    __table_args__ = (UniqueConstraint("name", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(Integer, default=0)


def next_value(name: str, year: int) -> int:
    # An UPDATE takes the row lock first, so two transactions never read the same value.
    result = db.session.execute(
        update(Sequence).where(Sequence.name == name, Sequence.year == year)
        .values(value=Sequence.value + 1).returning(Sequence.value))
    value = result.scalar()
    if value is None:
        db.session.add(Sequence(name=name, year=year, value=1))
        db.session.flush()
        return 1
    return value


def next_number(prefix: str, year: int, width: int = 6) -> str:
    return f"{prefix}-{year}-{next_value(prefix, year):0{width}d}"
