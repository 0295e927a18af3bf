"""The question types: one class per `type`, looked up in QUESTION_TYPES.

Each class validates its answer fields from the content, builds the JSON-able
spec stored with attempts, shuffles a layout for one attempt, parses a learner's
form input, grades a response (a fraction from 0 to 1), describes answers, gives
its macro (app/templates/quiz/types/<name>.html) what it shows, and counts a
seminar room's answers for the host. CONTENT.md, "Adding a question type", lists
what a new type implements.
"""
from __future__ import annotations

from typing import Any

from app.quiz.types.ach import CompetingHypotheses
from app.quiz.types.arrange import Matching, Ordering
from app.quiz.types.base import (FieldProblem, Layout, QuestionType, Spec, normalise_text_answer,
                                 parse_number)
from app.quiz.types.choice import MultipleChoice, SingleChoice, TrueFalse
from app.quiz.types.probability import Probability
from app.quiz.types.source_grade import SourceGrade
from app.quiz.types.typed import FreeText, Numeric

__all__ = ["QUESTION_TYPES", "FieldProblem", "QuestionType", "answer_form", "normalise_text_answer", "parse_number"]


def answer_form(position: int, spec: Spec, layout: Layout, response: Any = None, *, correct: bool = False) -> dict:
    """The form fields a browser sends for one item: its response, or with correct=True the key."""
    qtype = QUESTION_TYPES[spec["type"]]
    if correct:
        response = qtype.key_response(spec["data"])
    name = f"q{position}"
    return {f"{name}-present": "1", **qtype.form_fields(name, spec["data"], layout, response)}


QUESTION_TYPES: dict[str, QuestionType] = {
    cls.name: cls() for cls in (SingleChoice, MultipleChoice, TrueFalse, Numeric, FreeText, Ordering, Matching,
                                SourceGrade, Probability, CompetingHypotheses)
}
