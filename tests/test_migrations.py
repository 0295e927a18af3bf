"""The Alembic migrations build exactly the schema the models describe."""
import flask_migrate
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from tests.conftest import database_url


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
