"""The production stack (./serve: nginx in front of gunicorn) on the test database.

Forty slow clients trickle request bodies, one byte every 2 s. Bare gunicorn gives each of them
a thread until its body is complete, so ordinary requests wait; nginx reads whole requests
before gunicorn sees them, so they do not.
"""
from __future__ import annotations

import http.client
import os
import time

import pytest
import sqlalchemy as sa

from app.extensions import db
from support.http import timed_get as get
from support.servers import bare_gunicorn, server_env, stack
from support.slow_clients import SlowClients
from tests.helpers import ONCE, database_url

pytestmark = pytest.mark.slow
ANSWER_WITHIN = 5.0  # seconds, for every ordinary GET /login


@pytest.fixture
def empty_database(tmp_path, make_app):
    """The test database with no tables at all, so that ./serve's `flask db upgrade` builds them."""
    app = make_app()

    def drop_everything():
        with app.app_context():
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            db.engine.dispose()

    drop_everything()
    yield database_url(tmp_path)
    drop_everything()
    with app.app_context():
        db.create_all()  # for make_app's own teardown, which drops the models' tables


@pytest.fixture
def serving(tmp_path, empty_database):
    server = stack(server_env(empty_database, tmp_path), tmp_path / "run")
    try:
        server.start(timeout=120)
        yield server
    finally:
        server.stop()


def answers_while_slow_clients_trickle(port: int, requests: int, slow: int = 40) -> list[tuple[int, float]]:
    with SlowClients(port, count=slow):
        return [get(port, "/login", ANSWER_WITHIN) for _ in range(requests)]


def test_forty_slow_clients_do_not_delay_ordinary_requests_through_nginx(serving):
    answers = answers_while_slow_clients_trickle(serving.port, requests=20)
    assert all(status == 200 for status, _ in answers), answers
    assert max(seconds for _, seconds in answers) < ANSWER_WITHIN, answers


@ONCE  # no database in it: bare gunicorn's threads, held by slow clients
def test_slow_clients_as_many_as_its_threads_stall_bare_gunicorn(tmp_path, empty_database):
    """The control, made certain: one worker of two threads, and four slow clients hold both threads.

    (With README's former four workers the stall depends on how the workers happen to share the
    slow connections: bench/slow_clients.py measures that case.)
    """
    bare = bare_gunicorn(server_env(empty_database, tmp_path), tmp_path / "gunicorn.log",
                         workers=1, threads=2)
    try:
        bare.start()
        answers = answers_while_slow_clients_trickle(bare.port, requests=2, slow=4)
    finally:
        bare.stop()
    assert all(status == 0 for status, _ in answers), answers


def test_nginx_serves_static_files_compressed_hides_its_version_and_refuses_bodies_over_1_mib(serving):
    conn = http.client.HTTPConnection("127.0.0.1", serving.port, timeout=10)
    try:
        conn.request("GET", "/static/css/app.css", headers={"Accept-Encoding": "gzip"})
        static = conn.getresponse()
        static.read()
        conn.request("POST", "/login", headers={"Content-Length": str(1024 * 1024 + 1)})
        too_big = conn.getresponse()  # refused on the header alone, before any body is sent
        too_big.read()
    finally:
        conn.close()
    assert static.status == 200 and static.getheader("Content-Encoding") == "gzip"
    assert static.getheader("Server") == "nginx" and static.getheader("Cache-Control") == "no-cache"
    assert too_big.status == 413
    page_status, _ = get(serving.port, "/login", ANSWER_WITHIN)
    assert page_status == 200


def open_room(app) -> tuple[int, str]:
    """A seminar in the lobby on the served database, and its polling address as its phones get it."""
    from app.auth.accounts import create_user
    from app.content import catalog
    from app.seminar.live import create_seminar
    from app.seminar.room_state import room_token

    with app.test_request_context():
        host = create_user("host", "a long enough password", "Host", "instructor")
        seminar = create_seminar(host, catalog().module("amaq"), "", 1)
        return seminar.id, f"/seminars/{seminar.id}/step/{room_token(seminar.id)}"


def poll(port: int, path: str, etag: str | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"If-None-Match": etag} if etag else {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_nginx_answers_a_rooms_polls_from_its_cache_and_follows_the_room_within_seconds(serving, make_app):
    """The room's one polling address: the app is asked once, nginx answers the next polls (and their
    304s) itself; a wrong token always reaches the app and is refused; a move shows within seconds
    (at most about 2.5 s: nginx's second, rounded to whole seconds, and the app's 0.5 s)."""
    from app.seminar.live import advance
    from app.models import Seminar

    app = make_app(SECRET_KEY="serving-secret", SQLALCHEMY_DATABASE_URI=serving.env["DATABASE_URL"])
    seminar_id, address = open_room(app)
    first = poll(serving.port, address)
    again = poll(serving.port, address)
    assert first[0] == 200 and first[1]["X-Room-Cache"] in ("MISS", "EXPIRED")
    assert again[0] == 200 and again[1]["X-Room-Cache"] == "HIT" and again[2] == first[2]
    etag = again[1]["ETag"]
    unchanged = poll(serving.port, address, etag)
    assert unchanged[0] == 304 and unchanged[2] == b""
    assert unchanged[1]["Cache-Control"] == "no-cache", "browsers still ask every time"
    wrong = address[:-2] + ("xx" if not address.endswith("xx") else "yy")
    assert [poll(serving.port, wrong)[0] for _ in range(2)] == [404, 404]
    with app.test_request_context():
        advance(db.session.get(Seminar, seminar_id), "open", 0)
    moved_at = time.monotonic()
    while (seen := poll(serving.port, address, etag))[0] == 304:
        assert time.monotonic() - moved_at < 5.0, "the phones still see the lobby"
        time.sleep(0.05)
    assert seen[0] == 200 and b'"phase":"open"' in seen[2].replace(b" ", b"")


def test_serve_stops_nginx_and_gunicorn_on_sigterm(serving):
    assert serving.stop() == 0  # by itself, within 20 s: not killed
    with pytest.raises(ProcessLookupError):
        os.killpg(serving.proc.pid, 0)  # nothing is left of its process group: nginx and gunicorn are gone
    assert get(serving.port, "/login", 2)[0] == 0
