"""Grading: pure functions over stored question specs and responses."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from werkzeug.datastructures import MultiDict

from app.quiz.types import QUESTION_TYPES
from app.quiz.types.base import FULL_CREDIT


# A fraction at least this counts as full marks (partial credits are floats: 1/3 + 2/3 need not be 1.0).
FULL_MARKS = FULL_CREDIT


def verdict(fraction: float) -> str:
    return "correct" if fraction >= FULL_MARKS else ("partly correct" if fraction > 0 else "incorrect")


def grade_response(spec: Mapping[str, Any], response: Any) -> float:
    """The fraction (0..1) a response earns; a malformed response earns 0, never an error."""
    if response is None:
        return 0.0
    try:
        fraction = QUESTION_TYPES[spec["type"]].grade(spec["data"], response)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return 0.0
    return min(1.0, max(0.0, float(fraction)))


def refusal(spec: Mapping[str, Any], form: MultiDict, name: str, layout: Mapping[str, Any]) -> str | None:
    """Why the form's answer to this question must not be stored; None when it may be."""
    return QUESTION_TYPES[spec["type"]].problem(form, name, spec["data"], layout)


@dataclass(frozen=True)
class Score:
    earned: float
    possible: float

    @property
    def percent(self) -> float:
        return round(100.0 * self.earned / self.possible, 2) if self.possible else 0.0

    def passes(self, pass_mark: int) -> bool:
        return self.percent + 1e-9 >= pass_mark


def score(graded: Iterable[tuple[float, float]]) -> Score:
    """Sum (fraction, points) pairs into a score."""
    pairs = list(graded)
    return Score(sum(f * p for f, p in pairs), sum(p for _, p in pairs))
