"""The spaced-review queue: missed questions come back on an FSRS schedule, with their passage."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from fsrs import Rating

from app.extensions import db
from app.models import Attempt, AttemptItem, CardReview, CardSync, ReviewCard
from app.quiz.types import answer_form
from app.spaced.queue import due_cards, due_summary, shown
from app.spaced.scheduling import rating_for
from app.spaced.sync import sync_cards
from tests.conftest import PASSWORD, at_once, count



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
