"""Quiz statistics for instructors, in the terms of classical test theory (as Moodle's quiz reports them).

Every function here is pure: it takes graded attempts already read from the database.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import NamedTuple

# Rules of thumb for flagging a question (Moodle's quiz statistics use the same bands).
EASY_FACILITY, HARD_FACILITY = 90.0, 20.0
WEAK_DISCRIMINATION = 0.2


class GradedItem(NamedTuple):  # a tuple: a module's statistics build some 40,000 of them
    question_id: str
    fraction: float  # 0..1
    points: float


@dataclass
class GradedAttempt:
    attempt_id: int
    user_id: int
    number: int  # the learner's 1st, 2nd, ... attempt at this module
    score: float  # percent
    passed: bool
    items: list[GradedItem] = field(default_factory=list)


@dataclass(frozen=True)
class QuestionStats:
    question_id: str
    answered: int  # graded attempts that asked it
    facility: float  # mean mark, percent of the question's points
    spread: float | None  # standard deviation of the mark, percent; None with fewer than two
    discrimination: float | None  # correlation of the mark with the rest of the attempt; None when undefined

    @property
    def flags(self) -> list[str]:
        found = []
        if self.facility >= EASY_FACILITY:
            found.append("very easy")
        if self.facility <= HARD_FACILITY:
            found.append("very hard")
        if self.discrimination is not None and self.discrimination < WEAK_DISCRIMINATION:
            found.append("weak discrimination")
        return found


@dataclass(frozen=True)
class LearnerResult:
    user_id: int
    attempts: int
    best: float
    passed: bool


def first_attempts(attempts: list[GradedAttempt]) -> list[GradedAttempt]:
    """Each learner's first graded attempt: the fairest basis when learners may retake a quiz."""
    first: dict[int, GradedAttempt] = {}
    for attempt in attempts:
        if attempt.user_id not in first or attempt.number < first[attempt.user_id].number:
            first[attempt.user_id] = attempt
    return list(first.values())


def correlation(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r; None when there are fewer than two pairs or either side does not vary."""
    if len(xs) < 2:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def question_stats(attempts: list[GradedAttempt]) -> dict[str, QuestionStats]:
    """Per question: how many were asked it, facility, spread and discrimination.

    Discrimination is the correlation between a question's mark and the mark on the rest of
    the same attempt (the question itself left out), so a question does not correlate with
    itself: high when those who do well overall get it right, near zero or negative when the
    question does not separate stronger from weaker answers.
    """
    marks: dict[str, list[float]] = {}
    rests: dict[str, list[float]] = {}
    for attempt in attempts:
        earned = sum(i.fraction * i.points for i in attempt.items)
        possible = sum(i.points for i in attempt.items)
        for item in attempt.items:
            marks.setdefault(item.question_id, []).append(item.fraction)
            rest_possible = possible - item.points
            rest = (earned - item.fraction * item.points) / rest_possible if rest_possible > 0 else 0.0
            rests.setdefault(item.question_id, []).append(rest)
    return {
        qid: QuestionStats(
            question_id=qid, answered=len(values), facility=100 * statistics.fmean(values),
            spread=100 * statistics.stdev(values) if len(values) > 1 else None,
            discrimination=correlation(values, rests[qid]))
        for qid, values in marks.items()
    }


def learner_results(attempts: list[GradedAttempt]) -> dict[int, LearnerResult]:
    """Per learner: graded attempts, best score, and whether any attempt passed."""
    results: dict[int, LearnerResult] = {}
    for attempt in attempts:
        known = results.get(attempt.user_id)
        results[attempt.user_id] = LearnerResult(
            attempt.user_id, (known.attempts if known else 0) + 1,
            max(attempt.score, known.best if known else attempt.score),
            attempt.passed or (known.passed if known else False))
    return results
