"""A class's roster: every learner's last activity and, per covered module, progress against its due date.

Five aggregate queries whatever the class's size (members; attempts per learner and module, shared with the
instructor's gradebook; last attempt per learner; lesson reads; seminar answers), so a class of a thousand
costs what a class of ten does.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.classes.enrolment import members_of
from app.classes.models import ClassMember, ClassModule, CourseClass
from app.extensions import db
from app.models import Attempt, LessonRead, SeminarAnswer, utcnow


@dataclass(frozen=True)
class ModuleStanding:
    """One learner's standing in one module of the class."""

    read: bool
    attempts: int
    best: float | None
    passed: bool
    late: bool  # first passed after the due date (work after it is accepted, and marked)
    due_at: datetime | None
    now: datetime

    @property
    def overdue(self) -> bool:
        return not self.passed and self.due_at is not None and self.due_at < self.now

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


def module_standings(learners: sa.Select, module_ids: list[str], classes: int | sa.Select) -> list[tuple]:
    """Per learner and module: (user id, module id, graded attempts, best score, passing attempts, late),
    one query grouped by learner and module.

    Late is the first pass after the module's due date: in one class (`classes` is its id), or in the
    learner's classes among a SELECT of class ids (the earliest date, when several set one). Compared in
    SQL, so no timestamp is read back per pair. One class joins its modules directly; several need each
    learner's due dates grouped first.
    """
    if isinstance(classes, int):
        due_at = ClassModule.due_at
        dues = sa.and_(ClassModule.class_id == classes, ClassModule.module_id == Attempt.module_id)
        due_table = ClassModule
    else:
        earliest = sa.func.min(ClassModule.due_at).label("due_at")
        due_table = (sa.select(ClassMember.user_id, ClassModule.module_id, earliest)
                     .join(ClassModule, ClassModule.class_id == ClassMember.class_id)
                     .where(ClassMember.class_id.in_(classes), ClassModule.module_id.in_(module_ids))
                     .group_by(ClassMember.user_id, ClassModule.module_id).subquery())
        due_at = due_table.c.due_at
        dues = sa.and_(due_table.c.user_id == Attempt.user_id, due_table.c.module_id == Attempt.module_id)
    passing = sa.case((Attempt.passed.is_(True), Attempt.submitted_at))
    return db.session.execute(
        sa.select(Attempt.user_id, Attempt.module_id, sa.func.count(Attempt.submitted_at), sa.func.max(Attempt.score),
                  sa.func.count(passing), sa.func.coalesce(sa.func.min(passing) > due_at, False))
        .outerjoin(due_table, dues)
        .where(Attempt.user_id.in_(learners), Attempt.module_id.in_(module_ids))
        .group_by(Attempt.user_id, Attempt.module_id, due_at)).tuples().all()


def last_worked(learners: sa.Select) -> list[tuple[int, datetime]]:
    """(user id, when they last started, saved or submitted an attempt) of each learner with one."""
    return db.session.execute(
        sa.select(Attempt.user_id,
                  sa.func.max(sa.func.coalesce(Attempt.submitted_at, Attempt.last_saved_at, Attempt.started_at)))
        .where(Attempt.user_id.in_(learners)).group_by(Attempt.user_id)).tuples().all()


def roster(course_class: CourseClass, now: datetime | None = None) -> list[RosterRow]:
    """Every member of the class, by name, with their standing in each module the class covers."""
    now = now or utcnow()
    dues = {m.module_id: m.due_at for m in course_class.modules}
    members = sa.select(ClassMember.user_id).where(ClassMember.class_id == course_class.id).scalar_subquery()
    people = members_of(course_class)
    attempts = module_standings(members, list(dues), course_class.id)
    worked = last_worked(members)
    # one row per learner: the modules read, comma-joined (as User.lessons_read_joined), and the latest read
    reads = db.session.execute(
        sa.select(LessonRead.user_id, sa.func.aggregate_strings(LessonRead.module_id, ","), sa.func.max(LessonRead.read_at))
        .where(LessonRead.user_id.in_(members)).group_by(LessonRead.user_id)).tuples().all()
    answered = db.session.execute(
        sa.select(SeminarAnswer.user_id, sa.func.max(SeminarAnswer.answered_at))
        .where(SeminarAnswer.user_id.in_(members)).group_by(SeminarAnswer.user_id)).tuples().all()
    activity: dict[int, datetime | None] = dict(answered)
    for user_id, last in worked:
        activity[user_id] = latest(activity.get(user_id), last)
    by_pair = {(user_id, module_id): rest for user_id, module_id, *rest in attempts}
    read_by = {}
    for user_id, joined, last in reads:
        read_by[user_id] = frozenset(joined.split(","))
        activity[user_id] = latest(activity.get(user_id), last)
    none, nothing = (0, None, 0, False), frozenset()
    rows = []
    for user_id, username, display_name, joined_at in people:
        read = read_by.get(user_id, nothing)
        standings = {}
        for module_id, due_at in dues.items():
            count, best, passes, late = by_pair.get((user_id, module_id), none)
            standings[module_id] = ModuleStanding(module_id in read, count, best, passes > 0, bool(late), due_at, now)
        rows.append(RosterRow(user_id, username, display_name, joined_at, activity.get(user_id), standings))
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
