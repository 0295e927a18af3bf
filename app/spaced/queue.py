"""A learner's review queue: the due cards, asking one again, recording the answer, the forecast."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from fsrs import Card, Rating
from werkzeug.datastructures import MultiDict

from app.content import catalog
from app.content.model import Question
from app.database import db_write
from app.extensions import db
from app.models import CardReview, ReviewCard
from app.quiz.attempts import refusal
from app.quiz.grading import grade_response
from app.quiz.presenter import ShownQuestion
from app.quiz.types import QUESTION_TYPES
from app.spaced.clock import aware, naive
from app.spaced.scheduling import card_columns, card_of, rating_for, retrievability, scheduler

FORECAST_DAYS = 30
ANSWER_NAME = "q0"

_cards, _reviews = ReviewCard.__table__, CardReview.__table__


class ReviewRefused(Exception):
    """The review post did not count (already reviewed, replayed, malformed): nothing was written."""


@dataclass(frozen=True)
class DueCard:
    card: ReviewCard
    question: Question
    retrievability: float


def in_queue(user_id: int):
    return sa.select(ReviewCard).where(ReviewCard.user_id == user_id, ReviewCard.retired.is_(False))


def due_cards(user_id: int, now: datetime) -> list[DueCard]:
    """The learner's due cards whose question is in the bank, lowest retrievability (most forgotten) first."""
    questions = catalog().questions
    rows = db.session.scalars(in_queue(user_id).where(ReviewCard.due <= naive(now))).all()
    due = [DueCard(row, questions[row.question_id], retrievability(row, now))
           for row in rows if row.question_id in questions]
    return sorted(due, key=lambda d: (d.retrievability, d.card.due, d.card.id))


def own_card(user_id: int, card_id: int) -> ReviewCard | None:
    """The learner's card, if its question is still in the bank."""
    card = db.session.get(ReviewCard, card_id)
    if card is None or card.user_id != user_id or card.question_id not in catalog().questions:
        return None
    return card


def shown(card: ReviewCard, review_number: int, response=None, fraction=None) -> ShownQuestion:
    """The card's question as its `review_number`th review asks it: the bank's current spec, in a fresh
    layout from the type's layout(), the same every time that review is shown (seeded by card and number)."""
    question = catalog().questions[card.question_id]
    rng = random.Random(f"{card.id}:{review_number}")
    layout = QUESTION_TYPES[question.type].layout(question.spec["data"], rng)
    return ShownQuestion(0, question.spec, layout, float(question.spec["points"]), response, fraction)


def record_review(card: ReviewCard, reps_seen: int, form: MultiDict, now: datetime) -> CardReview:
    """Grade the answer in `form` to the card's next review and reschedule it, exactly once.

    The UPDATE names the number of reviews the page was shown at, and the review's key is (card,
    number): of two tabs answering one card, or a replayed post, one review counts.

    :raise ReviewRefused: when the card was reviewed since, or the answer cannot be graded as entered.
    """
    if reps_seen != card.reps:
        raise ReviewRefused("This card was already reviewed (in another tab, or this form was sent before): "
                            "here is your queue as it is now.")
    question = shown(card, reps_seen + 1)
    spec = question.spec
    why = refusal(spec, form, ANSWER_NAME, question.layout)
    if why:
        raise ReviewRefused(why)
    response = QUESTION_TYPES[spec["type"]].parse(form, ANSWER_NAME, spec["data"], question.layout)
    fraction = grade_response(dict(spec), response)
    before, rating = card_of(card), rating_for(fraction)
    reviewed, _ = scheduler().review_card(before, rating, now)
    entry = CardReview(card_id=card.id, number=reps_seen + 1, user_id=card.user_id, origin="review",
                       rating=int(rating), fraction=fraction, response=response, reviewed_at=naive(now),
                       due_after=naive(reviewed.due), before=before.to_dict())
    with db_write():
        moved = db.session.execute(sa.update(_cards).where(_cards.c.id == card.id, _cards.c.reps == reps_seen)
                                   .values(reps=reps_seen + 1, **card_columns(reviewed)))
        if moved.rowcount != 1:
            raise ReviewRefused("This card was already reviewed in another tab: your answer there counts.")
        db.session.add(entry)
    return entry


def raise_to_easy(card: ReviewCard, number: int) -> CardReview:
    """Re-rate the card's latest review, answered right, as Easy: rescheduled from the card as it was.

    :raise ReviewRefused: when it is not the latest review, not a right answer, or already Easy.
    """
    entry = db.session.get(CardReview, (card.id, number))
    if entry is None or entry.origin != "review" or number != card.reps or entry.before is None:
        raise ReviewRefused("Only your latest review on this page can be marked easy.")
    if entry.rating != int(Rating.Good):
        raise ReviewRefused("Only a right answer can be marked easy." if entry.rating != int(Rating.Easy)
                            else "This review is already marked easy.")
    reviewed, _ = scheduler().review_card(Card.from_dict(entry.before), Rating.Easy, aware(entry.reviewed_at))
    with db_write():
        moved = db.session.execute(sa.update(_reviews).where(
            _reviews.c.card_id == card.id, _reviews.c.number == number, _reviews.c.rating == int(Rating.Good))
            .values(rating=int(Rating.Easy), due_after=naive(reviewed.due)))
        if moved.rowcount != 1:
            raise ReviewRefused("This review is already marked easy.")
        db.session.execute(sa.update(_cards).where(_cards.c.id == card.id, _cards.c.reps == number)
                           .values(**card_columns(reviewed)))
    db.session.refresh(entry)
    return entry


def history(card: ReviewCard) -> list[CardReview]:
    return list(db.session.scalars(sa.select(CardReview).where(CardReview.card_id == card.id)
                                   .order_by(CardReview.number)))


@dataclass(frozen=True)
class DueSummary:
    due_now: int
    due_week: int
    held: int
    forecast: list[tuple[date, int]]  # cards falling due on each of the next 30 days (today: due by its end)

    @property
    def busiest(self) -> int:
        return max((n for _, n in self.forecast), default=0)


def due_summary(user_id: int, now: datetime) -> DueSummary:
    """Due now, within a week, and per day for 30 days: one query of counts at each day's end."""
    today = naive(now).date()
    ends = [datetime.combine(today + timedelta(days=d + 1), datetime.min.time()) for d in range(FORECAST_DAYS)]
    due, held = _cards.c.due, sa.func.count()
    counts = [held, held.filter(due <= naive(now)), held.filter(due < naive(now) + timedelta(days=7)),
              *(held.filter(due < end) for end in ends)]
    row = db.session.execute(sa.select(*counts).where(_cards.c.user_id == user_id, _cards.c.retired.is_(False))).one()
    cumulative = list(row[3:])
    per_day = [cumulative[0]] + [b - a for a, b in zip(cumulative, cumulative[1:])]
    return DueSummary(row[1], row[2], row[0], [(today + timedelta(days=d), n) for d, n in enumerate(per_day)])


def next_due_text(due: datetime, now: datetime) -> str:
    """'in 10 minutes', 'in 3 days', 'now'."""
    seconds = (aware(due) - now).total_seconds()
    if seconds <= 0:
        return "now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"in {n} {unit}{'s' if n != 1 else ''}"
    return "in under a minute"
