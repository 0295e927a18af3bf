"""What a question looks like in the browser (no key) and in review (with the key).

The same for a quiz attempt's item and a seminar's question: both are first turned into a
ShownQuestion; the type owns everything that differs between types (app/quiz/types/).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from app.content.markup import reader_href
from app.models import AttemptItem
from app.quiz.grading import verdict
from app.quiz.types import QUESTION_TYPES
from app.quiz.types.base import Layout, Spec


@dataclass(frozen=True)
class ShownQuestion:
    """One question as one person sees it, in a quiz attempt or a seminar: what was asked, in which
    shuffle, and their response (None if none yet) with its grade."""

    position: int
    spec: Spec
    layout: Layout
    points: float
    response: Any = None
    fraction: float | None = None
    confidence: int | None = None  # how sure they said they were, where asked
    asks_confidence: bool = False

    @classmethod
    def of_attempt(cls, item: AttemptItem, asks_confidence: bool = False) -> ShownQuestion:
        return cls(item.position, item.spec, item.layout, item.points, item.response, item.fraction,
                   item.confidence, asks_confidence)


CONFIDENCE_LEVELS = (50, 60, 70, 80, 90, 100)


def confidence_fields(question: ShownQuestion, name: str) -> dict[str, Any] | None:
    """The optional "How sure are you?" radio group under a question, where the module asks."""
    if not question.asks_confidence:
        return None
    return {"field": f"{name}-confidence", "levels": CONFIDENCE_LEVELS, "chosen": question.confidence}


def public_view(question: ShownQuestion) -> dict[str, Any]:
    """Everything the quiz form needs, in shown order, without answers or explanations."""
    spec, name = question.spec, f"q{question.position}"
    qtype = QUESTION_TYPES[spec["type"]]
    return {
        "name": name, "number": question.position + 1, "type": qtype.name, "label": qtype.label,
        "template": qtype.template, "prompt_html": Markup(spec["prompt_html"]), "points": question.points,
        "answered": question.response is not None, "preview": qtype.preview(spec["data"], question.layout),
        "confidence": confidence_fields(question, name),
        **qtype.quiz_fields(name, spec["data"], question.layout, question.response),
    }


def review_view(question: ShownQuestion) -> dict[str, Any]:
    """The question as asked, the learner's answer, the key, the explanation and the evidence."""
    spec = question.spec
    qtype = QUESTION_TYPES[spec["type"]]
    fraction = question.fraction or 0.0
    return {
        "number": question.position + 1, "type": spec["type"], "label": qtype.label, "skill": spec.get("skill"),
        "prompt_html": Markup(spec["prompt_html"]), "explanation_html": Markup(spec["explanation_html"]),
        "given": qtype.describe(spec["data"], question.response), "key": qtype.describe_key(spec["data"]),
        "template": qtype.template, "detail": qtype.review_fields(spec["data"], question.response),
        "fraction": fraction, "earned": round(fraction * question.points, 2), "points": question.points,
        "verdict": verdict(fraction), "confidence": question.confidence,
        "evidence": evidence_links(spec),
    }


def evidence_links(spec) -> list[dict[str, Any]]:
    """The question's evidence passages, each with its quote, citation and link to the reader."""
    return [{"short": e["short"], "quote": e["quote"], "paragraph": e["paragraph"],
             "href": reader_href(e["source"], e["key"], e["paragraph"])} for e in spec["evidence"]]
