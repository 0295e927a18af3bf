"""A learner's progress through the course, computed from lesson reads and attempts."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from app.content.model import Catalog, Module
from app.database import db_write
from app.extensions import db
from app.models import Attempt, LessonRead, User


@dataclass
class ModuleProgress:
    module: Module
    read: bool = False
    submitted: int = 0
    best: float | None = None
    passed: bool = False
    open_attempt_id: int | None = None
    missing: list[str] = field(default_factory=list)  # required modules not yet passed

    @property
    def locked(self) -> bool:
        return bool(self.missing)

    @property
    def attempts_left(self) -> int | None:
        if self.module.max_attempts is None:
            return None
        return max(0, self.module.max_attempts - self.submitted - (1 if self.open_attempt_id else 0))

    @property
    def status(self) -> str:
        if self.passed:
            return "passed"
        if self.open_attempt_id:
            return "in progress"
        if self.submitted:
            return "not passed yet"
        return "read" if self.read else "not started"


@dataclass
class CourseProgress:
    modules: list[ModuleProgress]

    @property
    def passed(self) -> int:
        return sum(1 for m in self.modules if m.passed)

    @property
    def read(self) -> int:
        return sum(1 for m in self.modules if m.read)

    @property
    def percent(self) -> int:
        return round(100 * self.passed / len(self.modules)) if self.modules else 0

    def next_step(self) -> tuple[str, ModuleProgress | None, str]:
        """(what to do, on which module, which page: lesson|quiz|done)."""
        for entry in self.modules:
            if entry.passed or entry.locked:
                continue
            if entry.open_attempt_id:
                return f"Resume your quiz on “{entry.module.title}”", entry, "quiz"
            if not entry.read:
                return f"Read the lesson “{entry.module.title}”", entry, "lesson"
            return f"Take the quiz on “{entry.module.title}”", entry, "quiz"
        return "You have passed every module. Review your attempts or revisit the sources.", None, "done"


def course_progress(user: User, catalog: Catalog, only: set[str] | None = None) -> CourseProgress:
    """Progress on every module (or on the modules in `only`), from three small queries."""
    modules = [m for m in catalog.modules if only is None or m.id in only]
    ids = [m.id for m in modules]
    mine = (Attempt.user_id == user.id, Attempt.module_id.in_(ids))
    stats = {row.module_id: row for row in db.session.execute(
        sa.select(Attempt.module_id,
                  sa.func.count(Attempt.submitted_at).label("submitted"),
                  sa.func.max(Attempt.score).label("best"),
                  sa.func.max(sa.case((Attempt.passed.is_(True), 1), else_=0)).label("passed"))
        .where(*mine).group_by(Attempt.module_id))}
    open_ids = dict(db.session.execute(
        sa.select(Attempt.module_id, Attempt.id).where(*mine, Attempt.submitted_at.is_(None))).all())
    read = set(db.session.scalars(sa.select(LessonRead.module_id).where(
        LessonRead.user_id == user.id, LessonRead.module_id.in_(ids))))
    entries = {}
    for module in modules:
        row = stats.get(module.id)
        entries[module.id] = ModuleProgress(
            module=module, read=module.id in read, submitted=row.submitted if row else 0,
            best=row.best if row else None, passed=bool(row and row.passed), open_attempt_id=open_ids.get(module.id))
    for entry in entries.values():
        if not user.is_instructor:
            entry.missing = [entries[r].module.title for r in entry.module.requires
                             if r in entries and not entries[r].passed]
    return CourseProgress(list(entries.values()))


def module_progress(user: User, catalog: Catalog, module_id: str) -> ModuleProgress | None:
    """One module's progress; only it and the modules it requires are queried."""
    module = catalog.module(module_id)
    if module is None:
        return None
    progress = course_progress(user, catalog, only={module.id, *module.requires})
    return next(m for m in progress.modules if m.module.id == module_id)


def lesson_progress(user: User, module: Module) -> ModuleProgress:
    """What the lesson page shows: whether it was read."""
    return ModuleProgress(module=module, read=module.id in user.lessons_read)  # loaded with the user: no query


def mark_read(user: User, module: Module) -> None:
    """Record that the learner read the lesson (idempotent)."""
    with db_write():
        if db.session.get(LessonRead, (user.id, module.id)) is None:
            db.session.add(LessonRead(user_id=user.id, module_id=module.id))
