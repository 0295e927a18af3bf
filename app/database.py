"""Engine set-up: SQLite in WAL mode, and write transactions that take the lock up front."""
from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db

# Set for requests that change state, so SQLite begins them with BEGIN IMMEDIATE: a
# transaction that reads and then writes never has to upgrade its lock (the cause of
# "database is locked"); it queues on the busy timeout instead.
writing: ContextVar[bool] = ContextVar("writing", default=False)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@contextmanager
def write_intent(write: bool = True):
    """Begin the transactions opened inside this block as writers (or, with False, as readers)."""
    token = writing.set(write)
    try:
        yield
    finally:
        writing.reset(token)


def end_read() -> None:
    """Before a write that follows a read in one request: end the read's transaction on SQLite.

    A SQLite transaction that has read cannot become the writer once another connection has
    written since (it fails at once, without waiting), so the write must begin afresh. On
    PostgreSQL the transaction goes on: its conditional UPDATE sees the latest committed row.
    """
    if db.engine.dialect.name == "sqlite":
        db.session.commit()


def reads_first(view):
    """Mark a state-changing view that reads as a reader and opens its own writes with write_intent().

    Its write lock (SQLite's one writer) is then held for the write alone, not for the
    whole request.
    """
    view.reads_first = True
    return view


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            app.extensions["sqlite_writer_gate"] = _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @app.before_request
    def mark_writes() -> None:
        view = app.view_functions.get(request.endpoint)
        writing.set(request.method not in SAFE_METHODS and not getattr(view, "reads_first", False))

    if engine.dialect.name == "postgresql":
        @app.before_request
        def read_without_transaction() -> None:
            # A GET only reads (tests/test_access_matrix.py checks it), and under READ COMMITTED
            # every statement sees its own snapshot anyway: running the statements in autocommit
            # gives the same answers without a BEGIN and a ROLLBACK round trip per request.
            if request.method in SAFE_METHODS and request.endpoint != "static":
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


def insert_ignoring_conflicts(table, _from_select=None, **values):
    """INSERT ... ON CONFLICT DO NOTHING in the dialect of the bound database.

    With `_from_select` = (columns, select): INSERT ... SELECT, which inserts nothing when the
    SELECT finds no row.
    """
    statement = (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(table)
    statement = statement.from_select(*_from_select) if _from_select else statement.values(**values)
    return statement.on_conflict_do_nothing()
