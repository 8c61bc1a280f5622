"""Gap-free yearly document numbers (``RMA-2026-000123``), safe under concurrent writers."""
from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint, update
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db


class Sequence(db.Model):
    __tablename__ = "core_sequence"
    __table_args__ = (UniqueConstraint("name", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(Integer, default=0)


def _insert_if_absent(name: str, year: int) -> None:
    """Create the year's row without racing: two first requests of a year both insert, one wins
    silently (ON CONFLICT DO NOTHING on both dialects), neither fails with an IntegrityError."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(Sequence).values(name=name, year=year, value=0)
                       .on_conflict_do_nothing(index_elements=["name", "year"]))


def next_value(name: str, year: int) -> int:
    # An UPDATE takes the row lock first (SQLite: the write lock), so two transactions never
    # read the same value; the row is created first when the year has none yet.
    stmt = (update(Sequence).where(Sequence.name == name, Sequence.year == year)
            .values(value=Sequence.value + 1).returning(Sequence.value))
    value = db.session.execute(stmt).scalar()
    if value is None:
        _insert_if_absent(name, year)
        value = db.session.execute(stmt).scalar()
    return value


def next_number(prefix: str, year: int, width: int = 6) -> str:
    return f"{prefix}-{year}-{next_value(prefix, year):0{width}d}"
