"""A module's question bank as Moodle XML (docs.moodle.org/en/Moodle_XML_format; qformat_xml's fields)."""
from __future__ import annotations

import html
from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from app.content.export.pieces import NotExpressible, citation, number, xml_field, xml_text
from app.content.model import Module, Question
from app.quiz.types import QUESTION_TYPES

# Moodle's default penalty per wrong try (used only in adaptive quizzes), as its own exports write it.
PENALTY = "0.3333333"


@dataclass(frozen=True)
class LeftOut:
    """A question an export could not hold, and why."""

    question_id: str
    reason: str


@dataclass(frozen=True)
class Export:
    """An export's text, and the questions it had to leave out."""

    text: str
    left_out: tuple[LeftOut, ...]


def general_feedback(question: Question) -> str:
    """The type's key with its reasons (if it gives any), the explanation, then each evidence passage verbatim
    with its citation ("Orton 2017, ¶4")."""
    spec = question.spec
    passages = "".join(
        f'<blockquote><p>“{html.escape(e["quote"], quote=False)}”</p>'
        f"<p>({html.escape(citation(e), quote=False)})</p></blockquote>" for e in spec["evidence"])
    key = QUESTION_TYPES[question.type].key_html(spec["data"])
    return f'{key}{spec["explanation_html"]}<p><strong>Evidence</strong></p>{passages}'


def category_name(module: Module) -> str:
    """The Moodle category path; a '/' in a title is written '//', as Moodle escapes it."""
    return f"$course$/top/Groundwork/{module.title.replace('/', '//')}"


def question_element(question: Question) -> Element:
    """One `<question>`: the shared header, then the type's own fields (a Cloze type also writes its answers
    into the question text).

    :raise NotExpressible: when the question's type has no Moodle XML form.
    """
    spec = question.spec
    element = Element("question")
    xml_text(element, "name", question.id, None)
    xml_text(element, "questiontext", spec["prompt_html"])
    xml_text(element, "generalfeedback", general_feedback(question))
    xml_field(element, "defaultgrade", number(spec["points"]))
    xml_field(element, "penalty", PENALTY)
    xml_field(element, "hidden", 0)
    xml_field(element, "idnumber", question.id)
    QUESTION_TYPES[question.type].moodle_xml(spec["data"], element)
    return element


def module_moodle_xml(module: Module) -> Export:
    """The module's bank as one Moodle XML quiz file, in a category named after the module."""
    quiz = Element("quiz")
    category = SubElement(quiz, "question", {"type": "category"})
    xml_text(category, "category", category_name(module), None)
    xml_text(category, "info", html.escape(module.summary, quote=False))
    left_out = []
    for question in module.questions:
        try:
            quiz.append(question_element(question))
        except NotExpressible as exc:
            left_out.append(LeftOut(question.id, str(exc)))
    indent(quiz)
    body = tostring(quiz, encoding="unicode")
    return Export(f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n', tuple(left_out))
