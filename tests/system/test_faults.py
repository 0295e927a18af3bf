"""Faults: a worker killed, the server restarted, an old CSRF token, the database gone for a
moment, and many submissions of one attempt at once.

The first two start the real server (gunicorn, two workers) on the test database and drive it
over HTTP like a browser: cookies, CSRF tokens read from the pages, the autosave requests.
"""
from __future__ import annotations

import os
import re
import signal
import threading
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from itsdangerous.timed import TimestampSigner
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.datastructures import MultiDict

import app.quiz.routes as quiz_routes
from app.database import db_write
from app.extensions import db
from app.models import Attempt, AttemptItem, Seminar, SeminarAnswer
import app.quiz.attempts as quiz_attempts
from app.quiz.attempts import read_answers, record_answers, write_answers
from support import http
from support.http import csrf_token
from support.servers import Gunicorn, no_control_socket, server_env, wait_until
from tests.helpers import PASSWORD, correct_form, count, database_url, form_for, make_seminar

FETCH = {"X-Requested-With": "fetch"}
MODULE = "amaq"


# ---------------------------------------------------------------------------- a real server


def gunicorn_on(tmp_path: Path, db_url: str) -> Gunicorn:
    """gunicorn with two workers on the test database, ready once both workers are up."""
    return Gunicorn(server_env(db_url, tmp_path, secret="fault-test-secret"), tmp_path / "gunicorn.log", workers=2,
                    options=["--timeout", "30", "--graceful-timeout", "5", *no_control_socket()],
                    ready=lambda srv: srv.answers("/") == 200 and len(srv.workers()) == 2, timeout=40)


class Browser(http.Browser):
    """Cookies, form posts and CSRF tokens over plain HTTP to the test server; redirects are not followed."""

    def __init__(self, server: Gunicorn):
        super().__init__(server.port)


@pytest.fixture
def server(tmp_path, make_app):
    """A running server on a fresh schema, and an app on the same database to look inside it."""
    inspector = make_app()  # creates the schema on the test database (dropped again at teardown)
    srv = gunicorn_on(tmp_path, database_url(tmp_path))
    srv.inspector = inspector
    try:
        yield srv
    finally:
        srv.kill()


def register(browser: Browser, username: str) -> str:
    token = browser.get("/register").token()
    reply = browser.post("/register", {"username": username, "display_name": username.title(),
                                       "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token})
    assert reply.status == 302 and reply.location == "/course", (reply.status, reply.text[:500])
    return token


def start_quiz(browser: Browser) -> int:
    token = browser.get(f"/modules/{MODULE}").token()
    reply = browser.post(f"/modules/{MODULE}/quiz", {"csrf_token": token})
    assert reply.status == 302, reply.status
    return int(re.fullmatch(r"/attempts/(\d+)", reply.location).group(1))


def by_question(form: dict) -> dict[int, dict]:
    """Split a whole-quiz form into the fields of each question, as the autosave sends them."""
    split: dict[int, dict] = {}
    for key, value in form.items():
        split.setdefault(int(re.match(r"q(\d+)", key).group(1)), {})[key] = value
    return split


def autosave(browser: Browser, attempt: int, fields: dict, token: str) -> None:
    reply = browser.post(f"/attempts/{attempt}/save", {**fields, "csrf_token": token}, headers=FETCH)
    assert reply.status == 200 and '"ok":true' in reply.text.replace(" ", ""), (reply.status, reply.text[:300])


class FormState(HTMLParser):
    """What a browser would send back from the quiz form as shown: checked, selected and typed values."""

    def __init__(self, html: str):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" in a:
                self.values.setdefault(a["name"], []).append(a.get("value", ""))
            elif kind == "text" and a.get("value"):
                self.values.setdefault(a["name"], []).append(a["value"])
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values.setdefault(self._select, []).append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def shown_answers(html: str) -> dict[str, list[str]]:
    return {k: sorted(v) for k, v in FormState(html).values.items() if re.fullmatch(r"q\d+(-\d+)?", k)}


def expected_answers(fields: dict) -> dict[str, list[str]]:
    return {k: sorted(v if isinstance(v, list) else [v]) for k, v in fields.items()
            if re.fullmatch(r"q\d+(-\d+)?", k)}


def saved_positions(app, attempt_id: int) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(sa.select(AttemptItem.position).where(
            AttemptItem.attempt_id == attempt_id, AttemptItem.response.is_not(None))))


# ---------------------------------------------------------------------------- (a) a worker dies


@pytest.mark.slow
def test_a_killed_worker_loses_no_saved_answer_and_the_attempt_resumes_and_submits(server):
    app = server.inspector
    server.start()
    browser = Browser(server)
    register(browser, "kira")
    attempt = start_quiz(browser)
    questions = by_question(correct_form(app, attempt))
    first = {p: f for p, f in questions.items() if p < len(questions) // 2}
    token = browser.get(f"/attempts/{attempt}").token()
    for fields in first.values():
        autosave(browser, attempt, fields, token)

    workers = server.workers()
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    replaced = wait_until(lambda: (w := server.workers()) and len(w) == 2 and victim not in w and w,
                          30, f"the master to replace worker {victim}\n{server.tail()}")
    assert replaced != workers and server.proc.poll() is None

    assert saved_positions(app, attempt) == set(first)
    wanted = expected_answers({k: v for f in first.values() for k, v in f.items()})
    for _ in range(4):  # whichever worker answers, the page shows every saved answer selected
        page = browser.get(f"/attempts/{attempt}")
        assert page.status == 200 and shown_answers(page.text) == wanted
    assert start_quiz(browser) == attempt  # starting again resumes it

    for position, fields in questions.items():
        if position not in first:
            autosave(browser, attempt, fields, token)
    everything = {k: v for f in questions.values() for k, v in f.items()}
    reply = browser.post(f"/attempts/{attempt}/submit", {**everything, "csrf_token": token})
    assert reply.status == 302 and reply.location == f"/attempts/{attempt}/review"
    assert browser.get(f"/attempts/{attempt}/review").status == 200
    with app.app_context():
        done = db.session.get(Attempt, attempt)
        assert done.submitted_at is not None and done.score == 100.0
    assert count(app, Attempt) == 1


# ---------------------------------------------------------------------------- (b) a restart mid-quiz


@pytest.mark.slow
def test_a_server_restart_mid_quiz_keeps_the_answers_and_the_attempt_submits_once(server):
    app = server.inspector
    server.start()
    browser = Browser(server)
    register(browser, "rhea")
    attempt = start_quiz(browser)
    questions = by_question(correct_form(app, attempt))
    first = {p: f for p, f in questions.items() if p % 2 == 0}
    token = browser.get(f"/attempts/{attempt}").token()
    for fields in first.values():
        autosave(browser, attempt, fields, token)

    server.stop()
    assert server.proc.returncode is not None
    server.start()  # the same database and secret key: the session cookie and its token still hold

    page = browser.get(f"/attempts/{attempt}")
    assert page.status == 200
    assert shown_answers(page.text) == expected_answers({k: v for f in first.values() for k, v in f.items()})
    assert start_quiz(browser) == attempt
    for position, fields in questions.items():
        if position not in first:
            autosave(browser, attempt, fields, token)
    everything = {k: v for f in questions.values() for k, v in f.items()}
    replies = [browser.post(f"/attempts/{attempt}/submit", {**everything, "csrf_token": token}) for _ in range(2)]
    assert [r.status for r in replies] == [302, 302]
    assert all(r.location == f"/attempts/{attempt}/review" for r in replies)
    with app.app_context():
        done = db.session.get(Attempt, attempt)
        graded_at = done.submitted_at
        assert graded_at is not None and done.score == 100.0
    # one more submission, with nothing in it, after the grade: it changes nothing
    browser.post(f"/attempts/{attempt}/submit", {"csrf_token": token})
    with app.app_context():
        done = db.session.get(Attempt, attempt)
        assert done.submitted_at == graded_at and done.score == 100.0
    assert count(app, Attempt) == 1


def log_in(browser: Browser, username: str) -> None:
    reply = browser.post("/login", {"username": username, "password": PASSWORD,
                                    "csrf_token": browser.get("/login").token()})
    assert reply.status == 302, reply.status


@pytest.mark.slow
def test_a_server_restart_mid_seminar_keeps_the_room_its_members_and_their_answers(server, make_user):
    app = server.inspector
    make_user("prof", role="instructor")
    server.start()
    host, ann, bob = Browser(server), Browser(server), Browser(server)
    log_in(host, "prof")
    opened = host.post("/seminars/new", {"module": MODULE, "questions": "2",
                                         "csrf_token": host.get("/seminars").token()})
    seminar = int(re.fullmatch(r"/seminars/(\d+)/host", opened.location).group(1))
    with app.app_context():
        code = db.session.get(Seminar, seminar).code
    for browser, name in ((ann, "ann"), (bob, "bob")):
        register(browser, name)
        assert browser.post("/seminars/join", {"code": code, "csrf_token": browser.get("/join").token()}).status == 302
    host_token = host.get(f"/seminars/{seminar}/host").token()
    assert host.post(f"/seminars/{seminar}/advance", {"action": "open", "step": "0", "csrf_token": host_token}).status == 302
    form = form_for(app, seminar, 0)
    phone_page = ann.get(f"/seminars/{seminar}")
    polling = re.search(r'data-state-url="([^"]+)"', phone_page.text).group(1)
    assert ann.post(f"/seminars/{seminar}/answer", {**form, "csrf_token": phone_page.token()}).status == 302

    server.stop()
    server.start()

    assert '"step":1' in ann.get(f"/seminars/{seminar}/state").text.replace(" ", "")
    assert '"step":1' in ann.get(polling).text.replace(" ", ""), "the phone's polling address outlives the restart"
    assert "Answer received" in ann.get(f"/seminars/{seminar}").text
    bob_token = bob.get(f"/seminars/{seminar}").token()
    assert bob.post(f"/seminars/{seminar}/answer", {**form, "csrf_token": bob_token}).status == 302
    assert ann.post(f"/seminars/{seminar}/answer", {**form, "csrf_token": bob_token}).status == 400  # Bob's token
    assert host.post(f"/seminars/{seminar}/advance", {"action": "close", "step": "1", "csrf_token": host_token}).status == 302
    with app.app_context():
        assert db.session.get(Seminar, seminar).step == 2
        assert sorted(a.fraction for a in db.session.scalars(sa.select(SeminarAnswer))) == [1.0, 1.0]


# ---------------------------------------------------------------------------- (c) old and bad CSRF tokens


def csrf_client(app, username: str):
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    token = csrf_token(client.get(f"/modules/{MODULE}").get_data(as_text=True))
    response = client.post(f"/modules/{MODULE}/quiz", data={"csrf_token": token})
    attempt = int(response.headers["Location"].rsplit("/", 1)[1])
    token = csrf_token(client.get(f"/attempts/{attempt}").get_data(as_text=True))
    return client, attempt, token


def item_state(app, attempt_id: int):
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        return (attempt.submitted_at, attempt.score, attempt.last_saved_at,
                [(i.position, i.response, i.answered_at, i.fraction) for i in attempt.items])


@pytest.fixture
def later(monkeypatch):
    """Move the signing clock (sessions and CSRF tokens) forward by a given time."""
    def advance(delta: timedelta):
        real = TimestampSigner.get_timestamp
        monkeypatch.setattr(TimestampSigner, "get_timestamp",
                            lambda self: real(self) + int(delta.total_seconds()))
    return advance


def test_a_quiz_left_open_for_hours_still_saves_and_submits_with_its_old_token(make_app, make_user, later):
    app = make_app(WTF_CSRF_ENABLED=True)
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    make_user("ann")
    client, attempt, token = csrf_client(app, "ann")
    questions = by_question(correct_form(app, attempt))
    half = {k: v for p, f in questions.items() if p < 5 for k, v in f.items()}
    assert client.post(f"/attempts/{attempt}/save", data={**half, "csrf_token": token},
                       headers=FETCH).status_code == 200

    later(timedelta(days=3))  # the tab stayed open over a long weekend
    rest = {k: v for p, f in questions.items() if p >= 5 for k, v in f.items()}
    saved = client.post(f"/attempts/{attempt}/save", data={**rest, "csrf_token": token}, headers=FETCH)
    assert saved.status_code == 200 and saved.json["ok"]
    everything = {**half, **rest}
    submitted = client.post(f"/attempts/{attempt}/submit", data={**everything, "csrf_token": token})
    assert submitted.status_code == 302 and submitted.headers["Location"].endswith("/review")
    with app.app_context():
        assert db.session.get(Attempt, attempt).score == 100.0


def test_where_tokens_do_expire_an_old_token_is_refused_kindly_and_keeps_every_answer(make_app, make_user, later):
    """Control for the test above (the clock really moved), and the promise when a token does expire."""
    app = make_app(WTF_CSRF_ENABLED=True, WTF_CSRF_TIME_LIMIT=3600)
    make_user("ann")
    client, attempt, token = csrf_client(app, "ann")
    questions = by_question(correct_form(app, attempt))
    half = {k: v for p, f in questions.items() if p < 5 for k, v in f.items()}
    client.post(f"/attempts/{attempt}/save", data={**half, "csrf_token": token}, headers=FETCH)
    before = item_state(app, attempt)
    later(timedelta(hours=3))
    everything = {k: v for f in questions.values() for k, v in f.items()}
    refused = client.post(f"/attempts/{attempt}/submit", data={**everything, "csrf_token": token})
    assert refused.status_code == 400 and "Answers saved before are kept" in refused.get_data(as_text=True)
    assert item_state(app, attempt) == before
    # reloading the page gives a fresh token; the saved answers are all there and it submits
    page = client.get(f"/attempts/{attempt}").get_data(as_text=True)
    assert shown_answers(page) == expected_answers(half)
    fresh = csrf_token(page)
    assert client.post(f"/attempts/{attempt}/submit", data={**everything, "csrf_token": fresh}).status_code == 302
    with app.app_context():
        assert db.session.get(Attempt, attempt).score == 100.0


def test_a_bad_token_gets_the_friendly_400_and_loses_no_saved_answer(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    make_user("ann")
    client, attempt, token = csrf_client(app, "ann")
    questions = by_question(correct_form(app, attempt))
    half = {k: v for p, f in questions.items() if p < 5 for k, v in f.items()}
    client.post(f"/attempts/{attempt}/save", data={**half, "csrf_token": token}, headers=FETCH)
    before = item_state(app, attempt)
    other = {k: "0" for k in half}  # different answers, which must not land
    for url in (f"/attempts/{attempt}/submit", f"/attempts/{attempt}/save"):
        page = client.post(url, data={**other, "csrf_token": token[::-1]})
        html = page.get_data(as_text=True)
        assert page.status_code == 400 and page.mimetype == "text/html"
        assert "was not accepted" in html and "Answers saved before are kept" in html and "<h1" in html
        assert "Traceback" not in html and "Bad Request" not in html
        fetched = client.post(url, data={**other, "csrf_token": "nonsense"}, headers=FETCH)
        assert fetched.status_code == 400 and fetched.json["ok"] is False and "reload" in fetched.json["error"]
    assert item_state(app, attempt) == before
    assert client.post(f"/attempts/{attempt}/save", data={**half, "csrf_token": token}).status_code == 302


# ---------------------------------------------------------------------------- (d) the database goes away


def operational_error() -> OperationalError:
    return OperationalError("UPDATE attempt SET ...", {}, ConnectionError("server closed the connection unexpectedly"))


@pytest.fixture
def half_saved(app, client, learner, start_quiz):
    attempt = start_quiz(MODULE)
    questions = by_question(correct_form(app, attempt))
    half = {k: v for p, f in questions.items() if p < 5 for k, v in f.items()}
    assert client.post(f"/attempts/{attempt}/save", data=half, headers=FETCH).status_code == 200
    everything = {k: v for f in questions.values() for k, v in f.items()}
    return attempt, everything


def test_a_database_error_while_grading_gives_503_writes_nothing_and_the_next_submit_works(
        app, client, half_saved, monkeypatch):
    attempt, everything = half_saved
    before = item_state(app, attempt)

    def drop_connection_at_the_items(_conn, _cursor, statement, *_args):
        # the attempt is already closed in this transaction when the connection drops
        if statement.lstrip().upper().startswith("UPDATE ATTEMPT_ITEM"):
            raise operational_error()

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", drop_connection_at_the_items)
    page = client.post(f"/attempts/{attempt}/submit", data=everything)
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and "briefly unavailable" in html and "Nothing was changed" in html
    assert item_state(app, attempt) == before  # still open, answers as saved, no grade
    sa.event.remove(engine, "before_cursor_execute", drop_connection_at_the_items)
    assert client.get(f"/attempts/{attempt}").status_code == 200
    again = client.post(f"/attempts/{attempt}/submit", data=everything)
    assert again.status_code == 302 and again.headers["Location"].endswith("/review")
    with app.app_context():
        assert db.session.get(Attempt, attempt).score == 100.0


def test_a_database_error_on_commit_during_autosave_gives_a_json_503_and_changes_nothing(
        app, client, half_saved, monkeypatch):
    attempt, everything = half_saved
    before = item_state(app, attempt)

    def commit_fails():
        db.session.flush()
        raise operational_error()

    monkeypatch.setattr(db.session, "commit", commit_fails)
    response = client.post(f"/attempts/{attempt}/save", data=everything, headers=FETCH)
    assert response.status_code == 503 and response.json["ok"] is False
    assert "briefly unavailable" in response.json["error"]
    monkeypatch.undo()
    assert item_state(app, attempt) == before
    retried = client.post(f"/attempts/{attempt}/save", data=everything, headers=FETCH)
    assert retried.status_code == 200 and retried.json["changed"] == len(by_question(everything)) - 5


@pytest.fixture
def failing_statements(app, monkeypatch):
    """Make the driver fail statements, as when the database server goes away mid-transaction.

    fail(n) lets the first n-1 UPDATEs through and fails the n-th (and later) UPDATEs;
    fail(0) fails every statement. The error is the driver's own OperationalError, so it
    reaches the app wrapped by SQLAlchemy exactly as a real outage would.
    """
    with app.app_context():
        dialect = db.engine.dialect
    state = {"from": None, "updates": 0}

    def wrap(original):
        def run(cursor, statement, parameters, context=None):
            if state["from"] is not None:
                is_update = statement.lstrip().upper().startswith("UPDATE")
                state["updates"] += is_update
                if state["from"] == 0 or (is_update and state["updates"] >= state["from"]):
                    raise dialect.dbapi.OperationalError("server closed the connection unexpectedly")
            return original(cursor, statement, parameters, context)
        return run

    monkeypatch.setattr(dialect, "do_execute", wrap(dialect.do_execute))
    monkeypatch.setattr(dialect, "do_executemany", wrap(dialect.do_executemany))

    def fail(from_update: int | None):
        state["from"], state["updates"] = from_update, 0
    return fail


def test_the_connection_dropping_between_two_writes_of_a_save_leaves_no_partial_write(
        app, client, half_saved, failing_statements):
    attempt, everything = half_saved
    before = item_state(app, attempt)
    failing_statements(2)  # the first UPDATE of the save goes through, the second fails
    response = client.post(f"/attempts/{attempt}/save", data=everything, headers=FETCH)
    failing_statements(None)
    assert response.status_code == 503 and response.json["ok"] is False
    assert item_state(app, attempt) == before
    retried = client.post(f"/attempts/{attempt}/save", data=everything, headers=FETCH)
    assert retried.status_code == 200 and retried.json["ok"]
    assert saved_positions(app, attempt) == set(by_question(everything))


def test_the_connection_dropping_during_grading_leaves_the_attempt_open(app, client, half_saved, failing_statements):
    attempt, everything = half_saved
    before = item_state(app, attempt)
    failing_statements(3)
    page = client.post(f"/attempts/{attempt}/submit", data=everything)
    failing_statements(None)
    assert page.status_code == 503 and "briefly unavailable" in page.get_data(as_text=True)
    assert item_state(app, attempt) == before
    assert client.post(f"/attempts/{attempt}/submit", data=everything).status_code == 302
    with app.app_context():
        assert db.session.get(Attempt, attempt).score == 100.0


def test_a_page_requested_while_the_database_is_down_gets_the_503_page(app, client, half_saved, failing_statements):
    attempt, _ = half_saved
    failing_statements(0)
    try:
        page = client.get("/course")
    finally:
        failing_statements(None)
    assert page.status_code == 503 and "briefly unavailable" in page.get_data(as_text=True)
    assert page.headers.get("Retry-After") == "5" and page.headers.get("Cache-Control") == "no-store"


def test_requests_while_the_database_is_down_never_half_work_and_the_next_one_does(
        app, client, half_saved, failing_statements):
    """What does work today with every statement failing: JSON autosave, anonymous pages."""
    attempt, everything = half_saved
    before = item_state(app, attempt)
    failing_statements(0)
    try:
        saved = client.post(f"/attempts/{attempt}/save", data=everything, headers=FETCH)
        anonymous = app.test_client().get("/login")
    finally:
        failing_statements(None)
    assert saved.status_code == 503 and saved.json == {
        "ok": False, "error": "The database is briefly unavailable. Nothing was changed; please try again in a moment."}
    assert saved.headers.get("Retry-After") == "5"  # the autosave's JSON 503 says when to try again, too
    assert anonymous.status_code == 200
    assert item_state(app, attempt) == before
    assert client.get("/course").status_code == 200
    assert client.post(f"/attempts/{attempt}/save", data=everything, headers=FETCH).status_code == 200


def test_a_seminar_answer_sent_while_the_database_is_down_gets_503_and_the_next_one_lands(
        app, client, make_user, failing_statements):
    make_user("prof", role="instructor")
    make_user("ann")
    host = app.test_client()
    host.post("/login", data={"username": "prof", "password": PASSWORD})
    client.post("/login", data={"username": "ann", "password": PASSWORD})
    seminar, _ = make_seminar(app, host, MODULE, members=[client])
    assert host.post(f"/seminars/{seminar}/advance", data={"action": "open", "step": "0"}).status_code == 302
    form = form_for(app, seminar, 0)
    failing_statements(0)
    try:
        down = client.post(f"/seminars/{seminar}/answer", data=form)
    finally:
        failing_statements(None)
    assert down.status_code == 503 and "briefly unavailable" in down.get_data(as_text=True)
    assert count(app, SeminarAnswer) == 0
    assert client.post(f"/seminars/{seminar}/answer", data=form).status_code == 302
    assert count(app, SeminarAnswer) == 1


# ---------------------------------------------------------------------------- (e) one grade, enforced twice


def test_ten_concurrent_submissions_of_one_attempt_grade_exactly_once(make_app, make_user, monkeypatch):
    app = make_app()
    make_user("racer")
    clients = []
    for _ in range(10):
        c = app.test_client()
        assert c.post("/login", data={"username": "racer", "password": PASSWORD}).status_code == 302
        clients.append(c)
    attempt = int(clients[0].post(f"/modules/{MODULE}/quiz").headers["Location"].rsplit("/", 1)[1])
    form = correct_form(app, attempt)
    graded, lock = [], threading.Lock()

    def counting(*args, **kwargs):
        result = record_answers(*args, **kwargs)
        with lock:
            graded.append(result)
        return result

    monkeypatch.setattr(quiz_routes, "record_answers", counting)
    barrier = threading.Barrier(len(clients), timeout=30)
    statuses, errors = [], []

    def submit(c):
        try:
            barrier.wait()
            response = c.post(f"/attempts/{attempt}/submit", data=form)
            statuses.append((response.status_code, response.headers.get("Location", "")))
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads) and not errors, errors
    assert len(statuses) == 10 and all(s == 302 and loc.endswith(f"/attempts/{attempt}/review") for s, loc in statuses)
    assert sum(result is not None for result in graded) == 1, graded
    with app.app_context():
        done = db.session.get(Attempt, attempt)
        assert done.submitted_at is not None and done.score == 100.0
        assert all(item.fraction == 1.0 for item in done.items)
    assert count(app, Attempt) == 1


def test_the_database_refuses_a_second_open_attempt_for_one_learner_and_module(app, client, learner, start_quiz):
    attempt = start_quiz(MODULE)
    with app.app_context():
        with pytest.raises(IntegrityError, match="(?i)unique|duplicate"), db_write():
            db.session.add(Attempt(user_id=learner.id, module_id=MODULE, number=99, seed=1, pass_mark=70))
            db.session.flush()
        # another module, or a submitted one, is fine: the index only covers open attempts
        with db_write():
            db.session.add(Attempt(user_id=learner.id, module_id="crypto-finance", number=1, seed=1, pass_mark=70))
            db.session.add(Attempt(user_id=learner.id, module_id=MODULE, number=98, seed=1, pass_mark=70,
                                   submitted_at=db.func.now()))
        names = {ix["name"] for ix in sa.inspect(db.engine).get_indexes("attempt")}
        assert "uq_attempt_open" in names
    assert count(app, Attempt, Attempt.module_id == MODULE, Attempt.submitted_at.is_(None)) == 1
    assert start_quiz(MODULE) == attempt


def test_a_second_submission_touches_no_row(app, client, learner, start_quiz):
    attempt_id = start_quiz(MODULE)
    form = MultiDict(correct_form(app, attempt_id))
    with app.app_context():  # one request reads and grades the open attempt...
        stale = read_answers(attempt_id, learner.id, form)
        db.session.commit()
    assert stale is not None and stale.score.percent == 100.0
    # ...meanwhile another request (outside that context: a request reuses an active one) submits it
    assert client.post(f"/attempts/{attempt_id}/submit", data=form).status_code == 302

    with app.app_context():
        assert write_answers(stale, close=True) is False  # its conditional UPDATE matches nothing
        with db_write():
            touched = db.session.execute(sa.update(Attempt).where(
                Attempt.id == attempt_id, Attempt.submitted_at.is_(None)).values(score=0.0, passed=False))
            assert touched.rowcount == 0
        assert record_answers(attempt_id, learner.id, form, close=True) is None
        db.session.remove()
        done = db.session.get(Attempt, attempt_id)
        assert done.score == 100.0 and done.passed is True
        assert all(item.fraction == 1.0 for item in done.items)


def test_an_autosave_between_grading_and_writing_is_graded_not_lost(app, client, learner, start_quiz):
    attempt_id = start_quiz(MODULE)
    questions = by_question(correct_form(app, attempt_id))
    first = {k: v for p, f in questions.items() if p < 6 for k, v in f.items()}
    rest = {k: v for p, f in questions.items() if p >= 6 for k, v in f.items()}
    with app.app_context():  # the submit reads and grades what it has: half the answers...
        stale = read_answers(attempt_id, learner.id, MultiDict(first))
        db.session.commit()
    assert stale.score.percent < 100.0
    # ...then an autosave from another tab stores the other half before the submit writes
    assert client.post(f"/attempts/{attempt_id}/save", data=rest, headers=FETCH).status_code == 200
    with app.app_context():
        assert write_answers(stale, close=True) is False  # the attempt changed since it was read: nothing written
        assert item_state(app, attempt_id)[0] is None
        graded = record_answers(attempt_id, learner.id, MultiDict(first), close=True)  # read again: both halves count
        assert graded is not None and graded.score.percent == 100.0
    submitted_at, score, _, items = item_state(app, attempt_id)
    assert submitted_at is not None and score == 100.0 and all(fraction == 1.0 for *_, fraction in items)


def test_a_save_or_submit_that_keeps_losing_the_race_says_so_and_writes_nothing(
        app, client, learner, start_quiz, monkeypatch):
    attempt_id = start_quiz(MODULE)
    form = correct_form(app, attempt_id)
    before = item_state(app, attempt_id)
    monkeypatch.setattr(quiz_attempts, "write_answers", lambda answers, close: False)  # always changed meanwhile
    saved = client.post(f"/attempts/{attempt_id}/save", data=form, headers=FETCH)
    # not 409 (which tells the page the attempt is closed): the page keeps the answers and retries
    assert saved.status_code == 503 and "another page" in saved.json["error"]
    submitted = client.post(f"/attempts/{attempt_id}/submit", data=form, follow_redirects=True)
    assert submitted.status_code == 200 and "another page" in submitted.get_data(as_text=True)
    assert item_state(app, attempt_id) == before
