"""The question types: one class per `type`, looked up in QUESTION_TYPES.

Each class validates its answer fields from the content, builds the JSON-able
spec stored with attempts, shuffles a layout for one attempt, parses a learner's
form input, grades a response (a fraction from 0 to 1) and describes answers.
"""
from __future__ import annotations

import random
import re
import unicodedata
from typing import Any, ClassVar, Mapping

from werkzeug.datastructures import MultiDict

from app.content.text import QUOTE_MARKS

Spec = Mapping[str, Any]
Layout = Mapping[str, Any]


class FieldProblem(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


def _str_list(raw: Mapping, field: str, minimum: int = 1) -> list[str]:
    value = raw.get(field)
    if not isinstance(value, list) or len(value) < minimum:
        raise FieldProblem(field, f"must be a list of at least {minimum} item(s)")
    if not all(isinstance(item, (str, int, float)) and str(item).strip() for item in value):
        raise FieldProblem(field, "every item must be non-empty text")
    items = [str(item).strip() for item in value]
    if len(set(items)) != len(items):
        raise FieldProblem(field, "items must be distinct")
    return items


def _index(value: Any, field: str, count: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldProblem(field, "must be a whole number (1-based position)")
    if not 1 <= value <= count:
        raise FieldProblem(field, f"answer out of range: {value} is not between 1 and {count}")
    return value - 1


def _small_int(text: str, below: int) -> int | None:
    """A form value as an index below `below`; None unless it is plain ASCII digits in range."""
    if text.isascii() and text.isdigit() and len(text) <= 6 and int(text) < below:
        return int(text)
    return None


def _is_int(value: Any) -> bool:
    return type(value) is int  # not bool, not float: a stored response must have the parser's shape


def _permutation(rng: random.Random, count: int, shuffle: bool = True) -> list[int]:
    order = list(range(count))
    if shuffle:
        rng.shuffle(order)
    return order


def parse_number(text: str) -> float | None:
    """Read '1,422', '1 422', '1422.0' or '-3.5' as a number; None if it is not one."""
    cleaned = re.sub(r"(?<=\d)[,\s](?=\d{3}\b)", "", text.strip()).replace("\u2212", "-")
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", cleaned):
        return None
    return float(cleaned)


def _number_text(value: float) -> str:
    """2014 and 1422 as written; 10,000 and above with thousands separators."""
    return f"{value:,g}" if abs(value) >= 10_000 else f"{value:g}"


def normalise_text_answer(text: str, case_sensitive: bool = False) -> str:
    text = unicodedata.normalize("NFKC", text).translate(QUOTE_MARKS)
    text = re.sub(r"\s+", " ", text).strip().strip(".!?;:,\"'").strip()
    return text if case_sensitive else text.casefold()


class QuestionType:
    name: ClassVar[str]
    label: ClassVar[str]

    def build(self, raw: Mapping) -> dict[str, Any]:
        """Validate the type's answer fields; return them as the spec's `data`.

        :raise FieldProblem: naming the first field that is wrong.
        """
        raise NotImplementedError

    def layout(self, data: Spec, rng: random.Random) -> dict[str, Any]:
        return {}

    def parse(self, form: MultiDict, name: str, data: Spec, layout: Layout) -> Any:
        """Turn form input into a JSON-able response; None when unanswered. Never raises."""
        raise NotImplementedError

    def grade(self, data: Spec, response: Any) -> float:
        raise NotImplementedError

    def describe(self, data: Spec, response: Any) -> str:
        """The learner's response in words."""
        raise NotImplementedError

    def describe_key(self, data: Spec) -> str:
        raise NotImplementedError

    def key_response(self, data: Spec) -> Any:
        """The response that earns full marks."""
        raise NotImplementedError

    def form_fields(self, name: str, data: Spec, layout: Layout, response: Any) -> dict[str, Any]:
        """The fields a browser sends for `response`: the inverse of parse()."""
        raise NotImplementedError


class ChoiceType(QuestionType):
    def form_fields(self, name, data, layout, response):
        chosen = response if isinstance(response, list) else [response]
        return {name: [str(layout["choices"].index(i)) for i in chosen if i is not None]}

    def layout(self, data, rng):
        return {"choices": _permutation(rng, len(data["choices"]), data.get("shuffle", True))}

    def _chosen(self, form, name, data, layout) -> list[int]:
        """Form values are shown positions; map them back to the choices as written."""
        shown_order = layout["choices"]
        shown = (_small_int(v, len(shown_order)) for v in form.getlist(name))
        return sorted({shown_order[s] for s in shown if s is not None})


class SingleChoice(ChoiceType):
    name, label = "single", "Choose one"

    def build(self, raw):
        choices = _str_list(raw, "choices", 2)
        return {"choices": choices, "answer": _index(raw.get("answer"), "answer", len(choices)),
                "shuffle": bool(raw.get("shuffle", True))}

    def parse(self, form, name, data, layout):
        chosen = self._chosen(form, name, data, layout)
        return chosen[0] if len(chosen) == 1 else None

    def grade(self, data, response):
        return 1.0 if _is_int(response) and response == data["answer"] else 0.0

    def describe(self, data, response):
        return data["choices"][response] if _is_int(response) and 0 <= response < len(data["choices"]) else "No answer"

    def describe_key(self, data):
        return data["choices"][data["answer"]]

    def key_response(self, data):
        return data["answer"]


class MultipleChoice(ChoiceType):
    name, label = "multiple", "Choose all that apply"

    def build(self, raw):
        choices = _str_list(raw, "choices", 2)
        answers = raw.get("answers")
        if not isinstance(answers, list) or not answers:
            raise FieldProblem("answers", "must be a non-empty list of 1-based positions")
        indexes = sorted({_index(value, "answers", len(choices)) for value in answers})
        return {"choices": choices, "answers": indexes, "shuffle": bool(raw.get("shuffle", True))}

    def parse(self, form, name, data, layout):
        return self._chosen(form, name, data, layout)

    def grade(self, data, response):
        right = set(data["answers"])
        wrong = set(range(len(data["choices"]))) - right
        picked = {i for i in response or [] if _is_int(i)}
        gained = len(picked & right) / len(right)
        lost = len(picked & wrong) / len(wrong) if wrong else 0.0
        return max(0.0, gained - lost)

    def describe(self, data, response):
        picked = [data["choices"][i] for i in response or [] if isinstance(i, int) and i < len(data["choices"])]
        return "; ".join(picked) if picked else "No answer"

    def describe_key(self, data):
        return "; ".join(data["choices"][i] for i in data["answers"])

    def key_response(self, data):
        return list(data["answers"])


class TrueFalse(QuestionType):
    name, label = "true_false", "True or false"

    def build(self, raw):
        if not isinstance(raw.get("answer"), bool):
            raise FieldProblem("answer", "must be true or false")
        return {"answer": raw["answer"]}

    def parse(self, form, name, data, layout):
        return {"true": True, "false": False}.get(form.get(name, ""))

    def grade(self, data, response):
        return 1.0 if response is data["answer"] else 0.0

    def describe(self, data, response):
        return {True: "True", False: "False"}.get(response, "No answer")

    def describe_key(self, data):
        return "True" if data["answer"] else "False"

    def key_response(self, data):
        return data["answer"]

    def form_fields(self, name, data, layout, response):
        return {name: {True: "true", False: "false"}.get(response, "")}


class Numeric(QuestionType):
    name, label = "numeric", "Give a number"

    def build(self, raw):
        answer, tolerance = raw.get("answer"), raw.get("tolerance", 0)
        for field, value in (("answer", answer), ("tolerance", tolerance)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise FieldProblem(field, "must be a number")
        if tolerance < 0:
            raise FieldProblem("tolerance", "must not be negative")
        unit = raw.get("unit")
        return {"answer": answer, "tolerance": tolerance, "unit": str(unit) if unit else None}

    def parse(self, form, name, data, layout):
        text = form.get(name, "").strip()[:100]
        return text or None

    def grade(self, data, response):
        value = parse_number(response) if isinstance(response, str) else None
        if value is None:
            return 0.0
        return 1.0 if abs(value - data["answer"]) <= data["tolerance"] + 1e-9 else 0.0

    def describe(self, data, response):
        return response if isinstance(response, str) and response else "No answer"

    def describe_key(self, data):
        key = _number_text(data["answer"])
        if data["tolerance"]:
            key += f" (± {_number_text(data['tolerance'])})"
        return f"{key} {data['unit']}" if data.get("unit") else key

    def key_response(self, data):
        return _number_text(data["answer"])

    def form_fields(self, name, data, layout, response):
        return {name: response or ""}


class FreeText(QuestionType):
    name, label = "text", "Type a short answer"

    def build(self, raw):
        return {"accept": _str_list(raw, "accept"), "case_sensitive": bool(raw.get("case_sensitive", False))}

    def parse(self, form, name, data, layout):
        text = form.get(name, "").strip()[:300]
        return text or None

    def grade(self, data, response):
        if not isinstance(response, str):
            return 0.0
        given = normalise_text_answer(response, data["case_sensitive"])
        accepted = {normalise_text_answer(a, data["case_sensitive"]) for a in data["accept"]}
        return 1.0 if given in accepted else 0.0

    def describe(self, data, response):
        return response if isinstance(response, str) and response else "No answer"

    def describe_key(self, data):
        return " / ".join(data["accept"])

    def key_response(self, data):
        return data["accept"][0]

    def form_fields(self, name, data, layout, response):
        return {name: response or ""}


class Ordering(QuestionType):
    name, label = "order", "Put in order"

    def build(self, raw):
        return {"items": _str_list(raw, "items", 2)}

    def layout(self, data, rng):
        count = len(data["items"])
        order = _permutation(rng, count)
        while count > 1 and order == sorted(order):
            rng.shuffle(order)
        return {"items": order}

    def parse(self, form, name, data, layout):
        ranked = []
        for shown, item in enumerate(layout["items"]):
            rank = _small_int(form.get(f"{name}-{shown}", ""), 10**6)
            if rank is None:
                return None
            ranked.append((rank, shown, item))
        return [item for _, _, item in sorted(ranked)]

    def grade(self, data, response):
        count = len(data["items"])
        if not isinstance(response, list) or not all(map(_is_int, response)) or sorted(response) != list(range(count)):
            return 0.0
        position = {item: index for index, item in enumerate(response)}
        pairs = [(a, b) for a in range(count) for b in range(a + 1, count)]
        return sum(position[a] < position[b] for a, b in pairs) / len(pairs)

    def describe(self, data, response):
        if not isinstance(response, list):
            return "No answer"
        return " → ".join(data["items"][i] for i in response if isinstance(i, int) and i < len(data["items"]))

    def describe_key(self, data):
        return " → ".join(data["items"])

    def key_response(self, data):
        return list(range(len(data["items"])))

    def form_fields(self, name, data, layout, response):
        rank = {item: index + 1 for index, item in enumerate(response or [])}
        return {f"{name}-{shown}": str(rank.get(item, "")) for shown, item in enumerate(layout["items"])}


class Matching(QuestionType):
    name, label = "match", "Match each item"

    def build(self, raw):
        pairs = raw.get("pairs")
        if not isinstance(pairs, list) or len(pairs) < 2:
            raise FieldProblem("pairs", "must be a list of at least 2 {left, right} pairs")
        if not all(isinstance(p, Mapping) and str(p.get("left", "")).strip() and str(p.get("right", "")).strip()
                   for p in pairs):
            raise FieldProblem("pairs", "every pair needs a non-empty left and right")
        lefts = [str(p["left"]).strip() for p in pairs]
        rights = [str(p["right"]).strip() for p in pairs]
        distractors = _str_list(raw, "distractors", 0) if raw.get("distractors") else []
        if len(set(lefts)) != len(lefts) or len(set(rights + distractors)) != len(rights + distractors):
            raise FieldProblem("pairs", "left items, and right items with distractors, must be distinct")
        return {"lefts": lefts, "rights": rights, "distractors": distractors}

    def layout(self, data, rng):
        options = len(data["rights"]) + len(data["distractors"])
        return {"lefts": _permutation(rng, len(data["lefts"])), "options": _permutation(rng, options)}

    def options(self, data) -> list[str]:
        return list(data["rights"]) + list(data["distractors"])

    def parse(self, form, name, data, layout):
        chosen, shown_options = {}, layout["options"]
        for shown, left in enumerate(layout["lefts"]):
            value = _small_int(form.get(f"{name}-{shown}", ""), len(shown_options))
            if value is not None:
                chosen[str(left)] = shown_options[value]
        return chosen or None

    def grade(self, data, response):
        if not isinstance(response, Mapping):
            return 0.0
        hits = sum(1 for left in range(len(data["lefts"])) if _is_int(response.get(str(left))) and response.get(str(left)) == left)
        return hits / len(data["lefts"])

    def describe(self, data, response):
        if not isinstance(response, Mapping):
            return "No answer"
        options = self.options(data)
        parts = []
        for left, text in enumerate(data["lefts"]):
            picked = response.get(str(left))
            shown = options[picked] if isinstance(picked, int) and 0 <= picked < len(options) else "—"
            parts.append(f"{text} → {shown}")
        return "; ".join(parts)

    def describe_key(self, data):
        return "; ".join(f"{left} → {right}" for left, right in zip(data["lefts"], data["rights"]))

    def key_response(self, data):
        return {str(left): left for left in range(len(data["lefts"]))}

    def form_fields(self, name, data, layout, response):
        chosen = response or {}
        return {f"{name}-{shown}": str(layout["options"].index(chosen[str(left)])) if str(left) in chosen else ""
                for shown, left in enumerate(layout["lefts"])}


def answer_form(position: int, spec: Spec, layout: Layout, response: Any = None, *, correct: bool = False) -> dict:
    """The form fields a browser sends for one item: its response, or with correct=True the key."""
    qtype = QUESTION_TYPES[spec["type"]]
    if correct:
        response = qtype.key_response(spec["data"])
    name = f"q{position}"
    return {f"{name}-present": "1", **qtype.form_fields(name, spec["data"], layout, response)}


QUESTION_TYPES: dict[str, QuestionType] = {
    cls.name: cls() for cls in (SingleChoice, MultipleChoice, TrueFalse, Numeric, FreeText, Ordering, Matching)
}
