"""Reading the cohort's graded attempts for the instructor's results pages.

The cohort is a subquery of learner ids (`cohort`): every account with the learner role, narrowed to
some classes' members and to one seminar's; instructors' and admins' own attempts (trying a quiz out)
are left out of every figure. A module's statistics are counted by the database: app/instructor/analysis.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.classes.scope import learner_ids_of
from app.content.model import Catalog, Module
from app.extensions import db
from app.models import Attempt, SeminarMember, User

_attempts, _users = Attempt.__table__, User.__table__


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
