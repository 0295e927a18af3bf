"""The ceiling: a bare Flask app on the same server settings and the same database.

    GET  /page    renders a small Jinja template (no session, no database)
    POST /insert  inserts one row in its own transaction and answers 204

Served by the same gunicorn command as Groundwork (bench/bench.py starts both), on the
database named by DATABASE_URL. The engine takes the app's SQLALCHEMY_ENGINE_OPTIONS; on SQLite
it is set up as the app's: WAL, synchronous=NORMAL, a 30 s busy timeout and BEGIN
IMMEDIATE for the write.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import Flask, render_template, request
from sqlalchemy import event

metadata = sa.MetaData()
rows = sa.Table(
    "bench_ceiling", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("learner", sa.Integer, nullable=False),
    sa.Column("payload", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


def engine_url() -> str:
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str | None = None) -> sa.Engine:
    # the app's own engine options (pool_pre_ping, ...), so both pay the same per-checkout cost
    from app.config import Config

    engine = sa.create_engine(url or engine_url(), **Config.SQLALCHEMY_ENGINE_OPTIONS)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def on_connect(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout = 30000")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def on_begin(connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return engine


def create_app(url: str | None = None) -> Flask:
    app = Flask(__name__, template_folder=os.path.join(os.path.dirname(__file__), "templates"))
    engine = make_engine(url)
    app.extensions["engine"] = engine

    @app.get("/page")
    def page():
        return render_template("ceiling.html", title="Ceiling", items=range(10))

    @app.post("/insert")
    def insert():
        learner = int(request.form.get("learner", "0"))
        with engine.begin() as conn:
            conn.execute(rows.insert().values(learner=learner, payload="submitted",
                                              created_at=datetime.now(timezone.utc).replace(tzinfo=None)))
        return "", 204

    return app
