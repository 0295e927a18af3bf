"""The Alembic migrations build exactly the schema the models describe."""
from datetime import datetime

import flask_migrate
import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from tests.helpers import database_url


def test_upgrade_from_empty_matches_the_models_and_downgrades_cleanly(tmp_path, catalog):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "CATALOG": catalog,
                      "SQLALCHEMY_DATABASE_URI": database_url(tmp_path)})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        flask_migrate.upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"user", "attempt", "attempt_item", "question_version", "lesson_read"} <= tables
        flask_migrate.check()  # exits non-zero if the models and the migrations differ
        flask_migrate.downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_the_username_key_migration_keeps_clashing_accounts_and_reports_each_clash(tmp_path, catalog, capfd):
    """Accounts made before usernames were unique whatever their case: the oldest keeps the name,
    each newer one gets 'name#id' as its login name, and the migration log says so."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "CATALOG": catalog,
                      "SQLALCHEMY_DATABASE_URI": database_url(tmp_path)})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        flask_migrate.upgrade(revision="bcd58d28d98a")
        users = sa.table("user", *(sa.column(name) for name in (
            "id", "username", "display_name", "password_hash", "role", "created_at")))
        with db.engine.begin() as connection:
            connection.execute(sa.insert(users), [
                {"id": id_, "username": name, "display_name": name, "password_hash": "x", "role": "learner",
                 "created_at": datetime(2026, 1, day)}
                for id_, name, day in ((1, "RACE", 2), (2, "race", 1), (3, "Race", 3), (4, "ann", 1))])
        capfd.readouterr()
        flask_migrate.upgrade()
        log = capfd.readouterr().err
        with db.engine.connect() as connection:
            keys = dict(connection.execute(sa.text('SELECT id, username_key FROM "user"')).all())
        assert keys == {1: "race#1", 2: "race", 3: "race#3", 4: "ann"}
        assert "username clash on 'race': account 2 ('race') keeps it" in log
        assert "account 1 ('RACE') now logs in as race#1" in log and "account 3 ('Race') now logs in as race#3" in log
        with db.engine.connect() as connection:
            with pytest.raises(sa.exc.IntegrityError):  # the unique key is in place
                connection.execute(sa.text(
                    'INSERT INTO "user" (id, username, username_key, display_name, password_hash, role, created_at)'
                    " VALUES (5, 'ANN', 'ann', 'A', 'x', 'learner', '2026-02-01')"))
        flask_migrate.downgrade(revision="base")
        db.engine.dispose()
