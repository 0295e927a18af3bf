"""The quiz from start to review, through Flask's test client."""
import json
import re

import sqlalchemy as sa

from app.database import db_write
from app.extensions import db
from app.models import Attempt, AttemptItem, QuestionVersion
from tests.helpers import PASSWORD, at_once, correct_form, count


def test_start_creates_one_attempt_with_every_question_shuffled_and_stored(app, client, learner, start_quiz, catalog):
    attempt_id = start_quiz("amaq")
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        asked = [item.spec["id"] for item in attempt.items]
        assert sorted(asked) == sorted(q.id for q in catalog.module("amaq").questions)
        assert all(item.layout is not None for item in attempt.items)
    assert count(app, Attempt) == 1


def test_order_is_reproducible_from_the_stored_layout(app, client, learner, start_quiz):
    attempt_id = start_quiz("amaq")
    first = client.get(f"/attempts/{attempt_id}").data.decode()
    second = client.get(f"/attempts/{attempt_id}").data.decode()
    strip = lambda html: re.sub(r'name="csrf_token" value="[^"]*"', "", html)
    assert strip(first) == strip(second)


def test_two_attempts_get_different_orders(app, client, learner, start_quiz):
    first = start_quiz("amaq")
    client.post(f"/attempts/{first}/submit")
    second = start_quiz("amaq")
    with app.app_context():
        orders = [[i.spec["id"] for i in db.session.get(Attempt, a).items] for a in (first, second)]
    assert orders[0] != orders[1]


def test_starting_twice_resumes_the_open_attempt(app, client, learner, start_quiz):
    assert start_quiz("amaq") == start_quiz("amaq")
    assert count(app, Attempt) == 1


def test_quiz_page_never_contains_the_key_or_explanations(app, client, learner, start_quiz, catalog):
    attempt_id = start_quiz("amaq")
    html = client.get(f"/attempts/{attempt_id}").data.decode()
    for question in catalog.module("amaq").questions:
        explanation_text = re.sub("<[^>]+>", "", question.spec["explanation_html"])[:60]
        assert explanation_text not in html
        assert question.spec["evidence"][0]["quote"] not in html
    assert "correct" not in html.lower().replace("correct horse", "")
    assert "answer\"" not in html


def test_answers_saved_as_you_go_survive_and_resume(app, make_app, client, learner, start_quiz):
    attempt_id = start_quiz("amaq")
    form = correct_form(app, attempt_id)
    first_question = {k: v for k, v in form.items() if k == "q0" or k.startswith("q0-")}
    response = client.post(f"/attempts/{attempt_id}/save", data=first_question, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 200 and response.json["ok"] and response.json["changed"] == 1
    with app.app_context():
        item = db.session.get(AttemptItem, (attempt_id, 0))
        assert item.response is not None and item.answered_at is not None
    restarted = make_app().test_client()  # a new app object on the same database, as after a server restart
    restarted.post("/login", data={"username": "learner", "password": PASSWORD})
    resumed = restarted.post("/modules/amaq/quiz")
    assert resumed.headers["Location"].endswith(f"/attempts/{attempt_id}")


def test_saved_answers_are_filled_in_when_the_page_is_reloaded(app, client, learner, start_quiz):
    attempt_id = start_quiz("amaq")
    form = correct_form(app, attempt_id)
    client.post(f"/attempts/{attempt_id}/save", data=form)
    html = client.get(f"/attempts/{attempt_id}").data.decode()
    assert html.count(" checked") + html.count(" selected") >= 5
    text_values = [v for k, v in form.items() if isinstance(v, str) and not v.isdigit() and v not in ("1", "true", "false")]
    for value in text_values:
        assert f'value="{value}"' in html


def test_full_marks_pass_and_review_shows_answers_key_explanation_and_evidence(app, client, learner, start_quiz, catalog):
    attempt_id = start_quiz("amaq")
    response = client.post(f"/attempts/{attempt_id}/submit", data=correct_form(app, attempt_id))
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}/review")
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.score == 100.0 and attempt.passed is True
    html = client.get(f"/attempts/{attempt_id}/review").data.decode()
    assert "100%" in html and "passed" in html
    module = catalog.module("amaq")
    assert html.count('class="review-item') == len(module.questions)
    evidence_links = re.findall(r'href="(/sources/[a-z0-9-]+\?hl=[0-9a-f]+#p-\d+)"', html)
    assert len(evidence_links) >= len(module.questions)
    assert client.get(evidence_links[0]).status_code == 200


def test_blank_submission_scores_zero_and_does_not_pass(app, client, learner, start_quiz):
    attempt_id = start_quiz("amaq")
    client.post(f"/attempts/{attempt_id}/submit")
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.score == 0.0 and attempt.passed is False
    assert "No answer" in client.get(f"/attempts/{attempt_id}/review").data.decode()


def test_double_submit_grades_once(app, client, learner, start_quiz):
    attempt_id = start_quiz("amaq")
    form = correct_form(app, attempt_id)
    first = client.post(f"/attempts/{attempt_id}/submit", data=form)
    second = client.post(f"/attempts/{attempt_id}/submit", data={})
    assert first.status_code == second.status_code == 302
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.score == 100.0  # the second, empty submission changed nothing
    assert count(app, Attempt) == 1


def test_concurrent_submissions_of_one_attempt_give_one_graded_result(make_app, make_user):
    app = make_app()
    make_user("racer")
    clients = []
    for _ in range(6):
        c = app.test_client()
        c.post("/login", data={"username": "racer", "password": "correct horse battery"})
        clients.append(c)
    attempt_id = int(clients[0].post("/modules/amaq/quiz").headers["Location"].rsplit("/", 1)[1])
    form = correct_form(app, attempt_id)
    statuses = at_once(lambda c: c.post(f"/attempts/{attempt_id}/submit", data=form).status_code, clients)
    assert statuses == [302] * len(clients)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.submitted_at is not None and attempt.score == 100.0
        assert all(item.fraction == 1.0 for item in attempt.items)
    assert count(app, Attempt) == 1


def test_saving_after_submission_is_refused_and_changes_nothing(app, client, learner, start_quiz):
    attempt_id = start_quiz("amaq")
    client.post(f"/attempts/{attempt_id}/submit")
    response = client.post(f"/attempts/{attempt_id}/save", data=correct_form(app, attempt_id),
                           headers={"X-Requested-With": "fetch"})
    assert response.status_code == 409 and response.json["ok"] is False
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).score == 0.0


def test_review_keeps_the_question_as_asked_after_content_changes(app, client, learner, start_quiz):
    attempt_id = start_quiz("amaq")
    client.post(f"/attempts/{attempt_id}/submit", data=correct_form(app, attempt_id))
    with app.app_context():
        version = db.session.get(AttemptItem, (attempt_id, 0)).version
        original_prompt = version.spec["prompt_html"]
        changed = json.loads(json.dumps(version.spec))
        changed["prompt_html"] = "<p>A reworded prompt</p>"
        # the content changes: a new version row appears; the attempt still points at the old one
        with db_write():
            db.session.add(QuestionVersion(question_id=version.question_id, digest="x" * 64, spec=changed))
    html = client.get(f"/attempts/{attempt_id}/review").data.decode()
    assert original_prompt in html and "A reworded prompt" not in html


def test_question_versions_are_shared_not_duplicated(app, client, learner, start_quiz):
    first = start_quiz("amaq")
    client.post(f"/attempts/{first}/submit")
    start_quiz("amaq")
    with app.app_context():
        versions = db.session.scalar(sa.select(sa.func.count()).select_from(QuestionVersion))
    assert versions == count(app, AttemptItem, AttemptItem.attempt_id == first)


def test_retake_after_a_fail_and_attempt_limit(make_app, make_user, catalog):
    import dataclasses
    limited = dataclasses.replace(catalog.module("amaq"), max_attempts=2)
    modules = tuple(limited if m.id == "amaq" else m for m in catalog.modules)
    app = make_app(CATALOG=dataclasses.replace(catalog, modules=modules))
    make_user("ann")
    client = app.test_client()
    client.post("/login", data={"username": "ann", "password": "correct horse battery"})
    for _ in range(2):
        attempt = int(client.post("/modules/amaq/quiz").headers["Location"].rsplit("/", 1)[1])
        client.post(f"/attempts/{attempt}/submit")
    refused = client.post("/modules/amaq/quiz", follow_redirects=True)
    assert "used all 2 attempts" in refused.data.decode()
    assert count(app, Attempt) == 2


def test_review_module_draws_its_configured_number_of_questions(app, client, make_user, auth, start_quiz, catalog):
    make_user("teacher", role="instructor")  # instructors are not held back by prerequisites
    auth.login("teacher")
    attempt_id = start_quiz("review")
    assert count(app, AttemptItem, AttemptItem.attempt_id == attempt_id) == catalog.module("review").questions_per_attempt


def test_locked_module_cannot_be_started_by_a_learner(app, client, learner):
    response = client.post("/modules/review/quiz", follow_redirects=True)
    assert "first to open this quiz" in response.data.decode()
    assert count(app, Attempt) == 0


def test_unknown_attempt_and_module_are_404(client, learner):
    assert client.get("/attempts/999").status_code == 404
    assert client.get("/attempts/999/review").status_code == 404
    assert client.post("/attempts/999/save").status_code == 404
    assert client.post("/modules/nope/quiz").status_code == 404


def test_one_learner_cannot_see_or_change_another_learners_attempt(app, make_user, start_quiz, client, auth):
    make_user("ann")
    make_user("bob")
    auth.login("ann")
    attempt_id = start_quiz("amaq")
    auth.logout()
    auth.login("bob")
    for response in (client.get(f"/attempts/{attempt_id}"), client.get(f"/attempts/{attempt_id}/review"),
                     client.post(f"/attempts/{attempt_id}/save", data={"q0": "1"}),
                     client.post(f"/attempts/{attempt_id}/submit")):
        assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).submitted_at is None


def test_garbage_form_input_never_breaks_saving(app, client, learner, start_quiz):
    attempt_id = start_quiz("amaq")
    junk = {f"q{i}": "'; DROP TABLE attempt; --" for i in range(20)}
    junk.update({f"q{i}-0": "999999999999999999999" for i in range(20)})
    junk.update({f"q{i}-present": "1" for i in range(20)})
    assert client.post(f"/attempts/{attempt_id}/save", data=junk).status_code == 302
    assert client.post(f"/attempts/{attempt_id}/submit", data=junk).status_code == 302
    assert client.get(f"/attempts/{attempt_id}/review").status_code == 200


FETCH = {"X-Requested-With": "fetch"}


def order_item(app, attempt_id: int) -> tuple[int, int]:
    """The position of the attempt's ordering question and how many items it has."""
    with app.app_context():
        item = next(i for i in db.session.get(Attempt, attempt_id).items if i.spec["type"] == "order")
        return item.position, len(item.layout["items"])


def stored_response(app, attempt_id: int, position: int):
    with app.app_context():
        return db.session.get(AttemptItem, (attempt_id, position)).response


def test_a_partial_order_is_stored_and_shown_again_after_a_reload(app, client, learner, start_quiz):
    attempt_id = start_quiz("amaq")
    position, count = order_item(app, attempt_id)
    form = {f"q{position}-present": "1", f"q{position}-0": "1", f"q{position}-1": "2", f"q{position}-2": "3"}
    assert client.post(f"/attempts/{attempt_id}/save", data=form, headers=FETCH).json["ok"] is True
    response = stored_response(app, attempt_id, position)
    assert len(response) == count and response.count(None) == count - 3
    html = client.get(f"/attempts/{attempt_id}").data.decode()
    fieldset = html.split(f'data-question="q{position}"', 1)[1].split("</fieldset>", 1)[0]
    assert [int(n) for n in re.findall(r'<option value="(\d+)" selected>', fieldset)] == [1, 2, 3]


def test_a_tied_order_is_refused_on_save_and_the_stored_answer_stays(app, client, learner, start_quiz):
    attempt_id = start_quiz("amaq")
    position, count = order_item(app, attempt_id)
    first = {f"q{position}-present": "1", f"q{position}-0": "1"}
    client.post(f"/attempts/{attempt_id}/save", data=first, headers=FETCH)
    before = stored_response(app, attempt_id, position)
    tied = {f"q{position}-present": "1", **{f"q{position}-{i}": "2" for i in range(count)}}
    response = client.post(f"/attempts/{attempt_id}/save", data=tied, headers=FETCH)
    assert response.status_code == 200
    assert response.json["refused"] == {f"q{position}": f"Give each place once: place 2 is given to {count} items."}
    assert stored_response(app, attempt_id, position) == before
    without_js = client.post(f"/attempts/{attempt_id}/save", data=tied)
    assert without_js.headers["Location"].endswith(f"/attempts/{attempt_id}#q{position}")
    page = client.get(f"/attempts/{attempt_id}").data.decode()
    assert f"Question {position + 1} was not saved: Give each place once" in page


def test_a_submission_with_a_tied_order_is_refused_and_nothing_is_graded(app, client, learner, start_quiz):
    attempt_id = start_quiz("amaq")
    position, count = order_item(app, attempt_id)
    form = correct_form(app, attempt_id)
    form.update({f"q{position}-{i}": "1" for i in range(count)})
    response = client.post(f"/attempts/{attempt_id}/submit", data=form)
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}#q{position}")
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.submitted_at is None and attempt.score is None
        assert all(item.response is None for item in attempt.items)
    page = client.get(f"/attempts/{attempt_id}").data.decode()
    assert f"Nothing was submitted. Question {position + 1}: Give each place once" in page


def test_saving_without_javascript_returns_to_the_question_just_answered(app, client, learner, start_quiz):
    attempt_id = start_quiz("amaq")
    form = correct_form(app, attempt_id)
    last = max(int(k[1:].split("-")[0]) for k in form)
    response = client.post(f"/attempts/{attempt_id}/save", data=form)
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}#q{last}")


def csrf_token_of(page: bytes) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page.decode()).group(1)


def test_after_a_logout_the_page_learns_its_session_ended_and_gets_a_fresh_token_after_login(make_app, make_user):
    """The save's CSRF refusal says why (session or token); /token gives a live token to the owner only."""
    app = make_app(WTF_CSRF_ENABLED=True)
    make_user("ann")
    page_tab, other_tab = app.test_client(), app.test_client()

    def log_in(client):
        token = csrf_token_of(client.get("/login").data)
        assert client.post("/login", data={"username": "ann", "password": PASSWORD, "csrf_token": token}
                           ).status_code == 302

    log_in(page_tab)
    course = page_tab.get("/course").data
    attempt_id = int(page_tab.post("/modules/amaq/quiz", data={"csrf_token": csrf_token_of(course)}
                                   ).headers["Location"].rsplit("/", 1)[1])
    old_token = csrf_token_of(page_tab.get(f"/attempts/{attempt_id}").data)
    page_tab.post("/logout", data={"csrf_token": old_token})  # (the same cookie jar as another tab)
    answer = {"q0-present": "1", "q0": "0", "csrf_token": old_token}
    ended = page_tab.post(f"/attempts/{attempt_id}/save", data=answer, headers=FETCH)
    assert ended.status_code == 400 and ended.json["reason"] == "session"
    asked = page_tab.get(f"/attempts/{attempt_id}/token", headers=FETCH)
    assert asked.status_code == 401 and asked.json["reason"] == "session"
    assert page_tab.get(f"/attempts/{attempt_id}/token").status_code == 302  # a plain GET goes to log in
    log_in(page_tab)
    stale = page_tab.post(f"/attempts/{attempt_id}/save", data=answer, headers=FETCH)
    assert stale.status_code == 400 and stale.json["reason"] == "token"
    fresh = page_tab.get(f"/attempts/{attempt_id}/token", headers=FETCH)
    assert fresh.status_code == 200 and fresh.headers["Cache-Control"] == "no-store"
    saved = page_tab.post(f"/attempts/{attempt_id}/save", headers=FETCH,
                          data={**answer, "csrf_token": fresh.json["csrf_token"]})
    assert saved.status_code == 200 and saved.json["ok"] is True
    assert other_tab.get(f"/attempts/{attempt_id}/token", headers=FETCH).status_code == 401


# --- the tradecraft types and the confidence question, on the minimal content (tests/fixtures/minimal) ---------

FETCH = {"X-Requested-With": "fetch"}


def mini_quiz(make_app, make_user, mini_catalog):
    """A learner on an app serving the minimal content, with the `mini` quiz started: (app, client, attempt,
    {question type: its position})."""
    from tests.helpers import attempt_id_from, logged_in
    mini = make_app(CATALOG=mini_catalog)
    make_user("ann")
    client = logged_in(mini, "ann")
    attempt_id = attempt_id_from(client.post("/modules/mini/quiz"))
    with mini.app_context():
        positions = {item.spec["type"]: item.position for item in db.session.get(Attempt, attempt_id).items}
    return mini, client, attempt_id, positions


def stored(app, attempt_id: int) -> dict[str, tuple]:
    """{question type: (response, confidence, fraction)} as stored."""
    with app.app_context():
        return {item.spec["type"]: (item.response, item.confidence, item.fraction)
                for item in db.session.get(Attempt, attempt_id).items}


def test_the_tradecraft_types_are_answered_autosaved_resumed_submitted_and_reviewed(make_app, make_user, mini_catalog):
    app, client, attempt_id, at = mini_quiz(make_app, make_user, mini_catalog)
    g, p, a = (f"q{at[kind]}" for kind in ("source_grade", "probability", "ach"))
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "The survey counted 120 crossings in spring" in page  # the report being graded
    assert "Reliability of the source" in page and "Credibility of the information" in page
    assert 'name="%s-term" value="likely"' % p in page and 'name="%s-percent"' % p in page
    assert 'name="%s-r1-h1"' % a in page and "The report describes the ferry service" in page

    # autosave: a partial matrix, one axis of the grade, a percentage
    saved = client.post(f"/attempts/{attempt_id}/save", headers=FETCH, data={
        f"{g}-present": "1", f"{g}-reliability": "C",
        f"{p}-present": "1", f"{p}-term": "percent", f"{p}-percent": "55",
        f"{a}-present": "1", f"{a}-r0-h0": "C", f"{a}-r0-h1": "N", f"{a}-r1-h0": "N", f"{a}-conclusion": "0"})
    assert saved.json["ok"] is True and saved.json["changed"] == 3
    answers = stored(app, attempt_id)
    assert answers["source_grade"][0] == {"reliability": "C"}
    assert answers["probability"][0] == {"percent": 55}
    assert answers["ach"][0] == {"cells": [["C", "N"], ["N", None]], "conclusion": 0}

    # resume: the page shows what was saved
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert re.search(r'name="%s-reliability" value="C" checked' % g, page)
    assert re.search(r'name="%s-term" value="percent" checked' % p, page)
    assert 'name="%s-percent" value="55"' % p in page
    assert re.search(r'name="%s-r0-h0" value="C" checked' % a, page)
    assert not re.search(r'name="%s-r1-h1" value="[CIN]" checked' % a, page)

    # a percentage that cannot be read is refused, the saved one stays
    refused = client.post(f"/attempts/{attempt_id}/save", headers=FETCH,
                          data={f"{p}-present": "1", f"{p}-term": "percent", f"{p}-percent": "fifty"})
    assert refused.json["refused"] == {p: "Give the percentage as a whole number from 1 to 99, or choose a term."}
    assert stored(app, attempt_id)["probability"][0] == {"percent": 55}

    submitted = client.post(f"/attempts/{attempt_id}/submit", data={
        f"{g}-present": "1", f"{g}-reliability": "C", f"{g}-credibility": "2"})
    assert submitted.status_code == 302
    answers = stored(app, attempt_id)
    assert answers["source_grade"][2] == 0.75  # key B2: C is one step from B, 2 is right
    assert answers["probability"][2] == 1.0  # 55 is on the boundary of the key's band, likely
    assert abs(answers["ach"][2] - (0.7 * 3 / 5 + 0.3)) < 1e-9  # 3 of 5 weight (the I cell weighs 2), conclusion

    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "C — fairly reliable" in review and "B — usually reliable" in review  # both axes: theirs, the key's
    assert "The council runs the harbour and counted the crossings itself." in review  # the rationales
    assert "The figures add up to the total it gives" in review
    assert "55%, which is roughly even chance (45–55%) or likely (55–80%)" in review  # their answer and its bands
    assert "The key's band" in review and "<em>most</em> travellers" in review
    assert "The report describes a running service, not one being replaced." in review  # each cell's reason
    assert 'class="data ach-review"' in review and "The key's conclusion" in review


def test_a_stated_confidence_is_saved_with_its_answer_shown_again_and_in_review(make_app, make_user, mini_catalog):
    app, client, attempt_id, at = mini_quiz(make_app, make_user, mini_catalog)
    g, t = f"q{at['source_grade']}", f"q{at['true_false']}"
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert page.count("How sure are you?") == 6  # under every question of a module that asks
    client.post(f"/attempts/{attempt_id}/save", headers=FETCH, data={
        f"{g}-present": "1", f"{g}-reliability": "B", f"{g}-credibility": "2", f"{g}-confidence": "90",
        f"{t}-present": "1", f"{t}-confidence": "70"})  # a confidence without an answer is not kept
    answers = stored(app, attempt_id)
    assert answers["source_grade"][:2] == ({"reliability": "B", "credibility": 2}, 90)
    assert answers["true_false"][:2] == (None, None)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert re.search(r'name="%s-confidence" value="90" checked' % g, page)
    for odd in ("55", "100.0", "abc", "-90", "1000"):  # only the levels offered
        client.post(f"/attempts/{attempt_id}/save", headers=FETCH, data={
            f"{g}-present": "1", f"{g}-reliability": "B", f"{g}-credibility": "2", f"{g}-confidence": odd})
        assert stored(app, attempt_id)["source_grade"][1] is None
    client.post(f"/attempts/{attempt_id}/submit", data={
        f"{g}-present": "1", f"{g}-reliability": "B", f"{g}-credibility": "2", f"{g}-confidence": "100"})
    assert stored(app, attempt_id)["source_grade"][1:] == (100, 1.0)  # the grade does not depend on it
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert re.search(r'How sure you were</dt><dd class="stated-confidence">100%', review)


def test_a_module_that_does_not_ask_for_confidence_neither_shows_nor_stores_it(app, client, learner, start_quiz):
    attempt_id = start_quiz("amaq")
    assert "How sure are you?" not in client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    form = {**correct_form(app, attempt_id), "q0-confidence": "90"}
    client.post(f"/attempts/{attempt_id}/submit", data=form)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AttemptItem).where(
            AttemptItem.attempt_id == attempt_id, AttemptItem.confidence.is_not(None))) == 0
