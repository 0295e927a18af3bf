"""Engine set-up: SQLite in WAL mode, and write transactions that take the lock up front."""
from __future__ import annotations

import threading
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


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            app.extensions["sqlite_writer_gate"] = _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @app.before_request
    def mark_writes() -> None:
        writing.set(request.method not in SAFE_METHODS)


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

    # Writers of one process queue on this lock and are woken in turn, rather than each
    # polling SQLite's busy handler, which sleeps up to 100 ms between tries and lets the
    # free lock sit idle. Between processes the busy timeout still applies. A writer that
    # cannot get the gate within the timeout goes ahead anyway, so it can never deadlock.
    gate = threading.Lock()
    gate_timeout = busy_timeout_ms / 1000

    def release_gate(info) -> None:
        if info.pop("holds_writer_gate", False):
            gate.release()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        if not writing.get():
            connection.exec_driver_sql("BEGIN")
            return
        if gate.acquire(timeout=gate_timeout):
            connection.info["holds_writer_gate"] = True
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


def insert_ignoring_conflicts(table, **values):
    """INSERT ... ON CONFLICT DO NOTHING in the dialect of the bound database."""
    dialect_insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    return dialect_insert(table).values(**values).on_conflict_do_nothing()
