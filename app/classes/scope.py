"""Who teaches which class, and so whose learners an instructor may see: the one place that decides it.

Admins teach every class. Every query that narrows results, rosters or learners to an
instructor's classes starts from `taught_class_ids`.
"""
from __future__ import annotations

import sqlalchemy as sa

from app.classes.models import ClassInstructor, ClassMember, CourseClass
from app.extensions import db
from app.models import Seminar, User


def taught_class_ids(user: User) -> sa.Select:
    """The ids of the classes this user teaches (as owner or co-instructor; an admin: all)."""
    if user.role == "admin":
        return sa.select(CourseClass.id)
    return sa.select(ClassInstructor.class_id).where(ClassInstructor.user_id == user.id)


def teaches(user: User, class_id: int) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        CourseClass.id == class_id, CourseClass.id.in_(taught_class_ids(user))))) or False


def learner_ids_of(class_ids: sa.Select) -> sa.Select:
    """The learners enrolled in any of these classes."""
    return sa.select(ClassMember.user_id).where(ClassMember.class_id.in_(class_ids)).distinct()


def teaches_learner(user: User, learner_id: int) -> bool:
    """Whether the learner is in one of the classes this user teaches (always, for an admin)."""
    if user.role == "admin":
        return True
    return db.session.scalar(sa.select(sa.exists().where(
        ClassMember.user_id == learner_id, ClassMember.class_id.in_(taught_class_ids(user))))) or False


def taught_classes(user: User) -> list[CourseClass]:
    """The classes this user teaches, by name and term (an admin: every class)."""
    return list(db.session.scalars(sa.select(CourseClass).where(CourseClass.id.in_(taught_class_ids(user)))
                                   .order_by(CourseClass.name, CourseClass.term, CourseClass.id)))


def one_class(class_id: int) -> sa.Select:
    """`taught_class_ids`'s shape for a single class, so `learner_ids_of` takes either."""
    return sa.select(CourseClass.id).where(CourseClass.id == class_id)


def seminars_of_class(class_id: int) -> list[Seminar]:
    """The seminars held for this class, newest first (for the class page and the results' seminar picker)."""
    return list(db.session.scalars(sa.select(Seminar).where(Seminar.class_id == class_id)
                                   .order_by(Seminar.created_at.desc(), Seminar.id.desc())))
