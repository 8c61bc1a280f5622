"""Flask extensions and the plugin manager, created unbound and wired in create_app."""
import re
from functools import lru_cache

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()


READ_METHODS = ("GET", "HEAD", "OPTIONS")  # requests that read: SQLite's deferred BEGIN, PostgreSQL's autocommit reads
SQLITE_PRAGMAS = ("synchronous=NORMAL", "busy_timeout=5000", "mmap_size=268435456", "cache_size=-20000")
IDLE_PING_SECONDS = 30


def _configure_sqlite():
    """Make SQLite behave: enforce foreign keys, and let SQLAlchemy own transactions.

    pysqlite's legacy transaction handling starts transactions lazily and lets RELEASE of an
    outer SAVEPOINT commit, which breaks all-or-nothing imports; the documented fix is to
    switch its handling off and emit BEGIN ourselves (SQLAlchemy docs, "Serializable isolation
    / Savepoints / Transactional DDL" for pysqlite).
    """
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            # several worker processes on one file: readers never block the writer (a no-op in memory)
            cursor.execute("PRAGMA journal_mode=WAL")
            # server settings: in WAL mode NORMAL stays consistent after a crash (only the last
            # transactions may be lost on power failure) and saves an fsync per commit; wait for
            # the write lock instead of failing; read through a memory map; a larger page cache
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

    @event.listens_for(Engine, "begin")
    def _on_begin(conn):
        """BEGIN straight on the driver's connection: every request begins a transaction, and
        SQLAlchemy's statement execution (``exec_driver_sql``: an execution context, cursor
        events, a result) costs some 50 function calls for a statement that returns nothing. A
        failure (the write lock still held when the busy timeout ends) is raised as
        SQLAlchemy raises a failing statement's (``sqlalchemy.exc.OperationalError``)."""
        dbapi_connection = conn.connection.dbapi_connection
        # (tests share one in-memory connection between sessions: join its transaction)
        if isinstance(dbapi_connection, sqlite3.Connection) and not dbapi_connection.in_transaction:
            statement = "BEGIN IMMEDIATE" if _writing_request() else "BEGIN"
            try:
                dbapi_connection.execute(statement)
            except sqlite3.Error as exc:
                conn._handle_dbapi_exception(exc, statement, (), None, None)


def _writing_request() -> bool:
    """A write request takes SQLite's write lock up front: two deferred transactions that both
    read and then write would deadlock, and SQLite fails one at once ("database is locked");
    taken at BEGIN, the lock is waited for (the connection's busy timeout) instead."""
    from flask import has_request_context, request

    return has_request_context() and request.method not in READ_METHODS


def _reading_request() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.method in READ_METHODS


READ_AUTOCOMMIT = "aftersales_read_autocommit"  # pooled connection info: autocommit switched on for a read request
_LOCKING = re.compile(r"\bFOR\s+(UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _plain_read(statement: str) -> bool:
    """A SELECT that takes no row lock (statements are built once, so this is looked up, not parsed)."""
    return statement.lstrip()[:6].upper() == "SELECT" and not _LOCKING.search(statement)


def _configure_postgresql_reads():
    """A read request (GET, HEAD, OPTIONS) on PostgreSQL runs its SELECTs in autocommit until it writes.

    At READ COMMITTED (PostgreSQL's default, which we keep) each statement takes its own snapshot
    inside a transaction too, so the reads see the same rows; they are spared the BEGIN and the
    ROLLBACK, two of a detail read's four round trips. The first statement that is not a plain
    SELECT (INSERT, UPDATE, DELETE, a locking SELECT .. FOR UPDATE) turns the transaction back on
    before it runs: what a read request writes is still one transaction, committed or rolled back
    as a whole. The connection goes back to the pool in its transactional mode."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    @event.listens_for(Engine, "begin")
    def _read_begin(conn):
        if conn.dialect.name != "postgresql" or not _reading_request():
            return
        fairy = conn.connection
        dbapi_connection = fairy.dbapi_connection
        if dbapi_connection.autocommit is False and dbapi_connection.info.transaction_status == 0:  # IDLE
            dbapi_connection.autocommit = True
            fairy.info[READ_AUTOCOMMIT] = True

    @event.listens_for(Engine, "before_cursor_execute")
    def _write_begins(conn, cursor, statement, parameters, context, executemany):
        info = conn.connection.info
        if info.get(READ_AUTOCOMMIT) and not _plain_read(statement):
            conn.connection.dbapi_connection.autocommit = False  # this statement opens the transaction
            info.pop(READ_AUTOCOMMIT)

    @event.listens_for(Pool, "checkin")
    def _back_to_transactions(dbapi_connection, record):
        if record is not None and record.info.pop(READ_AUTOCOMMIT, None) and dbapi_connection is not None:
            dbapi_connection.autocommit = False


def _configure_postgresql_cursors():
    """psycopg cursors whose ``description`` builds its columns only when they are read.

    SQLAlchemy reads ``cursor.description`` after every statement that returns rows, and psycopg
    builds it as a list of ``Column`` objects, one per column with its name decoded and its type
    looked up (some seven function calls each: ~450 for a detail read of 64 columns). SQLAlchemy
    needs only to know that rows came back: a statement's result columns are compiled once and
    cached (``compiled._cached_metadata``); it reads the columns themselves only the first time a
    statement runs, or for textual SQL. The cursor class is psycopg's documented extension
    point (the connection's ``cursor_factory``), set when the connection is made."""
    from collections.abc import Sequence

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    try:
        import psycopg
    except ImportError:  # a SQLite-only installation
        return

    class Description(Sequence):
        """``cursor.description`` of one result, its ``Column`` objects made at first use."""

        __slots__ = ("_cursor", "_result", "_columns")

        def __init__(self, cursor, result):
            self._cursor, self._result, self._columns = cursor, result, None

        def __len__(self):
            return self._result.nfields

        def __getitem__(self, index):
            if self._columns is None:
                if self._cursor.pgresult is not self._result:  # psycopg's Column reads the cursor's result
                    raise psycopg.InterfaceError("the description of a result the cursor no longer holds")
                self._columns = psycopg.Cursor.description.fget(self._cursor)
            return self._columns[index]

        def __eq__(self, other):
            return list(self) == other

        def __repr__(self):
            return repr(list(self))

    class Cursor(psycopg.Cursor):
        __module__ = __name__

        @property
        def description(self):
            result = self.pgresult
            if result is None or not (result.nfields or result.status == psycopg.pq.ExecStatus.TUPLES_OK):
                return super().description  # None, or a result psycopg describes in its own way
            return Description(self, result)

    # psycopg converts a statement's %(name)s placeholders to $n by a regular-expression scan, and
    # caches the result (128 statements) only for statements of at most 50 parameters: the rows
    # of a return with its lines are one INSERT (SQLAlchemy's "insertmanyvalues") of 26 parameters
    # a line, scanned again on every request from 2 lines on (~2,000 function calls for 5 lines).
    # Its length limit (4,096 bytes) still keeps huge statements out of the cache, which bounds
    # its memory.
    from psycopg import _queries

    if getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", 0) < 500:
        _queries.MAX_CACHED_STATEMENT_PARAMS = 500

    @event.listens_for(Engine, "do_connect")
    def _cursor_factory(dialect, connection_record, cargs, cparams):
        if dialect.driver == "psycopg" and not dialect.is_async:
            cparams.setdefault("cursor_factory", Cursor)


def sqlite_write_locked(session=None) -> bool:
    """Whether the session's transaction holds SQLite's write lock from its BEGIN (a writing
    request begins IMMEDIATE): values read in it (e.g. the next free id) stay valid until the
    commit. False on other databases and outside a writing request."""
    session = session or db.session
    return session.get_bind().dialect.name == "sqlite" and _writing_request()


def _configure_pool():
    """Dead pooled connections without ``pool_pre_ping``'s round trip on every checkout.

    ``pool_recycle`` (config) replaces connections before a server or firewall closes them; a
    connection idle for more than IDLE_PING_SECONDS is pinged at checkout and, if dead, replaced
    by a fresh one before the request uses it (the pool retries the checkout on
    DisconnectionError). A connection that dies during a busy period fails one statement;
    SQLAlchemy then invalidates the whole pool, so the next request reconnects."""
    import sqlite3
    import time

    from sqlalchemy import event
    from sqlalchemy.exc import DisconnectionError
    from sqlalchemy.pool import Pool

    @event.listens_for(Pool, "checkin")
    def _checked_in(dbapi_connection, record):
        if record is not None:
            record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(Pool, "checkout")
    def _checked_out(dbapi_connection, record, proxy):
        last = record.info.get("checked_in_at")
        if last is None or time.monotonic() - last < IDLE_PING_SECONDS or isinstance(dbapi_connection, sqlite3.Connection):
            return
        autocommit = getattr(dbapi_connection, "autocommit", None)
        try:
            if autocommit is False:
                dbapi_connection.autocommit = True  # the ping must not leave a transaction open
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            if autocommit is False:
                dbapi_connection.autocommit = False
        except Exception as exc:
            raise DisconnectionError("dead pooled connection replaced") from exc


_configure_sqlite()
_configure_postgresql_reads()
_configure_postgresql_cursors()
_configure_pool()
