"""Classes as a course runs them: a class list, its modules and due dates, its instructors, and
one-time password-reset links. Membership and co-instruction are unique by their primary keys."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models import User, utcnow

# When a class's learners see the key of a graded attempt (Moodle's review options).
REVIEW_OPTIONS = ("immediately", "once_passed", "after_due", "score_only")
CLASS_ROLES = ("owner", "co")


class CourseClass(db.Model):
    """A class: a name, a term, the modules it covers, its learners and instructors.

    `code` is the enrolment code (the seminar codes' alphabet: no 0/O or 1/I/L); a regenerated
    code replaces it, so the old one stops working. `enrolment_open` False refuses new members.
    """

    __tablename__ = "course_class"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    term: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    description: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    code: so.Mapped[str] = so.mapped_column(sa.String(8), unique=True)
    enrolment_open: so.Mapped[bool] = so.mapped_column(default=True)
    created_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    modules: so.Mapped[list["ClassModule"]] = so.relationship(
        order_by="ClassModule.module_id", cascade="all, delete-orphan")


class ClassInstructor(db.Model):
    """An instructor of a class: its owner (who created it) or a co-instructor, who sees and does the same."""

    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(CLASS_ROLES), name="role"),)

    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_class.id", ondelete="CASCADE"),
                                                primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    role: so.Mapped[str] = so.mapped_column(sa.String(8), default="co")
    added_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class ClassMember(db.Model):
    """A learner enrolled in a class; the key makes a second enrolment impossible."""

    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_class.id", ondelete="CASCADE"),
                                                primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    joined_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class ClassModule(db.Model):
    """A module a class covers, with its optional due date and when its learners see the key."""

    __table_args__ = (sa.CheckConstraint(sa.column("review_option").in_(REVIEW_OPTIONS), name="review_option"),)

    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_class.id", ondelete="CASCADE"),
                                                primary_key=True)
    module_id: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    due_at: so.Mapped[Optional[datetime]]  # UTC; None: no due date
    review_option: so.Mapped[str] = so.mapped_column(sa.String(16), default="immediately")


class PasswordReset(db.Model):
    """A one-time link to set a new password: stored only as a hash, valid until `expires_at`, used once."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    issued_by: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]
    used_at: so.Mapped[Optional[datetime]]

    user: so.Mapped[User] = so.relationship(foreign_keys=[user_id])
