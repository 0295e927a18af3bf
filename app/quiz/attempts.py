"""Attempts: start or resume, save answers as the learner goes, submit exactly once."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from app.content import catalog
from app.content.model import Module
from app.database import db_write
from app.extensions import db
from app.models import Attempt, AttemptItem, User, utcnow
from app.quiz.grading import Score, grade_response, refusal, score
from app.quiz.presenter import CONFIDENCE_LEVELS
from app.quiz.statements import CLOSE_ATTEMPT, READ_ATTEMPT, SAVE_ATTEMPT, SAVE_RESPONSE, grades_update
from app.quiz.types import QUESTION_TYPES
from app.quiz.versions import question_version_ids, version_specs


class AttemptRefused(Exception):
    """The learner may not start an attempt (limit reached, module locked)."""


def open_attempt(user: User, module: Module) -> Attempt | None:
    return db.session.scalar(sa.select(Attempt).where(
        Attempt.user_id == user.id, Attempt.module_id == module.id, Attempt.submitted_at.is_(None)))


def attempts_used(user: User, module: Module) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Attempt).where(
        Attempt.user_id == user.id, Attempt.module_id == module.id)) or 0


def start_attempt(user: User, module: Module) -> Attempt:
    """Resume the open attempt, or start a new one with its own shuffled order.

    :raise AttemptRefused: when the module's attempt limit is reached.
    """
    existing = open_attempt(user, module)
    if existing:
        return existing
    used = attempts_used(user, module)
    if module.max_attempts is not None and used >= module.max_attempts:
        raise AttemptRefused(f"You have used all {module.max_attempts} attempts at this quiz.")
    seed = random.SystemRandom().randrange(2**31)
    rng = random.Random(seed)
    questions = list(module.questions)
    rng.shuffle(questions)
    questions = questions[: module.quiz_length]
    version_ids = question_version_ids(questions)
    attempt = Attempt(user_id=user.id, module_id=module.id, number=used + 1, seed=seed, pass_mark=module.pass_mark)
    for position, (question, version_id) in enumerate(zip(questions, version_ids)):
        qtype = QUESTION_TYPES[question.type]
        attempt.items.append(AttemptItem(
            position=position, question_version_id=version_id,
            layout=qtype.layout(question.spec["data"], rng), points=float(question.spec["points"])))
    try:
        with db_write():
            db.session.add(attempt)
    except IntegrityError:
        # Another request (a double click, a second tab) started one first: use that one.
        existing = open_attempt(user, module)
        if existing is None:
            raise
        return existing
    return attempt


ANSWER_TRIES = 20


class AttemptBusy(Exception):
    """Other requests kept changing the attempt while this one was reading it."""


class AttemptNotFound(Exception):
    """No attempt with this id belongs to this learner."""


class SubmissionRefused(Exception):
    """The submitted form holds an answer that cannot be graded as entered (e.g. a tied order)."""

    def __init__(self, refused: dict[int, str]):
        self.refused = refused
        super().__init__("; ".join(f"Question {position + 1}: {why}" for position, why in sorted(refused.items())))


@dataclass
class Answers:
    """An open attempt's answers with one form merged in, graded in memory, not yet written."""

    attempt_id: int
    user_id: int
    saved_at_seen: datetime | None  # the attempt's last_saved_at when it was read
    pass_mark: int
    changed: list[dict[str, Any]]  # the items whose answer the form changed: position, response, confidence
    fractions: dict[int, float]  # every item's grade, by position
    score: Score
    refused: dict[int, str]  # position -> why the form's answer was not taken (its stored answer stays)
    saved_at: datetime | None = None  # when write_answers stored them


_CONFIDENCE_VALUES = {str(level): level for level in CONFIDENCE_LEVELS}


def stated_confidence(form: MultiDict, name: str) -> int | None:
    """How sure the learner said they were of question `name` (field `<name>-confidence`); None if not said."""
    return _CONFIDENCE_VALUES.get(form.get(f"{name}-confidence", ""))


def read_answers(attempt_id: int, user_id: int, form: MultiDict) -> Answers | None:
    """Read the open attempt and merge in the form's answers (fields `q<position>` and `q<position>-...`).

    Questions with no field in the form keep their saved response, and so do those whose answer
    is refused (see refusal): they are listed in `refused`. Only reads: the write that
    follows (write_answers) holds the write lock for a moment, not for the parsing and grading.
    Returns None when the attempt was already submitted.

    :raise AttemptNotFound: when the attempt is not this learner's.
    """
    rows = db.session.execute(READ_ATTEMPT, {"attempt_id": attempt_id, "user_id": user_id}).all()
    if not rows:
        raise AttemptNotFound(attempt_id)
    row = rows[0]
    if row.submitted_at is not None:
        return None
    specs = version_specs({r.question_version_id for r in rows})
    named = {key.split("-", 1)[0] for key in form}
    module = catalog().module(row.module_id)
    asks_confidence = bool(module and module.confidence)
    changed, fractions, refused = [], {}, {}
    for r in rows:
        spec, response, name = specs[r.question_version_id], r.response, f"q{r.position}"
        why = refusal(spec, form, name, r.layout) if name in named else None
        if why:
            refused[r.position] = why
        elif name in named:
            response = QUESTION_TYPES[spec["type"]].parse(form, name, spec["data"], r.layout)
            # a confidence only goes with an answer: stating one about no answer says nothing
            confidence = stated_confidence(form, name) if asks_confidence and response is not None else None
            if response != r.response or confidence != r.confidence:
                changed.append({"b_position": r.position, "b_response": response, "b_confidence": confidence})
        fractions[r.position] = grade_response(spec, response)
    graded = score((fractions[r.position], r.points) for r in rows)
    return Answers(attempt_id, user_id, row.last_saved_at, row.pass_mark, changed, fractions, graded, refused)


def write_answers(answers: Answers, close: bool) -> bool:
    """Store the changed answers (and with close=True, every grade and the score) in one short write.

    The UPDATE only matches the attempt while it is open and unsaved since it was read, so of
    two concurrent submissions exactly one changes a row, and nothing is written over answers
    that another save stored meanwhile: on False, nothing was written and the caller reads again.
    """
    now = utcnow()
    result = answers.score
    params = {"b_attempt_id": answers.attempt_id, "b_user_id": answers.user_id, "b_seen": answers.saved_at_seen,
              "b_now": now}
    if close:
        params.update(b_score=result.percent, b_earned=result.earned, b_possible=result.possible,
                      b_passed=result.passes(answers.pass_mark))
    with db_write():
        stored = db.session.execute(CLOSE_ATTEMPT if close else SAVE_ATTEMPT, params)
        if stored.rowcount != 1:
            return False  # the block commits nothing
        if answers.changed:
            db.session.execute(SAVE_RESPONSE, [dict(change, b_attempt_id=answers.attempt_id, b_now=now)
                                               for change in answers.changed])
        if close:  # every item's grade in one statement
            positions = tuple(sorted(answers.fractions))
            db.session.execute(grades_update(positions), {"b_attempt_id": answers.attempt_id,
                                                          **{f"f{p}": answers.fractions[p] for p in positions}})
    answers.saved_at = now
    return True


def record_answers(attempt_id: int, user_id: int, form: MultiDict, close: bool = False) -> Answers | None:
    """Save the form's answers, and with close=True grade and close the attempt, exactly once.

    Returns what was stored (with the score it wrote: nothing is read back after the commit),
    or None when the attempt was already submitted.

    :raise AttemptNotFound: when the attempt is not this learner's.
    :raise SubmissionRefused: with close=True, when an answer is refused (nothing is written).
    :raise AttemptBusy: when other saves kept changing it (in practice never).
    """
    for _ in range(ANSWER_TRIES):
        answers = read_answers(attempt_id, user_id, form)
        if answers is None:
            db.session.rollback()
            return None
        if close and answers.refused:
            db.session.rollback()
            raise SubmissionRefused(answers.refused)
        if write_answers(answers, close):
            return answers
        # submitted or saved by another request since it was read: read it again
    raise AttemptBusy("This attempt is being saved from another page at the same time; please try again.")
