"""The cohort's review cards per question: how many learners hold it, and how well they recall it now."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.content.model import Catalog, Question
from app.extensions import db
from app.instructor.results import cohort
from app.models import ReviewCard
from app.spaced.scheduling import retrievability

_cards = ReviewCard.__table__


@dataclass(frozen=True)
class CardStat:
    question: Question
    holders: int  # learners who hold the question as a card
    due: int  # of them, how many have it due now
    mean_retrievability: float  # 0-1, FSRS's predicted recall now, averaged over the holders


def card_stats(catalog: Catalog, now: datetime, learners: sa.Select | None = None) -> list[CardStat]:
    """Every question some learner of the cohort holds as a card, most held first (one query)."""
    rows = db.session.execute(sa.select(
        _cards.c.id, _cards.c.question_id, _cards.c.state, _cards.c.step, _cards.c.stability, _cards.c.difficulty,
        _cards.c.due, _cards.c.last_review).where(
        _cards.c.retired.is_(False), _cards.c.user_id.in_(cohort() if learners is None else learners))).all()
    naive_now = now.replace(tzinfo=None)
    held: dict[str, list[tuple[float, bool]]] = {}
    for row in rows:
        if row.question_id in catalog.questions:
            held.setdefault(row.question_id, []).append((retrievability(row, now), row.due <= naive_now))
    stats = [CardStat(catalog.questions[q], len(v), sum(d for _, d in v), sum(r for r, _ in v) / len(v))
             for q, v in held.items()]
    return sorted(stats, key=lambda s: (-s.holders, s.mean_retrievability, s.question.id))
