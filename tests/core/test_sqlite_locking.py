"""SQLite with several worker processes: a write request takes the write lock when its
transaction begins, so two concurrent writers queue instead of one failing with
"database is locked" (both read first, then both try to write: SQLite refuses one at once)."""
import sqlite3

import pytest
from sqlalchemy import select

from core.extensions import db
from core.testing import make_app


@pytest.fixture
def file_app(tmp_path):
    path = tmp_path / "locking.db"
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", SQLALCHEMY_ENGINE_OPTIONS={})
    yield app, path
    with app.app_context():
        db.engine.dispose()


def test_a_write_request_holds_the_write_lock_from_its_first_query(file_app):
    app, path = file_app
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with app.test_request_context("/api/v1/anything", method="POST"):
        db.session.execute(select(1))
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        db.session.rollback()
    other.execute("BEGIN IMMEDIATE")  # released at the end of the transaction
    other.execute("ROLLBACK")
    other.close()


def test_a_read_request_does_not_block_writers_and_the_file_uses_wal(file_app):
    app, path = file_app
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with app.test_request_context("/api/v1/anything", method="GET"):
        db.session.execute(select(1))
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        assert db.session.execute(select(1)).scalar() == 1
        db.session.rollback()
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()


def test_a_begin_that_finds_the_write_lock_taken_fails_as_a_statement_does(file_app, monkeypatch):
    """The BEGIN goes to the driver directly (core.extensions._on_begin), yet a write request that
    waits the busy timeout out gets SQLAlchemy's OperationalError, as from any failing statement
    (spares turns it into a "try again" conflict), and the session can go on after a rollback."""
    from sqlalchemy.exc import OperationalError

    from core import extensions

    app, path = file_app
    monkeypatch.setattr(extensions, "SQLITE_PRAGMAS", ("busy_timeout=0",))  # fail at once, not after 5 s
    with app.app_context():
        db.engine.dispose()  # new connections take the pragma
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with app.test_request_context("/api/v1/anything", method="POST"):
        with pytest.raises(OperationalError, match="locked"):
            db.session.execute(select(1))
        db.session.rollback()
        other.execute("ROLLBACK")
        assert db.session.execute(select(1)).scalar() == 1
        db.session.rollback()
    other.close()
