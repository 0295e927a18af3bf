"""Regrading after a key is corrected in the content (`flask regrade MODULE`).

An attempt keeps the question version it asked (prompt, shuffle, the learner's response as given); only
the key changes: each stored response is graded again by the bank's current version of its question,
where that version still shows the learner the same question (QuestionType.same_question). Each
regraded attempt's score before and after is kept on record (`Regrade`, `RegradeItem`), and the attempt
and its items are changed by conditional UPDATEs naming the figures read: a second run, or a run at the
same time, finds nothing left to change (or changes nothing) rather than regrading twice.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.content.model import Module
from app.database import db_write
from app.extensions import db
from app.instructor.kept import forget_statistics
from app.models import Attempt, AttemptItem, QuestionVersion, Regrade, RegradeItem, User, utcnow
from app.quiz.grading import Score, grade_response
from app.quiz.types import QUESTION_TYPES
from app.quiz.versions import question_version_ids, spec_json

CHANGED = 1e-9  # a fraction or score closer than this is unchanged


@dataclass(frozen=True)
class ItemChange:
    position: int
    question_id: str
    old_fraction: float | None
    new_fraction: float


@dataclass(frozen=True)
class AttemptChange:
    """A graded attempt whose score a corrected key changes."""

    attempt_id: int
    username: str
    number: int
    old_score: float
    old_earned: float
    old_passed: bool
    new: Score
    new_passed: bool
    items: tuple[ItemChange, ...]  # every item graded by a corrected key, changed or not

    @property
    def new_score(self) -> float:
        return self.new.percent


@dataclass(frozen=True)
class Skipped:
    question_id: str
    reason: str
    attempts: int  # graded attempts that asked the older version and keep their grade


@dataclass
class RegradePlan:
    module_id: str
    changes: list[AttemptChange] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    lost: list[AttemptChange] = field(default_factory=list)  # changed by someone else before our UPDATE


def incompatibility(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """Why a response to the `old` spec cannot be graded by the `new` one's key; None when it can."""
    if old["type"] != new["type"]:
        return f"its type changed from {old['type']} to {new['type']}"
    if old["prompt_html"] != new["prompt_html"]:
        return "its prompt changed"
    if not QUESTION_TYPES[new["type"]].same_question(old["data"], new["data"]):
        return "what it shows the learner changed (not only its key)"
    return None


def regraded_fraction(old: dict[str, Any], new: dict[str, Any], response: Any) -> float:
    carried = QUESTION_TYPES[new["type"]].carried_response(old["data"], new["data"], response)
    return grade_response(new, carried)


def plan_regrade(module: Module, question_id: str | None = None) -> RegradePlan:
    """Which graded attempts at the module a corrected key would change, and how; reads only."""
    texts = {q.id: spec_json(q.spec) for q in module.questions if question_id in (None, q.id)}
    digests = {qid: hashlib.sha256(text.encode()).hexdigest() for qid, text in texts.items()}
    current = {qid: json.loads(text) for qid, text in texts.items()}  # shaped as the stored versions are
    plan = RegradePlan(module.id)
    older = db.session.execute(sa.select(QuestionVersion.id, QuestionVersion.question_id, QuestionVersion.spec,
                                         QuestionVersion.digest)
                               .where(QuestionVersion.question_id.in_(list(current)))).tuples().all()
    compatible, refused = {}, {}
    for version_id, qid, spec, digest in older:
        if digest == digests[qid]:
            continue
        reason = incompatibility(spec, current[qid])
        if reason is None:
            compatible[version_id] = (qid, spec)
        else:
            refused[version_id] = (qid, reason)
    graded = sa.select(Attempt.id).where(Attempt.module_id == module.id, Attempt.submitted_at.is_not(None))
    if refused:
        counts = db.session.execute(
            sa.select(AttemptItem.question_version_id, sa.func.count(sa.distinct(AttemptItem.attempt_id)))
            .where(AttemptItem.question_version_id.in_(list(refused)), AttemptItem.attempt_id.in_(graded))
            .group_by(AttemptItem.question_version_id)).tuples().all()
        for version_id, attempts in counts:
            plan.skipped.append(Skipped(refused[version_id][0], refused[version_id][1], attempts))
    if not compatible:
        return plan
    regraded = db.session.execute(
        sa.select(AttemptItem.attempt_id, AttemptItem.position, AttemptItem.question_version_id,
                  AttemptItem.response, AttemptItem.fraction)
        .where(AttemptItem.question_version_id.in_(list(compatible)), AttemptItem.attempt_id.in_(graded))
    ).tuples().all()
    per_attempt: dict[int, list[ItemChange]] = defaultdict(list)
    for attempt_id, position, version_id, response, fraction in regraded:
        qid, old_spec = compatible[version_id]
        new_fraction = regraded_fraction(old_spec, current[qid], response)
        per_attempt[attempt_id].append(ItemChange(position, qid, fraction, new_fraction))
    changed = {a: items for a, items in per_attempt.items()
               if any(abs((i.old_fraction or 0.0) - i.new_fraction) > CHANGED for i in items)}
    plan.changes = attempt_changes(changed)
    return plan


def attempt_changes(changed: dict[int, list[ItemChange]]) -> list[AttemptChange]:
    """Each attempt's new score from all its items (the regraded ones at their new fraction)."""
    if not changed:
        return []
    items = db.session.execute(sa.select(AttemptItem.attempt_id, AttemptItem.position, AttemptItem.fraction,
                                         AttemptItem.points)
                               .where(AttemptItem.attempt_id.in_(list(changed)))).tuples().all()
    attempts = db.session.execute(
        sa.select(Attempt.id, User.username, Attempt.number, Attempt.score, Attempt.earned, Attempt.passed,
                  Attempt.pass_mark).join(User, User.id == Attempt.user_id)
        .where(Attempt.id.in_(list(changed))).order_by(User.username, Attempt.number)).tuples().all()
    by_attempt: dict[int, list[tuple[float, float]]] = defaultdict(list)
    new_fractions = {(a, i.position): i.new_fraction for a, its in changed.items() for i in its}
    for attempt_id, position, fraction, points in items:
        by_attempt[attempt_id].append((new_fractions.get((attempt_id, position), fraction or 0.0), points))
    changes = []
    for attempt_id, username, number, score, earned, passed, pass_mark in attempts:
        new = Score(sum(f * p for f, p in by_attempt[attempt_id]), sum(p for _, p in by_attempt[attempt_id]))
        changes.append(AttemptChange(attempt_id, username, number, score, earned, bool(passed), new,
                                     new.passes(pass_mark), tuple(sorted(changed[attempt_id],
                                                                         key=lambda i: i.position))))
    return changes


class ChangedMeanwhile(Exception):
    """The attempt's grade is no longer the one planned from: another run regraded it first."""


def apply_regrade(module: Module, plan: RegradePlan) -> RegradePlan:
    """Write the plan, one short write per attempt; an attempt changed meanwhile is left alone (plan.lost)."""
    if not plan.changes:
        return plan
    asked = {i.question_id for change in plan.changes for i in change.items}
    questions = [q for q in module.questions if q.id in asked]
    key_versions = dict(zip((q.id for q in questions), question_version_ids(questions)))
    applied = []
    for change in plan.changes:
        try:
            write_regrade(change, key_versions, module.id)
            applied.append(change)
        except (ChangedMeanwhile, IntegrityError):
            plan.lost.append(change)
    plan.changes = applied
    return plan


def write_regrade(change: AttemptChange, key_versions: dict[str, int], module_id: str) -> None:
    """The attempt's new grade and its record, if the attempt still has the grade the change was planned from;
    the module's kept statistics are forgotten in the same write, so the next view counts the new marks.

    :raise ChangedMeanwhile: (rolling the block back) when it does not.
    """
    attempts, items = Attempt.__table__, AttemptItem.__table__
    with db_write():
        updated = db.session.execute(
            sa.update(attempts).where(attempts.c.id == change.attempt_id, attempts.c.score == change.old_score,
                                      attempts.c.earned == change.old_earned,
                                      attempts.c.passed.is_(change.old_passed))
            .values(score=change.new_score, earned=change.new.earned, passed=change.new_passed))
        if updated.rowcount != 1:
            raise ChangedMeanwhile(change.attempt_id)
        for item in change.items:
            was = items.c.fraction.is_(None) if item.old_fraction is None else items.c.fraction == item.old_fraction
            updated = db.session.execute(
                sa.update(items).where(items.c.attempt_id == change.attempt_id, items.c.position == item.position, was)
                .values(fraction=item.new_fraction))
            if updated.rowcount != 1:
                raise ChangedMeanwhile(change.attempt_id)
        record = Regrade(attempt_id=change.attempt_id, regraded_at=utcnow(), old_score=change.old_score,
                         new_score=change.new_score, old_earned=change.old_earned, new_earned=change.new.earned,
                         old_passed=change.old_passed, new_passed=change.new_passed)
        record.items = [RegradeItem(position=i.position, attempt_id=change.attempt_id,
                                    key_version_id=key_versions[i.question_id], old_fraction=i.old_fraction or 0.0,
                                    new_fraction=i.new_fraction) for i in change.items]
        db.session.add(record)
        forget_statistics(module_id)
