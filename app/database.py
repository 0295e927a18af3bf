"""Engine set-up (SQLite in WAL mode) and db_write(), the one way anything writes to the database.

Every request begins as a reader. Every change to the database, anywhere, happens inside
`with db_write():` in a domain function: a transaction of its own, committed at the end of the
block and rolled back on an error. On SQLite it first ends the request's read transaction and
begins with BEGIN IMMEDIATE after the writers' queue, so the write lock is held for the write
alone and never has to be upgraded (the cause of "database is locked"). With CHECK_WRITES on (by
default under TESTING), a write outside the block raises WriteOutsideBlock.
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from flask import Flask, current_app, has_app_context, request
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db

# True inside db_write(): SQLite then begins the transaction with BEGIN IMMEDIATE.
writing: ContextVar[bool] = ContextVar("writing", default=False)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# GETs that mostly touch no database (a phone's poll of the room's step is served from a per-process
# copy): no connection is checked out for them up front
ANSWERED_WITHOUT_A_QUERY = {"static", "seminar.member_step"}


class WriteOutsideBlock(RuntimeError):
    """A change to the database outside `with db_write():` (raised when CHECK_WRITES is on)."""


class NestedWrite(RuntimeError):
    """A db_write() block opened inside another: each write is one transaction of its own."""


@contextmanager
def db_write() -> Iterator[None]:
    """Write inside this block: one transaction, committed at its end, rolled back on an error.

    On SQLite the read transaction before it ends first (a transaction that has read cannot
    become the writer once another connection has written since: it fails at once, without
    waiting); the objects read stay loaded as they were, as they do on PostgreSQL, whose
    transaction simply goes on (a conditional UPDATE sees the latest committed row).

    :raise NestedWrite: inside another db_write() block.
    """
    if writing.get():
        raise NestedWrite("db_write() blocks do not nest: finish one write before the next")
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        _end_read(session)
    token = writing.set(True)
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        writing.reset(token)


def _end_read(session) -> None:
    """Commit the read-only transaction without expiring what it loaded."""
    session.expire_on_commit = False
    try:
        db.session.commit()
    finally:
        session.expire_on_commit = True


def _writes_checked() -> bool:
    return not writing.get() and has_app_context() and current_app.config["CHECK_WRITES"]


@event.listens_for(db.session, "before_flush")
def _refuse_flush_outside_a_block(session, _context, _instances) -> None:
    if _writes_checked() and (session.new or session.deleted or any(
            session.is_modified(instance) for instance in session.dirty)):
        raise WriteOutsideBlock(f"changed objects flushed outside db_write(): "
                                f"{[*session.new, *session.dirty, *session.deleted]!r:.300}")


@event.listens_for(db.session, "do_orm_execute")
def _refuse_dml_outside_a_block(state) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and _writes_checked():
        raise WriteOutsideBlock(f"statement executed outside db_write(): {str(state.statement)[:300]}")


def init_app(app: Flask) -> None:
    app.config.setdefault("CHECK_WRITES", app.testing)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            app.extensions["sqlite_writer_gate"] = _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    if engine.dialect.name == "postgresql":
        @app.before_request
        def read_without_transaction() -> None:
            # A GET only reads (tests/cross/test_access_matrix.py checks it), and under READ COMMITTED
            # every statement sees its own snapshot anyway: running the statements in autocommit
            # gives the same answers without a BEGIN and a ROLLBACK round trip per request.
            if request.method in SAFE_METHODS and request.endpoint not in ANSWERED_WITHOUT_A_QUERY:
                db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _configure_sqlite(engine, busy_timeout_ms: int) -> threading.Lock:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    # Writers queue in two stages instead of polling SQLite's busy handler, which sleeps up to
    # 100 ms between tries and lets a free lock sit idle: first on a lock inside the process
    # (threads are woken in turn), then on a lock file shared by every process using the
    # database, polled every 2 ms. A writer that waits longer than the busy timeout goes on
    # anyway and leaves it to SQLite, so a lost lock can slow writers but never stop them.
    gate = threading.Lock()
    gate_timeout = busy_timeout_ms / 1000
    lock_path = _lock_path(engine)

    def release_gate(info) -> None:
        fd = info.pop("writer_lock_fd", None)
        if fd is not None:
            os.close(fd)  # closing the file releases its lock
        if info.pop("holds_writer_gate", False):
            gate.release()

    def take_gate(info) -> None:
        deadline = time.monotonic() + gate_timeout
        if not gate.acquire(timeout=gate_timeout):
            return
        info["holds_writer_gate"] = True
        if lock_path is None:
            return
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                info["writer_lock_fd"] = fd
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    return
                time.sleep(0.002)

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        if not writing.get():
            connection.exec_driver_sql("BEGIN")
            return
        take_gate(connection.info)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            release_gate(connection.info)
            raise

    @event.listens_for(engine, "commit")
    def on_commit(connection) -> None:
        release_gate(connection.info)

    @event.listens_for(engine, "rollback")
    def on_rollback(connection) -> None:
        release_gate(connection.info)

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record) -> None:
        release_gate(record.info)  # a connection returned without commit or rollback

    return gate


def _lock_path(engine) -> str | None:
    """The file beside the database whose lock every process's writers take in turn."""
    path = engine.url.database
    if not path or path == ":memory:":
        return None
    return os.fspath(path) + ".writers"


def insert_ignoring_conflicts(table, _from_select=None, _dialect: str | None = None, **values):
    """INSERT ... ON CONFLICT DO NOTHING in the dialect of the bound database (or of `_dialect`).

    With `_from_select` = (columns, select): INSERT ... SELECT, which inserts nothing when the
    SELECT finds no row.
    """
    dialect = _dialect or db.engine.dialect.name
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    statement = statement.from_select(*_from_select) if _from_select else statement.values(**values)
    return statement.on_conflict_do_nothing()


def compiled_once(statement, dialect_name: str):
    """`statement` as text compiled once for the dialect, its parameters typed as they were.

    The dialects' INSERT ... ON CONFLICT constructs opt out of SQLAlchemy's statement cache
    (`inherit_cache = False`), so each execution compiles them again: about a millisecond, half
    of a seminar answer's cost. Text is cached by its string. RETURNING columns come back as plain
    columns of the same names.
    """
    from sqlalchemy import bindparam, column, text
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = (postgresql.dialect if dialect_name == "postgresql" else sqlite.dialect)(paramstyle="named")
    compiled = statement.compile(dialect=dialect)
    binds = {name: bindparam(name, type_=bind.type) if bind.required or bind.value is None
             else bindparam(name, value=bind.value, type_=bind.type) for bind, name in compiled.bind_names.items()}
    returning = [column(c.name, c.type) for c in statement._returning]
    clause = text(compiled.string.replace("::", r"\:\:")).bindparams(*binds.values())  # PostgreSQL's casts
    return clause.columns(*returning) if returning else clause
