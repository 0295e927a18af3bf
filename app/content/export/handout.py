"""A printable handout of a module: the questions as a learner meets them on paper, then the answer key."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Mapping

from app.content.export.pieces import citation, number
from app.content.model import Module
from app.quiz.types import QUESTION_TYPES


@dataclass(frozen=True)
class HandoutQuestion:
    """One question of the handout and its entry in the key."""

    number: int
    id: str
    label: str
    points: str  # as written: 1, 2, 1.5
    prompt_html: str
    paper: Mapping[str, Any]  # the type's handout(): choices, places, lefts and options, lines
    key: str
    key_html: str  # the type's key with its reasons (grades, band, matrix), or ''
    explanation_html: str
    evidence: tuple[tuple[str, str], ...]  # (verbatim quote, "Orton 2017, ¶4")


def handout_questions(module: Module) -> list[HandoutQuestion]:
    """The module's bank in order; lists are shuffled as an attempt would be, the same way on every print
    (seeded by the question id), so an ordering question is never printed in its answer's order."""
    questions = []
    for position, question in enumerate(module.questions, start=1):
        spec, qtype = question.spec, QUESTION_TYPES[question.type]
        layout = qtype.layout(spec["data"], random.Random(question.id))
        questions.append(HandoutQuestion(
            position, question.id, qtype.label, number(spec["points"]), spec["prompt_html"],
            qtype.handout(spec["data"], layout), qtype.describe_key(spec["data"]), qtype.key_html(spec["data"]),
            spec["explanation_html"],
            tuple((e["quote"], citation(e)) for e in spec["evidence"])))
    return questions
