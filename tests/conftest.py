"""Fixtures: an app on a throwaway database, clients, and make_* helpers (plain helpers: tests/helpers.py).

Set TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/groundwork_test)
to run the same tests against PostgreSQL; otherwise each test gets its own SQLite file.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import settings

from app import create_app
from app.config import PROJECT_ROOT
from app.content import load_catalog
from app.auth.accounts import create_user
from app.extensions import db
from app.models import User
from tests.helpers import MINIMAL_CONTENT, PASSWORD, attempt_id_from, database_url

SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"

# Locally hypothesis explores new examples on every run (and replays past failures from
# .hypothesis/); in CI it draws the same examples every time, so a run's verdict is repeatable.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(PROJECT_ROOT, SEEDS if SEEDS.is_dir() else None)


@pytest.fixture(scope="session")
def mini_catalog():
    """The small content tree of tests/fixtures/minimal: one module, `mini`, with one question of several types."""
    return load_catalog(MINIMAL_CONTENT)


@pytest.fixture
def make_app(tmp_path, catalog):
    """Build apps on one throwaway database; extra config overrides the defaults."""
    made = []

    def make(**config):
        settings = {"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
                    "SQLALCHEMY_DATABASE_URI": database_url(tmp_path), "CATALOG": catalog}
        settings.update(config)
        app = create_app(settings)
        with app.app_context():
            if not made:
                db.drop_all()
                db.create_all()
        made.append(app)
        return app

    yield make
    for index, app in enumerate(made):
        with app.app_context():
            db.session.remove()
            if index == 0:
                db.drop_all()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    def make(username="learner", role="learner", password=PASSWORD, display_name=None) -> User:
        with app.app_context():
            user = create_user(username, password, display_name or username.title(), role)
            return db.session.get(User, user.id)
    return make


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username="learner", password=PASSWORD):
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def learner(make_user, auth):
    """A learner who is logged in on `client`."""
    user = make_user("learner")
    auth.login("learner")
    return user


@pytest.fixture
def start_quiz(client):
    def start(module_id="amaq") -> int:
        response = client.post(f"/modules/{module_id}/quiz")
        assert response.status_code == 302
        return attempt_id_from(response)
    return start


