"""What a question looks like in the browser (no key) and in review (with the key)."""
from __future__ import annotations

from typing import Any

from markupsafe import Markup

from app.content.markup import reader_href
from app.models import AttemptItem
from app.quiz.grading import verdict
from app.quiz.types import QUESTION_TYPES


def public_view(item: AttemptItem) -> dict[str, Any]:
    """Everything the quiz form needs, in shown order, without answers or explanations."""
    spec, layout, response = item.spec, item.layout, item.response
    data, kind = spec["data"], spec["type"]
    view: dict[str, Any] = {
        "name": f"q{item.position}", "number": item.position + 1, "type": kind,
        "label": QUESTION_TYPES[kind].label, "prompt_html": Markup(spec["prompt_html"]),
        "points": item.points, "answered": response is not None,
    }
    if kind in ("single", "multiple"):
        chosen = set(response if isinstance(response, list) else [response])
        view["options"] = [{"value": shown, "text": data["choices"][original], "checked": original in chosen}
                           for shown, original in enumerate(layout["choices"])]
    elif kind == "true_false":
        view["value"] = {True: "true", False: "false"}.get(response, "")
    elif kind in ("numeric", "text"):
        view["value"] = response or ""
        view["unit"] = data.get("unit")
    elif kind == "order":
        rank = {original: index + 1 for index, original in enumerate(response if isinstance(response, list) else [])
                if original is not None}  # a partial order leaves places empty
        view["items"] = [{"field": f"q{item.position}-{shown}", "text": data["items"][original],
                          "rank": rank.get(original)} for shown, original in enumerate(layout["items"])]
        view["ranks"] = list(range(1, len(layout["items"]) + 1))
    elif kind == "match":
        options = list(data["rights"]) + list(data["distractors"])
        shown_of = {original: shown for shown, original in enumerate(layout["options"])}
        chosen = response if isinstance(response, dict) else {}
        view["options"] = [{"value": shown, "text": options[original]} for shown, original in enumerate(layout["options"])]
        view["lefts"] = [{"field": f"q{item.position}-{shown}", "text": data["lefts"][original],
                          "selected": shown_of.get(chosen.get(str(original)))}
                         for shown, original in enumerate(layout["lefts"])]
    return view


def review_view(item: AttemptItem) -> dict[str, Any]:
    """The question as asked, the learner's answer, the key, the explanation and the evidence."""
    spec = item.spec
    qtype = QUESTION_TYPES[spec["type"]]
    fraction = item.fraction or 0.0
    return {
        "number": item.position + 1, "type": spec["type"], "label": qtype.label, "skill": spec.get("skill"),
        "prompt_html": Markup(spec["prompt_html"]), "explanation_html": Markup(spec["explanation_html"]),
        "given": qtype.describe(spec["data"], item.response), "key": qtype.describe_key(spec["data"]),
        "fraction": fraction, "earned": round(fraction * item.points, 2), "points": item.points,
        "verdict": verdict(fraction),
        "evidence": [{"short": e["short"], "quote": e["quote"], "paragraph": e["paragraph"],
                      "href": reader_href(e["source"], e["key"], e["paragraph"])} for e in spec["evidence"]],
    }
