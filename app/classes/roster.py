"""A class's roster: every learner's last activity and, per covered module, progress against its due date.

Four aggregate queries whatever the class's size (members; attempts per learner and module;
lesson reads; seminar answers), so a class of a thousand costs what a class of ten does.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.classes.models import ClassMember, CourseClass
from app.extensions import db
from app.models import Attempt, LessonRead, SeminarAnswer, User, utcnow


@dataclass(frozen=True)
class ModuleStanding:
    """One learner's standing in one module of the class."""

    read: bool
    attempts: int
    best: float | None
    passed: bool
    first_passed_at: datetime | None
    due_at: datetime | None
    now: datetime

    @property
    def overdue(self) -> bool:
        return not self.passed and self.due_at is not None and self.due_at < self.now

    @property
    def late(self) -> bool:
        """Passed, but only after the due date (work after it is accepted, and marked)."""
        return self.passed and self.due_at is not None and self.first_passed_at is not None \
            and self.first_passed_at > self.due_at

    @property
    def label(self) -> str:
        if self.passed:
            return "passed late" if self.late else "passed"
        return "overdue" if self.overdue else ("attempted" if self.attempts else "not started")


@dataclass(frozen=True)
class RosterRow:
    user_id: int
    username: str
    display_name: str
    joined_at: datetime
    last_activity: datetime | None
    modules: dict[str, ModuleStanding]


def latest(*times: datetime | None) -> datetime | None:
    return max((t for t in times if t is not None), default=None)


def roster(course_class: CourseClass, now: datetime | None = None) -> list[RosterRow]:
    """Every member of the class, by name, with their standing in each module the class covers."""
    now = now or utcnow()
    dues = {m.module_id: m.due_at for m in course_class.modules}
    members = sa.select(ClassMember.user_id).where(ClassMember.class_id == course_class.id).scalar_subquery()
    people = db.session.execute(
        sa.select(User.id, User.username, User.display_name, ClassMember.joined_at)
        .join(ClassMember, ClassMember.user_id == User.id).where(ClassMember.class_id == course_class.id)
        .order_by(User.display_name, User.id)).all()
    passing = sa.case((Attempt.passed.is_(True), Attempt.submitted_at))
    attempts = db.session.execute(
        sa.select(Attempt.user_id, Attempt.module_id,
                  sa.func.count(Attempt.submitted_at).label("attempts"),
                  sa.func.max(Attempt.score).label("best"),
                  sa.func.min(passing).label("first_passed_at"),
                  sa.func.max(Attempt.submitted_at).label("submitted"),
                  sa.func.max(Attempt.last_saved_at).label("saved"))
        .where(Attempt.user_id.in_(members), Attempt.module_id.in_(list(dues)))
        .group_by(Attempt.user_id, Attempt.module_id)).all()
    reads = db.session.execute(sa.select(LessonRead.user_id, LessonRead.module_id, LessonRead.read_at)
                               .where(LessonRead.user_id.in_(members))).all()
    answered = dict(db.session.execute(
        sa.select(SeminarAnswer.user_id, sa.func.max(SeminarAnswer.answered_at))
        .where(SeminarAnswer.user_id.in_(members)).group_by(SeminarAnswer.user_id)).all())
    by_pair = {(a.user_id, a.module_id): a for a in attempts}
    read_pairs = {(r.user_id, r.module_id) for r in reads if r.module_id in dues}
    activity: dict[int, datetime | None] = dict(answered)
    for a in attempts:
        activity[a.user_id] = latest(activity.get(a.user_id), a.submitted, a.saved)
    for r in reads:
        activity[r.user_id] = latest(activity.get(r.user_id), r.read_at)
    rows = []
    for person in people:
        standings = {}
        for module_id, due_at in dues.items():
            a = by_pair.get((person.id, module_id))
            standings[module_id] = ModuleStanding(
                read=(person.id, module_id) in read_pairs, attempts=a.attempts if a else 0,
                best=a.best if a else None, passed=bool(a and a.first_passed_at), first_passed_at=a and a.first_passed_at,
                due_at=due_at, now=now)
        rows.append(RosterRow(person.id, person.username, person.display_name, person.joined_at,
                              activity.get(person.id), standings))
    return rows


def roster_table(course_class: CourseClass, module_titles: dict[str, str], rows: list[RosterRow]):
    """The roster as CSV header and rows: one line per learner, five columns per module."""
    header = ["username", "name", "joined", "last activity"]
    for module in course_class.modules:
        title = module_titles.get(module.module_id, module.module_id)
        header += [f"{title}: lesson read", f"{title}: attempts", f"{title}: best score",
                   f"{title}: passed", f"{title}: due", f"{title}: overdue", f"{title}: late"]
    lines = []
    for row in rows:
        line = [row.username, row.display_name, stamp(row.joined_at), stamp(row.last_activity)]
        for module in course_class.modules:
            s = row.modules[module.module_id]
            line += ["yes" if s.read else "no", s.attempts, "" if s.best is None else round(s.best, 1),
                     "yes" if s.passed else "no", stamp(s.due_at), "yes" if s.overdue else "no",
                     "yes" if s.late else "no"]
        lines.append(line)
    return header, lines


def stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""
