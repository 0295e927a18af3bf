"""Estimative probability: how likely a judgement is, as an ICD 203 term or a percentage, against the key's band."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from app.content.export.pieces import gift_escape, gift_options, html_text, percent, xml_answer, xml_field
from app.content.markup import render_markdown
from app.quiz.types.base import FieldProblem, OptionCount, QuestionType, share_field, text_field


@dataclass(frozen=True)
class Band:
    key: str
    term: str
    alternative: str
    low: int
    high: int

    @property
    def text(self) -> str:
        return f"{self.term} ({self.low}–{self.high}%)"


BANDS = (  # ICD 203's expressions of likelihood, in order; neighbouring bands share their boundary
    Band("almost_no_chance", "almost no chance", "remote", 1, 5),
    Band("very_unlikely", "very unlikely", "highly improbable", 5, 20),
    Band("unlikely", "unlikely", "improbable", 20, 45),
    Band("roughly_even", "roughly even chance", "roughly even odds", 45, 55),
    Band("likely", "likely", "probable", 55, 80),
    Band("very_likely", "very likely", "highly probable", 80, 95),
    Band("almost_certain", "almost certain", "nearly certain", 95, 99),
)
BAND_INDEX = {band.key: index for index, band in enumerate(BANDS)}
PERCENT_CHOICE = "percent"  # the radio button that says "my answer is the percentage I typed"
PERCENT_TEXT = re.compile(r"\s*(\d{1,2})\s*%?\s*")


def read_percent(text: str) -> int | None:
    """'70', ' 70 % ' as 70; None unless a whole number from 1 to 99."""
    match = PERCENT_TEXT.fullmatch(text) if text.isascii() else None
    return int(match.group(1)) if match and 1 <= int(match.group(1)) <= 99 else None


class Probability(QuestionType):
    name, label = "probability", "How likely is it?"

    def build(self, raw):
        if raw.get("band") not in BAND_INDEX:
            raise FieldProblem("band", f"must be one of {', '.join(BAND_INDEX)}")
        return {"band": raw["band"], "adjacent_credit": share_field(raw, "adjacent_credit", 0.5),
                "rationale": render_markdown(text_field(raw.get("rationale"), "rationale"))}

    def bands_of(self, response) -> list[int]:
        """The bands a stored response falls in: one for a term, one or two (on a boundary) for a percentage."""
        if not isinstance(response, Mapping):
            return []
        term, percent = response.get("term"), response.get("percent")
        if isinstance(term, str) and term in BAND_INDEX:
            return [BAND_INDEX[term]]
        if type(percent) is int and 1 <= percent <= 99:
            return [index for index, band in enumerate(BANDS) if band.low <= percent <= band.high]
        return []

    def problem(self, form, name, data, layout):
        typed = form.get(f"{name}-percent", "").strip()
        if form.get(f"{name}-term", "") in ("", PERCENT_CHOICE) and typed and read_percent(typed) is None:
            return "Give the percentage as a whole number from 1 to 99, or choose a term."
        return None

    def parse(self, form, name, data, layout):
        choice = form.get(f"{name}-term", "")
        if choice in BAND_INDEX:
            return {"term": choice}
        percent = read_percent(form.get(f"{name}-percent", "")) if choice in ("", PERCENT_CHOICE) else None
        return {"percent": percent} if percent is not None else None

    def grade(self, data, response):
        key = BAND_INDEX[data["band"]]
        credits = [1.0 if index == key else data["adjacent_credit"] if abs(index - key) == 1 else 0.0
                   for index in self.bands_of(response)]
        return max(credits, default=0.0)

    def describe(self, data, response):
        bands = self.bands_of(response)
        if not bands:
            return "No answer"
        within = " or ".join(BANDS[index].text for index in bands)
        return within if "term" in response else f"{response['percent']}%, which is {within}"

    def describe_key(self, data):
        return BANDS[BAND_INDEX[data["band"]]].text

    def key_response(self, data):
        return {"term": data["band"]}

    def form_fields(self, name, data, layout, response):
        if self.bands_of(response) and "term" in response:
            return {f"{name}-term": response["term"], f"{name}-percent": ""}
        if self.bands_of(response):
            return {f"{name}-term": PERCENT_CHOICE, f"{name}-percent": str(response["percent"])}
        return {f"{name}-term": "", f"{name}-percent": ""}

    def quiz_fields(self, name, data, layout, response):
        fields = self.form_fields(name, data, layout, response)
        return {"field": f"{name}-term", "percent_field": f"{name}-percent",
                "options": [{"value": band.key, "term": band.term, "alternative": band.alternative,
                             "range": f"{band.low}–{band.high}%", "checked": fields[f"{name}-term"] == band.key}
                            for band in BANDS],
                "percent_value": PERCENT_CHOICE, "percent_checked": fields[f"{name}-term"] == PERCENT_CHOICE,
                "percent": fields[f"{name}-percent"]}

    def review_fields(self, data, response):
        bands = self.bands_of(response)
        given = None
        if bands:
            given = response["term"] if "term" in response else f"{response['percent']}%"
        return {"given": given, "given_bands": [BANDS[index].text for index in bands],
                "key": BANDS[BAND_INDEX[data["band"]]].text, "rationale_html": data["rationale"]}

    def preview(self, data, layout):
        return [[band.text for band in BANDS]]

    def tally(self, data, layout, responses):
        """Per band, the answers that fall in it (a percentage on a boundary counts in both bands)."""
        falls = [self.bands_of(response) for response in responses]
        return [OptionCount(band.text, sum(index in bands for bands in falls), band.key == data["band"])
                for index, band in enumerate(BANDS)]

    # Exports: the seven terms as a single-answer multiple choice in scale order; the percentage answer has no
    # Moodle or GIFT form, so the exported question is answered with a term only (the exports page says so).
    def fractions(self, data) -> list[float]:
        """Each band's share of the marks: 1 for the key, adjacent_credit beside it, 0 beyond."""
        key = BAND_INDEX[data["band"]]
        return [1.0 if index == key else data["adjacent_credit"] if abs(index - key) == 1 else 0.0
                for index in range(len(BANDS))]

    def key_html(self, data):
        return (f"<p><strong>Key: {html_text(BANDS[BAND_INDEX[data['band']]].text)}.</strong></p>"
                f"{data['rationale']}")

    def moodle_xml(self, data, question):
        question.set("type", "multichoice")
        xml_field(question, "single", "true")
        xml_field(question, "shuffleanswers", "false")  # a scale, read in order
        xml_field(question, "answernumbering", "none")
        xml_field(question, "showstandardinstruction", "0")
        for band, fraction in zip(BANDS, self.fractions(data)):
            xml_answer(question, fraction, html_text(band.text))

    def gift(self, data):
        def marker(fraction: float) -> str:
            return "=" if fraction == 1 else f"~%{percent(fraction)}%" if fraction else "~"
        return gift_options((marker(fraction), gift_escape(html_text(band.text)))
                            for band, fraction in zip(BANDS, self.fractions(data)))

    def handout(self, data, layout):
        return {"choices": [band.text for band in BANDS], "mark": "○", "percent": True}
