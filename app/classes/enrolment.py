"""Making and running a class: its code, its modules and due dates, its instructors and members.

Membership and co-instruction are one `INSERT ... ON CONFLICT DO NOTHING` each: the primary
keys (class, user) make a second one impossible, however many arrive at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.classes.models import ClassInstructor, ClassMember, ClassModule, CourseClass
from app.classes.scope import taught_class_ids
from app.database import db_write, insert_ignoring_conflicts
from app.extensions import db
from app.models import User, utcnow
from app.seminar.live import new_code, normalise_code


class EnrolmentRefused(Exception):
    """The code names no class that takes members now (unknown, regenerated or closed)."""


@dataclass(frozen=True)
class ClassDetails:
    name: str
    term: str
    description: str


def classes_taught(user: User) -> list[CourseClass]:
    """The classes this user teaches (an admin: every class), newest first."""
    return list(db.session.scalars(sa.select(CourseClass).where(CourseClass.id.in_(taught_class_ids(user)))
                                   .order_by(CourseClass.created_at.desc(), CourseClass.id.desc())))


def classes_joined(user: User) -> list[CourseClass]:
    """The classes this learner is enrolled in, earliest joined first (their modules loaded)."""
    return list(db.session.scalars(
        sa.select(CourseClass).join(ClassMember, ClassMember.class_id == CourseClass.id)
        .where(ClassMember.user_id == user.id).order_by(ClassMember.joined_at, CourseClass.id)
        .options(sa.orm.selectinload(CourseClass.modules))))


def create_class(owner: User, details: ClassDetails, due: dict[str, datetime | None]) -> CourseClass:
    """A class covering the modules in `due` (module id → due date or None), owned by `owner`."""
    for _ in range(10):
        course_class = CourseClass(name=details.name, term=details.term, description=details.description,
                                   code=new_code(), enrolment_open=True, created_by=owner.id)
        course_class.modules = [ClassModule(module_id=m, due_at=at) for m, at in due.items()]
        try:
            with db_write():
                db.session.add(course_class)
                db.session.flush()
                db.session.add(ClassInstructor(class_id=course_class.id, user_id=owner.id, role="owner"))
            return course_class
        except IntegrityError:  # the code was taken: draw another
            pass
    raise RuntimeError("could not draw a free class code")


def set_modules(course_class: CourseClass, due: dict[str, datetime | None]) -> None:
    """The modules the class covers and their due dates, replaced as a whole (review options kept)."""
    with db_write():
        kept = {m.module_id: m for m in course_class.modules}
        course_class.modules = [kept.get(m) or ClassModule(module_id=m) for m in due]
        for module in course_class.modules:
            module.due_at = due[module.module_id]


def set_enrolment_open(course_class: CourseClass, is_open: bool) -> None:
    with db_write():
        course_class.enrolment_open = is_open


def regenerate_code(course_class: CourseClass) -> str:
    """A fresh code for the class: the old one stops working at once."""
    for _ in range(10):
        try:
            with db_write():
                course_class.code = new_code()
            return course_class.code
        except IntegrityError:
            db.session.refresh(course_class)
    raise RuntimeError("could not draw a free class code")


def add_instructor(course_class: CourseClass, user: User) -> bool:
    """Make an instructor or admin a co-instructor; False when they already teach the class."""
    with db_write():
        added = db.session.execute(insert_ignoring_conflicts(
            ClassInstructor.__table__, class_id=course_class.id, user_id=user.id, role="co", added_at=utcnow())
            .returning(ClassInstructor.__table__.c.user_id)).first()
    return added is not None


def remove_member(course_class: CourseClass, user_id: int) -> bool:
    """Take a learner out of the class (their attempts stay); False when they were not in it."""
    with db_write():
        removed = db.session.execute(sa.delete(ClassMember).where(
            ClassMember.class_id == course_class.id, ClassMember.user_id == user_id))
    return bool(removed.rowcount)


def class_by_code(typed: str) -> CourseClass | None:
    code = normalise_code(typed)
    return db.session.scalar(sa.select(CourseClass).where(CourseClass.code == code)) if code else None


def enrol(course_class: CourseClass, user: User) -> bool:
    """Add the learner to the class; False when they were in it already.

    :raise EnrolmentRefused: when the class takes no new members.
    """
    if not course_class.enrolment_open:
        if is_member(course_class.id, user.id):
            return False
        raise EnrolmentRefused("That class is not taking new members. Ask your instructor to reopen enrolment.")
    with db_write():
        added = db.session.execute(insert_ignoring_conflicts(
            ClassMember.__table__, class_id=course_class.id, user_id=user.id, joined_at=utcnow())
            .returning(ClassMember.__table__.c.user_id)).first()
    return added is not None


def is_member(class_id: int, user_id: int) -> bool:
    return db.session.get(ClassMember, (class_id, user_id)) is not None


def instructors_of(course_class: CourseClass) -> list[tuple[User, str]]:
    return list(db.session.execute(
        sa.select(User, ClassInstructor.role).join(ClassInstructor, ClassInstructor.user_id == User.id)
        .where(ClassInstructor.class_id == course_class.id).order_by(ClassInstructor.added_at, User.id)).tuples())


def members_of(course_class: CourseClass) -> list[tuple[int, str, str, datetime]]:
    """(user id, username, display name, joined at) of every member, by name."""
    return list(db.session.execute(
        sa.select(User.id, User.username, User.display_name, ClassMember.joined_at)
        .join(ClassMember, ClassMember.user_id == User.id).where(ClassMember.class_id == course_class.id)
        .order_by(User.display_name, User.id)).tuples())
