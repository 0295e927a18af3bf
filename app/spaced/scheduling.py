"""FSRS through the fsrs package: a card row to an fsrs Card and back, and the rating an answer earns."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from fsrs import Card, Rating, Scheduler, State

from app.caches import caches
from app.models import ReviewCard
from app.quiz.grading import FULL_MARKS
from app.spaced.clock import aware, naive



def scheduler() -> Scheduler:
    """The app's scheduler: FSRS defaults; REVIEW_FUZZ=False makes intervals exact (tests)."""
    cached = caches()
    if cached.review_scheduler is None:
        cached.review_scheduler = Scheduler(enable_fuzzing=current_app.config.get("REVIEW_FUZZ", True))
    return cached.review_scheduler


def rating_for(fraction: float) -> Rating:
    """Wrong → Again, partly right → Hard, right → Good (the learner may raise Good to Easy)."""
    if fraction >= FULL_MARKS:
        return Rating.Good
    return Rating.Hard if fraction > 0 else Rating.Again


def new_card(card_id: int = 0) -> Card:
    """A card before its first review (a card_id is given: fsrs would otherwise sleep to make one)."""
    return Card(card_id=card_id)


def card_of(row: Any) -> Card:
    """The fsrs Card held in a review_card row (an ORM object or a Core row)."""
    return Card(card_id=row.id, state=State(row.state), step=row.step, stability=row.stability,
                difficulty=row.difficulty, due=aware(row.due),
                last_review=aware(row.last_review) if row.last_review else None)


def card_columns(card: Card) -> dict[str, Any]:
    """An fsrs Card as review_card's columns."""
    return {"state": int(card.state), "step": card.step, "stability": card.stability,
            "difficulty": card.difficulty, "due": naive(card.due),
            "last_review": naive(card.last_review) if card.last_review else None}


def review(card: Card, fraction: float, at: datetime, rating: Rating | None = None) -> tuple[Card, Rating]:
    """The card after an answer earning `fraction` at `at` (aware UTC), and the rating it was given."""
    rating = rating or rating_for(fraction)
    reviewed, _log = scheduler().review_card(card, rating, at)
    return reviewed, rating


def retrievability(row: ReviewCard | Any, at: datetime) -> float:
    """The predicted chance (0-1) that the learner recalls the card's answer at `at`."""
    return scheduler().get_card_retrievability(card_of(row), at)
