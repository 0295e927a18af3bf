"""Grading a source (the Admiralty / NATO system): the source's reliability A–F and the information's credibility 1–6."""
from __future__ import annotations

from typing import Any, Mapping

from app.content.export.pieces import add_to_text, citation, cloze_multichoice, html_text
from app.content.markup import render_markdown
from app.quiz.types.base import FieldProblem, OptionCount, QuestionType, quote_field, share_field, text_field

RELIABILITY = {"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
               "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged"}
CREDIBILITY = {"1": "confirmed by other sources", "2": "probably true", "3": "possibly true",
               "4": "doubtful", "5": "improbable", "6": "truth cannot be judged"}
# F and 6 say the grade cannot be given, not that it is worse than E and 5: they are adjacent to nothing.
SCALES = {"reliability": list(RELIABILITY)[:5], "credibility": list(CREDIBILITY)[:5]}
AXES = (("reliability", "Reliability of the source", RELIABILITY),
        ("credibility", "Credibility of the information", CREDIBILITY))


def grade_text(axis: str, grade: Any) -> str | None:
    """'C — fairly reliable', '3 — possibly true'; None for no grade."""
    words = dict(RELIABILITY if axis == "reliability" else CREDIBILITY)
    return f"{grade} — {words[str(grade)]}" if grade is not None and str(grade) in words else None


class SourceGrade(QuestionType):
    name, label = "source_grade", "Grade the source"

    def build(self, raw):
        report = quote_field(raw.get("report"), "report")
        reliability, credibility = raw.get("reliability"), raw.get("credibility")
        if not isinstance(reliability, str) or reliability not in RELIABILITY:
            raise FieldProblem("reliability", "must be one of the letters A to F")
        if isinstance(credibility, bool) or not isinstance(credibility, int) or str(credibility) not in CREDIBILITY:
            raise FieldProblem("credibility", "must be a whole number from 1 to 6")
        rationale = raw.get("rationale")
        if not isinstance(rationale, Mapping):
            raise FieldProblem("rationale", "must be a mapping with a reliability and a credibility text")
        lines = {axis: rationale.line_of(axis) if hasattr(rationale, "line_of") else None for axis, _, _ in AXES}
        return {"report": report, "reliability": reliability, "credibility": credibility,
                "adjacent_credit": share_field(raw, "adjacent_credit", 0.5),
                "rationale": {axis: render_markdown(text_field(rationale.get(axis), f"rationale.{axis}", lines[axis]))
                              for axis, _, _ in AXES}}

    def quotes(self, raw):
        return [("report", raw.get("report"))]

    def cite(self, data, cited):
        return {**data, "report": cited[0]}

    def axis_credit(self, data, axis: str, given: Any) -> float:
        key = str(data[axis])
        if given is None or str(given) not in (RELIABILITY if axis == "reliability" else CREDIBILITY):
            return 0.0
        if str(given) == key:
            return 1.0
        scale = SCALES[axis]
        near = str(given) in scale and key in scale and abs(scale.index(str(given)) - scale.index(key)) == 1
        return data["adjacent_credit"] if near else 0.0

    def grades(self, response) -> dict[str, str | int | None]:
        """The response's two grades, each None unless it has the parser's shape."""
        response = response if isinstance(response, Mapping) else {}
        reliability, credibility = response.get("reliability"), response.get("credibility")
        return {"reliability": reliability if isinstance(reliability, str) and reliability in RELIABILITY else None,
                "credibility": credibility if type(credibility) is int and str(credibility) in CREDIBILITY else None}

    def parse(self, form, name, data, layout):
        reliability = form.get(f"{name}-reliability", "")
        credibility = form.get(f"{name}-credibility", "")
        response = {}
        if reliability in RELIABILITY:
            response["reliability"] = reliability
        if credibility in CREDIBILITY:
            response["credibility"] = int(credibility)
        return response or None

    def grade(self, data, response):
        given = self.grades(response)
        return sum(self.axis_credit(data, axis, given[axis]) for axis, _, _ in AXES) / 2

    def describe(self, data, response):
        given = self.grades(response)
        if given == {"reliability": None, "credibility": None}:
            return "No answer"
        return "; ".join(f"{axis} {grade_text(axis, given[axis]) or 'not graded'}" for axis, _, _ in AXES)

    def describe_key(self, data):
        return "; ".join(f"{axis} {grade_text(axis, data[axis])}" for axis, _, _ in AXES)

    def key_response(self, data):
        return {"reliability": data["reliability"], "credibility": data["credibility"]}

    def form_fields(self, name, data, layout, response):
        given = self.grades(response)
        return {f"{name}-{axis}": "" if given[axis] is None else str(given[axis]) for axis, _, _ in AXES}

    def quiz_fields(self, name, data, layout, response):
        given = self.grades(response)
        return {"report": data["report"],
                "axes": [{"field": f"{name}-{axis}", "legend": legend,
                          "options": [{"value": grade, "text": words, "checked": str(given[axis]) == grade}
                                      for grade, words in scale.items()]}
                         for axis, legend, scale in AXES]}

    def review_fields(self, data, response):
        given = self.grades(response)
        return {"report": data["report"],
                "axes": [{"legend": legend, "given": grade_text(axis, given[axis]) or "not graded",
                          "key": grade_text(axis, data[axis]), "credit": self.axis_credit(data, axis, given[axis]),
                          "rationale_html": data["rationale"][axis]} for axis, legend, _ in AXES]}

    def preview(self, data, layout):
        return [[f"“{data['report']['quote']}” ({data['report'].get('short', data['report']['source'])})"]]

    def tally(self, data, layout, responses):
        grades = [self.grades(r) for r in responses]
        return [OptionCount(f"{legend.split()[0]} {grade_text(axis, grade)}",
                            sum(str(g[axis]) == grade for g in grades), grade == str(data[axis]))
                for axis, legend, scale in AXES for grade in scale]

    # Exports: Moodle's Cloze (multianswer) holds the two axes as two dropdowns of one mark each, so Moodle's
    # score is the mean of the axes as grade() computes it; GIFT has no embedded answers (the default refuses).
    def key_html(self, data):
        return "".join(f"<p><strong>{legend}: {html_text(grade_text(axis, data[axis]))}.</strong></p>"
                       f"{data['rationale'][axis]}" for axis, legend, _ in AXES)

    def moodle_xml(self, data, question):
        question.set("type", "multianswer")
        report = data["report"]
        dropdowns = "".join(
            f"<p>{legend}: " + cloze_multichoice(1, ((self.axis_credit(data, axis, grade), f"{grade} — {words}")
                                                     for grade, words in scale.items())) + "</p>"
            for axis, legend, scale in AXES)
        add_to_text(question, "questiontext",
                    f"<blockquote><p>“{html_text(report['quote'])}”</p><p>({html_text(citation(report))})</p>"
                    f"</blockquote>{dropdowns}")

    def handout(self, data, layout):
        report = data["report"]
        return {"report": (report["quote"], citation(report)),
                "scales": [{"legend": legend, "grades": [f"{grade} {words}" for grade, words in scale.items()]}
                           for _, legend, scale in AXES]}
