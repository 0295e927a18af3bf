"""Groundwork: annotated lessons and source-grounded quizzes on the Islamic State after the caliphate."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from app import config as config_module
from app.config import Config
from app.content import load_catalog
from app.extensions import csrf, db, login_manager, migrate

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; refuses to start (ContentError) when the content is broken."""
    app = Flask(__name__, static_folder=str(config_module.PROJECT_ROOT / "static"), static_url_path="/static")
    app.config.from_object(Config)
    app.config["SQLALCHEMY_DATABASE_URI"] = config_module.database_url()
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.secret_key()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)

    seeds = Path(app.config["SEEDS_DIR"])
    app.extensions["catalog"] = app.config.get("CATALOG") or load_catalog(
        Path(app.config["CONTENT_DIR"]), seeds if seeds.is_dir() else None)

    from app.classes import models as _class_tables  # noqa: F401  (their tables, before create_all)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    login_manager.init_app(app)

    from app import (accounts, auth, caches, classes, cli, database, errors, instructor, learning, review,
                     security, seminar, spaced)
    from app.quiz import routes as quiz

    database.init_app(app)
    caches.init_app(app)
    security.init_app(app)
    for blueprint in (auth.bp, accounts.bp, learning.bp, quiz.bp, review.bp, instructor.bp, seminar.bp, spaced.bp,
                      classes.bp,
                      errors.bp):
        app.register_blueprint(blueprint)
    cli.init_app(app)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    return app

