"""When a learner may see the key of a graded attempt: the review option each class sets per module
(Moodle's review options), enforced by the review page, its CSV and the attempts list.

    immediately   everything at once: the default, and the rule for a learner in no class covering the module
    once_passed   the answers, the score and each question's verdict; the key, the explanation and the
                  evidence once the learner has passed the module (verdicts let a learner see what to
                  work on before the retake that passes)
    after_due     the answers and the score; each question's verdict, the key, the explanation and the
                  evidence after the class's due date for the module (with no due date set: not until one is)
    score_only    the answers and the total score, never any more

A learner in several classes covering the module gets the most restrictive: each class's rule is applied
and whatever any of them hides stays hidden; the message is the strictest one's (scores only, then the
latest due date, then passing).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

import sqlalchemy as sa

from app.classes.models import ClassMember, ClassModule
from app.extensions import db
from app.models import Attempt, User, utcnow

# how strict each option is while it hides the key, to pick the message when several classes hide it
STRICTNESS = {"immediately": 0, "once_passed": 1, "after_due": 2, "score_only": 3}


@dataclass(frozen=True)
class Visibility:
    shows_key: bool  # the correct answer, the explanation and the evidence
    shows_verdicts: bool  # each question's verdict and points
    message: str = ""  # when the key will appear; empty while it is shown
    option: str = "immediately"  # the option that decided it
    due_at: datetime | None = None  # for after_due: the date the key appears

    @property
    def strictness(self) -> tuple[int, datetime]:
        return (0 if self.shows_key else STRICTNESS[self.option]), self.due_at or datetime.max


SHOWN = Visibility(True, True)


def readable_date(moment: datetime) -> str:
    """5 March 2027 14:00 UTC."""
    return f"{moment.day} {moment:%B %Y %H:%M} UTC"


def option_rule(option: str, due_at: datetime | None, passed: bool, now: datetime) -> Visibility:
    """What one class's option shows this learner now."""
    if option == "once_passed" and not passed:
        return Visibility(False, True, "The key appears once you pass this module.", option)
    if option == "after_due" and (due_at is None or now < due_at):
        when = readable_date(due_at) if due_at else "which your instructor has not set yet"
        return Visibility(False, False, f"The key appears after the due date, {when}.", option, due_at)
    if option == "score_only":
        return Visibility(False, False, "Your instructor shows scores only.", option)
    return SHOWN


def most_restrictive(rules: Iterable[Visibility]) -> Visibility:
    """What every one of the rules allows; the strictest hiding rule's message."""
    rules = list(rules)
    if not rules:
        return SHOWN
    strictest = max(rules, key=lambda rule: rule.strictness)
    if strictest.shows_key:
        return SHOWN
    verdicts = all(rule.shows_verdicts for rule in rules)
    return Visibility(False, verdicts, strictest.message, strictest.option, strictest.due_at)


def review_visibility(user: User, module_ids: Iterable[str], now: datetime | None = None) -> dict[str, Visibility]:
    """Each module's visibility for this learner (at most two queries, whatever the number of modules)."""
    module_ids = set(module_ids)
    if not module_ids:
        return {}
    now = now or utcnow()
    options = db.session.execute(
        sa.select(ClassModule.module_id, ClassModule.review_option, ClassModule.due_at)
        .join(ClassMember, ClassMember.class_id == ClassModule.class_id)
        .where(ClassMember.user_id == user.id, ClassModule.module_id.in_(module_ids))).tuples().all()
    passed: set[str] = set()
    if any(option == "once_passed" for _, option, _ in options):
        passed = set(db.session.scalars(sa.select(Attempt.module_id).where(
            Attempt.user_id == user.id, Attempt.passed.is_(True), Attempt.submitted_at.is_not(None),
            Attempt.module_id.in_(module_ids)).distinct()))
    rules: dict[str, list[Visibility]] = {module_id: [] for module_id in module_ids}
    for module_id, option, due_at in options:
        rules[module_id].append(option_rule(option, due_at, module_id in passed, now))
    return {module_id: most_restrictive(found) for module_id, found in rules.items()}


def key_visibility(user: User, module_id: str, now: datetime | None = None) -> Visibility:
    """What the learner may see of their graded attempts at this module now."""
    return review_visibility(user, [module_id], now)[module_id]
