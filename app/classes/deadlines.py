"""A learner's due dates in the classes they are in: what is overdue, what was done late, what comes next."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.classes.enrolment import classes_joined
from app.classes.models import CourseClass
from app.content.model import Catalog, Module
from app.extensions import db
from app.models import Attempt, User, utcnow


@dataclass(frozen=True)
class Deadline:
    module: Module
    due_at: datetime | None
    passed: bool
    first_passed_at: datetime | None
    now: datetime

    @property
    def overdue(self) -> bool:
        return not self.passed and self.due_at is not None and self.due_at < self.now

    @property
    def late(self) -> bool:
        return bool(self.passed and self.due_at and self.first_passed_at and self.first_passed_at > self.due_at)

    @property
    def label(self) -> str:
        if self.passed:
            return "passed late" if self.late else "passed"
        return "overdue" if self.overdue else ("due" if self.due_at else "no due date")


@dataclass(frozen=True)
class ClassDeadlines:
    course_class: CourseClass
    deadlines: list[Deadline]

    @property
    def overdue(self) -> list[Deadline]:
        return [d for d in self.deadlines if d.overdue]

    @property
    def next_due(self) -> Deadline | None:
        """The earliest due date still ahead of a module not yet passed."""
        ahead = [d for d in self.deadlines if not d.passed and d.due_at and d.due_at >= d.now]
        return min(ahead, key=lambda d: d.due_at, default=None)


def first_passes(user: User) -> dict[str, datetime]:
    """When the learner first passed each module they have passed."""
    return dict(db.session.execute(
        sa.select(Attempt.module_id, sa.func.min(Attempt.submitted_at))
        .where(Attempt.user_id == user.id, Attempt.passed.is_(True)).group_by(Attempt.module_id)).all())


def class_deadlines(user: User, catalog: Catalog, now: datetime | None = None) -> list[ClassDeadlines]:
    """For each class the learner is in, its modules in course order with their due dates (two queries)."""
    classes = classes_joined(user)
    if not classes:
        return []
    now = now or utcnow()
    passes = first_passes(user)
    result = []
    for course_class in classes:
        dues = {m.module_id: m.due_at for m in course_class.modules}
        result.append(ClassDeadlines(course_class, [
            Deadline(module, dues[module.id], module.id in passes, passes.get(module.id), now)
            for module in catalog.modules if module.id in dues]))
    return result
