"""The bank outside the app: Moodle XML and GIFT files read back by parsers that are not ours.

Every question of every module is exported, parsed and compared with the bank as the content
states it (the expected fractions are worked out here from the YAML fields, not by the export).
Moodle XML's multichoice questions are read by `moodle-xml-parser` (PyPI), which reads no other
type; the other types are read along the paths Moodle's own importer reads (qformat_xml:
question/format/xml/format.php and question/type/ordering/questiontype.php), with ElementTree.
GIFT files are read by `pygiftparser` (PyPI).
"""
from __future__ import annotations

import dataclasses
import html
import io
import warnings
import xml.etree.ElementTree as ET

import pytest
from moodle_xml_parser.parser import parse_string

with warnings.catch_warnings():  # pygiftparser asks for the locale the deprecated way
    warnings.simplefilter("ignore", DeprecationWarning)
    from pygiftparser import answer as gift_answers
    from pygiftparser import parser as gift_parser
    from pygiftparser.utils import htmlRendering, markupRendering

from app.content.export.gift import module_gift
from app.content.export.moodle_xml import general_feedback, module_moodle_xml
from app.content.model import Question
from app.quiz.types import QUESTION_TYPES, QuestionType

MODULES = ["amaq", "breaking-the-walls", "provinces-alliances", "crypto-finance", "critical-reading", "review"]
MOODLE_TYPES = {"single": "multichoice", "multiple": "multichoice", "true_false": "truefalse",
                "numeric": "numerical", "text": "shortanswer", "order": "ordering", "match": "matching"}
GIFT_SETS = {"single": gift_answers.SelectSet, "multiple": gift_answers.MultipleChoicesSet,
             "true_false": gift_answers.TrueFalseSet, "numeric": gift_answers.NumericAnswerSet,
             "text": gift_answers.ShortSet, "match": gift_answers.MatchingSet}


def expected_fractions(data) -> list[float]:
    """Percent per choice as the content states the key: a right choice of n earns 100/n, a wrong one of m costs 100/m."""
    if "answer" in data:
        return [100.0 if index == data["answer"] else 0.0 for index in range(len(data["choices"]))]
    right = set(data["answers"])
    wrong = len(data["choices"]) - len(right)
    return [100 / len(right) if index in right else -100 / wrong for index in range(len(data["choices"]))]


def plain(data) -> dict:
    """A spec's data with its tuples as lists, to compare with what a parser returns."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in data.items()}


def flat(text: str) -> str:
    return " ".join(text.split())


def text_of(element, path: str) -> str:
    found = element.find(path)
    return (found.text or "") if found is not None else ""


@pytest.mark.parametrize("module_id", MODULES)
def test_moodle_xml_multichoice_round_trips_through_an_independent_parser(catalog, module_id):
    module = catalog.module(module_id)
    exported = module_moodle_xml(module)
    parsed = {q.name: q for q in parse_string(exported.text)["multichoice"]}
    choices = [q for q in module.questions if q.type in ("single", "multiple")]
    assert sorted(parsed) == sorted(q.id for q in choices)
    for question in choices:
        spec, data, read = question.spec, plain(question.spec["data"]), parsed[question.id]
        assert read.single is (question.type == "single"), question.id
        assert read.text_pre_parse == html.unescape(spec["prompt_html"]).strip()
        assert [o.answer for o in read.options] == data["choices"]
        assert [o.score_fraction for o in read.options] == pytest.approx(expected_fractions(data), abs=1e-4)
        assert read.shuffle_answers is data["shuffle"]
        assert read.default_grade == spec["points"]
        assert read.general_feedback == html.unescape(general_feedback(question)).strip()
        if question.type == "multiple":  # Moodle refuses a multiple-answer question whose right answers do not add up to 100%
            assert round(sum(o.score_fraction for o in read.options if o.score_fraction > 0) / 100, 2) == 1


@pytest.mark.parametrize("module_id", MODULES)
def test_moodle_xml_holds_every_question_of_every_type_as_moodle_reads_it(catalog, module_id):
    module = catalog.module(module_id)
    exported = module_moodle_xml(module)
    assert exported.left_out == ()
    root = ET.fromstring(exported.text)
    category, *questions = root.findall("question")
    assert category.get("type") == "category" and module.title in text_of(category, "category/text")
    assert [text_of(q, "name/text") for q in questions] == [q.id for q in module.questions]
    for question, element in zip(module.questions, questions):
        spec, data = question.spec, plain(question.spec["data"])
        assert element.get("type") == MOODLE_TYPES[question.type], question.id
        assert element.find("questiontext").get("format") == "html"
        assert text_of(element, "questiontext/text") == spec["prompt_html"]
        assert text_of(element, "idnumber") == question.id
        answers = element.findall("answer")
        texts = [text_of(a, "text") for a in answers]
        fractions = [float(a.get("fraction")) for a in answers]
        if question.type == "true_false":
            assert dict(zip(texts, fractions)) == {"true": 100.0 * data["answer"], "false": 100.0 * (not data["answer"])}
        elif question.type == "numeric":
            assert [float(t) for t in texts] == [data["answer"]] and fractions == [100.0]
            assert float(text_of(answers[0], "tolerance")) == data["tolerance"]
            assert text_of(element, "units/unit/unit_name") == (data["unit"] or "")
        elif question.type == "text":
            assert texts == data["accept"] and fractions == [100.0] * len(data["accept"])
            assert text_of(element, "usecase") == ("1" if data["case_sensitive"] else "0")
        elif question.type == "order":
            # qtype_ordering: the answers' fractions are the items' places, graded pair by pair as our grader does
            assert [html.unescape(t) for t in texts] == data["items"]
            assert fractions == list(range(1, len(data["items"]) + 1))
            assert {tag: text_of(element, tag) for tag in ("layouttype", "selecttype", "gradingtype")} == {
                "layouttype": "VERTICAL", "selecttype": "ALL", "gradingtype": "RELATIVE_ALL_PREVIOUS_AND_NEXT"}
            assert int(text_of(element, "selectcount")) == len(data["items"])
        elif question.type == "match":
            pairs = [(html.unescape(text_of(s, "text")), text_of(s, "answer/text")) for s in element.findall("subquestion")]
            assert pairs == [*zip(data["lefts"], data["rights"]), *(("", d) for d in data["distractors"])]
        else:
            assert [html.unescape(t) for t in texts] == data["choices"]


def test_the_general_feedback_gives_the_explanation_and_each_passage_with_its_citation(catalog):
    question = catalog.questions["amaq-ostensibly-independent"]
    root = ET.fromstring(module_moodle_xml(catalog.module("amaq")).text)
    element = next(q for q in root.findall("question") if text_of(q, "name/text") == question.id)
    feedback = text_of(element, "generalfeedback/text")
    assert feedback.startswith(question.spec["explanation_html"])
    assert "“Amaq was created in late 2014 as an ostensibly-independent news agency”" in feedback
    assert "(Orton 2017, ¶8)" in feedback and "(Orton 2017, ¶4)" in feedback
    assert feedback.count("<blockquote>") == len(question.spec["evidence"]) == 3


@pytest.mark.parametrize("module_id", MODULES)
def test_gift_round_trips_through_an_independent_parser_and_leaves_out_ordering(catalog, module_id):
    module = catalog.module(module_id)
    exported = module_gift(module)
    read = {q.title: q for q in gift_parser.parseFile(io.StringIO(exported.text))}
    ordering = [q.id for q in module.questions if q.type == "order"]
    assert [item.question_id for item in exported.left_out] == ordering
    assert all("GIFT has no syntax for “Put in order” questions" == item.reason for item in exported.left_out)
    assert sorted(read) == sorted(q.id for q in module.questions if q.type != "order")
    for question in module.questions:
        if question.type == "order":
            assert f"//   {question.id}: GIFT has no syntax" in exported.text.split("\n\n")[0]
            continue
        spec, data, parsed = question.spec, plain(question.spec["data"]), read[question.id]
        answers = parsed.answers
        assert type(answers) is GIFT_SETS[question.type] and answers.valid and parsed.valid, question.id
        assert parsed.markup == "html"
        assert markupRendering(parsed.text, parsed.markup) == flat(spec["prompt_html"])
        assert htmlRendering(parsed.generalFeedback) == flat(general_feedback(question))
        if question.type == "true_false":
            assert answers.answer is data["answer"]
        elif question.type == "numeric":
            (number,) = answers.answers
            assert (number.value, number.tolerance) == (data["answer"], data["tolerance"])
        elif question.type == "text":
            assert [htmlRendering(a.answer) for a in answers.answers] == data["accept"]
        elif question.type == "match":
            pairs = [(html.unescape(htmlRendering(a.question.strip())), htmlRendering(a.answer.strip()))
                     for a in answers.answers]
            assert pairs == [*zip(data["lefts"], data["rights"]), *(("", d) for d in data["distractors"])]
        else:
            assert [html.unescape(htmlRendering(a.answer)) for a in answers.answers] == data["choices"]
            assert [a.fraction for a in answers.answers] == pytest.approx(expected_fractions(data), abs=1e-4)


def made_question(catalog, qtype: str, **fields) -> Question:
    """A question built as the loader builds one, with an evidence passage from the real amaq bank."""
    model = catalog.questions["amaq-created-year"].spec
    spec = {**model, "id": f"made-{qtype}", "type": qtype, "data": QUESTION_TYPES[qtype].build(fields)}
    return Question(spec["id"], "amaq", qtype, spec)


def test_gift_escapes_its_reserved_characters_and_the_parser_reads_them_back(catalog):
    tricky = "a = b ~ c # d {e} f: g \\ h"
    # pygiftparser 1.1 ends an answer block at the first "}", escaped or not (Moodle's importer does
    # not), so the choice read back has no braces; the prompt, read in full, has them all.
    choice = "a = b ~ c # d: e"
    question = made_question(catalog, "single", choices=[choice, tricky], answer=1)
    question = dataclasses.replace(question, spec={**question.spec, "prompt_html": f"<p>{tricky}?</p>"})
    exported = module_gift(dataclasses.replace(catalog.module("amaq"), questions=(question,)))
    assert r"=a \= b \~ c \# d\: e" in exported.text
    assert r"~a \= b \~ c \# d \{e\} f\: g \\ h" in exported.text
    (parsed,) = gift_parser.parseFile(io.StringIO(exported.text))
    assert markupRendering(parsed.text, parsed.markup).replace("\\\\", "\\") == f"<p>{tricky}?</p>"
    assert htmlRendering(parsed.answers.answers[0].answer) == choice
    assert parsed.answers.answers[0].fraction == 100


def test_gift_leaves_out_a_case_sensitive_short_answer_and_says_why(catalog):
    question = made_question(catalog, "text", accept=["Amaq"], case_sensitive=True)
    exported = module_gift(dataclasses.replace(catalog.module("amaq"), questions=(question,)))
    assert [(item.question_id, item.reason) for item in exported.left_out] == [
        ("made-text", "GIFT cannot mark a short answer case-sensitive (Moodle reads it as case-insensitive)")]
    assert "made-text: GIFT cannot mark" in exported.text
    moodle = ET.fromstring(module_moodle_xml(dataclasses.replace(catalog.module("amaq"), questions=(question,))).text)
    assert text_of(moodle.findall("question")[1], "usecase") == "1"


def test_a_type_without_export_methods_is_left_out_with_its_label(catalog, monkeypatch):
    """The default of QuestionType.moodle_xml and .gift, which a new type inherits until it says otherwise."""
    class Unexported(QuestionType):
        name, label = "unexported", "Grade the source"

        def build(self, raw):
            return {}

    monkeypatch.setitem(QUESTION_TYPES, "unexported", Unexported())
    question = made_question(catalog, "unexported")
    module = dataclasses.replace(catalog.module("amaq"), questions=(catalog.questions["amaq-created-year"], question))
    moodle, gift = module_moodle_xml(module), module_gift(module)
    assert [(i.question_id, i.reason) for i in moodle.left_out] == [
        ("made-unexported", "Moodle XML has no question type for “Grade the source” questions")]
    assert [(i.question_id, i.reason) for i in gift.left_out] == [
        ("made-unexported", "GIFT has no syntax for “Grade the source” questions")]
    assert "made-unexported" not in moodle.text and "amaq-created-year" in moodle.text
