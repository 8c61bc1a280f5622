"""Engine settings for a server: SQLite pragmas, and dead PostgreSQL connections replaced
without pool_pre_ping's round trip on every checkout."""
import os

import pytest
from sqlalchemy import create_engine, text

from core import config
from core.extensions import db


def test_no_pre_ping_but_recycle():
    options = config.DEFAULTS["SQLALCHEMY_ENGINE_OPTIONS"]
    assert "pool_pre_ping" not in options and options["pool_recycle"] > 0


def test_sqlite_server_pragmas(tmp_path):
    import core.extensions  # noqa: F401  (registers the connect listener)

    engine = create_engine(f"sqlite:///{tmp_path / 'server.db'}")
    with engine.connect() as conn:
        read = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "busy_timeout", "mmap_size", "cache_size", "foreign_keys")}
    engine.dispose()
    assert read == {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 5000, "mmap_size": 268435456,
                    "cache_size": -20000, "foreign_keys": 1}


def test_idle_sqlite_connection_is_not_pinged(tmp_path):
    """A file has no server to lose the connection: no ping, even after a long idle time."""
    from sqlalchemy import event

    engine = create_engine(f"sqlite:///{tmp_path / 'idle.db'}", pool_size=1, max_overflow=0)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    for record in list(engine.pool._pool.queue):
        record.info["checked_in_at"] -= 3600
    seen = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 2")).scalar() == 2
    engine.dispose()
    assert [s for s in seen if s != "BEGIN"] == ["SELECT 2"]  # BEGIN: our explicit SQLite transactions


def test_a_sqlite_transaction_begins_on_the_driver(tmp_path):
    """Every request begins a transaction: our explicit BEGIN goes to the driver's connection,
    not through SQLAlchemy's statement execution (an execution context, cursor events and a
    result for a statement that returns nothing: 329 function calls for a connection's checkout,
    BEGIN, one SELECT and its return to the pool before, 285 now)."""
    import cProfile
    import pstats

    from sqlalchemy import event

    engine = create_engine(f"sqlite:///{tmp_path / 'begin.db'}")
    seen, begun = [], []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    def request():
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            begun.append(conn.connection.dbapi_connection.in_transaction)

    event.listen(engine, "before_cursor_execute", count)
    request()  # (and warm: the connection is made, the statement compiled)
    event.remove(engine, "before_cursor_execute", count)
    assert seen == ["SELECT 1"] and begun == [True]  # in an explicit (deferred) transaction
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(10):
        request()
    profile.disable()
    engine.dispose()
    assert pstats.Stats(profile).total_calls // 10 <= 300  # (a ceiling: a library upgrade may move it a little)


# a server connection can die while idle: collected when the tests run on PostgreSQL (the SQLite
# case is the test above), so neither run skips a test
if os.environ.get("AFTERSALES_TEST_DATABASE_URL", "").startswith("postgresql"):
    def _dead_idle_connection_is_replaced(app):
        assert db.engine.dialect.name == "postgresql"
        engine = create_engine(db.engine.url, pool_size=1, max_overflow=0)
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with db.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.commit()
        for record in list(engine.pool._pool.queue):
            record.info["checked_in_at"] -= 3600  # idle long enough to be pinged
        with engine.connect() as conn:  # no error: the dead connection was replaced at checkout
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
        engine.dispose()

    test_dead_idle_connection_is_replaced = _dead_idle_connection_is_replaced


if os.environ.get("AFTERSALES_TEST_DATABASE_URL", "").startswith("postgresql"):
    def test_psycopg_describes_a_result_only_when_asked(app, monkeypatch):
        """SQLAlchemy reads ``cursor.description`` after every SELECT but needs its columns only
        the first time a statement runs (then caches what it learnt) and for textual SQL: psycopg
        builds them only when they are read (core.extensions._configure_postgresql_cursors)."""
        import psycopg
        from sqlalchemy import select

        built = []
        build = psycopg.Column.__init__

        def counting(self, cursor, index):
            built.append(index)
            build(self, cursor, index)

        monkeypatch.setattr(psycopg.Column, "__init__", counting)
        table = db.metadata.tables["core_sequence"]
        db.session.execute(table.insert().values(name="d", year=2026, value=7))
        built.clear()
        statement = select(table.c.name, table.c.value).where(table.c.year == 2026)
        assert db.session.execute(statement).all() == [("d", 7)]  # first run: described, then cached
        assert built == [0, 1]
        assert db.session.execute(statement).mappings().one() == {"name": "d", "value": 7}
        assert built == [0, 1]  # no columns built again
        assert list(db.session.execute(text("SELECT 1 AS a, 'x' AS b")).keys()) == ["a", "b"]  # textual
        db.session.rollback()

        with db.engine.connect() as conn:  # the DB-API cursor itself still answers as psycopg's
            cursor = conn.connection.dbapi_connection.cursor()
            cursor.execute("SELECT 1 AS a, 'x'::text AS b")
            description = cursor.description
            assert len(description) == 2 and [column.name for column in description] == ["a", "b"]
            assert description[1][0] == "b" and description == list(description)
            cursor.execute("SELECT 2 AS c")
            stale = cursor.description
            cursor.execute("SELECT 3 AS d")
            with pytest.raises(psycopg.InterfaceError):  # never the columns of another result
                stale[0]
            cursor.execute("CREATE TEMP TABLE described (a int)")
            assert cursor.description is None
            cursor.close()


if os.environ.get("AFTERSALES_TEST_DATABASE_URL", "").startswith("postgresql"):
    def test_psycopg_converts_a_statement_of_many_parameters_once(app, monkeypatch):
        """A return filed with 5 lines inserts them in one statement of 130 parameters: psycopg
        scans its placeholders once and caches the result, as it does for short statements."""
        from psycopg import _queries

        scans = []
        scan = _queries._split_query

        def counting(*args, **kwargs):
            scans.append(args[0])
            return scan(*args, **kwargs)

        monkeypatch.setattr(_queries, "_split_query", counting)
        statement = "SELECT " + " + ".join(f"%(p{i})s::int" for i in range(130)) + " AS many_parameters"
        with db.engine.connect() as conn:
            cursor = conn.connection.dbapi_connection.cursor()
            for _ in range(3):
                cursor.execute(statement, {f"p{i}": i for i in range(130)})
                assert cursor.fetchone() == (sum(range(130)),)
            cursor.close()
        assert len(scans) == 1


def _sequence_routes(app):
    """Two throwaway read-request routes that write (a GET should not, but one that does must stay atomic)."""
    from flask import abort

    def insert(name):
        db.session.execute(text("INSERT INTO core_sequence (name, year, value) VALUES (:n, 2026, 1)"), {"n": name})

    def write_twice_then_refuse():
        insert("get-a")
        insert("get-b")
        abort(400)  # no commit: the request's teardown rolls back

    def write_and_commit():
        insert("get-c")
        db.session.commit()
        return "ok"

    app.add_url_rule("/_t/write-twice", view_func=write_twice_then_refuse)
    app.add_url_rule("/_t/write-commit", view_func=write_and_commit)


def _sequences():
    return set(db.session.scalars(text("SELECT name FROM core_sequence WHERE name LIKE 'get-%'")))


def test_what_a_read_request_writes_is_one_transaction(app, client):
    """On PostgreSQL a GET reads in autocommit (below); its first write turns the transaction back on,
    so a GET that writes twice and fails keeps neither row, and one that commits keeps its row."""
    _sequence_routes(app)
    assert client.get("/_t/write-twice").status_code == 400
    db.session.rollback()
    assert _sequences() == set()
    assert client.get("/_t/write-commit").data == b"ok"
    db.session.rollback()
    assert _sequences() == {"get-c"}


if os.environ.get("AFTERSALES_TEST_DATABASE_URL", "").startswith("postgresql"):
    def test_a_read_request_sends_no_begin_or_rollback(app, client):
        """A GET's SELECTs run in autocommit (no transaction open on the server: no BEGIN, no ROLLBACK
        round trip); a POST's run in a transaction; the pooled connection goes back transactional."""
        seen = []

        def status():
            conn = db.session.connection()
            conn.execute(text("SELECT 1"))
            dbapi_connection = conn.connection.dbapi_connection
            seen.append((int(dbapi_connection.info.transaction_status), dbapi_connection.autocommit))
            return "ok"

        app.add_url_rule("/_t/status", view_func=status, methods=["GET", "POST"])
        client.get("/_t/status")
        client.post("/_t/status")
        assert seen == [(0, True), (2, False)]  # 0: idle (no transaction), 2: in a transaction
        with db.engine.connect() as conn:  # the same pooled connection, outside a request: transactional
            conn.execute(text("SELECT 1"))
            assert conn.connection.dbapi_connection.autocommit is False
            assert int(conn.connection.dbapi_connection.info.transaction_status) == 2
