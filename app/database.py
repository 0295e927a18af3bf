"""Engine set-up: SQLite in WAL mode, and write transactions that take the lock up front."""
from __future__ import annotations

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
def write_intent():
    """Begin the transactions opened inside this block as writers (for CLI commands and tests)."""
    token = writing.set(True)
    try:
        yield
    finally:
        writing.reset(token)


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @app.before_request
    def mark_writes() -> None:
        writing.set(request.method not in SAFE_METHODS)


def _configure_sqlite(engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing.get() else "BEGIN")


def insert_ignoring_conflicts(table, **values):
    """INSERT ... ON CONFLICT DO NOTHING in the dialect of the bound database."""
    dialect_insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    return dialect_insert(table).values(**values).on_conflict_do_nothing()
