"""Reading the cohort's graded attempts for the instructor's results pages.

The cohort is every account with the learner role; instructors' and admins' own attempts
(trying a quiz out) are left out of every figure.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.content.model import Catalog, Module
from app.extensions import db
from app.instructor.statistics import GradedAttempt, GradedItem, learner_results
from app.models import Attempt, AttemptItem, QuestionVersion, User


def graded_attempts(module_id: str) -> list[GradedAttempt]:
    """Every learner's graded attempt at this module, with its items (one query)."""
    rows = db.session.execute(
        sa.select(Attempt.id, Attempt.user_id, Attempt.number, Attempt.score, Attempt.passed,
                  QuestionVersion.question_id, AttemptItem.fraction, AttemptItem.points)
        .join(User, User.id == Attempt.user_id)
        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .where(Attempt.module_id == module_id, Attempt.submitted_at.is_not(None), User.role == "learner")
        .order_by(Attempt.id, AttemptItem.position))
    attempts: dict[int, GradedAttempt] = {}
    for row in rows:
        attempt = attempts.get(row.id)
        if attempt is None:
            attempt = attempts[row.id] = GradedAttempt(row.id, row.user_id, row.number, row.score or 0.0,
                                                       bool(row.passed))
        attempt.items.append(GradedItem(row.question_id, row.fraction or 0.0, row.points))
    return list(attempts.values())


@dataclass(frozen=True)
class ModuleSummary:
    module: Module
    started: int  # learners with any attempt, open or graded
    graded: int  # learners with a graded attempt
    attempts: int  # graded attempts
    mean_best: float | None  # mean of each learner's best score, percent
    passed: int  # learners whose best attempt passed


def module_summaries(catalog: Catalog) -> list[ModuleSummary]:
    """One line per module, in course order (one query for the whole course)."""
    rows = db.session.execute(
        sa.select(Attempt.module_id, Attempt.user_id, Attempt.number, Attempt.score, Attempt.passed,
                  Attempt.submitted_at)
        .join(User, User.id == Attempt.user_id).where(User.role == "learner")).all()
    by_module: dict[str, list] = {}
    for row in rows:
        by_module.setdefault(row.module_id, []).append(row)
    summaries = []
    for module in catalog.modules:
        mine = by_module.get(module.id, [])
        graded = [GradedAttempt(0, r.user_id, r.number, r.score or 0.0, bool(r.passed))
                  for r in mine if r.submitted_at is not None]
        results = learner_results(graded)
        best = [r.best for r in results.values()]
        summaries.append(ModuleSummary(
            module, started=len({r.user_id for r in mine}), graded=len(results), attempts=len(graded),
            mean_best=sum(best) / len(best) if best else None,
            passed=sum(1 for r in results.values() if r.passed)))
    return summaries


def display_names(user_ids) -> dict[int, str]:
    ids = list(user_ids)
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).tuples().all())
