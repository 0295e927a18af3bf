"""Database models: learners, lesson reads, attempts and the questions they asked."""
from __future__ import annotations

import functools
import secrets
import unicodedata
from datetime import datetime, timezone
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db

ROLES = ("learner", "instructor", "admin")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def username_key(name: str) -> str:
    """The form of a username that tells accounts apart: 'Ann', 'ANN' and 'ＡＮＮ' (fullwidth) are one account.

    Unicode's caseless identifier matching (NFKC, case folding, NFKC again), so look-alikes such as
    the Kelvin sign (U+212A) for K fold to the letter they imitate.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name.strip()).casefold())


@functools.cache
def _hash_of_no_password() -> str:
    return generate_password_hash(secrets.token_urlsafe(32), method="scrypt")


class User(UserMixin, db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    # Set from username (see username_key); its unique index is what makes 'ann' and 'ANN' one account.
    username_key: so.Mapped[str] = so.mapped_column(sa.String(255), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    role: so.Mapped[str] = so.mapped_column(sa.String(16), default="learner")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Part of the id in every session and remember cookie; a new one at logout revokes them all.
    session_token: so.Mapped[Optional[str]] = so.mapped_column(
        sa.String(64), default=lambda: secrets.token_urlsafe(24))
    # set when the learner deleted the account: name gone, login impossible, attempts kept for statistics
    deleted_at: so.Mapped[Optional[datetime]]

    attempts: so.WriteOnlyMapped["Attempt"] = so.relationship(back_populates="user")

    @so.validates("username")
    def _keep_username_key(self, _field: str, username: str) -> str:
        self.username_key = username_key(username)
        return username

    @classmethod
    def named(cls, name: str) -> sa.Select:
        """SELECT the account this name means, however its case or width was typed."""
        return sa.select(cls).where(cls.username_key == username_key(name))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def password_matches(user: User | None, password: str) -> bool:
        """Whether this is the user's password; with no such user a throwaway hash is checked,
        so an unknown name takes as long to refuse as a wrong password."""
        if user is None:
            check_password_hash(_hash_of_no_password(), password)
            return False
        return user.check_password(password)

    def get_id(self) -> str:
        if not self.session_token:
            self.rotate_session_token()
        return f"{self.id}.{self.session_token}"

    def rotate_session_token(self) -> None:
        """Invalidate every session and remember cookie issued so far."""
        self.session_token = secrets.token_urlsafe(24)

    @property
    def is_instructor(self) -> bool:
        return self.role in ("instructor", "admin")

    @property
    def lessons_read(self) -> frozenset[str]:
        """The ids of the modules whose lesson this user marked read (see lessons_read_joined below)."""
        return frozenset(self.lessons_read_joined.split(",")) if self.lessons_read_joined else frozenset()


class LessonRead(db.Model):
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    module_id: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    read_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


# The modules whose lesson the user marked read, comma-joined (a module id has no comma: see
# MODULE_ID in app/content/lessons.py): string aggregation is the one both SQLite and
# PostgreSQL spell alike. Deferred: the login lookup of a GET loads it with the user
# (app.auth.routes.USER_FOR_A_PAGE), which spares the lesson page a query of its own.
User.lessons_read_joined = so.deferred(
    sa.select(sa.func.aggregate_strings(LessonRead.module_id, ","))
    .where(LessonRead.user_id == User.id).correlate_except(LessonRead).scalar_subquery())


class QuestionVersion(db.Model):
    """One exact wording and key of a question, kept for ever so old attempts review as taken."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    question_id: so.Mapped[str] = so.mapped_column(sa.String(100), index=True)
    digest: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    spec: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)


class Attempt(db.Model):
    __table_args__ = (
        sa.UniqueConstraint("user_id", "module_id", "number"),
        # at most one open attempt per learner and module, enforced by the database
        sa.Index("uq_attempt_open", "user_id", "module_id", unique=True,
                 sqlite_where=sa.text("submitted_at IS NULL"), postgresql_where=sa.text("submitted_at IS NULL")),
        # the kept statistics fold in a module's attempts submitted since they were last grown (instructor/kept.py)
        sa.Index("ix_attempt_module_submitted", "module_id", "submitted_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    module_id: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    number: so.Mapped[int]
    seed: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    pass_mark: so.Mapped[int]
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_saved_at: so.Mapped[Optional[datetime]]
    submitted_at: so.Mapped[Optional[datetime]]
    score: so.Mapped[Optional[float]]  # percent
    earned: so.Mapped[Optional[float]]
    possible: so.Mapped[Optional[float]]
    passed: so.Mapped[Optional[bool]]

    user: so.Mapped[User] = so.relationship(back_populates="attempts")
    items: so.Mapped[list["AttemptItem"]] = so.relationship(
        back_populates="attempt", order_by="AttemptItem.position", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None

    @property
    def duration_seconds(self) -> int | None:
        if self.submitted_at is None:
            return None
        return int((self.submitted_at - self.started_at).total_seconds())


class AttemptItem(db.Model):
    """One question as shown in one attempt: its version, shuffled layout, response and grade."""

    attempt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True)
    position: so.Mapped[int] = so.mapped_column(primary_key=True)
    question_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("question_version.id"), index=True)
    layout: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    response: so.Mapped[Optional[Any]] = so.mapped_column(sa.JSON)
    answered_at: so.Mapped[Optional[datetime]]
    fraction: so.Mapped[Optional[float]]
    points: so.Mapped[float]
    confidence: so.Mapped[Optional[int]]  # how sure the learner said they were (50-100 %), where the module asks

    __table_args__ = (sa.CheckConstraint(sa.column("confidence").between(50, 100), name="confidence"),)

    attempt: so.Mapped[Attempt] = so.relationship(back_populates="items")
    version: so.Mapped[QuestionVersion] = so.relationship(lazy="joined")

    @property
    def spec(self) -> dict[str, Any]:
        return self.version.spec


class Regrade(db.Model):
    """A graded attempt's score changed by a corrected key (`flask regrade`): the grade before and after.

    The attempt keeps the latest figures; these rows keep every earlier one on record.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    attempt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    regraded_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    old_score: so.Mapped[float]
    new_score: so.Mapped[float]
    old_earned: so.Mapped[float]
    new_earned: so.Mapped[float]
    old_passed: so.Mapped[bool]
    new_passed: so.Mapped[bool]

    items: so.Mapped[list["RegradeItem"]] = so.relationship(order_by="RegradeItem.position",
                                                             cascade="all, delete-orphan")


class RegradeItem(db.Model):
    """One item of a regraded attempt: its fraction before and after, and the version whose key graded it.

    Unique per (attempt, position, key version): one corrected key regrades an item once, however
    many runs of `flask regrade` meet.
    """

    __table_args__ = (sa.UniqueConstraint("attempt_id", "position", "key_version_id"),)

    regrade_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("regrade.id", ondelete="CASCADE"), primary_key=True)
    position: so.Mapped[int] = so.mapped_column(primary_key=True)
    attempt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("attempt.id", ondelete="CASCADE"))
    key_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("question_version.id"))
    old_fraction: so.Mapped[float]
    new_fraction: so.Mapped[float]


class LoginThrottle(db.Model):
    """Attempts counted per key, shared by every worker: logins (per account, address, pair or
    device cookie), registrations per address, wrong join codes per learner and per address."""

    key: so.Mapped[str] = so.mapped_column(sa.String(200), primary_key=True)
    failures: so.Mapped[int] = so.mapped_column(default=0)
    window_started: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    locked_until: so.Mapped[Optional[datetime]]


SEMINAR_PHASES = ("lobby", "open", "closed", "ended")


class Seminar(db.Model):
    """A live session: a host puts a module's questions to the learners in the room, one at a time.

    `phase` is lobby (nobody has seen a question), open (the question at `position` takes
    answers, until `closes_at` if the room has a time limit), closed (its answers are shown) or ended. `step` goes up by one at every change,
    so a phone that polls it knows when to show the next screen.
    """

    __table_args__ = (sa.CheckConstraint(sa.column("phase").in_(SEMINAR_PHASES), name="phase"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(8), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    module_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    host_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    phase: so.Mapped[str] = so.mapped_column(sa.String(8), default="lobby")
    position: so.Mapped[int] = so.mapped_column(default=-1)  # the question on screen; -1 before the first
    step: so.Mapped[int] = so.mapped_column(default=0)
    changed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    seconds_per_question: so.Mapped[Optional[int]]  # None: each question stays open until the host closes it
    closes_at: so.Mapped[Optional[datetime]]  # when the open question stops taking answers (with a time limit)
    # the class it is held for, if any: its results then count in that class too
    class_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("course_class.id", ondelete="SET NULL"),
                                                          index=True)
    # whether the projector shows the best scores under nicknames at the end (off: results without names)
    leaderboard: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())

    host: so.Mapped[User] = so.relationship()
    questions: so.Mapped[list["SeminarQuestion"]] = so.relationship(
        order_by="SeminarQuestion.position", cascade="all, delete-orphan")


class SeminarQuestion(db.Model):
    """One question of a seminar, as every learner in the room sees it (one shuffle for all)."""

    seminar_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("seminar.id", ondelete="CASCADE"), primary_key=True)
    position: so.Mapped[int] = so.mapped_column(primary_key=True)
    question_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("question_version.id"), index=True)
    layout: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    points: so.Mapped[float]

    version: so.Mapped[QuestionVersion] = so.relationship(lazy="joined")

    @property
    def spec(self) -> dict[str, Any]:
        return self.version.spec


class SeminarMember(db.Model):
    seminar_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("seminar.id", ondelete="CASCADE"), primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    joined_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class SeminarAnswer(db.Model):
    """A member's one answer to one seminar question: the key makes a second one impossible."""

    __table_args__ = (
        sa.ForeignKeyConstraint(["seminar_id", "user_id"], ["seminar_member.seminar_id", "seminar_member.user_id"],
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["seminar_id", "position"],
                                ["seminar_question.seminar_id", "seminar_question.position"], ondelete="CASCADE"),
    )

    seminar_id: so.Mapped[int] = so.mapped_column(primary_key=True)
    position: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(primary_key=True, index=True)
    response: so.Mapped[Any] = so.mapped_column(sa.JSON)
    fraction: so.Mapped[float]
    answered_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class ReviewCard(db.Model):
    """A question a learner missed or got partly right, scheduled for review with FSRS (app/spaced/).

    Keyed by question id, not version: a review asks the question as the bank has it now. The FSRS
    state is stored column by column (`fsrs.Card`'s fields); `reps` counts the reviews so far and
    is what a review's conditional UPDATE names, so two tabs answering one card count one review.
    `retired` marks a question no longer in the bank: it leaves the queue, its history stays.
    """

    __table_args__ = (sa.UniqueConstraint("user_id", "question_id"),
                      sa.Index("ix_review_card_user_due", "user_id", "retired", "due"))

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    question_id: so.Mapped[str] = so.mapped_column(sa.String(100), index=True)
    state: so.Mapped[int]
    step: so.Mapped[Optional[int]]
    stability: so.Mapped[Optional[float]]
    difficulty: so.Mapped[Optional[float]]
    due: so.Mapped[datetime]
    last_review: so.Mapped[Optional[datetime]]
    reps: so.Mapped[int] = so.mapped_column(default=0)
    retired: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


REVIEW_ORIGINS = ("quiz", "seminar", "review")


class CardReview(db.Model):
    """One review of a card: from a graded attempt, a seminar answer or the review page.

    The key (card, number) makes a second review with the same number impossible; `source` names
    the attempt item or seminar answer a review came from, so syncing it twice adds nothing.
    `before` is the card as it was (fsrs `Card.to_dict()`), so a right answer can be raised to Easy.
    """

    __table_args__ = (sa.UniqueConstraint("card_id", "source"),
                      sa.CheckConstraint(sa.column("origin").in_(REVIEW_ORIGINS), name="origin"),
                      sa.Index("ix_card_review_user_time", "user_id", "reviewed_at"))

    card_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("review_card.id", ondelete="CASCADE"),
                                               primary_key=True)
    number: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    origin: so.Mapped[str] = so.mapped_column(sa.String(8))
    source: so.Mapped[Optional[str]] = so.mapped_column(sa.String(40))
    rating: so.Mapped[int]
    fraction: so.Mapped[float]
    response: so.Mapped[Optional[Any]] = so.mapped_column(sa.JSON)
    reviewed_at: so.Mapped[datetime]
    due_after: so.Mapped[datetime]
    before: so.Mapped[Optional[dict[str, Any]]] = so.mapped_column(sa.JSON)


class CardSync(db.Model):
    """How far a learner's graded attempts and seminar answers have been turned into cards and reviews."""

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    synced_until: so.Mapped[datetime]


def _review_now() -> datetime:
    from app.spaced.clock import naive_now  # the review clock, which tests fix
    return naive_now()


# How many of the user's cards are due now; deferred like lessons_read_joined and loaded with the
# user by the login lookup of a GET, so the header's "Review: N due" costs no query of its own.
User.cards_due = so.deferred(
    sa.select(sa.func.count(ReviewCard.id))
    .where(ReviewCard.user_id == User.id, ReviewCard.retired.is_(False),
           ReviewCard.due <= sa.bindparam("review_now", callable_=_review_now, type_=sa.DateTime()))
    .correlate_except(ReviewCard).scalar_subquery())
