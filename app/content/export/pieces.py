"""Small writing helpers shared by the export formats and the question types' export methods."""
from __future__ import annotations

import html
from typing import Any, Iterable, Mapping
from xml.etree.ElementTree import Element, SubElement

GIFT_RESERVED = {"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:",
                 "\n": "\\n", "\r": ""}


class NotExpressible(Exception):
    """The export format has no way to hold a question; the message says why."""


def citation(evidence: Mapping[str, Any]) -> str:
    """'Orton 2017, ¶4': a passage's source and paragraph, as the app cites it."""
    return f"{evidence['short']}, ¶{evidence['paragraph']}"


def percent(fraction: float) -> str:
    """A share as Moodle writes a grade: 100, 50, 33.33333, -25."""
    return format(fraction * 100, ".7g")


def number(value: float) -> str:
    """A number in plain decimals, as both formats read it: 10000, 2.24, 0.01 (never 1e+04)."""
    return f"{value:.10f}".rstrip("0").rstrip(".") or "0"


def xml_text(parent: Element, tag: str, text: str, text_format: str | None = "html") -> Element:
    """`<tag format="..."><text>text</text></tag>`, qformat_xml's shape for every text field."""
    element = SubElement(parent, tag, {"format": text_format} if text_format else {})
    SubElement(element, "text").text = text
    return element


def xml_field(parent: Element, tag: str, value: Any) -> Element:
    element = SubElement(parent, tag)
    element.text = str(value)
    return element


def xml_answer(parent: Element, fraction: float, text: str, text_format: str = "html",
               **fields: Any) -> Element:
    """One `<answer fraction="...">` with an empty feedback and any further fields (tolerance)."""
    answer = xml_text(parent, "answer", text, text_format)
    answer.set("fraction", percent(fraction))
    xml_text(answer, "feedback", "")
    for tag, value in fields.items():
        xml_field(answer, tag, value)
    return answer


def cloze_answer(text: str) -> str:
    """Plain text as one answer of a Cloze dropdown: HTML-escaped, `}` and `#` backslashed as qtype_multianswer
    unescapes them, and `~` as an entity (Moodle leaves `\\~` as typed; it decodes entities)."""
    return html.escape(text, quote=False).replace("}", "\\}").replace("#", "\\#").replace("~", "&#126;")


def cloze_multichoice(weight: int, options: Iterable[tuple[float, str]]) -> str:
    """`{2:MULTICHOICE:=right~%50%near~wrong}`: one Cloze dropdown (docs.moodle.org/en/Embedded_Answers_(Cloze)_question_type)
    of `weight` marks, its options (share of credit, plain text) in the order given."""
    def marker(fraction: float) -> str:
        return "=" if fraction == 1 else f"%{percent(fraction)}%" if fraction else ""
    return f"{{{weight}:MULTICHOICE:" + "~".join(marker(f) + cloze_answer(text) for f, text in options) + "}"


def add_to_text(question: Element, field: str, html_text_: str, before: bool = False) -> None:
    """Add HTML to the end (or the start) of a `<field><text>` the question's header already holds."""
    text = question.find(f"{field}/text")
    text.text = html_text_ + (text.text or "") if before else (text.text or "") + html_text_


def html_text(text: str) -> str:
    """A plain choice or item as HTML (choices are written as plain text in the content)."""
    return html.escape(text, quote=False)


def gift_escape(text: str) -> str:
    """Text with GIFT's reserved characters escaped, as Moodle's own GIFT export writes them."""
    return "".join(GIFT_RESERVED.get(char, char) for char in text)


def gift_html(text: str) -> str:
    """HTML for a GIFT field: line breaks are insignificant in HTML, and a blank line would end the question."""
    return gift_escape(" ".join(text.split()))


def gift_options(options: Iterable[tuple[str, str]]) -> str:
    """GIFT answer lines: (marker, text) with the marker (=, ~, ~%50%) already chosen."""
    return "\n".join(f"\t{marker}{text}" for marker, text in options)
