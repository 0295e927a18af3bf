"""Hostile input: every form and answer parser fuzzed, script payloads, headers and sessions.

Property tests (hypothesis) throw random names and values — unicode, control characters,
huge strings, odd numbers — at registration, login, the quiz's save and submit, lesson
reads, quiz starts, the reader's ?hl= and the URL path segments: no request may answer
500, and an attempt that was saved with rubbish still shows, submits and reviews.
Then: script payloads in display names and answers render inert on every page they reach,
every page carries the security headers, and sessions are fresh at login and dropped at
logout.
"""
from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st
from markupsafe import escape
from werkzeug.datastructures import MultiDict
from werkzeug.security import generate_password_hash

from app.accounts.resets import issue_reset
from app.database import db_write
from app.extensions import db
from app.models import Attempt, AttemptItem, LessonRead, Seminar, SeminarAnswer, User
from app.quiz.grading import grade_response
from app.seminar.room_state import room_token
from tests.helpers import PASSWORD, count, make_seminar, open_class

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FETCH = {"X-Requested-With": "fetch"}
MODULE = "amaq"
SOURCE = "orton-2017-amaq"
ON_POSTGRES = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgres")
NOT_500 = "never a server error"

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea></title><script>alert(1)</script>",
    "javascript:alert(1)",
    "{{ 7*7 }}{% print 1 %}",
    "\u202e<b>rtl</b>",
)

# ---------------------------------------------------------------------------- strategies

# NUL is left out of the texts sent to the *auth* forms: on PostgreSQL it is a known 500
# (see test_a_nul_byte_in_the_auth_forms_is_refused_not_a_server_error); every other
# character, control characters included, is fair game everywhere.
any_text = st.text(max_size=60)
no_nul_text = st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=60)
huge = st.builds(lambda c, n: c * n, st.sampled_from(["a", "9", "é", "𝕏", "<", " ", "\u200b"]),
                 st.integers(1_000, 120_000))
odd_numbers = st.sampled_from(["0", "-0", "1", "00001", "1e308", "-1e999", "nan", "inf", "1,422", "1 422", "٣",
                               "１２", "²", "0x10", "+-1", ".5", "5.", "999999999999999999999999", "-1",
                               "true", "false", "True", "on", ""])
values = st.one_of(any_text, odd_numbers, st.sampled_from(PAYLOADS), st.integers().map(str), huge)
field_names = st.one_of(
    st.integers(-3, 40).map(lambda n: f"q{n}"),
    st.tuples(st.integers(0, 40), st.one_of(st.integers(-2, 40).map(str), any_text)).map(lambda t: f"q{t[0]}-{t[1]}"),
    st.integers(0, 40).map(lambda n: f"q{n}-present"),
    st.tuples(st.integers(0, 40), st.sampled_from([  # the fields of the tradecraft types and of the confidence asked
        "confidence", "reliability", "credibility", "term", "percent", "conclusion", "r0-h0", "r1-h2", "r9-h9"]))
    .map(lambda t: f"q{t[0]}-{t[1]}"),
    st.sampled_from(["csrf_token", "submit", "q", "q-", "q-present", "Q0", "q٠", "q0 ", " q0"]),
    any_text,
)
quiz_forms = st.lists(st.tuples(field_names, values), max_size=40).map(MultiDict)
segments = st.one_of(any_text.filter(bool), st.sampled_from([
    "amaq", "AMAQ", "amaq ", " amaq", "amaq.", "..", ".", "../amaq", "amaq/../review", "%00", "%2e%2e", "review",
    "orton-2017-amaq", "ORTON-2017-AMAQ", "-1", "0", "１", "\u0130", "a" * 5000]))


def path(segment: str) -> str:
    return quote(segment, safe="")


def ok_status(response, allowed=(200, 302, 400, 401, 404, 405, 409, 413, 429)):
    assert response.status_code in allowed, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.status_code < 500, NOT_500


def quick_user(app, username: str, display_name: str | None = None) -> User:
    """A user with a cheap hash, so property tests can log in many times."""
    with app.app_context():
        user = User(username=username, display_name=display_name or username,
                    password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"))
        with db_write():
            db.session.add(user)
        return db.session.get(User, user.id)


def logged_in(app, username: str):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def start(client, module=MODULE) -> int:
    response = client.post(f"/modules/{module}/quiz")
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].rsplit("/", 1)[1])


def stored_responses_are_gradable(app, attempt_id: int) -> None:
    with app.app_context():
        for item in db.session.scalars(sa.select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)):
            fraction = grade_response(item.spec, item.response)
            assert 0.0 <= fraction <= 1.0


# ---------------------------------------------------------------------------- the forms, fuzzed


@FUZZ
@given(username=st.one_of(no_nul_text, st.from_regex(r"[A-Za-z0-9_.-]{3,40}", fullmatch=True)),
       display=st.one_of(no_nul_text, st.sampled_from(PAYLOADS), huge.map(lambda s: s.replace("\x00", ""))),
       password=st.one_of(no_nul_text, st.just("long enough pw")),
       confirm_same=st.booleans(),
       extra=st.dictionaries(no_nul_text, no_nul_text, max_size=3))
def test_register_never_fails_with_a_server_error(app, username, display, password, confirm_same, extra):
    client = app.test_client()
    form = {**extra, "username": username, "display_name": display, "password": password,
            "confirm": password if confirm_same else password + "x"}
    response = client.post("/register", data=form)
    ok_status(response, (200, 302, 400, 413, 429))  # 429: the registrations per address may run out
    if response.status_code == 302:  # registered and logged in: the name shows, inert, on the course page
        page = client.get("/course")
        assert page.status_code == 200
        assert_inert(page.get_data(as_text=True))


@FUZZ
@given(username=st.one_of(no_nul_text, st.just("ann"), st.just("ANN ")), password=st.one_of(no_nul_text, huge.map(
    lambda s: s.replace("\x00", "")), st.just(PASSWORD)), remember=st.sampled_from(["", "y", "on", "\u2713"]),
       address=st.sampled_from(["127.0.0.1", "10.0.0.1", "::1", ""]))
def test_login_never_fails_with_a_server_error(app, username, password, remember, address):
    if not count(app, User):
        quick_user(app, "ann")
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password, "remember": remember},
                           environ_base={"REMOTE_ADDR": address})
    ok_status(response, (200, 302, 400, 401, 413, 429))  # 429: the login throttle may step in


@FUZZ
@given(next_url=st.one_of(
    st.tuples(st.sampled_from(["", "/", "//", "///", "\\", "/\\", "\\\\", "/\t/", "/\t/evil.example", " /", "/%2F",
                               "/%5C", "https:", "https://", "http://evil.example", "javascript:", "data:",
                               "//evil.example", "/\\evil.example", "\x01//", "/ /"]),
              no_nul_text).map("".join),
    no_nul_text).map(lambda s: s.replace("\n", "").replace("\r", "")))  # CR/LF: see test_a_line_break_in_next_after_login_is_not_a_server_error
def test_login_only_ever_redirects_to_this_site(app, next_url):
    if not count(app, User):
        quick_user(app, "ann")
    client = app.test_client()
    response = client.post("/login", query_string={"next": next_url}, data={"username": "ann", "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    # as a browser would read it: backslashes are slashes, tabs and newlines vanish
    as_browser = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").lstrip("\x00\x01\x02 ")
    parts = urlsplit(as_browser)
    assert not parts.scheme and not parts.netloc and not as_browser.startswith("//"), (next_url, location)
    assert as_browser.startswith("/") or as_browser == "", (next_url, location)


def test_a_line_break_in_next_after_login_is_not_a_server_error(app):
    """A ?next= with a line break is ignored: the login still redirects, to the course."""
    quick_user(app, "ann")
    for next_url in ("/\n/", "/\r\nX-Injected: 1"):
        response = app.test_client().post("/login", query_string={"next": next_url},
                                          data={"username": "ann", "password": PASSWORD})
        assert response.status_code == 302 and "\n" not in response.headers["Location"]


@pytest.fixture
def quiz_taker(app):
    quick_user(app, "ann", display_name="Ann")
    return logged_in(app, "ann")


@FUZZ
@given(form=quiz_forms, as_fetch=st.booleans(), module=st.sampled_from([MODULE, "critical-reading"]))
def test_saving_any_form_never_breaks_the_attempt(app, quiz_taker, form, as_fetch, module):
    """Any form, on a quiz without and with the confidence question (critical-reading asks it)."""
    attempt = start(quiz_taker, module)
    response = quiz_taker.post(f"/attempts/{attempt}/save", data=form, headers=FETCH if as_fetch else {})
    ok_status(response, (200, 413) if as_fetch else (302, 413))
    if as_fetch and response.status_code == 200:
        assert response.json["ok"] is True
    stored_responses_are_gradable(app, attempt)
    page = quiz_taker.get(f"/attempts/{attempt}")
    assert page.status_code == 200
    assert_inert(page.get_data(as_text=True))


@FUZZ
@given(saved=quiz_forms, submitted=quiz_forms)
def test_submitting_any_form_grades_and_the_attempt_still_reviews(app, quiz_taker, saved, submitted):
    attempt = start(quiz_taker)
    ok_status(quiz_taker.post(f"/attempts/{attempt}/save", data=saved), (302, 413))
    response = quiz_taker.post(f"/attempts/{attempt}/submit", data=submitted)
    ok_status(response, (302, 413))
    with app.app_context():
        refused = db.session.get(Attempt, attempt).submitted_at is None
    if refused:  # too big to read, or an order with a place given twice: nothing graded
        assert response.status_code == 413 or urlsplit(response.headers["Location"]).path == f"/attempts/{attempt}"
        assert quiz_taker.post(f"/attempts/{attempt}/submit").status_code == 302  # an empty submission closes it
    with app.app_context():
        done = db.session.get(Attempt, attempt)
        assert done.submitted_at is not None and 0.0 <= done.score <= 100.0
    review = quiz_taker.get(f"/attempts/{attempt}/review")
    assert review.status_code == 200
    assert_inert(review.get_data(as_text=True))
    assert quiz_taker.get(f"/attempts/{attempt}/review.csv").status_code == 200


@FUZZ
@given(module=segments, form=st.dictionaries(no_nul_text, values, max_size=3))
def test_lesson_read_and_quiz_start_with_odd_module_ids(app, quiz_taker, catalog, module, form):
    known = {m.id for m in catalog.modules}
    for url in (f"/modules/{path(module)}/lesson/read", f"/modules/{path(module)}/quiz"):
        response = quiz_taker.post(url, data=form)
        # 308: werkzeug sends a path with an empty segment (//) to its merged-slash form
        ok_status(response, (302, 308, 404, 405, 413))
    with app.app_context():  # nothing is ever recorded against a module that does not exist
        assert set(db.session.scalars(sa.select(Attempt.module_id))) <= known
        assert set(db.session.scalars(sa.select(LessonRead.module_id))) <= known


@FUZZ
@given(highlight=st.lists(st.one_of(any_text, huge, st.sampled_from(PAYLOADS), st.text("0123456789abcdef", max_size=70)),
                          min_size=1, max_size=3),
       source=st.sampled_from([SOURCE, "eer-2023-qahtani"]))
def test_the_reader_takes_any_highlight(app, quiz_taker, highlight, source):
    response = quiz_taker.get(f"/sources/{source}", query_string=[("hl", h) for h in highlight])
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    assert_inert(html)
    for h in highlight:
        if h in PAYLOADS:
            assert h not in html


@FUZZ
@given(segment=segments, number=st.integers(0, 2**31 - 1), garbage=any_text)
def test_url_path_segments_never_fail(app, quiz_taker, segment, number, garbage):
    s = path(segment)
    for url in (f"/modules/{s}", f"/modules/{s}/lesson", f"/sources/{s}", f"/sources/{s}?hl={s}",
                f"/attempts/{number}", f"/attempts/{number}/review", f"/attempts/{number}/review.csv",
                f"/attempts/{path(garbage)}", f"/{s}", f"/static/{s}"):
        response = quiz_taker.get(url)
        response.close()
        ok_status(response, (200, 302, 308, 404, 405))
    for url in (f"/attempts/{number}/save", f"/attempts/{number}/submit"):
        ok_status(quiz_taker.post(url, data={"q0": garbage}), (302, 404, 405))
    assert quiz_taker.get("/course").status_code == 200


@pytest.fixture
def live_room(app, quiz_taker):
    """An open seminar question on the amaq module, with Ann (quiz_taker) in the room; (host, seminar id)."""
    quick_user(app, "prof", display_name="Prof")
    with app.app_context():
        with db_write():
            db.session.execute(sa.update(User).where(User.username == "prof").values(role="instructor"))
    host = logged_in(app, "prof")
    seminar, _ = make_seminar(app, host, MODULE, members=[quiz_taker])
    assert host.post(f"/seminars/{seminar}/advance", data={"action": "open", "step": "0"}).status_code == 302
    return host, seminar


@FUZZ
@given(form=quiz_forms, position=st.one_of(st.integers(-2, 5).map(str), values))
def test_any_seminar_answer_is_stored_gradable_or_refused_with_a_message(app, quiz_taker, live_room, form, position):
    _, seminar = live_room
    form.add("position", position)
    ok_status(quiz_taker.post(f"/seminars/{seminar}/answer", data=form), (302, 400, 413))
    with app.app_context():
        answers = db.session.scalars(sa.select(SeminarAnswer)).all()
        assert len(answers) <= 1 and all(a.position == 0 and 0.0 <= a.fraction <= 1.0 for a in answers)
        for a in answers:
            question = db.session.get(Seminar, seminar).questions[0]
            assert grade_response(question.spec, a.response) == a.fraction
    page = quiz_taker.get(f"/seminars/{seminar}")
    assert page.status_code == 200
    assert_inert(page.get_data(as_text=True))


@FUZZ
@given(code=st.one_of(values, st.sampled_from(["", " ", "-", "ABCDEF", "abcdef", "0O1IL"])),
       action=st.one_of(values, st.sampled_from(["open", "close", "end"])), step=values,
       confirm=st.one_of(values, st.sampled_from(["1", "y", ""])), shown=st.one_of(values, st.sampled_from(["on", "off"])))
def test_any_join_code_or_host_step_is_answered_without_a_server_error(app, quiz_taker, live_room, code, action, step,
                                                                        confirm, shown):
    host, seminar = live_room
    ok_status(quiz_taker.post("/seminars/join", data={"code": code}), (302, 400, 413, 429))  # 429: wrong codes run out
    before = db_step(app, seminar)
    response = host.post(f"/seminars/{seminar}/advance", data={"action": action, "step": step, "confirm": confirm})
    ok_status(response, (302, 400, 413))
    if response.status_code != 302:
        assert db_step(app, seminar) == before
    ok_status(host.post(f"/seminars/{seminar}/leaderboard", data={"shown": shown}), (302, 400, 413))
    assert host.get(f"/seminars/{seminar}/host").status_code == 200
    assert host.get(f"/seminars/{seminar}/screen").status_code == 200
    ok_status(host.get(f"/seminars/{seminar}/end"), (200, 302))


@FUZZ
@given(sort=st.one_of(values, st.sampled_from(["name", "last", MODULE, "password_hash"])),
       direction=st.one_of(values, st.sampled_from(["asc", "desc"])),
       scope=st.one_of(values, st.sampled_from(["all", "everyone", "1"])))
def test_any_gradebook_sort_or_scope_is_answered_without_a_server_error(app, quiz_taker, live_room, sort, direction,
                                                                        scope):
    host, _ = live_room
    query = {"sort": sort, "dir": direction, "class": scope}
    for url in ("/instructor/gradebook", "/instructor/gradebook.csv"):
        ok_status(host.get(url, query_string=query), (200, 400, 404))


def db_step(app, seminar_id: int) -> int:
    with app.app_context():
        return db.session.get(Seminar, seminar_id).step


@pytest.mark.parametrize("number", [
    2**31,
    2**63,
    10**30,
])
def test_attempt_ids_out_of_the_database_range_are_404(app, quiz_taker, number):
    """Ids beyond the database's integer range are refused by the route itself: 404, never 500."""
    statuses = [quiz_taker.get(f"/attempts/{number}{tail}").status_code for tail in ("", "/review", "/review.csv")]
    statuses += [quiz_taker.post(f"/attempts/{number}{tail}").status_code for tail in ("/save", "/submit")]
    assert statuses == [404] * 5


def test_numbers_too_long_for_a_float_in_the_room_s_forms_and_the_cohort_are_400(app, quiz_taker, live_room):
    """A step, position, cohort, question count or time limit of 400 digits is refused with a message,
    never a 500 from comparing it as a float."""
    host, seminar = live_room
    number = "9" * 400
    assert host.post(f"/seminars/{seminar}/advance", data={"action": "open", "step": number}).status_code == 400
    assert quiz_taker.post(f"/seminars/{seminar}/answer", data={"position": number}).status_code == 400
    assert host.get(f"/instructor/results?cohort={number}").status_code == 400
    assert host.get(f"/instructor/gradebook?class={number}").status_code == 400
    rooms = count(app, Seminar)
    for fields in ({"questions": number}, {"questions": "3", "seconds": number}):
        response = host.post("/seminars/new", data={"module": "amaq", "title": "", **fields}, follow_redirects=True)
        assert response.status_code == 200 and b"The seminar was not opened" in response.data
    assert count(app, Seminar) == rooms


def test_a_nul_byte_in_the_auth_forms_is_refused_not_a_server_error(app):
    """NUL never reaches the database (PostgreSQL refuses it in text): the form says what is wrong."""
    quick_user(app, "ann")
    client = app.test_client()
    login = client.post("/login", data={"username": "ann\x00", "password": PASSWORD})
    register = client.post("/register", data={"username": "nully", "display_name": "Nu\x00ll",
                                               "password": "long enough pw", "confirm": "long enough pw"})
    assert login.status_code in (400, 401) and register.status_code in (302, 400)


def test_bytes_that_are_not_utf8_never_fail(app, quiz_taker):
    attempt = start(quiz_taker)
    body = b"q0=%FF%FE&q1-0=\xc3\x28&q2=\xed\xa0\x80&q3-present=1&%80=1"
    for url in (f"/attempts/{attempt}/save", "/login", "/register"):
        ok_status(quiz_taker.post(url, data=body, content_type="application/x-www-form-urlencoded"))
    ok_status(quiz_taker.get("/sources/%FF%FE"))
    ok_status(quiz_taker.get(f"/sources/{SOURCE}?hl=%FF%C3%28"))
    assert quiz_taker.post(f"/attempts/{attempt}/submit").status_code == 302
    assert quiz_taker.get(f"/attempts/{attempt}/review").status_code == 200


# ---------------------------------------------------------------------------- script payloads render inert


class Inertness(HTMLParser):
    """Anything in a page that could run script."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.inputs: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and not a.get("src"):
            self.problems.append("inline <script>")
        # the app draws its own charts as <svg role="img"> (the review forecast); handlers are caught below
        own_chart = tag == "svg" and a.get("role") == "img"
        if (tag in ("svg", "iframe", "object", "embed", "base") and not own_chart) or (tag == "img" and a.get("src") == "x"):
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}= handler")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"{tag} {name}=javascript:")
        if tag == "input" and a.get("name"):
            self.inputs.setdefault(a["name"], []).append(a.get("value") or "")

    handle_startendtag = handle_starttag


def assert_inert(html: str) -> Inertness:
    parser = Inertness()
    parser.feed(html)
    assert not parser.problems, parser.problems
    return parser


def every_get_url(app, attempt_id: int, seminar_id: int = 1, token: str = "x" * 43, class_id: int = 1,
                  user_id: int = 1, polling: str = "x") -> list[str]:
    # the first review card, and its first review: the learner's first missed question, once synced
    values = {"module_id": MODULE, "source_id": SOURCE, "attempt_id": attempt_id, "seminar_id": seminar_id,
              "card_id": 1, "number": 1, "token": token, "class_id": class_id, "user_id": user_id}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = rule.rule
        for name in rule.arguments:
            value = polling if (rule.endpoint, name) == ("seminar.member_step", "token") else values[name]
            url = re.sub(r"<(?:[^:<>]+:)?" + name + ">", str(value), url)
        urls.append(url)
    return urls


@pytest.mark.parametrize("payload", PAYLOADS[:4])
def test_a_script_display_name_is_inert_on_every_page(app, client, make_user, payload):
    """Every page the learner sees, and the instructor's and admin's pages that list the learner."""
    make_user("prof", role="instructor")
    make_user("root", role="admin")
    instructor, admin = app.test_client(), app.test_client()
    instructor.post("/login", data={"username": "prof", "password": PASSWORD})
    admin.post("/login", data={"username": "root", "password": PASSWORD})
    seminar, code = make_seminar(app, instructor, MODULE, questions=2)
    registered = client.post("/register", data={"username": "mallory", "display_name": payload,
                                                "password": "long enough pw", "confirm": "long enough pw"})
    assert registered.status_code == 302
    assert client.post("/seminars/join", data={"code": code}).status_code == 302
    course_class, _ = open_class(app, instructor, members=[client])
    attempt = start(client)
    with app.app_context():
        mallory = db.session.scalar(User.named("mallory")).id
        token = issue_reset(mallory, issued_by=None)
        polling = room_token(seminar)
    urls = every_get_url(app, attempt, seminar, token, course_class, mallory, polling)
    is_staff = lambda url: (url.startswith(("/instructor/", "/seminars/pick/", "/classes")) or url == "/seminars"
                            or url.endswith(("/host", "/screen", "/end", "/results.csv")))
    admin_pages = ["/accounts"]
    pages = [url for url in urls if not is_staff(url) and url not in admin_pages]
    staff_pages = [url for url in urls if is_staff(url)]
    client.post(f"/attempts/{attempt}/submit")
    client.get("/review")  # the blank answers become review cards, whose pages are in `pages`
    pages += [f"/attempts/{attempt}/review", f"/modules/{MODULE}/lesson", "/course"]
    seen = 0
    for url, viewer in ([(url, client) for url in pages] + [(url, instructor) for url in staff_pages]
                        + [(url, admin) for url in admin_pages]):
        response = viewer.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        assert payload not in html, url
        assert_inert(html)
        seen += str(escape(payload)) in html
    assert seen >= 5  # the name does appear (escaped) on the pages


def text_and_numeric_positions(app, attempt_id: int) -> dict[int, str]:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        return {i.position: i.spec["type"] for i in attempt.items if i.spec["type"] in ("text", "numeric")}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_script_answers_are_inert_on_the_quiz_page_and_in_review(app, quiz_taker, payload):
    attempt = start(quiz_taker)
    positions = text_and_numeric_positions(app, attempt)
    assert "text" in positions.values() and "numeric" in positions.values()
    form = {f"q{p}": payload for p in positions}
    form.update({f"q{p}-present": "1" for p in positions})
    assert quiz_taker.post(f"/attempts/{attempt}/save", data=form, headers=FETCH).json["ok"]

    page = quiz_taker.get(f"/attempts/{attempt}").get_data(as_text=True)
    found = assert_inert(page)
    for p in positions:  # the payload stayed inside its value attribute, whole
        assert found.inputs[f"q{p}"] == [payload.strip()], found.inputs.get(f"q{p}")
    if any(c in payload for c in "<>\""):
        assert payload not in page

    assert quiz_taker.post(f"/attempts/{attempt}/submit", data=form).status_code == 302
    review = quiz_taker.get(f"/attempts/{attempt}/review").get_data(as_text=True)
    assert_inert(review)
    if any(c in payload for c in "<>\""):
        assert payload not in review
    assert str(escape(payload.strip())) in review  # shown as typed (escaped), never evaluated


# ---------------------------------------------------------------------------- headers on every page


def csp_directives(value: str) -> dict[str, list[str]]:
    return {part.split()[0].lower(): part.split()[1:] for part in value.split(";") if part.strip()}


def assert_security_headers(response, what: str) -> None:
    headers = response.headers
    assert "Content-Security-Policy" in headers, what
    csp = csp_directives(headers["Content-Security-Policy"])
    assert csp.get("script-src") == ["'self'"], (what, csp)
    assert csp.get("object-src") == ["'none'"], (what, csp)
    assert csp.get("base-uri") == ["'none'"], (what, csp)
    assert csp.get("frame-ancestors") == ["'none'"], (what, csp)
    for directive in ("script-src", "default-src"):
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"} & set(csp.get(directive, [])), (what, csp)
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("X-Frame-Options") == "DENY", what
    assert "Permissions-Policy" in headers, what
    denied = dict(part.strip().partition("=")[::2] for part in headers["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert denied.get(feature) == "()", (what, headers.get("Permissions-Policy"))


def assert_cache_control(response, what: str, url: str) -> None:
    """Static files revalidate by ETag; everything else, personal or not, is never stored."""
    cache = response.headers.get("Cache-Control", "")
    if url.startswith("/static/") and response.status_code == 200:
        assert "no-store" not in cache and response.headers.get("ETag"), (what, cache)
    else:
        assert "no-store" in cache, (what, cache)


def test_every_page_and_error_carries_the_security_headers(make_app, make_user):
    app = make_app()
    make_user("ann")
    make_user("prof", role="instructor")
    anonymous, ann, prof = app.test_client(), app.test_client(), app.test_client()
    ann.post("/login", data={"username": "ann", "password": PASSWORD})
    prof.post("/login", data={"username": "prof", "password": PASSWORD})
    seminar, _ = make_seminar(app, prof, MODULE, questions=2, members=[ann])
    done = start(ann, "crypto-finance")
    assert ann.post(f"/attempts/{done}/submit").status_code == 302
    assert ann.get("/review").status_code == 200  # its blank answers become ann's review cards
    attempt = start(ann)
    urls = every_get_url(app, attempt, seminar) + [
        f"/attempts/{done}/review", f"/attempts/{done}/review.csv", "/static/css/app.css", "/static/js/quiz.js",
        "/static/nowhere.css", "/nowhere"]
    responses = [(f"{name} {url}", url, client.get(url))
                 for name, client in (("anonymous", anonymous), ("ann", ann), ("prof", prof)) for url in urls]
    responses += [(what, "", response) for what, response in [
        ("405", ann.get("/logout")),
        ("413", ann.post(f"/attempts/{attempt}/save", data={"q0": "x" * 1_100_000})),
        ("413 anonymous", anonymous.post("/register", data={"username": "x" * 1_100_000})),
        ("404 json", ann.post("/attempts/999/save", headers=FETCH)),
        ("submit", ann.post(f"/attempts/{attempt}/submit")),
        ("409 json", ann.post(f"/attempts/{attempt}/save", headers=FETCH)),
        ("400 csrf", make_app(WTF_CSRF_ENABLED=True).test_client().post("/login", data={"username": "ann"})),
    ]]
    statuses, csv_downloads = set(), set()
    for what, url, response in responses:
        statuses.add(response.status_code)
        assert_security_headers(response, f"{what}: {response.status_code}")
        assert_cache_control(response, f"{what}: {response.status_code}", url)
        if response.mimetype == "text/html":
            assert_inert(response.get_data(as_text=True))
        elif response.mimetype == "text/csv" and response.status_code == 200:
            csv_downloads.add(url)
        response.close()
    assert {200, 302, 400, 404, 405, 409, 413} <= statuses
    assert csv_downloads == {f"/attempts/{done}/review.csv", f"/instructor/results/{MODULE}/questions.csv",
                             f"/seminars/{seminar}/results.csv", "/instructor/gradebook.csv",
                             f"/instructor/results/{MODULE}/answers.csv"}
    pages = {url for what, url, response in responses if what.startswith(("ann", "prof")) and response.status_code == 200}
    assert {"/attempts", "/course", "/join", f"/attempts/{done}/review", f"/seminars/{seminar}",
            f"/seminars/{seminar}/host", "/instructor/results", "/review", "/review/cards/1",
            "/review/cards/1/reviews/1", "/instructor/results/cards", "/instructor/results/calibration"} <= pages


# ---------------------------------------------------------------------------- the account page and reset links, fuzzed


passwords = st.one_of(any_text, huge, st.just("long enough pw"), st.sampled_from(PAYLOADS))


@FUZZ
@given(current=st.one_of(any_text, st.just(PASSWORD)), password=passwords, confirm_same=st.booleans(),
       name=st.one_of(any_text, huge, st.sampled_from(PAYLOADS)), confirm_password=st.one_of(any_text, huge),
       extra=st.dictionaries(any_text, any_text, max_size=3))
def test_the_account_forms_never_fail_with_a_server_error(app, quiz_taker, current, password, confirm_same, name,
                                                         confirm_password, extra):
    """Any password change, name or deletion form; the account is never deleted by a wrong password."""
    confirm = password if confirm_same else password + "x"
    for url, form in (("/account/password", {"current": current, "password": password, "confirm": confirm}),
                      ("/account/name", {"display_name": name}),
                      ("/account/delete", {"confirm_password": confirm_password})):
        ok_status(quiz_taker.post(url, data={**extra, **form}), (302, 400, 413, 429))  # 429: wrong current passwords
    page = quiz_taker.get("/account")
    assert page.status_code == 200, "still logged in, so still not deleted"
    assert_inert(page.get_data(as_text=True))


@FUZZ
@given(token=st.one_of(segments, st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
                                         min_size=43, max_size=43), st.just("valid")),
       password=passwords, confirm_same=st.booleans(), extra=st.dictionaries(any_text, any_text, max_size=3),
       address=st.sampled_from(["127.0.0.1", "10.0.0.1", "::1", ""]))
def test_reset_links_and_their_form_never_fail_with_a_server_error(app, token, password, confirm_same, extra,
                                                                   address):
    if not count(app, User):
        quick_user(app, "ann")
    if token == "valid":
        with app.app_context():
            token = issue_reset(db.session.scalar(User.named("ann")).id, issued_by=None)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    form = {**extra, "password": password, "confirm": password if confirm_same else password + "x"}
    # 308: a token with a slash, '/reset//0', which the router merges into '/reset/0'
    ok_status(client.get(f"/reset/{path(token)}"), (200, 308, 404, 410, 429))
    response = client.post(f"/reset/{path(token)}", data=form)
    ok_status(response, (302, 308, 400, 404, 410, 413, 429))
    assert_inert(response.get_data(as_text=True))


@FUZZ
@given(segment=segments, form=st.dictionaries(any_text, values, max_size=3))
def test_reset_link_requests_for_odd_user_ids_never_fail(app, segment, form):
    if not count(app, User):
        quick_user(app, "ann")
        with app.app_context():
            with db_write():
                db.session.scalar(User.named("ann")).role = "admin"
    admin = logged_in(app, "ann")
    ok_status(admin.post(f"/accounts/{path(segment)}/reset-link", data=form), (200, 308, 404, 413))  # 308: see above


# ---------------------------------------------------------------------------- cookies and sessions


def set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_session_and_remember_cookies_are_httponly_and_samesite_lax(app, client):
    registered = client.post("/register", data={"username": "newbie", "display_name": "N",
                                                "password": "long enough pw", "confirm": "long enough pw"})
    cookie = set_cookies(registered)["session"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    client.post("/logout")
    login = client.post("/login", data={"username": "newbie", "password": "long enough pw", "remember": "y"})
    cookies = set_cookies(login)
    assert {"session", "remember_token"} <= set(cookies)
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name], cookies[name]
        assert "Secure" not in cookies[name]  # only with GROUNDWORK_HTTPS=1


def session_data(app, value: str) -> dict:
    return dict(app.session_interface.get_signing_serializer(app).loads(value))


def test_login_starts_a_new_session(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    make_user("ann")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    with client.session_transaction() as session:  # whatever an attacker planted before login
        session["planted"] = "fixation"
    before = client.get_cookie("session").value
    assert "planted" in session_data(app, before) and "_user_id" not in session_data(app, before)

    response = client.post("/login", data={"username": "ann", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    after = client.get_cookie("session").value
    assert after != before
    data = session_data(app, after)
    assert "planted" not in data and "csrf_token" not in data and data.get("_user_id")


def test_logout_replaces_the_session_with_one_that_holds_no_user(app, client, make_user):
    """Current behaviour: the session is cleared, then the "logged out" message starts a new one
    holding only that message."""
    make_user("ann")
    client.post("/login", data={"username": "ann", "password": PASSWORD})
    before = client.get_cookie("session").value
    logout = client.post("/logout")
    assert logout.status_code == 302 and "session" in set_cookies(logout)
    after = client.get_cookie("session")
    if after is not None:
        assert after.value != before
        assert set(session_data(app, after.value)) <= {"_flashes"}
    assert client.get("/course").status_code == 302


def test_logout_after_keep_me_logged_in_really_logs_out(app, client, make_user):
    """Logout deletes the remember cookie too, so a shared computer is really logged out."""
    make_user("ann")
    client.post("/login", data={"username": "ann", "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    client.post("/logout")
    assert client.get_cookie("remember_token") is None
    assert client.get("/course").status_code == 302


def replay(app, name: str, value: str):
    thief = app.test_client()
    thief.set_cookie(name, value)
    return thief.get("/course")


def test_a_session_cookie_copied_before_logout_no_longer_authenticates(app, client, make_user):
    """Logout rotates the user's session token: a copied session cookie stops working."""
    make_user("ann")
    client.post("/login", data={"username": "ann", "password": PASSWORD})
    copied = client.get_cookie("session").value
    assert replay(app, "session", copied).status_code == 200  # valid before logout, as expected
    client.post("/logout")
    assert replay(app, "session", copied).status_code == 302


def test_a_remember_cookie_copied_before_logout_no_longer_authenticates(app, client, make_user):
    """The same holds for a copied remember cookie."""
    make_user("ann")
    client.post("/login", data={"username": "ann", "password": PASSWORD, "remember": "y"})
    copied = client.get_cookie("remember_token").value
    client.post("/logout")
    assert replay(app, "remember_token", copied).status_code == 302


# ---------------------------------------------------------------------------- classes


@pytest.fixture
def class_teacher(app):
    """An instructor's client (no class yet)."""
    quick_user(app, "prof", display_name="Prof")
    with app.app_context():
        with db_write():
            db.session.execute(sa.update(User).where(User.username == "prof").values(role="instructor"))
    return logged_in(app, "prof")


odd_dates = st.one_of(values, st.sampled_from(["2030-01-01", "0001-01-01", "9999-12-31", "2030-02-30", "2030-13-01",
                                               "1999-12-31", "2101-01-01", "01/02/2030", "2030-1-1", "+2030-01-01"]))
module_ids = st.one_of(st.sampled_from(["amaq", "prisons", "provinces", "finance", "critical", "review"]), any_text)


@FUZZ
@given(name=st.one_of(values, st.just("")), term=values, description=st.one_of(values, st.sampled_from(PAYLOADS)),
       modules=st.lists(module_ids, max_size=8), dues=st.dictionaries(st.integers(0, 8), odd_dates, max_size=4))
def test_any_class_form_makes_a_whole_class_or_nothing(app, catalog, class_teacher, name, term, description,
                                                       modules, dues):
    from app.classes.models import ClassInstructor, ClassModule, CourseClass

    before = (count(app, CourseClass), count(app, ClassModule), count(app, ClassInstructor))
    form = MultiDict([("name", name), ("term", term), ("description", description),
                      *(("modules", m) for m in modules), *((f"due_{n}", d) for n, d in dues.items())])
    response = class_teacher.post("/classes/new", data=form)
    ok_status(response, (302, 400, 413))
    after = (count(app, CourseClass), count(app, ClassModule), count(app, ClassInstructor))
    if response.status_code == 302:
        assert after[0] == before[0] + 1 and after[2] == before[2] + 1 and after[1] > before[1]
        page = class_teacher.get(response.headers["Location"])
        assert page.status_code == 200
        assert_inert(page.get_data(as_text=True).split('<div class="qr">')[0])
    else:
        assert after == before


@FUZZ
@given(code=st.one_of(values, st.sampled_from(["", " ", "-", "ABCDEF", "abcdef", "0O1IL"])), prefill=any_text)
def test_any_class_code_is_answered_without_a_server_error(app, quiz_taker, class_teacher, code, prefill):
    ok_status(quiz_taker.post("/classes/enrol", data={"code": code}), (302, 400, 413, 429))  # 429: wrong codes run out
    page = quiz_taker.get("/enrol", query_string={"code": prefill})
    assert page.status_code == 200
    assert_inert(page.get_data(as_text=True))


@pytest.mark.parametrize("payload", PAYLOADS[:4])
def test_a_script_class_name_is_inert_for_its_instructor_and_its_learners(app, quiz_taker, class_teacher, payload):
    class_id, _ = open_class(app, class_teacher, payload, members=[quiz_taker], term=payload, description=payload)
    for viewer, url in ((class_teacher, "/classes"), (class_teacher, f"/classes/{class_id}"),
                        (class_teacher, f"/classes/{class_id}/roster"), (quiz_taker, "/course"), (quiz_taker, "/enrol")):
        html = viewer.get(url).get_data(as_text=True)
        assert payload not in html and str(escape(payload)) in html, url
        assert_inert(html)
