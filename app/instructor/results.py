"""Reading the cohort's graded attempts for the instructor's results pages.

The cohort is a subquery of learner ids (`cohort`): every account with the learner role, narrowed to
some classes' members and to one seminar's; instructors' and admins' own attempts (trying a quiz out)
are left out of every figure. Both reads are single Core queries returning plain tuples: at 1,000
learners a module has some 40,000 graded items.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.classes.scope import learner_ids_of
from app.content.model import Catalog, Module
from app.extensions import db
from app.instructor.statistics import GradedAttempt, GradedItem
from app.models import Attempt, AttemptItem, QuestionVersion, SeminarMember, User

_attempts, _items, _versions, _users = (Attempt.__table__, AttemptItem.__table__, QuestionVersion.__table__,
                                        User.__table__)


def cohort(class_ids: sa.Select | None = None, seminar_id: int | None = None) -> sa.Select:
    """The ids of the learners counted: every learner, or the members of these classes; of them, if a
    seminar is given, those who joined it."""
    learners = sa.select(_users.c.id).where(_users.c.role == "learner")
    if class_ids is not None:
        learners = learners.where(_users.c.id.in_(learner_ids_of(class_ids)))
    if seminar_id is not None:
        members = SeminarMember.__table__
        learners = learners.where(_users.c.id.in_(
            sa.select(members.c.user_id).where(members.c.seminar_id == seminar_id)))
    return learners


def graded_attempts(module_id: str, learners: sa.Select | None = None) -> list[GradedAttempt]:
    """Every graded attempt of the cohort at this module, with its items (one query)."""
    rows = db.session.execute(
        sa.select(_attempts.c.id, _attempts.c.user_id, _attempts.c.number, _attempts.c.score, _attempts.c.passed,
                  _versions.c.question_id, _items.c.fraction, _items.c.points)
        .join(_items, _items.c.attempt_id == _attempts.c.id)
        .join(_versions, _versions.c.id == _items.c.question_version_id)
        .where(_attempts.c.module_id == module_id, _attempts.c.submitted_at.is_not(None),
               _attempts.c.user_id.in_(cohort() if learners is None else learners))).tuples().all()
    attempts: dict[int, GradedAttempt] = {}
    for attempt_id, user_id, number, score, passed, question_id, fraction, points in rows:
        attempt = attempts.get(attempt_id)
        if attempt is None:
            attempt = attempts[attempt_id] = GradedAttempt(attempt_id, user_id, number, score or 0.0, bool(passed))
        attempt.items.append(GradedItem(question_id, fraction or 0.0, points))
    return list(attempts.values())


@dataclass(frozen=True)
class ModuleSummary:
    module: Module
    started: int  # learners with any attempt, open or graded
    graded: int  # learners with a graded attempt
    attempts: int  # graded attempts
    mean_best: float | None  # mean of each learner's best score, percent
    passed: int  # learners with a passing attempt


def module_summaries(catalog: Catalog, learners: sa.Select | None = None) -> list[ModuleSummary]:
    """One line per module, in course order, from one query grouped by module and learner."""
    per_learner = db.session.execute(
        sa.select(_attempts.c.module_id, sa.func.count(_attempts.c.submitted_at), sa.func.max(_attempts.c.score),
                  sa.func.max(sa.case((_attempts.c.passed, 1), else_=0)))
        .where(_attempts.c.user_id.in_(cohort() if learners is None else learners))
        .group_by(_attempts.c.module_id, _attempts.c.user_id)).tuples()
    by_module: dict[str, list[tuple]] = {}
    for module_id, graded, best, passed in per_learner:
        by_module.setdefault(module_id, []).append((graded, best, passed))
    summaries = []
    for module in catalog.modules:
        learners = by_module.get(module.id, [])
        graded = [(n, best, passed) for n, best, passed in learners if n]
        summaries.append(ModuleSummary(
            module, started=len(learners), graded=len(graded), attempts=sum(n for n, _, _ in graded),
            mean_best=sum(best or 0.0 for _, best, _ in graded) / len(graded) if graded else None,
            passed=sum(1 for _, _, passed in graded if passed)))
    return summaries


def display_names(user_ids) -> dict[int, str]:
    ids = list(user_ids)
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(_users.c.id, _users.c.display_name).where(_users.c.id.in_(ids)))
                .tuples().all())
