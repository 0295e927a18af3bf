"""Calibration: how sure learners said they were of their answers, against how right the answers were.

Where a module asks (`confidence: true`), each answer may carry a stated confidence (50-100 %). Over the
graded answers that carry one, a learner's Brier score is the mean of (confidence - credit)², credit being
the item's fraction (0 to 1): 0 is perfect, 0.25 is what always saying 50 % earns. The calibration table
sets each stated level against the mean credit of the answers given at it. Both are worked out in SQL.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.models import Attempt, AttemptItem

_items, _attempts = AttemptItem.__table__, Attempt.__table__
_stated = sa.cast(_items.c.confidence, sa.Float) / 100.0
_credit = sa.func.coalesce(_items.c.fraction, 0.0)
_squared_error = (_stated - _credit) * (_stated - _credit)
_GRADED_WITH_CONFIDENCE = (_items.c.confidence.is_not(None), _attempts.c.submitted_at.is_not(None))


@dataclass(frozen=True)
class Level:
    """One stated confidence: how many graded answers were given at it and their mean credit (0 to 1)."""

    confidence: int
    answers: int
    credit: float

    @property
    def gap(self) -> float:
        """Stated minus achieved, in percentage points: above 0 is over-confident."""
        return self.confidence - 100 * self.credit


@dataclass(frozen=True)
class Calibration:
    levels: tuple[Level, ...]
    answers: int
    brier: float | None  # None without any answer carrying a confidence


@dataclass(frozen=True)
class LearnerBrier:
    user_id: int
    answers: int
    brier: float


def _narrowed(query: sa.Select, user_id: int | None, learners: sa.Select | None) -> sa.Select:
    query = query.select_from(_items.join(_attempts, _attempts.c.id == _items.c.attempt_id)).where(
        *_GRADED_WITH_CONFIDENCE)
    if user_id is not None:
        query = query.where(_attempts.c.user_id == user_id)
    if learners is not None:
        query = query.where(_attempts.c.user_id.in_(learners))
    return query


def calibration(user_id: int | None = None, learners: sa.Select | None = None) -> Calibration:
    """One learner's calibration (user_id), or the pooled answers of a scope's learners (a subquery of ids)."""
    rows = db.session.execute(_narrowed(
        sa.select(_items.c.confidence, sa.func.count(), sa.func.avg(_credit), sa.func.sum(_squared_error)),
        user_id, learners).group_by(_items.c.confidence).order_by(_items.c.confidence)).all()
    answers = sum(count for _, count, _, _ in rows)
    levels = tuple(Level(confidence, count, float(credit)) for confidence, count, credit, _ in rows)
    brier = sum(float(squared) for _, _, _, squared in rows) / answers if answers else None
    return Calibration(levels, answers, brier)


def learner_briers(learners: sa.Select) -> list[LearnerBrier]:
    """Each learner of a scope who stated a confidence: their answers and Brier score, best first."""
    rows = db.session.execute(_narrowed(
        sa.select(_attempts.c.user_id, sa.func.count(), sa.func.avg(_squared_error)), None, learners)
        .group_by(_attempts.c.user_id)).all()
    return sorted((LearnerBrier(user_id, count, float(brier)) for user_id, count, brier in rows),
                  key=lambda row: (row.brier, row.user_id))
