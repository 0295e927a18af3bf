"""Attempts: start or resume, save answers as the learner goes, submit exactly once."""
from __future__ import annotations

import hashlib
import json
import random
from typing import Any, Mapping

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from app.content.model import Module, Question
from app.database import insert_ignoring_conflicts
from app.extensions import db
from app.models import Attempt, AttemptItem, QuestionVersion, User, utcnow
from app.quiz.grading import Score, grade_response, score
from app.quiz.types import QUESTION_TYPES


class AttemptRefused(Exception):
    """The learner may not start an attempt (limit reached, module locked)."""


def spec_json(spec: Mapping[str, Any]) -> str:
    return json.dumps(spec, sort_keys=True, default=dict, ensure_ascii=False)


def question_version_ids(questions: list[Question]) -> list[int]:
    """The ids of the stored versions of these exact questions, storing new ones first.

    Committed on their own, so a version id is only cached once it is really in the database.
    """
    cache = current_app.extensions.setdefault("groundwork_versions", {})
    digests = []
    for question in questions:
        text = spec_json(question.spec)
        digest = hashlib.sha256(text.encode()).hexdigest()
        digests.append(digest)
        if digest not in cache:
            db.session.execute(insert_ignoring_conflicts(
                QuestionVersion.__table__, question_id=question.id, digest=digest, spec=json.loads(text)))
    missing = [d for d in digests if d not in cache]
    if missing:
        found = db.session.execute(sa.select(QuestionVersion.digest, QuestionVersion.id)
                                   .where(QuestionVersion.digest.in_(missing))).all()
        db.session.commit()
        cache.update(dict(found))
    return [cache[d] for d in digests]


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
    db.session.add(attempt)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request (a double click, a second tab) started one first: use that one.
        db.session.rollback()
        existing = open_attempt(user, module)
        if existing is None:
            raise
        return existing
    return attempt


def lock_attempt(attempt_id: int, user: User) -> Attempt | None:
    """Load the learner's attempt, locking its row until commit (PostgreSQL; SQLite locks on BEGIN)."""
    return db.session.scalar(sa.select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user.id)
                             .with_for_update())


def save_responses(attempt: Attempt, form: MultiDict) -> int:
    """Store the responses in `form` (fields `q<position>` and `q<position>-...`) on an open attempt.

    Questions with no field in the form are left as they were; returns how many changed.
    """
    changed = 0
    now = utcnow()
    named = {key.split("-", 1)[0] for key in form}
    for item in attempt.items:
        name = f"q{item.position}"
        if name not in named:
            continue
        spec = item.spec
        response = QUESTION_TYPES[spec["type"]].parse(form, name, spec["data"], item.layout)
        if response != item.response:
            item.response = response
            item.answered_at = now
            changed += 1
    attempt.last_saved_at = now
    return changed


def submit_attempt(attempt: Attempt) -> Score | None:
    """Grade and close the attempt once; returns its score, or None when it was already submitted.

    The UPDATE only matches an attempt that is still open, so of two concurrent
    submissions exactly one changes a row; the other sees 0 rows and grades nothing.
    Nothing is read back after the commit: the caller gets the score it wrote.
    """
    graded = [(grade_response(item.spec, item.response), item.points) for item in attempt.items]
    result = score(graded)
    for item, (fraction, _) in zip(attempt.items, graded):
        item.fraction = fraction  # flushed with the responses, in one statement, before the UPDATE
    closed = db.session.execute(
        sa.update(Attempt).where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None)).values(
            submitted_at=utcnow(), score=result.percent, earned=result.earned, possible=result.possible,
            passed=result.passes(attempt.pass_mark)),
        execution_options={"synchronize_session": False})
    if closed.rowcount != 1:
        db.session.rollback()  # already graded by another request: the grades set above are dropped
        return None
    db.session.commit()
    return result
