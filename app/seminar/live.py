"""Live seminars: the host opens a room, learners join with its code and answer on their phones.

Every change of the room's state is one conditional UPDATE that names the step it expects,
so a double click or a second host tab cannot skip a question; every answer is one INSERT
that only lands while its question is open, and the answer's primary key (seminar,
question, learner) makes a second answer impossible.
"""
from __future__ import annotations

import math
import random
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from app.content.model import Module
from app.database import db_write, insert_ignoring_conflicts
from app.extensions import db
from app.models import Seminar, SeminarAnswer, SeminarMember, SeminarQuestion, User, utcnow
from app.quiz.grading import grade_response, refusal
from app.quiz.presenter import ShownQuestion
from app.quiz.types import QUESTION_TYPES
from app.quiz.versions import question_version_ids, version_specs
from app.seminar.statements import READ_QUESTION, STORE_ANSWER

if TYPE_CHECKING:
    from app.seminar.room_state import RoomQuestion

# No 0/O, 1/I/L: a code read off a projector is typed without guessing.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
MAX_QUESTIONS = 30
ACTIONS = ("open", "close", "end")


class SeminarMoved(Exception):
    """The room's state changed since the page was shown (another click, another tab)."""


class AnswerRefused(Exception):
    """The answer did not count: the question is not open, or this learner already answered."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a learner typed as a code, the way codes are stored: 'k7q-2mp ' → 'K7Q2MP'."""
    return "".join(ch for ch in text.upper() if ch.isalnum())[:CODE_LENGTH * 2]


def seminar_by_code(typed: str) -> Seminar | None:
    """The seminar whose code this is, however it was typed (see normalise_code)."""
    code = normalise_code(typed)
    return db.session.scalar(sa.select(Seminar).where(Seminar.code == code)) if code else None


def create_seminar(host: User, module: Module, title: str, count: int, chosen: list[str] | None = None,
                   seconds: int | None = None, class_id: int | None = None) -> Seminar:
    """A room in the lobby with the `chosen` questions of the module in bank order, or else `count` of
    them drawn at random; each question's options are shuffled once, for everyone. With `seconds`,
    each question takes answers for that long after it is opened. `class_id` is the class it is held
    for (the caller has checked that the host teaches it)."""
    rng = random.Random(secrets.randbits(32))
    if chosen:
        questions = [q for q in module.questions if q.id in set(chosen)][:MAX_QUESTIONS]
    else:
        questions = list(module.questions)
        rng.shuffle(questions)
        questions = questions[: max(1, min(count, len(questions), MAX_QUESTIONS))]
    version_ids = question_version_ids(questions)
    for _ in range(10):
        seminar = Seminar(code=new_code(), title=title.strip() or module.title, module_id=module.id, host_id=host.id,
                          seconds_per_question=seconds or None, class_id=class_id)
        for position, (question, version_id) in enumerate(zip(questions, version_ids)):
            seminar.questions.append(SeminarQuestion(
                position=position, question_version_id=version_id,
                layout=QUESTION_TYPES[question.type].layout(question.spec["data"], rng),
                points=float(question.spec["points"])))
        try:
            with db_write():
                db.session.add(seminar)
            return seminar
        except IntegrityError:  # the code was taken: draw another
            pass
    raise RuntimeError("could not draw a free seminar code")


def advance(seminar: Seminar, action: str, expected_step: int) -> None:
    """Open the next question, close the open one (showing its answers), or end the seminar.

    :raise SeminarMoved: when the room is no longer at `expected_step`, or the action does not
        apply to its phase (nothing is changed).
    """
    table = Seminar.__table__
    last = len(seminar.questions) - 1
    now = utcnow()
    if action == "open" and seminar.phase in ("lobby", "closed") and seminar.position < last:
        limit = seminar.seconds_per_question
        values: dict[str, Any] = {"phase": "open", "position": table.c.position + 1,
                                  "closes_at": now + timedelta(seconds=limit) if limit else None}
    elif action == "close" and seminar.phase == "open":
        values = {"phase": "closed"}
    elif action == "end" and seminar.phase != "ended":
        values = {"phase": "ended"}
    else:
        raise SeminarMoved("That step no longer applies: the seminar has moved on.")
    with db_write():
        changed = db.session.execute(
            sa.update(table).where(table.c.id == seminar.id, table.c.step == expected_step)
            .values(step=table.c.step + 1, changed_at=now, **values))
        if changed.rowcount != 1:
            raise SeminarMoved("The seminar had already moved on (another click or another tab); here it is now.")


def may_host(user: User, seminar: Seminar) -> bool:
    """The seminar's own host, or an admin."""
    return user.id == seminar.host_id or user.role == "admin"


def hosted_seminars(user: User) -> list[Seminar]:
    """The seminars this user may host, newest first (an admin: every seminar)."""
    query = sa.select(Seminar).order_by(Seminar.created_at.desc(), Seminar.id.desc())
    if user.role != "admin":
        query = query.where(Seminar.host_id == user.id)
    return list(db.session.scalars(query))


def joined_seminars(user: User) -> list[Seminar]:
    """The seminars this user has joined, latest first."""
    return list(db.session.scalars(sa.select(Seminar).join(SeminarMember, SeminarMember.seminar_id == Seminar.id)
                                   .where(SeminarMember.user_id == user.id).order_by(SeminarMember.joined_at.desc())))


def join(seminar: Seminar, user: User) -> None:
    """Add the learner to the room; joining twice changes nothing."""
    with db_write():
        db.session.execute(insert_ignoring_conflicts(
            SeminarMember.__table__, seminar_id=seminar.id, user_id=user.id, joined_at=utcnow()))


def is_member(seminar_id: int, user_id: int) -> bool:
    return db.session.scalar(sa.select(sa.literal(True)).where(
        SeminarMember.seminar_id == seminar_id, SeminarMember.user_id == user_id)) is not None


class NotAMember(Exception):
    """The learner has not joined this seminar (or it does not exist)."""


class MalformedAnswer(AnswerRefused):
    """The form does not say which question it answers: not something the page sends."""


_answers, _rooms = SeminarAnswer.__table__, Seminar.__table__


def answer(seminar_id: int, user_id: int, position: int | None, form: MultiDict) -> float:
    """Grade and store the member's answer to the open question at `position`; returns its fraction.

    Reads first, then writes in one short transaction (SQLite's write lock is held for the
    INSERT alone). The INSERT only selects a row while that question is still open, and
    conflicts with an earlier answer do nothing: a late, repeated or concurrent answer writes nothing.

    :raise NotAMember: when the learner has not joined the seminar (whatever the form says).
    :raise MalformedAnswer: when `position` is None.
    :raise AnswerRefused: saying why nothing was stored.
    """
    row = db.session.execute(READ_QUESTION, {"seminar_id": seminar_id, "user_id": user_id,
                                             "position": -1 if position is None else position}).first()
    if row is None:
        raise NotAMember(seminar_id)
    if position is None:
        raise MalformedAnswer("The answer did not say which question it answers.")
    if row.question_version_id is None:
        raise AnswerRefused("There is no such question in this seminar.")
    spec = version_specs({row.question_version_id})[row.question_version_id]
    why = refusal(spec, form, f"q{position}", row.layout)
    if why:
        raise AnswerRefused(why)
    response = QUESTION_TYPES[spec["type"]].parse(form, f"q{position}", spec["data"], row.layout)
    if response in (None, "", [], {}):  # e.g. no box ticked: in a room, sending nothing is a slip
        raise AnswerRefused("Choose or type an answer before sending it.")
    fraction = grade_response(spec, response)
    with db_write():
        stored = db.session.execute(STORE_ANSWER[db.engine.dialect.name], {
            "b_seminar_id": seminar_id, "b_position": position, "b_user_id": user_id, "b_response": response,
            "b_fraction": fraction, "b_now": utcnow()}).first()
    if stored is not None:
        return fraction
    if db.session.scalar(sa.select(sa.literal(True)).where(
            _answers.c.seminar_id == seminar_id, _answers.c.position == position, _answers.c.user_id == user_id)):
        raise AnswerRefused("You have already answered this question: your first answer counts.")
    if db.session.scalar(sa.select(sa.literal(True)).where(
            _rooms.c.id == seminar_id, _rooms.c.phase == "open", _rooms.c.position == position)):
        raise AnswerRefused("Time is up for this question: your answer came too late to count.")
    raise AnswerRefused("Answers to that question are closed.")


def seconds_left(seminar: Seminar) -> int | None:
    """Whole seconds until the open question stops taking answers; None without a time limit."""
    if seminar.phase != "open" or seminar.closes_at is None:
        return None
    return max(0, math.ceil((seminar.closes_at - utcnow()).total_seconds()))


def live_item(question: SeminarQuestion | RoomQuestion, mine: SeminarAnswer | None = None) -> ShownQuestion:
    """The question as the room sees it, with this member's answer if there is one."""
    return ShownQuestion(question.position, question.spec, question.layout, question.points,
                         mine.response if mine else None, mine.fraction if mine else None)
