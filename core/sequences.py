"""Gap-free yearly document numbers (``RMA-2026-000123``), safe under concurrent writers."""
from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db


class Sequence(db.Model):
    __tablename__ = "core_sequence"
    __table_args__ = (UniqueConstraint("name", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(Integer, default=0)


def next_value(name: str, year: int, session=None) -> int:
    """One statement, in the caller's transaction: INSERT .. ON CONFLICT DO UPDATE .. RETURNING
    (SQLite >= 3.35 and PostgreSQL). The conflicting row is locked before it is incremented
    (SQLite: the write lock), so two transactions never read the same value, and two first
    requests of a year never fail with an IntegrityError: one inserts 1, the other increments.

    The statement is built once per dialect and run on the session's connection: through the
    ORM's execution layer the upsert cost several times the statement itself (every numbered
    document pays it). Pending changes are flushed first, as the session's autoflush did."""
    session = session or db.session
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    connection = session.connection()
    return connection.execute(_upsert(connection.dialect.name), {"name": name, "year": year}).scalar_one()


_UPSERTS: dict = {}


def _upsert(dialect_name: str):
    stmt = _UPSERTS.get(dialect_name)
    if stmt is None:
        from sqlalchemy import bindparam

        if dialect_name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        table = Sequence.__table__
        stmt = _UPSERTS[dialect_name] = (
            insert(table).values(name=bindparam("name"), year=bindparam("year"), value=1)
            .on_conflict_do_update(index_elements=["name", "year"], set_={"value": table.c.value + 1})
            .returning(table.c.value))
    return stmt


def next_number(prefix: str, year: int, width: int = 6) -> str:
    return f"{prefix}-{year}-{next_value(prefix, year):0{width}d}"
