"""End-to-end tests in a real browser (Debian's Chromium driven by Playwright).

Each test starts the real app on a free loopback port (werkzeug's threaded server, CSRF on)
on the test database — SQLite, or PostgreSQL when TEST_DATABASE_URL is set — and drives it
through the pages a learner uses: registration, the lesson's glossary tooltips and
citations, the quiz's autosave (including a lost connection), submission and review, and
the Content-Security-Policy.

Playwright's own browser downloads are never used: the tests launch /usr/bin/chromium
(override with CHROMIUM_PATH). When Playwright or Chromium is missing the tests fail, they
do not skip.
"""
from __future__ import annotations

import json
import random
import re
import time

import pytest
import sqlalchemy as sa

from app import create_app
from app.auth.accounts import create_user
from app.extensions import db
from app.models import Attempt, AttemptItem, Seminar, User
from app.quiz.types import QUESTION_TYPES
from tests.helpers import ONCE, database_url, served

from playwright.sync_api import expect  # Chromium itself comes from tests/system/conftest.py

pytestmark = pytest.mark.slow

WAIT_MS = 10_000  # every wait is bounded by this
PASSWORD = "correct horse battery"
SAVED = "All answers saved"
NOT_SAVED = "Not saved yet"


# --------------------------------------------------------------------------- fixtures

class LiveServer:
    def __init__(self, app, base_url: str):
        self.app = app
        self.url = base_url

    # Database checks, each in a fresh app context (so a fresh session: no stale reads).
    def attempt(self, attempt_id: int) -> dict:
        with self.app.app_context():
            a = db.session.get(Attempt, attempt_id)
            return {"submitted_at": a.submitted_at, "score": a.score, "passed": a.passed, "user_id": a.user_id}

    def responses(self, attempt_id: int) -> dict[int, object]:
        with self.app.app_context():
            rows = db.session.execute(sa.select(AttemptItem.position, AttemptItem.response)
                                      .where(AttemptItem.attempt_id == attempt_id)).all()
            return {position: response for position, response in rows}

    def item_spec(self, attempt_id: int, position: int) -> dict:
        with self.app.app_context():
            item = db.session.get(AttemptItem, (attempt_id, position))
            return {"spec": item.spec, "layout": item.layout, "points": item.points}

    def attempts_of(self, username: str, module_id: str = "amaq") -> list[dict]:
        with self.app.app_context():
            rows = db.session.scalars(sa.select(Attempt).join(User).where(
                User.username == username, Attempt.module_id == module_id).order_by(Attempt.id)).all()
            return [{"id": a.id, "submitted_at": a.submitted_at, "score": a.score} for a in rows]

    def wait_for_response(self, attempt_id: int, position: int, predicate=lambda r: r is not None,
                          timeout: float = WAIT_MS / 1000) -> object:
        """Poll the database until the stored response satisfies `predicate` (bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.responses(attempt_id)[position]
            if predicate(response) or time.monotonic() > deadline:
                return response
            time.sleep(0.05)


@pytest.fixture
def server(tmp_path, catalog):
    """The real app, CSRF protection on, served on a free loopback port for one test."""
    yield from serve(tmp_path, catalog)


@pytest.fixture
def mini_server(tmp_path, mini_catalog):
    """The same, serving the minimal content of tests/fixtures/minimal (one module, `mini`)."""
    yield from serve(tmp_path, mini_catalog)


def serve(tmp_path, catalog):
    """The app on `catalog`, served on a free loopback port until the generator is closed."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(tmp_path), "CATALOG": catalog,
                      "SECRET_KEY": "x", "WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.drop_all()  # a leftover schema on a shared PostgreSQL test database
        db.create_all()
    with served(app) as url:
        yield LiveServer(app, url)


@pytest.fixture(scope="module")
def browser(shared_browser):
    """The one Chromium of the test session (tests/system/conftest.py): Playwright's sync API allows one
    running instance per thread, and the page checks keep theirs for the whole session."""
    return shared_browser


@pytest.fixture
def context(browser):
    ctx = browser.new_context()
    ctx.set_default_timeout(WAIT_MS)
    ctx.set_default_navigation_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


# --------------------------------------------------------------------------- helpers

def register(page, server, username: str = "ann") -> None:
    """Create an account through the form; the app logs the learner in and shows the course."""
    page.goto(server.url + "/register")
    page.fill("#username", username)
    page.fill("#display_name", username.title())
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("button:has-text('Create account'), input[value='Create account']")
    expect(page).to_have_url(server.url + "/course")
    expect(page.locator("nav .who")).to_have_text(username.title())


def start_quiz(page, server, module_id: str = "amaq") -> int:
    page.goto(f"{server.url}/modules/{module_id}")
    page.get_by_role("button", name=re.compile("Start the quiz|Resume the quiz")).click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    expect(page.locator("#quiz-form")).to_be_visible()  # loaded, not only navigated to (the URL comes first)
    return int(page.url.rsplit("/", 1)[1])


def question(page, label: str, nth: int = 0):
    """The nth question of a type, found by the type label the page shows."""
    return page.locator("fieldset.question").filter(
        has=page.locator(".qtype", has_text=re.compile(f"^{re.escape(label)}$"))).nth(nth)


def position_of(fieldset) -> int:
    return int(fieldset.get_attribute("data-question")[1:])


def status(page):
    return page.locator("#save-status")


def click_inline(link) -> None:
    """Click a link that may wrap over two lines at the middle of its first line.

    (Playwright aims at the middle of the bounding box, which for a wrapped inline link
    can fall in the gap between the lines, on the paragraph.)
    """
    box = link.bounding_box()
    first = link.evaluate("el => { const r = el.getClientRects()[0]; return {x: r.x, y: r.y, w: r.width, h: r.height}; }")
    link.click(position={"x": first["x"] - box["x"] + first["w"] / 2, "y": first["y"] - box["y"] + first["h"] / 2})


def kept_answers(page, attempt_id: int):
    """The unsaved answers quiz.js keeps in localStorage for the attempt: {question: [[field, value]]}."""
    raw = page.evaluate("key => localStorage.getItem(key)", f"groundwork-attempt-{attempt_id}")
    return None if raw is None else json.loads(raw)


def pending_names(page, attempt_id: int):
    """The questions still waiting to be saved (None when nothing is stored)."""
    kept = kept_answers(page, attempt_id)
    return None if kept is None else sorted(kept)


# --------------------------------------------------------------------------- 1. lesson

def test_register_then_lesson_tooltip_on_keyboard_focus_and_citation_highlight(page, server):
    register(page, server)
    page.get_by_role("link", name="The Amaq guided-attack model").first.click()
    expect(page).to_have_url(server.url + "/modules/amaq")
    page.get_by_role("link", name="Read the lesson").click()
    expect(page).to_have_url(server.url + "/modules/amaq/lesson")

    expect(page.locator(".lesson-body a.term").first).to_be_visible()  # the page has loaded (a URL comes first)
    first_tip = page.locator(".lesson-body .term-tip").first
    expect(first_tip).to_be_hidden()
    # Tab from the top of the page until a glossary term has the keyboard focus.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement && document.activeElement.matches('.lesson-body a.term')"):
            break
    else:
        pytest.fail("Tabbing through the lesson never reached a glossary term link")
    focused_tip_id = page.evaluate("() => document.activeElement.getAttribute('aria-describedby')")
    tip = page.locator(f"#{focused_tip_id}")
    expect(tip).to_have_class(re.compile(r"\bterm-tip\b"))
    expect(tip).to_be_visible()  # shown on keyboard focus alone: the mouse never moved
    assert tip.inner_text().strip()
    assert page.evaluate("() => document.activeElement.getAttribute('href')").startswith("/glossary#term-")
    page.keyboard.press("Tab")  # focus moves on: the tooltip hides again
    expect(tip).to_be_hidden()

    citation = page.locator(".lesson-body a.cite").first
    quoted = citation.locator("q").inner_text()
    href = citation.get_attribute("href")
    click_inline(citation)
    expect(page).to_have_url(re.compile(r"/sources/[a-z0-9-]+\?hl=[0-9a-f]+#p-\d+$"))
    assert page.url.endswith(href)
    passage = page.locator("mark.hl#passage")
    expect(passage).to_be_visible()
    highlighted = "".join(page.locator("mark.hl").all_inner_texts())
    normalise = lambda s: re.sub(r"\s+", " ", s).strip()
    assert normalise(highlighted) == normalise(quoted)
    paragraph = href.rsplit("#p-", 1)[1]
    expect(page.locator(f"#p-{paragraph} mark.hl#passage")).to_have_count(1)


# --------------------------------------------------------------------------- 2. autosave and resume

def test_answers_autosave_survive_reload_and_are_in_the_database(page, server):
    register(page, server)
    attempt_id = start_quiz(page, server)
    expect(status(page)).to_have_text("Nothing saved yet.")

    single = question(page, "Choose one")
    multiple = question(page, "Choose all that apply")
    text = question(page, "Type a short answer")
    match = question(page, "Match each item")
    positions = {kind: position_of(fs) for kind, fs in
                 (("single", single), ("multiple", multiple), ("text", text), ("match", match))}

    single.locator("input[type=radio]").nth(1).click()
    multiple.locator("input[type=checkbox]").nth(0).click()
    multiple.locator("input[type=checkbox]").nth(2).click()
    text.locator("input[type=text]").press_sequentially("Telegram", delay=20)
    selects = match.locator("select")
    selects.nth(0).select_option(index=2)
    selects.nth(1).select_option(index=1)

    expect(status(page)).to_contain_text(SAVED)
    for position in positions.values():
        server.wait_for_response(attempt_id, position)
    saved = server.responses(attempt_id)
    assert all(saved[p] is not None for p in positions.values()), saved
    assert saved[positions["text"]] == "Telegram"
    assert isinstance(saved[positions["multiple"]], list) and len(saved[positions["multiple"]]) == 2
    assert isinstance(saved[positions["match"]], dict) and len(saved[positions["match"]]) == 2
    assert pending_names(page, attempt_id) == []  # nothing left to re-send

    page.reload()
    single, multiple = question(page, "Choose one"), question(page, "Choose all that apply")
    text, match = question(page, "Type a short answer"), question(page, "Match each item")
    expect(status(page)).to_contain_text("Saved at")
    expect(single.locator("input[type=radio]").nth(1)).to_be_checked()
    assert [single.locator("input[type=radio]").nth(i).is_checked()
            for i in range(single.locator("input[type=radio]").count())].count(True) == 1
    checked = [multiple.locator("input[type=checkbox]").nth(i).is_checked()
               for i in range(multiple.locator("input[type=checkbox]").count())]
    assert checked[0] and checked[2] and checked.count(True) == 2
    expect(text.locator("input[type=text]")).to_have_value("Telegram")
    expect(match.locator("select").nth(0)).to_have_js_property("selectedIndex", 2)
    expect(match.locator("select").nth(1)).to_have_js_property("selectedIndex", 1)
    for i in range(2, match.locator("select").count()):
        expect(match.locator("select").nth(i)).to_have_value("")
    # the reload saved nothing new: the database is as before
    assert server.responses(attempt_id) == saved


# --------------------------------------------------------------------------- 3. losing the connection

def test_answer_given_offline_is_sent_when_the_connection_returns(page, context, server):
    register(page, server)
    attempt_id = start_quiz(page, server)
    true_false = question(page, "True or false")
    position = position_of(true_false)

    context.set_offline(True)
    true_false.get_by_label("False").check()
    expect(status(page)).to_contain_text(NOT_SAVED)
    expect(status(page)).to_have_class(re.compile(r"\berror\b"))
    assert pending_names(page, attempt_id) == [f"q{position}"]
    assert server.responses(attempt_id)[position] is None

    context.set_offline(False)
    # the retry (2 s, then 4 s...) or the browser's "online" event sends it again
    expect(status(page)).to_contain_text(SAVED)
    assert server.wait_for_response(attempt_id, position) is False
    assert pending_names(page, attempt_id) == []


def test_answer_given_offline_then_tab_closed_comes_back_and_is_saved(page, context, server):
    """Answers given offline are kept on the device; reopening the attempt puts them back and saves them."""
    register(page, server)
    attempt_id = start_quiz(page, server)
    attempt_url = page.url
    text = question(page, "Type a short answer")
    single = question(page, "Choose one")
    text_position, single_position = position_of(text), position_of(single)

    single.locator("input[type=radio]").nth(0).click()  # saved while online
    expect(status(page)).to_contain_text(SAVED)
    assert server.wait_for_response(attempt_id, single_position) is not None

    context.set_offline(True)
    text.locator("input[type=text]").press_sequentially("Amaq", delay=20)
    single.locator("input[type=radio]").nth(1).click()  # changes the saved answer, offline
    expect(status(page)).to_contain_text(NOT_SAVED)
    kept = kept_answers(page, attempt_id)
    assert sorted(kept) == sorted([f"q{text_position}", f"q{single_position}"])
    assert [f"q{text_position}", "Amaq"] in kept[f"q{text_position}"]  # the answer itself, not just its name
    page.close()
    context.set_offline(False)

    again = context.new_page()
    with again.expect_request(lambda r: r.url.endswith(f"/attempts/{attempt_id}/save") and r.method == "POST") as sent:
        again.goto(attempt_url)
    assert "Amaq" in (sent.value.post_data or "")
    expect(status(again)).to_contain_text(SAVED)
    assert pending_names(again, attempt_id) == []
    text, single = question(again, "Type a short answer"), question(again, "Choose one")
    expect(text.locator("input[type=text]")).to_have_value("Amaq")
    expect(single.locator("input[type=radio]").nth(1)).to_be_checked()
    assert server.wait_for_response(attempt_id, text_position, lambda r: r == "Amaq") == "Amaq"
    changed = server.wait_for_response(attempt_id, single_position)
    again.reload()
    expect(question(again, "Choose one").locator("input[type=radio]").nth(1)).to_be_checked()
    assert server.responses(attempt_id)[single_position] == changed


def test_edit_made_while_a_save_is_in_flight_is_saved_too(page, server):
    """A change typed while an earlier save is under way is sent after it, not dropped."""
    register(page, server)
    attempt_id = start_quiz(page, server)
    field = question(page, "Type a short answer").locator("input[type=text]")
    position = position_of(question(page, "Type a short answer"))
    held = []

    def hold_first_save(route):
        if not held:
            held.append(route)  # keep the first save in flight until released below
        else:
            route.continue_()

    page.route(f"**/attempts/{attempt_id}/save", hold_first_save)
    field.press_sequentially("Tele", delay=20)
    deadline = time.monotonic() + WAIT_MS / 1000
    while not held and time.monotonic() < deadline:  # the 800 ms debounce, then the request
        page.wait_for_timeout(50)
    assert held, "quiz.js never sent the first save"
    field.press_sequentially("gram", delay=20)  # typed while "Tele" is still on its way
    held[0].continue_()  # the first save now completes, well before the next debounce
    page.wait_for_timeout(2000)  # past the 800 ms debounce of the second edit
    expect(field).to_have_value("Telegram")
    expect(status(page)).to_contain_text(SAVED)
    assert server.wait_for_response(attempt_id, position, lambda r: r == "Telegram", timeout=5) == "Telegram"


# --------------------------------------------------------------------------- 4. submit once

def test_submit_confirms_shows_the_score_and_grades_only_once(page, context, server):
    register(page, server)
    attempt_id = start_quiz(page, server)
    attempt_url = page.url
    stale = context.new_page()  # a second tab on the same attempt, left open
    stale.goto(attempt_url)

    true_false = question(page, "True or false")
    position = position_of(true_false)
    item = server.item_spec(attempt_id, position)
    right = "True" if item["spec"]["data"]["answer"] else "False"
    true_false.get_by_label(right).check()
    expect(status(page)).to_contain_text(SAVED)

    dialogs = []

    def accept(dialog):
        dialogs.append((dialog.type, dialog.message))
        dialog.accept()

    page.on("dialog", accept)
    stale.on("dialog", accept)
    page.locator("#submit-quiz").dblclick()  # an impatient double click
    expect(page).to_have_url(f"{attempt_url}/review")
    assert len(dialogs) == 1, dialogs  # the second click met a disabled button
    assert dialogs[0][0] == "confirm" and "Submit your answers for grading?" in dialogs[0][1]

    first = server.attempt(attempt_id)
    assert first["submitted_at"] is not None and first["score"] is not None and first["score"] > 0
    expect(page.locator(".summary .score")).to_contain_text(f"{first['score']:g}%")
    expect(page.locator(".flash").first).to_contain_text(f"Submitted: {first['score']:g}%")
    expect(page.locator("article.review-item")).to_have_count(len(server.responses(attempt_id)))
    assert pending_names(page, attempt_id) is None  # the submit cleared the kept list

    # Back, then submit again. Chromium either asks the server again (which redirects a closed
    # attempt to its review) or, for the back button, shows the quiz page from its HTTP cache
    # (the page has no Cache-Control: no-store): the old form with an enabled submit button.
    page.go_back()
    page.wait_for_load_state()
    if page.url.endswith("/review"):
        expect(page.locator(".summary .score")).to_contain_text(f"{first['score']:g}%")
    else:
        assert page.url == attempt_url
        expect(page.locator("#submit-quiz")).to_be_enabled()
        page.locator("#submit-quiz").click()
        expect(page).to_have_url(f"{attempt_url}/review")
        expect(page.locator(".flash").first).to_contain_text("already submitted")
        expect(page.locator(".summary .score")).to_contain_text(f"{first['score']:g}%")
    confirms_so_far = len(dialogs)

    # The stale tab: autosave is refused, and submitting again grades nothing.
    question(stale, "True or false").get_by_label("False" if right == "True" else "True").check()
    expect(status(stale)).to_contain_text("already submitted")
    stale.locator("#submit-quiz").click()
    expect(stale).to_have_url(f"{attempt_url}/review")
    expect(stale.locator(".flash").first).to_contain_text("already submitted")
    assert len(dialogs) == confirms_so_far + 1

    attempts = server.attempts_of("ann")
    assert len(attempts) == 1 and attempts[0]["id"] == attempt_id
    again = server.attempt(attempt_id)
    assert (again["submitted_at"], again["score"]) == (first["submitted_at"], first["score"])
    assert server.responses(attempt_id)[position] is (right == "True")


# --------------------------------------------------------------------------- 4b. the session ends mid-quiz

def log_out_in(tab, server) -> None:
    tab.goto(server.url + "/course")
    tab.get_by_role("button", name="Log out").click()
    expect(tab.locator("nav")).to_contain_text("Log in")


def log_in_on(tab, username: str = "ann") -> None:
    tab.fill("#username", username)
    tab.fill("#password", PASSWORD)
    tab.get_by_role("button", name="Log in").click()


def test_a_session_ended_mid_quiz_loses_no_answer_and_the_quiz_submits_once(page, context, server):
    """Logged out in another tab: the page says so, keeps what it could not send, refuses to
    submit, and sends it all once the learner is logged in again; then Submit grades once."""
    register(page, server)
    attempt_id = start_quiz(page, server)
    true_false, single, text = (question(page, label) for label in ("True or false", "Choose one",
                                                                     "Type a short answer"))
    positions = [position_of(fs) for fs in (true_false, single, text)]
    true_false.get_by_label("True").check()
    expect(status(page)).to_contain_text(SAVED)

    other = context.new_page()
    log_out_in(other, server)
    single.locator("input[type=radio]").nth(1).click()
    text.locator("input[type=text]").fill("Telegram")
    expect(status(page)).to_contain_text("Your session has ended. Log in again; your answers are kept on this device")
    login_link = status(page).get_by_role("link", name="Log in again")
    assert login_link.get_attribute("href") == f"/login?next=/attempts/{attempt_id}"
    assert pending_names(page, attempt_id) == sorted(f"q{p}" for p in positions[1:])

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.locator("#submit-quiz").click()
    expect(status(page)).to_contain_text("Your session has ended.")
    assert page.url == f"{server.url}/attempts/{attempt_id}" and dialogs == []
    assert server.attempt(attempt_id)["submitted_at"] is None
    assert pending_names(page, attempt_id) == sorted(f"q{p}" for p in positions[1:])  # still on the device

    other.goto(server.url + "/login")
    log_in_on(other)
    expect(other).to_have_url(server.url + "/course")
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # the learner comes back to the quiz's tab
    expect(status(page)).to_contain_text(SAVED)
    assert server.wait_for_response(attempt_id, positions[2]) == "Telegram"
    assert pending_names(page, attempt_id) == []

    page.reload()
    expect(question(page, "Type a short answer").locator("input[type=text]")).to_have_value("Telegram")
    expect(question(page, "Choose one").locator("input[type=radio]").nth(1)).to_be_checked()
    page.locator("#submit-quiz").click()
    expect(page).to_have_url(f"{server.url}/attempts/{attempt_id}/review")
    assert len(dialogs) == 1
    attempts = server.attempts_of("ann")
    assert len(attempts) == 1 and attempts[0]["submitted_at"] is not None
    stored = server.responses(attempt_id)
    assert stored[positions[0]] is True and stored[positions[2]] == "Telegram" and stored[positions[1]] is not None
    assert kept_answers(page, attempt_id) is None  # the review dropped the device's copy


def test_logging_in_through_the_page_s_link_comes_back_and_sends_the_kept_answers(page, context, server):
    register(page, server)
    attempt_id = start_quiz(page, server)
    text = question(page, "Type a short answer")
    log_out_in(context.new_page(), server)
    text.locator("input[type=text]").fill("Telegram")
    status(page).get_by_role("link", name="Log in again").click()
    log_in_on(page)
    expect(page).to_have_url(f"{server.url}/attempts/{attempt_id}")
    expect(status(page)).to_contain_text(SAVED)
    assert server.wait_for_response(attempt_id, position_of(text)) == "Telegram"


# --------------------------------------------------------------------------- 4c. ordering questions

def test_a_partial_order_is_kept_and_a_tied_one_is_refused_on_the_page(page, server):
    register(page, server)
    attempt_id = start_quiz(page, server)
    ordering = question(page, "Put in order")
    position = position_of(ordering)
    selects = ordering.locator("select")
    for place in (1, 2, 3):
        selects.nth(place - 1).select_option(str(place))
    expect(status(page)).to_contain_text(SAVED)
    partial = server.wait_for_response(attempt_id, position)
    assert partial[3:] == [None] * (len(partial) - 3) and None not in partial[:3]

    page.reload()
    ordering = question(page, "Put in order")
    selects = ordering.locator("select")
    assert [selects.nth(i).input_value() for i in range(selects.count())] == (
        ["1", "2", "3"] + [""] * (selects.count() - 3))

    selects.nth(3).select_option("2")
    expect(ordering.locator(".order-problem")).to_have_text("Give each place once: place 2 is given to 2 items.")
    page.on("dialog", lambda dialog: pytest.fail(f"a tied order must not reach the confirmation: {dialog.message}"))
    page.locator("#submit-quiz").click()
    expect(status(page)).to_contain_text("Not submitted")
    expect(status(page)).to_contain_text("place 2 is given to 2 items")
    assert server.responses(attempt_id)[position] == partial and server.attempt(attempt_id)["submitted_at"] is None
    assert f"q{position}" not in (pending_names(page, attempt_id) or [])

    selects.nth(3).select_option("4")
    expect(ordering.locator(".order-problem")).to_have_count(0)
    assert server.wait_for_response(attempt_id, position, lambda r: r != partial)[3] is not None


# --------------------------------------------------------------------------- 4d. the keyboard

COVERED = """() => {
  const el = document.activeElement;
  if (!el) return {name: '', inForm: false, inBar: false, visible: true};
  const box = el.getBoundingClientRect();
  const top = document.getElementById('save-status').getBoundingClientRect();
  const bar = document.querySelector('.quiz-actions').getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  const clear = box.top >= top.bottom - 0.5 && box.bottom <= bar.top + 0.5;
  const inBar = el.closest('.quiz-actions, #save-status') !== null;
  return {name: el.name || el.id || el.tagName, inForm: el.closest('#quiz-form') !== null, inBar,
          visible: inBar || (clear && hit !== null && (hit === el || el.contains(hit) || hit.contains(el)))};
}"""


def test_tabbing_through_the_quiz_never_hides_the_focused_control_behind_the_sticky_bars(browser, server):
    context = browser.new_context(viewport={"width": 800, "height": 500})
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        register(page, server)
        start_quiz(page, server)
        seen, hidden = 0, []
        for _ in range(300):
            page.keyboard.press("Tab")
            focus = page.evaluate(COVERED)
            if not focus["inForm"]:
                if seen:
                    break
                continue
            seen += 1
            if not focus["visible"]:
                hidden.append(focus["name"])
            if focus["name"] == "submit-quiz":
                break
        assert seen > 20 and not hidden, (seen, hidden)
    finally:
        context.close()


def test_enter_in_a_typed_answer_saves_it_in_place(page, server):
    register(page, server)
    attempt_id = start_quiz(page, server)
    text = question(page, "Type a short answer")
    box = text.locator("input[type=text]")
    page.set_viewport_size({"width": 800, "height": 400})
    box.evaluate("el => el.scrollIntoView({block: 'center'})")
    page.evaluate("window.notReloaded = true")
    scrolled = page.evaluate("window.scrollY")
    box.fill("Telegram")
    box.press("Enter")
    expect(status(page)).to_contain_text(SAVED)
    assert server.wait_for_response(attempt_id, position_of(text)) == "Telegram"
    assert page.evaluate("window.notReloaded === true") and page.url == f"{server.url}/attempts/{attempt_id}"
    assert page.evaluate("window.scrollY") == scrolled and scrolled > 0
    expect(box).to_be_focused()


def test_the_submit_confirmation_says_how_many_questions_have_no_answer(page, server):
    register(page, server)
    attempt_id = start_quiz(page, server)
    total = len(server.responses(attempt_id))
    question(page, "True or false").get_by_label("True").check()
    question(page, "Type a short answer").locator("input[type=text]").fill("Telegram")
    expect(status(page)).to_contain_text(SAVED)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append((dialog.type, dialog.message)), dialog.dismiss()))
    page.locator("#submit-quiz").click()
    expect(page.locator("#submit-quiz")).to_be_enabled()
    assert dialogs and dialogs[0][0] == "confirm"
    assert f"{total - 2} of {total} questions have no answer." in dialogs[0][1]
    assert server.attempt(attempt_id)["submitted_at"] is None  # dismissed: nothing submitted


# --------------------------------------------------------------------------- 5. CSP

INLINE_CODE = """() => {
  const inline = [...document.querySelectorAll('script:not([src])')].length;
  const handlers = [...document.querySelectorAll('*')].flatMap(el =>
      [...el.attributes].filter(a => /^on/i.test(a.name)).map(a => el.tagName + '[' + a.name + ']'));
  const jsLinks = [...document.querySelectorAll('[href^="javascript:" i], [src^="javascript:" i]')].length;
  return {inline, handlers, jsLinks};
}"""


def test_pages_have_no_inline_scripts_and_no_csp_violations(page, context, server, catalog):
    console, errors = [], []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: errors.append(str(e)))

    def visit(path: str) -> None:
        response = page.goto(server.url + path)
        assert response is not None and response.ok, (path, response and response.status)
        csp = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, (path, csp)
        assert page.evaluate(INLINE_CODE) == {"inline": 0, "handlers": [], "jsLinks": 0}, path

    visit("/")
    visit("/register")
    register(page, server)
    paths = ["/course", "/sources", "/glossary", "/timeline", "/attempts"]
    for module in catalog.modules:
        paths += [f"/modules/{module.id}", f"/modules/{module.id}/lesson"]
    paths += [f"/sources/{source_id}" for source_id in catalog.sources]
    for path in paths:
        visit(path)
    attempt_id = start_quiz(page, server)
    visit(f"/attempts/{attempt_id}")
    question(page, "Type a short answer").locator("input[type=text]").press_sequentially("x", delay=20)
    expect(status(page)).to_contain_text(SAVED)  # quiz.js, an external script, runs under the CSP
    page.on("dialog", lambda d: d.accept())
    page.locator("#submit-quiz").click()
    expect(page).to_have_url(re.compile(r"/review$"))
    visit(f"/attempts/{attempt_id}/review")

    csp_messages = [m for m in console if "content security policy" in m.lower()]
    assert csp_messages == []
    assert errors == []
    assert [m for m in console if m.startswith("error:")] == []  # nothing missing, not even the icon

    # The check can see a violation: an injected inline script is refused and reported.
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.__inlineRan = true'; document.body.append(s); }""")
    deadline = time.monotonic() + WAIT_MS / 1000
    while not any("content security policy" in m.lower() for m in console) and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert page.evaluate("() => window.__inlineRan === undefined")
    assert any("content security policy" in m.lower() for m in console), console


def make_instructor(server, username: str) -> None:
    with server.app.app_context():
        create_user(username, PASSWORD, username.title(), role="instructor")


def instructor_and_phone(browser, server, width: int) -> list:
    """Two browser contexts: an instructor's desktop and a learner's phone `width` pixels wide."""
    make_instructor(server, "prof")
    return [browser.new_context(), browser.new_context(viewport={"width": width, "height": 800}, is_mobile=True)]


def watch_errors(pages) -> list[str]:
    """Every console error and uncaught page error of these pages, as they happen; waits bounded."""
    errors: list[str] = []
    for p in pages:
        p.set_default_timeout(WAIT_MS)
        p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        p.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def log_in_as_instructor(page, server) -> None:
    page.goto(server.url + "/login")
    page.fill("#username", "prof")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in'), input[value='Log in']")
    expect(page).to_have_url(server.url + "/course")


def test_live_seminar_phone_follows_the_host_by_itself(browser, server):
    """The host opens and closes a question; a learner's phone shows each screen without a reload."""
    contexts = instructor_and_phone(browser, server, 390)
    try:
        host, phone = (ctx.new_page() for ctx in contexts)
        errors = watch_errors((host, phone))
        log_in_as_instructor(host, server)
        host.goto(server.url + "/seminars")
        host.select_option("#module", "amaq")
        host.fill("#questions", "2")
        host.get_by_role("button", name="Open the room").click()
        expect(host).to_have_url(re.compile(r"/seminars/\d+/host$"))
        code = host.locator(".room-code .code").inner_text().strip()

        register(phone, server, "ann")
        phone.goto(server.url + "/join")
        phone.fill("#code", code.lower())
        phone.get_by_role("button", name="Join").click()
        expect(phone.locator("text=You are in")).to_be_visible()
        expect(host.locator('[data-live="members"]')).to_have_text("1")  # counted in place, no reload

        host.get_by_role("button", name="Open question 1").click()
        expect(phone.get_by_role("button", name="Send my answer")).to_be_visible()  # the phone moved on by itself
        with server.app.app_context():
            from app.quiz.types import answer_form
            seminar = db.session.scalar(sa.select(Seminar))
            key = answer_form(0, seminar.questions[0].spec, seminar.questions[0].layout, correct=True)
        fieldset = phone.locator("fieldset.question")
        kind = seminar.questions[0].spec["type"]
        for name, value in key.items():
            if name.endswith("-present"):
                continue
            for v in (value if isinstance(value, list) else [value]):
                field = fieldset.locator(f'[name="{name}"]')
                if kind in ("single", "multiple", "true_false"):
                    fieldset.locator(f'[name="{name}"][value="{v}"]').check()
                elif kind in ("order", "match"):
                    field.select_option(str(v))
                else:
                    field.fill(str(v))
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        phone.get_by_role("button", name="Send my answer").click()
        expect(phone.locator("text=Answer received")).to_have_count(2)  # the flash and the waiting screen
        expect(host.locator('[data-live="answered"]')).to_have_text("1")

        host.get_by_role("button", name="Close answers and show the key").click()
        expect(phone.locator(".review-item .verdict")).to_have_text("correct")
        passage = phone.locator(".evidence-in-place details").first
        expect(passage.locator("blockquote")).to_be_hidden()  # in place, closed until tapped
        passage.locator("summary").click()
        expect(passage.locator("blockquote")).to_be_visible()
        assert phone.url.endswith(f"/seminars/{seminar.id}"), "the phone stays in the room"
        source = passage.get_by_role("link", name="Read it in the source (opens in a new tab)")
        assert source.get_attribute("target") == "_blank"
        expect(host.locator("text=1 correct")).to_be_visible()
        host.get_by_role("link", name="End the seminar…").click()
        expect(host.get_by_role("heading", name="End the seminar?")).to_be_visible()
        host.get_by_role("button", name="Yes, end the seminar").click()
        expect(phone.locator("text=The seminar has ended")).to_be_visible()
        assert errors == []
    finally:
        for ctx in contexts:
            ctx.close()


@ONCE  # layout: the same on either database
def test_every_question_type_fits_a_phone_screen_in_a_seminar(browser, server, catalog):
    """No question (long matching options included) makes a 360-pixel-wide phone scroll sideways."""
    contexts = instructor_and_phone(browser, server, 360)
    try:
        host, phone = (ctx.new_page() for ctx in contexts)
        log_in_as_instructor(host, server)
        register(phone, server, "ann")
        kinds = set()
        for module in catalog.modules:
            host.goto(server.url + "/seminars")
            host.select_option("#module", module.id)
            host.fill("#questions", "30")
            host.get_by_role("button", name="Open the room").click()
            phone.goto(server.url + "/join?code=" + host.locator(".room-code .code").inner_text().strip())
            phone.get_by_role("button", name="Join").click()
            seminar_id = int(host.url.rsplit("/", 2)[1])
            host.goto(server.url + "/seminars")  # off the host's screen, which reloads at every step
            for position in range(min(len(module.questions), 30)):
                with server.app.app_context():  # the host's "Open question" button, without the clicks
                    db.session.execute(sa.update(Seminar).where(Seminar.id == seminar_id).values(
                        phase="open", position=position, step=Seminar.step + 1))
                    db.session.commit()
                phone.reload()
                kinds.add(phone.locator("fieldset.question .qtype").inner_text())
                width = phone.evaluate("document.documentElement.scrollWidth")
                assert width <= 360, (module.id, position, width)
        assert len(kinds) == len(QUESTION_TYPES), kinds  # every question type was on screen
    finally:
        for ctx in contexts:
            ctx.close()


def test_a_timed_question_counts_down_on_the_phone_and_locks_its_button_at_zero(browser, server):
    contexts = instructor_and_phone(browser, server, 390)
    try:
        host, phone = (ctx.new_page() for ctx in contexts)
        log_in_as_instructor(host, server)
        host.goto(server.url + "/seminars")
        host.fill("#questions", "1")
        host.fill("#seconds", "5")
        host.get_by_role("button", name="Open the room").click()
        code = host.locator(".room-code .code").inner_text().strip()
        register(phone, server, "ann")
        phone.goto(server.url + "/join?code=" + code)
        phone.get_by_role("button", name="Join").click()
        host.get_by_role("button", name="Open question 1").click()
        button = phone.get_by_role("button", name="Send my answer")
        expect(button).to_be_enabled()
        expect(phone.locator(".countdown strong")).to_have_text(re.compile(r"^[1-5]$"))
        expect(phone.locator(".countdown")).to_have_text("Time is up.", timeout=8_000)
        expect(button).to_be_disabled()
    finally:
        for ctx in contexts:
            ctx.close()


def test_review_session_on_a_phone_brings_a_missed_question_back_with_its_passage(browser, server):
    """A learner who misses every question finds them due on /review (on a phone-sized screen): each is
    asked again, then shows the key, the explanation and the passage, and goes back on the schedule."""
    from datetime import datetime, timedelta, timezone
    server.app.config["REVIEW_CLOCK"] = lambda: datetime.now(timezone.utc) + timedelta(minutes=5)
    phone = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True)
    phone.set_default_timeout(WAIT_MS)
    try:
        page = phone.new_page()
        register(page, server)
        start_quiz(page, server)
        page.on("dialog", lambda dialog: dialog.accept())
        page.locator("#submit-quiz").click()
        expect(page).to_have_url(re.compile(r"/attempts/\d+/review$"))
        page.goto(server.url + "/course")
        expect(page.locator(".review-forecast")).to_contain_text("due now")
        expect(page.locator("nav .review-link")).to_contain_text("due")
        page.goto(server.url + "/review")
        due = int(page.locator(".review-count").get_attribute("data-due"))
        assert due > 0
        fieldset = page.locator("fieldset.question")
        expect(fieldset).to_be_visible()
        fields = fieldset.locator("input:not([type=hidden]), select, textarea")
        first = fields.first
        if first.get_attribute("type") in ("radio", "checkbox"):
            first.check()
        elif first.evaluate("e => e.tagName") == "SELECT":
            first.select_option(index=1)
        else:
            first.fill("1")
        page.get_by_role("button", name="Check my answer").click()
        expect(page).to_have_url(re.compile(r"/review/cards/\d+/reviews/2$"))
        expect(page.locator(".answers")).to_contain_text("Correct answer")
        expect(page.locator(".explanation")).not_to_be_empty()
        expect(page.locator(".review-next")).to_contain_text("comes back")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        evidence = page.locator("ul.evidence a").first
        href = evidence.get_attribute("href")
        assert "/sources/" in href
        page.get_by_role("link", name=re.compile("Next card|Back to the queue")).click()
        expect(page).to_have_url(server.url + "/review")
        assert int(page.locator(".review-count").get_attribute("data-due")) == due - 1
        page.goto(server.url + href)
        expect(page.locator("mark, .highlight, :target").first).to_be_visible()
    finally:
        phone.close()


def test_a_newcomer_on_a_phone_follows_a_class_link_registers_lands_in_the_class_and_shows_in_its_roster(
        browser, server):
    """An instructor creates a class; a newcomer on a 390-px phone follows its link logged out, registers,
    joins and takes a quiz; the instructor's roster shows the attempt; another instructor gets 404."""
    contexts = instructor_and_phone(browser, server, 390)
    make_instructor(server, "ivy")
    try:
        host, phone = (ctx.new_page() for ctx in contexts)
        errors = watch_errors((host, phone))
        log_in_as_instructor(host, server)
        host.get_by_role("link", name="Classes").click()
        host.fill("#name", "Counter-terrorism 101")
        host.fill("#term", "Spring 2027")
        host.get_by_role("button", name="Create the class").click()
        expect(host).to_have_url(re.compile(r"/classes/\d+$"))
        class_url = host.url
        link = host.locator(".enrol-link").inner_text().strip()
        code = host.locator(".class-code").inner_text().strip()
        assert link == f"{server.url}/enrol?code={code}"
        expect(host.locator('.qr svg[role="img"]')).to_be_visible()

        phone.goto(link)  # logged out: to the login page, which keeps where to go next
        expect(phone).to_have_url(re.compile(r"/login\?next="))
        phone.locator("main").get_by_role("link", name="Register").click()
        phone.fill("#username", "newt")
        phone.fill("#display_name", "Newt Newcomer")
        phone.fill("#password", PASSWORD)
        phone.fill("#confirm", PASSWORD)
        phone.get_by_role("button", name="Create account").click()
        expect(phone).to_have_url(f"{server.url}/enrol?code={code}")
        expect(phone.locator("#code")).to_have_value(code)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.get_by_role("button", name="Join the class").click()
        expect(phone).to_have_url(re.compile(r"/course(#class-\d+)?$"))
        expect(phone.locator(".class-deadlines h2")).to_contain_text("Counter-terrorism 101")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390

        attempt_id = start_quiz(phone, server)
        phone.on("dialog", lambda dialog: dialog.accept())
        phone.locator("#submit-quiz").click()
        expect(phone).to_have_url(f"{server.url}/attempts/{attempt_id}/review")

        host.goto(class_url + "/roster")
        row = host.locator("table.roster tbody tr", has_text="Newt Newcomer")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("1 ×")

        other = browser.new_context()
        try:
            intruder = other.new_page()
            intruder.goto(server.url + "/login")
            intruder.fill("#username", "ivy")
            intruder.fill("#password", PASSWORD)
            intruder.click("button:has-text('Log in'), input[value='Log in']")
            expect(intruder).to_have_url(server.url + "/course")
            assert intruder.goto(class_url).status == 404
            assert intruder.goto(class_url + "/roster").status == 404
        finally:
            other.close()
        assert [e for e in errors if "404" not in e] == []
    finally:
        for ctx in contexts:
            ctx.close()


# --------------------------------------------------------------------------- the tradecraft types, by keyboard on a phone

def tab_to(page, name: str, limit: int = 250) -> None:
    """Press Tab until the focused control is a field called `name` (bounded)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == name:
            return
    raise AssertionError(f"Tab never reached a field called {name}")


def choose_by_keyboard(page, name: str, value: str) -> None:
    """Tab into a radio group, tick its first button with Space, then move with the arrow keys (which tick)."""
    tab_to(page, name)
    page.keyboard.press("Space")
    for _ in range(12):
        if page.evaluate("document.activeElement.value") == value:
            break
        page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.checked && document.activeElement.value") == value, (name, value)


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_each_tradecraft_type_is_answered_by_keyboard_on_a_phone_without_sideways_scrolling(browser, mini_server):
    """A 360-pixel phone, keyboard only: grade a source, give a percentage, fill an ACH matrix and conclude,
    each with a confidence; the answers autosave, the attempt submits, and the review and the calibration
    chart fit the screen too."""
    server = mini_server
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        errors = watch_errors([page])
        register(page, server)
        attempt_id = start_quiz(page, server, "mini")
        assert page_width(page) <= 360
        kinds = page.locator("fieldset.question").evaluate_all(
            "sets => sets.map(s => [s.dataset.type, s.dataset.question])")
        answers = {  # in each question's document order: (field, value or typed text)
            "source_grade": [("reliability", "B"), ("credibility", "3"), ("confidence", "90")],
            "probability": [("term", "percent"), ("percent", "70"), ("confidence", "70")],
            "ach": [("r0-h0", "C"), ("r0-h1", "N"), ("r1-h0", "N"), ("r1-h1", "I"), ("conclusion", "0"),
                    ("confidence", "80")],
        }
        page.locator("h1").focus()
        for kind, name in kinds:
            for field, value in answers.get(kind, []):
                if field == "percent":
                    tab_to(page, f"{name}-percent")
                    page.keyboard.type(value)
                else:
                    choose_by_keyboard(page, f"{name}-{field}", value)
        expect(status(page)).to_contain_text(SAVED)
        at = {kind: int(name[1:]) for kind, name in kinds}
        expected = {"probability": {"percent": 70}, "source_grade": {"reliability": "B", "credibility": 3},
                    "ach": {"cells": [["C", "N"], ["N", "I"]], "conclusion": 0}}
        for kind, response in expected.items():
            assert server.wait_for_response(attempt_id, at[kind], lambda r, want=response: r == want) == response
        deadline = time.monotonic() + WAIT_MS / 1000
        while True:  # the confidence may be saved a moment after its answer
            with server.app.app_context():
                stated = dict(db.session.execute(sa.select(AttemptItem.position, AttemptItem.confidence).where(
                    AttemptItem.attempt_id == attempt_id)).tuples().all())
            confidences = [stated[at[kind]] for kind in ("source_grade", "probability", "ach")]
            if confidences == [90, 70, 80] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert confidences == [90, 70, 80]
        assert page_width(page) <= 360

        page.on("dialog", lambda dialog: dialog.accept())  # "some questions have no answer: submit anyway?"
        tab_to(page, "")  # the buttons have no name: reach "Submit for grading" by its id instead
        for _ in range(20):
            if page.evaluate("document.activeElement.id") == "submit-quiz":
                break
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(rf"/attempts/{attempt_id}/review$"))
        expect(page.locator(".ach-review")).to_be_visible()
        assert "B — usually reliable" in page.content() and "70%, which is likely (55–80%)" in page.content()
        assert page_width(page) <= 360
        page.goto(server.url + "/attempts")
        expect(page.locator("svg.calibration")).to_be_visible()
        assert page_width(page) <= 360
        label = page.locator("svg.calibration text").first.evaluate("t => parseFloat(getComputedStyle(t).fontSize)")
        scale = page.locator("svg.calibration").evaluate("s => s.getBoundingClientRect().width / 320")
        assert label * scale >= 12, (label, scale)  # labels drawn at 12 px or more on the phone
        assert not errors, errors
    finally:
        context.close()


# --------------------------------------------------------------------------- the projector screen and the host's time-up

SCREEN_SIZES = ((1280, 720), (1920, 1080))


def biggest_questions(catalog) -> list:
    """Per question type, the question with the most to show open (prompt and lists) and the one with the
    most to show closed (prompt, key and passages): the hardest to fit."""
    from markupsafe import Markup

    from app.quiz.types import QUESTION_TYPES

    def open_size(module, q):
        qtype, data = QUESTION_TYPES[q.type], q.spec["data"]
        lists = qtype.preview(data, qtype.layout(data, random.Random(0)))
        return len(Markup(q.spec["prompt_html"]).striptags()) + sum(len(text) + 40 for texts in lists for text in texts)

    def closed_size(module, q):
        return (len(Markup(q.spec["prompt_html"]).striptags()) + len(QUESTION_TYPES[q.type].describe_key(q.spec["data"]))
                + sum(len(e["quote"]) for e in q.spec["evidence"]))

    chosen = {}
    for measure in (open_size, closed_size):
        for kind in QUESTION_TYPES:
            pairs = [(m, q) for m in catalog.modules for q in m.questions if q.type == kind]
            module, q = max(pairs, key=lambda pair: measure(*pair))
            chosen[q.id] = (module, q)
    return list(chosen.values())


@ONCE  # layout: the same on either database
def test_the_projector_screen_fits_both_screen_sizes_for_every_question_type(browser, server, catalog, tmp_path):
    """Lobby, each type's biggest questions open and closed, and the results: never a scroll bar at 1280 × 720
    or 1920 × 1080, and the open question in type of at least 32 px at 1920 × 1080 (screenshots in tmp_path)."""
    from app.seminar.live import create_seminar

    make_instructor(server, "prof")
    contexts = [browser.new_context(viewport={"width": w, "height": h}) for w, h in SCREEN_SIZES]
    try:
        screens = [ctx.new_page() for ctx in contexts]
        errors = watch_errors(screens)
        for screen in screens:
            log_in_as_instructor(screen, server)
        rooms = []
        with server.app.app_context():
            prof = db.session.scalar(sa.select(User).where(User.username == "prof"))
            for module, question in biggest_questions(catalog):
                rooms.append((question.type, question.id, create_seminar(prof, module, "", 1, [question.id]).id))
        kinds = set()
        for kind, question_id, seminar_id in rooms:
            for phase, position in (("lobby", -1), ("open", 0), ("closed", 0), ("ended", 0)):
                if phase in ("lobby", "ended") and kind != rooms[0][0]:
                    continue  # the lobby and the results do not depend on the type: once is enough
                for screen in screens:  # off the screen, which would reload itself at the new step
                    screen.goto("about:blank")
                with server.app.app_context():
                    db.session.execute(sa.update(Seminar).where(Seminar.id == seminar_id).values(
                        phase=phase, position=position, step=Seminar.step + 1))
                    db.session.commit()
                for screen, (width, height) in zip(screens, SCREEN_SIZES):
                    screen.goto(f"{server.url}/seminars/{seminar_id}/screen")
                    expect(screen.locator(f".screen.phase-{phase}")).to_be_visible()
                    screen.screenshot(path=str(tmp_path / f"screen-{question_id}-{phase}-{width}.png"))
                    sizes = screen.evaluate("() => [document.documentElement.scrollHeight, window.innerHeight,"
                                            " document.documentElement.scrollWidth, window.innerWidth]")
                    assert sizes[0] <= sizes[1] and sizes[2] <= sizes[3], (question_id, phase, width, sizes)
                    if phase == "open" and width == 1920:
                        pixels = screen.evaluate("() => parseFloat(getComputedStyle("
                                                 "document.querySelector('.screen-prompt')).fontSize)")
                        assert pixels >= 32, (question_id, pixels)
                        kinds.add(kind)
                    if phase == "lobby":
                        assert screen.locator(".screen-qr svg").bounding_box()["height"] >= height * 0.4
        from app.quiz.types import QUESTION_TYPES
        assert kinds == set(QUESTION_TYPES), kinds
        results_of_a_long_room_fit(server, catalog, screens, tmp_path)
        assert errors == []
    finally:
        for ctx in contexts:
            ctx.close()


def results_of_a_long_room_fit(server, catalog, screens, tmp_path) -> None:
    """The end of a 30-question room of 12 learners with the leaderboard on: still one screen."""
    from app.models import SeminarAnswer, SeminarMember
    from app.seminar.live import create_seminar

    module = max(catalog.modules, key=lambda m: len(m.questions))
    with server.app.app_context():
        prof = db.session.scalar(sa.select(User).where(User.username == "prof"))
        seminar = create_seminar(prof, module, "", 30)
        seminar_id, positions = seminar.id, [q.position for q in seminar.questions]
        for n in range(12):
            learner = create_user(f"learner{n}", PASSWORD, f"Learner {n}")
            db.session.add(SeminarMember(seminar_id=seminar_id, user_id=learner.id))
            db.session.flush()
            db.session.add_all(SeminarAnswer(seminar_id=seminar_id, position=p, user_id=learner.id, response=None,
                                             fraction=(n + p) % 3 / 2) for p in positions)
        db.session.execute(sa.update(Seminar).where(Seminar.id == seminar_id).values(
            phase="ended", position=len(positions) - 1, leaderboard=True, step=Seminar.step + 1))
        db.session.commit()
    for screen, (width, _) in zip(screens, SCREEN_SIZES):
        screen.goto(f"{server.url}/seminars/{seminar_id}/screen")
        expect(screen.locator(".screen-board tr")).to_have_count(10)
        screen.screenshot(path=str(tmp_path / f"screen-results-{width}.png"))
        sizes = screen.evaluate("() => [document.documentElement.scrollHeight, window.innerHeight]")
        assert sizes[0] <= sizes[1], (width, sizes)
        assert "Learner" not in screen.locator("body").inner_text()


def test_when_time_runs_out_the_host_is_told_and_shows_the_key_at_once(browser, server):
    contexts = instructor_and_phone(browser, server, 390)
    try:
        host = contexts[0].new_page()
        errors = watch_errors([host])
        log_in_as_instructor(host, server)
        host.goto(server.url + "/seminars")
        host.fill("#questions", "1")
        host.fill("#seconds", "5")
        host.get_by_role("button", name="Open the room").click()
        host.get_by_role("button", name="Open question 1").click()
        note = host.locator("[data-time-up-note]")
        expect(note).to_be_hidden()
        expect(host.get_by_role("button", name="Close answers and show the key")).to_be_visible()
        expect(note).to_be_visible(timeout=8_000)
        expect(host.locator(".countdown")).to_contain_text("time is up")
        show = host.get_by_role("button", name="Show the key", exact=True)
        expect(show).to_be_focused()
        show.click()
        expect(host.locator("dt", has_text="Correct answer")).to_be_visible()
        assert errors == []
    finally:
        for ctx in contexts:
            ctx.close()

