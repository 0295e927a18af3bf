"""What every question type shares: field validation helpers and the QuestionType interface."""
from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping
from xml.etree.ElementTree import Element

from werkzeug.datastructures import MultiDict

from app.content.export.pieces import NotExpressible
from app.content.text import QUOTE_MARKS

Spec = Mapping[str, Any]
Layout = Mapping[str, Any]


class FieldProblem(ValueError):
    """A wrong field; `line` when the problem sits deeper than the field's own line (a row of a list)."""

    def __init__(self, field: str, message: str, line: int | None = None):
        self.field = field
        self.line = line
        super().__init__(f"{field}: {message}")


def str_list(raw: Mapping, field: str, minimum: int = 1) -> list[str]:
    value = raw.get(field)
    if not isinstance(value, list) or len(value) < minimum:
        raise FieldProblem(field, f"must be a list of at least {minimum} item(s)")
    if not all(isinstance(item, (str, int, float)) and str(item).strip() for item in value):
        raise FieldProblem(field, "every item must be non-empty text")
    items = [str(item).strip() for item in value]
    if len(set(items)) != len(items):
        raise FieldProblem(field, "items must be distinct")
    return items


def index_field(value: Any, field: str, count: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldProblem(field, "must be a whole number (1-based position)")
    if not 1 <= value <= count:
        raise FieldProblem(field, f"answer out of range: {value} is not between 1 and {count}")
    return value - 1


def share_field(raw: Mapping, field: str, default: float) -> float:
    """An optional share of credit, from 0 to 1."""
    value = raw.get(field, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise FieldProblem(field, "must be a number from 0 to 1")
    return float(value)


def quote_field(value: Any, field: str, line: int | None = None) -> dict[str, str]:
    """A {source, quote} mapping's shape (the content loader anchors it in its source: see QuestionType.quotes)."""
    if not isinstance(value, Mapping) or not all(isinstance(value.get(k), str) and value[k].strip()
                                                  for k in ("source", "quote")):
        raise FieldProblem(field, "must be a mapping with a source id and a verbatim quote", line)
    return {"source": value["source"], "quote": value["quote"]}


def text_field(value: Any, field: str, line: int | None = None) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or not str(value).strip():
        raise FieldProblem(field, "must be non-empty text", line)
    return str(value).strip()


def small_int(text: str, below: int) -> int | None:
    """A form value as an index below `below`; None unless it is plain ASCII digits in range."""
    if text.isascii() and text.isdigit() and len(text) <= 6 and int(text) < below:
        return int(text)
    return None


def is_int(value: Any) -> bool:
    return type(value) is int  # not bool, not float: a stored response must have the parser's shape


def permutation(rng: random.Random, count: int, shuffle: bool = True) -> list[int]:
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


def number_text(value: float) -> str:
    """2014 and 1422 as written; 10,000 and above with thousands separators."""
    return f"{value:,g}" if abs(value) >= 10_000 else f"{value:g}"


def normalise_text_answer(text: str, case_sensitive: bool = False) -> str:
    text = unicodedata.normalize("NFKC", text).translate(QUOTE_MARKS)
    text = re.sub(r"\s+", " ", text).strip().strip(".!?;:,\"'").strip()
    return text if case_sensitive else text.casefold()


@dataclass(frozen=True)
class OptionCount:
    """One row of the host's tally: an option, how many in the room chose it, and whether it is a right one."""

    text: str
    count: int
    key: bool


@dataclass(frozen=True)
class AnswerCount:
    """One distinct answer given to a question, for response analysis and the host's distribution."""

    text: str  # the answer in words (as the grader sees it)
    count: int
    credit: float  # 0..1, the fraction this answer earns
    key: bool  # whether it is (one of) the right answer(s)


FULL_CREDIT = 0.999  # a fraction this close to 1 is full marks (float sums); app.quiz.grading.FULL_MARKS is this


class QuestionType:
    """One kind of question, from its fields in the content to the host's tally of a room's answers.

    A new type implements build, parse, grade, describe, describe_key, key_response, form_fields
    and quiz_fields, and has a `fields(q)` macro in its template; quotes, cite, layout, problem,
    review_fields (then a `review(q)` macro), preview, tally, key_fields, same_question and
    carried_response (for regrading) have defaults.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    # the fields of `data` that hold only the key: a corrected key may change them and still regrade
    key_fields: ClassVar[frozenset[str]] = frozenset()

    @property
    def template(self) -> str:
        """The template whose `fields(q)` macro shows the answer fields, given quiz_fields() as `q`."""
        return f"quiz/types/{self.name}.html"

    def build(self, raw: Mapping) -> dict[str, Any]:
        """Validate the type's answer fields; return them as the spec's `data`.

        :raise FieldProblem: naming the first field that is wrong.
        """
        raise NotImplementedError

    def quotes(self, raw: Mapping) -> list[tuple[str, Any]]:
        """The item's {source, quote} mappings besides its evidence, each with its field's name: the content
        loader anchors them in their sources like evidence, so the reader can highlight them."""
        return []

    def cite(self, data: dict[str, Any], cited: list[dict[str, Any]]) -> dict[str, Any]:
        """The spec's data with the anchored quotes (source, short, quote, key, paragraph; in quotes() order)."""
        return data

    def layout(self, data: Spec, rng: random.Random) -> dict[str, Any]:
        return {}

    def parse(self, form: MultiDict, name: str, data: Spec, layout: Layout) -> Any:
        """Turn form input into a JSON-able response; None when unanswered. Never raises."""
        raise NotImplementedError

    def problem(self, form: MultiDict, name: str, data: Spec, layout: Layout) -> str | None:
        """Why the form's answer contradicts itself and must not be stored; None when it may be."""
        return None

    def grade(self, data: Spec, response: Any) -> float:
        raise NotImplementedError

    def describe(self, data: Spec, response: Any) -> str:
        """The learner's response in words."""
        raise NotImplementedError

    def describe_key(self, data: Spec) -> str:
        raise NotImplementedError

    def review_fields(self, data: Spec, response: Any) -> dict[str, Any] | None:
        """What the type's `review(q)` macro shows beside the two descriptions (it holds the key); None: nothing."""
        return None

    def key_response(self, data: Spec) -> Any:
        """The response that earns full marks."""
        raise NotImplementedError

    def form_fields(self, name: str, data: Spec, layout: Layout, response: Any) -> dict[str, Any]:
        """The fields a browser sends for `response`: the inverse of parse()."""
        raise NotImplementedError

    def quiz_fields(self, name: str, data: Spec, layout: Layout, response: Any) -> dict[str, Any]:
        """What the type's `fields(q)` macro needs to show `response` in the fields named after `name`."""
        raise NotImplementedError

    def preview(self, data: Spec, layout: Layout) -> list[list[str]]:
        """The question's lists in shown order (its options, its items), for the host's screen while it is open."""
        return []

    def tally(self, data: Spec, layout: Layout, responses: list[Any]) -> list[OptionCount]:
        """The room's answers counted per option, for the host once the question closes; [] when the
        right, partly right and wrong counts say it all."""
        return []

    def same_question(self, old: Spec, new: Spec) -> bool:
        """Whether `new` shows the learner what `old` did, so a response to `old` may be graded by `new`'s key
        (`flask regrade`): every field but the key fields unchanged."""
        unkeyed = lambda data: {field: value for field, value in data.items() if field not in self.key_fields}
        return unkeyed(old) == unkeyed(new)

    def carried_response(self, old: Spec, new: Spec, response: Any) -> Any:
        """A response to `old` as the same answer to `new` (for a type whose response names items by place)."""
        return response

    # Exports (app/content/export/): a type that a format cannot hold keeps these defaults.
    def moodle_xml(self, data: Spec, question: Element) -> None:
        """Set the Moodle XML `<question>`'s type and add the type's own fields and answers (qformat_xml's names)
        after the shared header it already holds (a Cloze question writes its answers into the header's text).

        :raise NotExpressible: when Moodle XML has no such type.
        """
        raise NotExpressible(f"Moodle XML has no question type for “{self.label}” questions")

    def gift(self, data: Spec) -> str:
        """The answer lines inside a GIFT question's braces, GIFT's reserved characters escaped.

        :raise NotExpressible: when GIFT has no syntax for such a question.
        """
        raise NotExpressible(f"GIFT has no syntax for “{self.label}” questions")

    def key_html(self, data: Spec) -> str:
        """The key with its reasons as HTML, put before the explanation in the exports' feedback and on the
        handout's answer key; '' when the key line and the explanation say it all."""
        return ""

    def handout(self, data: Spec, layout: Layout) -> dict[str, Any]:
        """What the printed handout shows under the prompt, in `layout`'s order: `choices` with a `mark` to tick,
        `places` (items to number), `lefts` and `options` (to match), and `lines` of space to write in."""
        return {"lines": 3}

    def distribution(self, data: Spec, answers: list[tuple[Any, int]]) -> list[AnswerCount]:
        """Each distinct answer given, merged as the grader sees them, with how many gave it, its credit and
        whether it is the key; the key is listed even when nobody gave it. Most given first.

        `answers` are (stored response, count) pairs, already counted by the database. This default gives a
        type's own `tally` rows (per grade, band or cell) where it has one, and otherwise merges responses that
        describe() words alike, so a new type needs no code; types override it where the
        grader merges more (numbers, normalised text) or where every option should be listed."""
        if type(self).tally is not QuestionType.tally:  # the type counts per option already: its rows, weighted
            responses = [response for response, count in answers for _ in range(count)]
            return [AnswerCount(row.text, row.count, 1.0 if row.key else 0.0, row.key)
                    for row in self.tally(data, {}, responses)]
        merged: dict[str, list] = {}
        for response, count in answers:
            entry = merged.setdefault(self.describe(data, response), [0, self.grade(data, response)])
            entry[0] += count
        key_response = self.key_response(data)
        merged.setdefault(self.describe(data, key_response), [0, self.grade(data, key_response)])
        return ranked([AnswerCount(text, count, credit, credit >= FULL_CREDIT)
                       for text, (count, credit) in merged.items()])


def ranked(counts: list[AnswerCount]) -> list[AnswerCount]:
    """Most given first; among equals the key, then the better credited, then alphabetically."""
    return sorted(counts, key=lambda a: (-a.count, not a.key, -a.credit, a.text.casefold()))
