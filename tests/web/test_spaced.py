"""The spaced-review queue: missed questions come back on an FSRS schedule, with their passage."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from fsrs import Rating

from app.classes.models import ClassModule
from app.database import db_write
from app.extensions import db
from app.models import Attempt, CardReview, CardSync, ReviewCard, Seminar, SeminarAnswer
from app.quiz.types import answer_form
from app.spaced.queue import due_cards, due_summary, shown
from app.spaced.scheduling import rating_for
from tests.helpers import PASSWORD, at_once, correct_form, count, form_for, make_class, make_seminar, statements_of



class Clock:
    """A review clock that stands still (at the moment the test began) until the test moves it."""

    def __init__(self):
        self.at = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app(make_app, clock):
    return make_app(REVIEW_CLOCK=clock, REVIEW_FUZZ=False)


def submit_blank(client, module_id: str = "amaq") -> int:
    """A graded attempt with no answer given: every question missed."""
    response = client.post(f"/modules/{module_id}/quiz")
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/attempts/{attempt_id}/submit", data={}).status_code == 302
    return attempt_id


def cards(app, user_id: int) -> dict[str, ReviewCard]:
    with app.app_context():
        rows = db.session.scalars(sa.select(ReviewCard).where(ReviewCard.user_id == user_id)).all()
        for row in rows:
            db.session.expunge(row)
        return {row.question_id: row for row in rows}


def first_due(client) -> tuple[int, int]:
    """The card the review page asks, and the number of reviews it had when shown."""
    page = client.get("/review").get_data(as_text=True)
    card = re.search(r'action="/review/cards/(\d+)/answer"', page)
    reps = re.search(r'name="reps" value="(\d+)"', page)
    assert card and reps, page[:2000]
    return int(card.group(1)), int(reps.group(1))


def review_form(app, card_id: int, correct: bool) -> dict:
    """The answer the review page would send: the key, or nothing chosen (a miss)."""
    with app.app_context():
        card = db.session.get(ReviewCard, card_id)
        question = shown(card, card.reps + 1)
        reps = card.reps
    fields = answer_form(0, question.spec, question.layout, correct=True) if correct else {"q0-present": "1"}
    return {"reps": str(reps), **fields}


def answer(app, client, correct: bool, card_id: int | None = None):
    card_id = card_id or first_due(client)[0]
    return card_id, client.post(f"/review/cards/{card_id}/answer", data=review_form(app, card_id, correct))


def test_ratings_come_from_the_answer():
    assert rating_for(0.0) is Rating.Again
    assert rating_for(0.5) is Rating.Hard
    assert rating_for(1.0) is Rating.Good


def test_a_missed_question_comes_back_with_its_passage_and_the_schedule_moves(app, client, learner, clock, catalog):
    submit_blank(client)
    page = client.get("/review").get_data(as_text=True)
    held = cards(app, learner.id)
    assert len(held) == catalog.module("amaq").quiz_length
    assert all(c.reps == 1 and c.state == 1 for c in held.values())  # the miss was review 1, rated Again
    assert "Nothing is due now" in page  # the miss is due again a minute later (FSRS's first learning step)
    clock.advance(minutes=2)
    card_id, response = answer(app, client, correct=True)
    assert response.status_code == 302
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    card = next(c for c in cards(app, learner.id).values() if c.id == card_id)
    question = catalog.questions[card.question_id]
    assert "Correct answer" in result and "Evidence" in result and "/sources/" in result
    assert question.spec["evidence"][0]["quote"][:40] in result.replace("&#39;", "'").replace("&#34;", '"')
    assert "Good" in result and "comes back" in result
    assert card.reps == 2 and card.due > clock().replace(tzinfo=None)
    due_before = card.due
    clock.at = card.due.replace(tzinfo=timezone.utc) + timedelta(seconds=1)
    with app.app_context():
        assert card_id in [d.card.id for d in due_cards(learner.id, clock())]
    answer(app, client, correct=True, card_id=card_id)
    again = next(c for c in cards(app, learner.id).values() if c.id == card_id)
    assert again.reps == 3 and again.due > due_before


def due_now(app, clock, learner) -> None:
    """Move the clock past every card's due date."""
    held = cards(app, learner.id).values()
    clock.at = max(c.due for c in held).replace(tzinfo=timezone.utc) + timedelta(seconds=1)


def test_a_question_answered_right_is_no_card_and_a_later_right_answer_in_a_quiz_is_a_review(
        app, client, learner, clock, catalog):
    response = client.post("/modules/amaq/quiz")
    first = int(response.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/attempts/{first}/submit", data=correct_form(app, first))
    client.get("/course")
    assert cards(app, learner.id) == {}
    submit_blank(client)
    client.get("/course")
    third = int(client.post("/modules/amaq/quiz").headers["Location"].rsplit("/", 1)[1])
    client.post(f"/attempts/{third}/submit", data=correct_form(app, third))
    client.get("/review")
    held = cards(app, learner.id)
    assert held and all(c.reps == 2 for c in held.values())  # the miss, then the right answer (rated Good)
    with app.app_context():
        ratings = db.session.scalars(sa.select(CardReview.rating).where(CardReview.number == 2)).all()
        assert set(ratings) == {int(Rating.Good)}
        assert all(r.origin == "quiz" for r in db.session.scalars(sa.select(CardReview)))


def test_syncing_again_adds_nothing(app, client, learner):
    submit_blank(client)
    for _ in range(3):
        client.get("/review")
        client.get("/course")
    assert count(app, CardReview) == len(cards(app, learner.id))
    assert count(app, CardSync) == 1


def test_a_seminar_miss_becomes_a_card(app, make_user, clock):
    make_user("prof", role="instructor")
    ann = make_user("ann")
    host, phone = app.test_client(), app.test_client()
    host.post("/login", data={"username": "prof", "password": PASSWORD})
    phone.post("/login", data={"username": "ann", "password": PASSWORD})
    seminar_id, _ = make_seminar(app, host, "amaq", 1, members=[phone])
    host.post(f"/seminars/{seminar_id}/advance", data={"action": "open", "step": "0"})
    with app.app_context():
        spec = db.session.get(Seminar, seminar_id).questions[0].spec
    assert phone.post(f"/seminars/{seminar_id}/answer", data=form_for(app, seminar_id, 0, correct=False)
                      ).status_code in (200, 302)
    assert count(app, SeminarAnswer) == 1
    phone.get("/review")
    assert list(cards(app, ann.id)) == [spec["id"]]
    with app.app_context():
        assert db.session.scalar(sa.select(CardReview.origin)) == "seminar"


def test_two_tabs_answering_one_card_count_one_review(app, client, learner, clock):
    submit_blank(client)
    client.get("/review")
    due_now(app, clock, learner)
    card_id, _ = first_due(client)
    form = review_form(app, card_id, correct=True)
    tabs = [app.test_client() for _ in range(2)]
    for tab in tabs:
        tab.post("/login", data={"username": "learner", "password": PASSWORD})
    responses = at_once(lambda tab: tab.post(f"/review/cards/{card_id}/answer", data=form), tabs)
    assert sorted(r.status_code for r in responses) == [302, 302]
    assert sorted("/reviews/" in r.headers["Location"] for r in responses) == [False, True]
    assert count(app, CardReview, CardReview.card_id == card_id) == 2  # the miss and one review
    assert next(c for c in cards(app, learner.id).values() if c.id == card_id).reps == 2


def test_replayed_and_bad_review_posts_get_a_message_and_change_nothing(app, client, learner, clock):
    submit_blank(client)
    client.get("/review")
    due_now(app, clock, learner)
    card_id, _ = first_due(client)
    form = review_form(app, card_id, correct=False)
    assert "/reviews/2" in client.post(f"/review/cards/{card_id}/answer", data=form).headers["Location"]
    before = (count(app, CardReview), cards(app, learner.id)[next(
        q for q, c in cards(app, learner.id).items() if c.id == card_id)].due)
    for bad in (form, {}, {"reps": "x", "q0-present": "1"}, {"reps": "1" * 20, "q0-present": "1"},
                {"reps": "5", "q0-present": "1"}):
        response = client.post(f"/review/cards/{card_id}/answer", data=bad, follow_redirects=True)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and ("already reviewed" in page or "incomplete" in page), bad
    assert client.post("/review/cards/999999/answer", data=form).status_code == 404
    after = (count(app, CardReview), cards(app, learner.id)[next(
        q for q, c in cards(app, learner.id).items() if c.id == card_id)].due)
    assert after == before


def test_a_right_answer_may_be_raised_to_easy_once_and_it_comes_back_later(app, client, learner, clock):
    submit_blank(client)
    client.get("/review")
    due_now(app, clock, learner)
    card_id, response = answer(app, client, correct=True)
    location = response.headers["Location"]
    assert "That was easy" in client.get(location).get_data(as_text=True)
    good_due = next(c for c in cards(app, learner.id).values() if c.id == card_id).due
    assert client.post(location + "/easy").status_code == 302
    easy_due = next(c for c in cards(app, learner.id).values() if c.id == card_id).due
    assert easy_due > good_due
    page = client.post(location + "/easy", follow_redirects=True).get_data(as_text=True)
    assert "already marked easy" in page
    assert next(c for c in cards(app, learner.id).values() if c.id == card_id).due == easy_due
    missed, response = answer(app, client, correct=False)
    assert "only a right answer" in client.post(response.headers["Location"] + "/easy",
                                                follow_redirects=True).get_data(as_text=True).casefold()


def test_a_learner_sees_only_their_own_cards(app, client, learner, make_user, clock):
    submit_blank(client)
    client.get("/review")
    due_now(app, clock, learner)
    card_id, response = answer(app, client, correct=True)
    make_user("bob")
    bob = app.test_client()
    bob.post("/login", data={"username": "bob", "password": PASSWORD})
    for url in (f"/review/cards/{card_id}", response.headers["Location"]):
        assert bob.get(url).status_code == 404
    assert bob.post(f"/review/cards/{card_id}/answer", data=review_form(app, card_id, True)).status_code == 404
    assert bob.post(response.headers["Location"] + "/easy").status_code == 404
    assert "Nothing is due now" in bob.get("/review").get_data(as_text=True)


def test_reviews_never_change_graded_attempts(app, client, learner, clock):
    attempt_id = submit_blank(client)
    client.get("/review")
    with app.app_context():
        graded = [(i.response, i.fraction) for i in db.session.get(Attempt, attempt_id).items]
        score = db.session.get(Attempt, attempt_id).score
    due_now(app, clock, learner)
    for _ in range(3):
        answer(app, client, correct=True)
    with app.app_context():
        assert [(i.response, i.fraction) for i in db.session.get(Attempt, attempt_id).items] == graded
        assert db.session.get(Attempt, attempt_id).score == score
    assert count(app, Attempt) == 1


def test_a_removed_question_leaves_the_queue_and_a_changed_key_shows_the_current_one(
        make_app, make_user, catalog, clock, tmp_path):
    import dataclasses
    from types import MappingProxyType
    first = make_app(REVIEW_CLOCK=clock, REVIEW_FUZZ=False)
    make_user("learner")
    client = first.test_client()
    client.post("/login", data={"username": "learner", "password": PASSWORD})
    submit_blank(client)
    client.get("/review")
    held = cards(first, 1)
    gone, changed = sorted(held)[:2]
    questions = dict(catalog.questions)
    del questions[gone]
    spec = dict(questions[changed].spec)
    spec["explanation_html"] = "<p>The bank's current explanation.</p>"
    questions[changed] = dataclasses.replace(questions[changed], spec=MappingProxyType(spec))
    second = make_app(REVIEW_CLOCK=clock, REVIEW_FUZZ=False,
                      CATALOG=dataclasses.replace(catalog, questions=MappingProxyType(questions)))
    again = second.test_client()
    again.post("/login", data={"username": "learner", "password": PASSWORD})
    due_now(second, clock, type("U", (), {"id": 1}))
    again.get("/review")
    with second.app_context():
        due = due_cards(1, clock())
        assert gone not in {d.card.question_id for d in due} and changed in {d.card.question_id for d in due}
        assert db.session.scalar(sa.select(ReviewCard.retired).where(ReviewCard.question_id == gone))
        assert due_summary(1, clock()).held == len(held) - 1
    assert again.get(f"/review/cards/{held[gone].id}").status_code == 404
    assert "Review: <strong>{}</strong> due".format(len(held) - 1) in again.get("/review").get_data(as_text=True)
    form = review_form(second, held[changed].id, correct=True)
    result = again.post(f"/review/cards/{held[changed].id}/answer", data=form, follow_redirects=True)
    assert "The bank's current explanation." in result.get_data(as_text=True)


def test_the_header_count_adds_no_query(app, client, learner, clock):
    submit_blank(client)
    client.get("/review")
    due_now(app, clock, learner)
    response, statements = statements_of(app, lambda: client.get("/glossary"))
    page = response.get_data(as_text=True)
    held = len(cards(app, learner.id))
    assert f"Review: <strong>{held}</strong> due" in page
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1  # the login lookup


def test_the_overview_shows_due_today_this_week_and_a_forecast(app, client, learner, clock, catalog):
    submit_blank(client)
    page = client.get("/course").get_data(as_text=True)
    held = catalog.module("amaq").quiz_length
    assert "Review: <strong>0</strong> due now" in page and f"{held} due this week" in page
    assert "<svg class=\"forecast\"" in page and page.count("<rect ") == 30
    due_now(app, clock, learner)
    assert f"Review: <strong>{held}</strong> due now" in client.get("/course").get_data(as_text=True)


def test_the_instructor_sees_how_many_hold_each_question_and_their_recall(app, client, learner, make_user, clock):
    submit_blank(client)
    client.get("/review")
    make_class(app, make_user("prof", role="instructor"), members=[learner])  # an instructor counts their classes
    prof = app.test_client()
    prof.post("/login", data={"username": "prof", "password": PASSWORD})
    page = prof.get("/instructor/results/cards").get_data(as_text=True)
    held = cards(app, learner.id)
    assert page.count("<tr data-question=") == len(held)
    with app.app_context():
        from app.instructor.cards import card_stats
        from app.content import catalog as current
        stats = card_stats(current(), clock())
    assert all(s.holders == 1 and 0 < s.mean_retrievability <= 1 for s in stats)
    assert client.get("/instructor/results/cards").status_code == 403


@pytest.mark.parametrize("option", ["score_only", "once_passed"])
def test_cards_of_a_module_whose_key_the_class_hides_wait_until_it_is_shown(app, client, learner, make_user, clock,
                                                                            option):
    """A review shows the key, the explanation and the passage: not before the learner's class does."""
    prof = make_user("prof", role="instructor")
    make_class(app, prof, members=[learner], modules={"amaq": {"review_option": option}})
    submit_blank(client)
    clock.advance(minutes=2)
    page = client.get("/review").get_data(as_text=True)
    assert "Nothing is due now" in page and "wait until your instructor shows the key" in page
    card_id = next(iter(cards(app, learner.id).values())).id
    assert client.get(f"/review/cards/{card_id}").status_code == 404
    assert client.get(f"/review/cards/{card_id}/reviews/1").status_code == 404
    with app.app_context(), db_write():
        db.session.execute(sa.update(ClassModule).values(review_option="immediately"))
    assert client.get(f"/review/cards/{card_id}").status_code == 200
    assert 'action="/review/cards/' in client.get("/review").get_data(as_text=True)


def test_the_tradecraft_types_come_back_as_cards_asked_by_their_macro_and_reviewed_with_their_detail(
        make_app, make_user, clock, mini_catalog):
    """Missed in a quiz of the minimal content, each new type is asked again in the review queue, its key
    earns Good, and the result shows what the type's review macro shows."""
    from tests.helpers import logged_in
    app = make_app(CATALOG=mini_catalog, REVIEW_CLOCK=clock, REVIEW_FUZZ=False)
    ann = make_user("ann")
    client = logged_in(app, "ann")
    submit_blank(client, "mini")
    client.get("/review")
    held = cards(app, ann.id)
    details = {"mini-grade-survey": "The council runs the harbour", "mini-prob-market-days": "The key's band",
               "mini-ach-pier": "The report describes a running service"}
    assert set(details) <= set(held)
    clock.at = max(card.due for card in held.values()).replace(tzinfo=timezone.utc) + timedelta(seconds=1)
    asked = client.get("/review").get_data(as_text=True)  # the first card due, through its type's macro
    assert 'data-type="' in asked and "How sure are you?" not in asked  # confidence is the quiz's, not the queue's
    for question_id in details:
        clock.at = held[question_id].due.replace(tzinfo=timezone.utc) + timedelta(seconds=1)
        card_id = held[question_id].id
        with app.app_context():
            question = shown(db.session.get(ReviewCard, card_id), held[question_id].reps + 1)
        response = client.post(f"/review/cards/{card_id}/answer", data={
            "reps": str(held[question_id].reps), **answer_form(0, question.spec, question.layout, correct=True)})
        assert response.status_code == 302
        result = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Good" in result and details[question_id] in result, question_id
        assert cards(app, ann.id)[question_id].reps == held[question_id].reps + 1
