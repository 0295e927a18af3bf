"""The bank outside the app: Moodle XML and GIFT files read back by parsers that are not ours.

Every question of every module is exported, parsed and compared with the bank as the content
states it (the expected fractions are worked out here from the YAML fields, not by the export).
Moodle XML's multichoice questions are read by `moodle-xml-parser` (PyPI), which reads no other
type; the other types are read along the paths Moodle's own importer reads (qformat_xml:
question/format/xml/format.php and question/type/ordering/questiontype.php), with ElementTree.
Cloze (multianswer) question texts are read by `read_cloze` below, a port of Moodle's
qtype_multianswer_extract_question for MULTICHOICE gaps, and each gap again by moodle-xml-parser's
own Cloze gap reader. GIFT files are read by `pygiftparser` (PyPI).
"""
from __future__ import annotations

import dataclasses
import html
import io
import re
import warnings
import xml.etree.ElementTree as ET

import pytest
from moodle_xml_parser.cloze_logic import parse_cloze_gap_content
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
                "numeric": "numerical", "text": "shortanswer", "order": "ordering", "match": "matching",
                "probability": "multichoice", "source_grade": "multianswer", "ach": "multianswer"}
GIFT_SETS = {"single": gift_answers.SelectSet, "multiple": gift_answers.MultipleChoicesSet,
             "true_false": gift_answers.TrueFalseSet, "numeric": gift_answers.NumericAnswerSet,
             "text": gift_answers.ShortSet, "match": gift_answers.MatchingSet, "probability": gift_answers.SelectSet}
GIFT_CANNOT = {"order": "Put in order", "source_grade": "Grade the source", "ach": "Weigh the hypotheses"}
# The scales as the content format states them (types-format.md): ICD 203's bands, the Admiralty grades.
BANDS = [("almost_no_chance", "almost no chance (1–5%)"), ("very_unlikely", "very unlikely (5–20%)"),
         ("unlikely", "unlikely (20–45%)"), ("roughly_even", "roughly even chance (45–55%)"),
         ("likely", "likely (55–80%)"), ("very_likely", "very likely (80–95%)"),
         ("almost_certain", "almost certain (95–99%)")]
RELIABILITY = ["A — completely reliable", "B — usually reliable", "C — fairly reliable",
               "D — not usually reliable", "E — unreliable", "F — reliability cannot be judged"]
CREDIBILITY = ["1 — confirmed by other sources", "2 — probably true", "3 — possibly true", "4 — doubtful",
               "5 — improbable", "6 — truth cannot be judged"]
MARKS = {"C": "Consistent", "I": "Inconsistent", "N": "Not applicable"}

# qtype_multianswer's ANSWER_ALTERNATIVE_REGEX: a fraction (= or %n%), the answer up to an unescaped ~ # or },
# and an optional #feedback.
CLOZE_START = re.compile(r"\{([0-9]*):(MULTICHOICE|MC):")
CLOZE_ALTERNATIVE = re.compile(r"(=|%(-?[0-9]+(?:[.,][0-9]*)?)%)?(.+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$))"
                               r"(#(.*?(?<!\\)(?=[~}]|$)))?", re.S)


def expected_fractions(data) -> list[float]:
    """Percent per choice as the content states the key: a right choice of n earns 100/n, a wrong one of m costs 100/m."""
    if "answer" in data:
        return [100.0 if index == data["answer"] else 0.0 for index in range(len(data["choices"]))]
    right = set(data["answers"])
    wrong = len(data["choices"]) - len(right)
    return [100 / len(right) if index in right else -100 / wrong for index in range(len(data["choices"]))]


def band_fractions(data) -> list[float]:
    """Percent per ICD 203 band: 100 for the key's, adjacent_credit × 100 for the next on either side."""
    key = [band for band, _ in BANDS].index(data["band"])
    return [100.0 if i == key else 100 * data["adjacent_credit"] if abs(i - key) == 1 else 0.0 for i in range(7)]


def grade_fractions(scale: list[str], key: str, adjacent: float) -> list[float]:
    """Share per grade of one Admiralty axis: 1 for the key, `adjacent` one step away within A–E or 1–5."""
    k = [grade[0] for grade in scale].index(key)
    return [1.0 if i == k else adjacent if abs(i - k) == 1 and max(i, k) < 5 else 0.0 for i in range(6)]


def read_cloze(text: str) -> list[tuple[int, list[tuple[float, str]], str]]:
    """The MULTICHOICE gaps of a Cloze question text as qtype_multianswer_extract_question reads them:
    (weight, [(fraction, answer)], the gap as written). Answers are entity-decoded and unescaped as Moodle does."""
    gaps, position = [], 0
    while start := CLOZE_START.search(text, position):
        options, position = [], start.end()
        while True:
            alternative = CLOZE_ALTERNATIVE.match(text, position)
            assert alternative, f"unreadable Cloze answer at {text[position:position + 60]!r}"
            marker, percent_, answer = alternative.group(1, 2, 3)
            fraction = 1.0 if marker == "=" else float(percent_.replace(",", ".")) / 100 if percent_ else 0.0
            options.append((fraction, html.unescape(answer).replace("\\}", "}").replace("\\#", "#")))
            position = alternative.end()
            if text[position] == "}":
                break
            assert text[position] == "~"
            position += 1
        position += 1
        gaps.append((int(start.group(1) or 1), options, text[start.start():position]))
    return gaps


def moodle_score(gaps, chosen: list[int]) -> float:
    """What Moodle gives a Cloze question: each gap's weight × the chosen option's fraction, over all weights."""
    return sum(w * options[i][0] for (w, options, _), i in zip(gaps, chosen)) / sum(w for w, _, _ in gaps)


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
    choices = [q for q in module.questions if q.type in ("single", "multiple", "probability")]
    assert sorted(parsed) == sorted(q.id for q in choices)
    for question in choices:
        spec, data, read = question.spec, plain(question.spec["data"]), parsed[question.id]
        assert read.single is (question.type != "multiple"), question.id
        assert read.text_pre_parse == html.unescape(spec["prompt_html"]).strip()
        assert read.default_grade == spec["points"]
        assert read.general_feedback == html.unescape(general_feedback(question)).strip()
        if question.type == "probability":  # the seven terms in scale order, the key band and its neighbours scored
            assert [o.answer for o in read.options] == [text for _, text in BANDS]
            assert [o.score_fraction for o in read.options] == pytest.approx(band_fractions(data), abs=1e-4)
            assert read.shuffle_answers is False
            continue
        assert [o.answer for o in read.options] == data["choices"]
        assert [o.score_fraction for o in read.options] == pytest.approx(expected_fractions(data), abs=1e-4)
        assert read.shuffle_answers is data["shuffle"]
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
        if element.get("type") == "multianswer":  # Cloze: the prompt, then the material with its embedded gaps
            assert text_of(element, "questiontext/text").startswith(spec["prompt_html"]), question.id
        else:
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
        elif question.type == "probability":
            assert [html.unescape(t) for t in texts] == [text for _, text in BANDS]
            assert fractions == pytest.approx(band_fractions(data))
        elif question.type in ("source_grade", "ach"):
            assert answers == []  # a Cloze question's answers live in its text
        else:
            assert [html.unescape(t) for t in texts] == data["choices"]


def cloze_questions(catalog, qtype: str):
    """Each question of `qtype` in the banks, with its exported `<question>` and the Cloze gaps read from its text."""
    for module_id in MODULES:
        module = catalog.module(module_id)
        elements = {text_of(e, "name/text"): e for e in ET.fromstring(module_moodle_xml(module).text)}
        for question in module.questions:
            if question.type == qtype:
                element = elements[question.id]
                gaps = read_cloze(text_of(element, "questiontext/text"))
                for weight, options, written in gaps:  # moodle-xml-parser's own reading of each gap agrees
                    other = parse_cloze_gap_content(written)
                    assert (other.sub_grade, other.sub_type) == (weight, "MULTICHOICE")
                    assert [(o.score / 100, html.unescape(o.answer)) for o in other.options] == options
                yield question, element, gaps


def test_moodle_cloze_grades_a_source_on_two_dropdowns_scored_as_the_app_scores_them(catalog):
    found = list(cloze_questions(catalog, "source_grade"))
    assert len(found) >= 6
    qtype = QUESTION_TYPES["source_grade"]
    for question, element, gaps in found:
        data = question.spec["data"]
        reliability, credibility = gaps
        assert reliability[:2] == (1, list(zip(grade_fractions(RELIABILITY, data["reliability"], data["adjacent_credit"]),
                                               RELIABILITY))), question.id
        assert credibility[:2] == (1, list(zip(grade_fractions(CREDIBILITY, str(data["credibility"]),
                                                               data["adjacent_credit"]), CREDIBILITY)))
        text = html.unescape(text_of(element, "questiontext/text"))
        report = data["report"]
        assert f"“{report['quote']}”" in text and f"({report['short']}, ¶{report['paragraph']})" in text
        feedback = text_of(element, "generalfeedback/text")
        assert data["rationale"]["reliability"] in feedback and data["rationale"]["credibility"] in feedback
        assert question.spec["explanation_html"] in feedback and "<strong>Evidence</strong>" in feedback
        for r, c in ((0, 0), (1, 2), (4, 5), (5, 3), (2, 1)):  # Moodle's mark equals the app's for any pair of grades
            response = {"reliability": "ABCDEF"[r], "credibility": c + 1}
            assert moodle_score(gaps, [r, c]) == pytest.approx(qtype.grade(data, response)), (question.id, response)


def test_moodle_cloze_holds_the_ach_matrix_with_its_weights_and_the_conclusions_share(catalog):
    found = list(cloze_questions(catalog, "ach"))
    assert len(found) >= 2
    qtype = QUESTION_TYPES["ach"]
    for question, element, gaps in found:
        data = question.spec["data"]
        *cells, conclusion = gaps
        keys = [key for row in data["rows"] for key in row["cells"]]
        assert [options for _, options, _ in cells] == [
            [(1.0 if mark == key else 0.0, word) for mark, word in MARKS.items()] for key in keys]
        assert conclusion[1] == [(1.0 if h == data["conclusion"] else 0.0, f"H{h + 1} {text}")
                                 for h, text in enumerate(data["hypotheses"])]
        (one,) = {w for (w, _, _), key in zip(cells, keys) if key != "I"}
        assert {w for (w, _, _), key in zip(cells, keys) if key == "I"} == {one * data["inconsistent_weight"]}
        total = sum(w for w, _, _ in gaps)
        assert conclusion[0] / total == pytest.approx(data["conclusion_share"], abs=1 / total)
        text = html.unescape(text_of(element, "questiontext/text"))
        for row in data["rows"]:
            assert f"“{row['quote']}” ({row['short']}, ¶{row['paragraph']})" in text
        feedback = text_of(element, "generalfeedback/text")
        assert all(reason in feedback for row in data["rows"] for reason in row["reasons"])
        # Moodle's mark equals the app's: the key; every cell consistent with a wrong conclusion; all N and the key's conclusion
        width, wrong = len(data["hypotheses"]), (data["conclusion"] + 1) % len(data["hypotheses"])
        for marks, concluded in ((keys, data["conclusion"]), (["C"] * len(keys), wrong),
                                 (["N"] * len(keys), data["conclusion"])):
            chosen = [list(MARKS).index(mark) for mark in marks] + [concluded]
            response = {"cells": [list(marks[i:i + width]) for i in range(0, len(marks), width)], "conclusion": concluded}
            assert moodle_score(gaps, chosen) == pytest.approx(qtype.grade(data, response)), question.id


def test_ach_cloze_weights_that_cannot_be_exact_are_rounded_to_tenths_and_the_file_says_so(catalog):
    row = {"source": "orton-2017", "quote": "q", "short": "Orton 2017", "paragraph": 1, "cells": ["C", "I"],
           "reasons": ["a", "b"]}
    question = made_question(catalog, "ach", hypotheses=["one", "two"], conclusion=1, inconsistent_weight=1.7,
                             conclusion_share=0.33, rows=[row, row])
    question = dataclasses.replace(question, spec={**question.spec, "data": {**question.spec["data"], "rows": [
        {**built, "short": "Orton 2017", "paragraph": 1} for built in question.spec["data"]["rows"]]}})
    exported = module_moodle_xml(dataclasses.replace(catalog.module("amaq"), questions=(question,))).text
    gaps = read_cloze(text_of(ET.fromstring(exported).findall("question")[1], "questiontext/text"))
    # matrix 2 × 1 + 2 × 1.7 = 5.4; conclusion 0.33 × 5.4 / 0.67 = 2.66 (no exact scale up to 100): tenths, rounded
    assert [w for w, _, _ in gaps] == [10, 17, 10, 17, 27]
    assert 27 / 81 == pytest.approx(0.33, abs=1 / 81)
    assert "<!-- Cloze weights are whole numbers: the conclusion weighs 27 of 81 marks (33.3%)" in exported


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
def test_gift_round_trips_through_an_independent_parser_and_leaves_out_ordering_and_cloze_types(catalog, module_id):
    module = catalog.module(module_id)
    exported = module_gift(module)
    read = {q.title: q for q in gift_parser.parseFile(io.StringIO(exported.text))}
    cannot = [(q.id, f"GIFT has no syntax for “{GIFT_CANNOT[q.type]}” questions")
              for q in module.questions if q.type in GIFT_CANNOT]
    assert [(item.question_id, item.reason) for item in exported.left_out] == cannot
    assert sorted(read) == sorted(q.id for q in module.questions if q.type not in GIFT_CANNOT)
    for question in module.questions:
        if question.type in GIFT_CANNOT:
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
        elif question.type == "probability":
            assert [html.unescape(htmlRendering(a.answer)) for a in answers.answers] == [text for _, text in BANDS]
            assert [a.fraction for a in answers.answers] == pytest.approx(band_fractions(data), abs=1e-4)
        else:
            assert [html.unescape(htmlRendering(a.answer)) for a in answers.answers] == data["choices"]
            assert [a.fraction for a in answers.answers] == pytest.approx(expected_fractions(data), abs=1e-4)


def made_question(catalog, qtype: str, **fields) -> Question:
    """A question built as the loader builds one, with an evidence passage from the real amaq bank."""
    model = catalog.questions["amaq-ostensibly-independent"].spec
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
    module = dataclasses.replace(catalog.module("amaq"), questions=(catalog.questions["amaq-ostensibly-independent"], question))
    moodle, gift = module_moodle_xml(module), module_gift(module)
    assert [(i.question_id, i.reason) for i in moodle.left_out] == [
        ("made-unexported", "Moodle XML has no question type for “Grade the source” questions")]
    assert [(i.question_id, i.reason) for i in gift.left_out] == [
        ("made-unexported", "GIFT has no syntax for “Grade the source” questions")]
    assert "made-unexported" not in moodle.text and "amaq-ostensibly-independent" in moodle.text
