"""Analysis of competing hypotheses (Heuer): mark each evidence row against each hypothesis, then conclude."""
from __future__ import annotations

from fractions import Fraction
from math import lcm
from typing import Any, Mapping
from xml.etree.ElementTree import Comment

from app.content.export.pieces import NotExpressible, add_to_text, citation, cloze_multichoice, html_text
from app.content.markup import render_markdown
from app.quiz.types.base import (FieldProblem, OptionCount, QuestionType, index_field, is_int, quote_field,
                                 share_field, small_int, str_list, text_field)

MARKS = {"C": "consistent", "I": "inconsistent", "N": "not applicable"}


class CompetingHypotheses(QuestionType):
    name, label = "ach", "Weigh the hypotheses"

    def build(self, raw):
        hypotheses = str_list(raw, "hypotheses", 2)
        if len(hypotheses) > 4:
            raise FieldProblem("hypotheses", "list 2 to 4 hypotheses")
        rows = raw.get("rows")
        if not isinstance(rows, list) or not 2 <= len(rows) <= 6:
            raise FieldProblem("rows", "must be a list of 2 to 6 evidence rows")
        built = [self._row(row, number, len(hypotheses), getattr(rows, "line", None))
                 for number, row in enumerate(rows, 1)]
        weight = raw.get("inconsistent_weight", 2)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
            raise FieldProblem("inconsistent_weight", "must be a positive number")
        return {"hypotheses": hypotheses, "rows": built,
                "conclusion": index_field(raw.get("conclusion"), "conclusion", len(hypotheses)),
                "inconsistent_weight": float(weight), "conclusion_share": share_field(raw, "conclusion_share", 0.3)}

    @staticmethod
    def _row(row: Any, number: int, columns: int, line: int | None) -> dict[str, Any]:
        line = getattr(row, "line", line)
        where = f"row {number}"
        if not isinstance(row, Mapping):
            raise FieldProblem("rows", f"{where} must be a mapping with source, quote, cells and reasons", line)
        quote = quote_field(row, "rows", line)
        cells, reasons = row.get("cells"), row.get("reasons")
        if not isinstance(cells, list) or len(cells) != columns or not all(c in MARKS for c in cells):
            raise FieldProblem("rows", f"{where}: cells must give C, I or N for each of the {columns} hypotheses",
                               row.line_of("cells") if hasattr(row, "line_of") else line)
        if not isinstance(reasons, list) or len(reasons) != columns:
            raise FieldProblem("rows", f"{where}: reasons must give one text for each of the {columns} hypotheses",
                               row.line_of("reasons") if hasattr(row, "line_of") else line)
        return {**quote, "cells": list(cells),
                "reasons": [render_markdown(text_field(reason, "rows", line)) for reason in reasons]}

    def quotes(self, raw):
        rows = raw.get("rows")
        return [("rows", row) for row in rows] if isinstance(rows, list) else []

    def cite(self, data, cited):
        return {**data, "rows": [{**row, **passage} for row, passage in zip(data["rows"], cited)]}

    def marks(self, data, response) -> tuple[list[list[str | None]], int | None]:
        """The response's matrix (None for an unmarked cell) and conclusion, in the key's shape; empty if malformed."""
        blank = [[None] * len(data["hypotheses"]) for _ in data["rows"]]
        if not isinstance(response, Mapping):
            return blank, None
        cells, conclusion = response.get("cells"), response.get("conclusion")
        if isinstance(cells, list) and len(cells) == len(blank) and all(
                isinstance(row, list) and len(row) == len(data["hypotheses"])
                and all(c is None or (isinstance(c, str) and c in MARKS) for c in row) for row in cells):
            blank = [list(row) for row in cells]
        if not (is_int(conclusion) and 0 <= conclusion < len(data["hypotheses"])):
            conclusion = None
        return blank, conclusion

    def parse(self, form, name, data, layout):
        columns = len(data["hypotheses"])
        cells = [[form.get(f"{name}-r{r}-h{h}") if form.get(f"{name}-r{r}-h{h}") in MARKS else None
                  for h in range(columns)] for r in range(len(data["rows"]))]
        conclusion = small_int(form.get(f"{name}-conclusion", ""), columns)
        if conclusion is None and all(c is None for row in cells for c in row):
            return None
        return {"cells": cells, "conclusion": conclusion}

    def matrix_credit(self, data, cells) -> float:
        weights = [[data["inconsistent_weight"] if key == "I" else 1.0 for key in row["cells"]] for row in data["rows"]]
        earned = sum(weight for row, given, row_weights in zip(data["rows"], cells, weights)
                     for key, mark, weight in zip(row["cells"], given, row_weights) if mark == key)
        return earned / sum(sum(row) for row in weights)

    def grade(self, data, response):
        if not isinstance(response, Mapping):
            return 0.0
        cells, conclusion = self.marks(data, response)
        share = data["conclusion_share"]
        return (1 - share) * self.matrix_credit(data, cells) + share * (conclusion == data["conclusion"])

    def _matrix_text(self, data, cells, conclusion) -> str:
        rows = "; ".join(f"evidence {number}: " + ", ".join(
            f"H{h + 1} {MARKS[c] if c else '—'}" for h, c in enumerate(row)) for number, row in enumerate(cells, 1))
        ends = f"H{conclusion + 1} {data['hypotheses'][conclusion]}" if conclusion is not None else "none"
        return f"{rows}. Least evidence against: {ends}"

    def describe(self, data, response):
        cells, conclusion = self.marks(data, response)
        if conclusion is None and all(c is None for row in cells for c in row):
            return "No answer"
        return self._matrix_text(data, cells, conclusion)

    def describe_key(self, data):
        return self._matrix_text(data, [row["cells"] for row in data["rows"]], data["conclusion"])

    def key_response(self, data):
        return {"cells": [list(row["cells"]) for row in data["rows"]], "conclusion": data["conclusion"]}

    def form_fields(self, name, data, layout, response):
        cells, conclusion = self.marks(data, response)
        fields = {f"{name}-r{r}-h{h}": mark or "" for r, row in enumerate(cells) for h, mark in enumerate(row)}
        return {**fields, f"{name}-conclusion": "" if conclusion is None else str(conclusion)}

    def quiz_fields(self, name, data, layout, response):
        cells, conclusion = self.marks(data, response)
        hypotheses = [{"label": f"H{h + 1}", "text": text, "value": h, "checked": conclusion == h}
                      for h, text in enumerate(data["hypotheses"])]
        return {"hypotheses": hypotheses, "conclusion_field": f"{name}-conclusion", "marks": MARKS,
                "rows": [{"number": r + 1, "quote": row["quote"], "short": row.get("short", row["source"]),
                          "cells": [{"field": f"{name}-r{r}-h{h}", "hypothesis": hypotheses[h], "mark": mark}
                                    for h, mark in enumerate(cells[r])]}
                         for r, row in enumerate(data["rows"])]}

    def review_fields(self, data, response):
        cells, conclusion = self.marks(data, response)
        return {"hypotheses": [f"H{h + 1} {text}" for h, text in enumerate(data["hypotheses"])], "marks": MARKS,
                "rows": [{"number": r + 1, "quote": row["quote"], "short": row.get("short", row["source"]),
                          "cells": [{"given": given, "key": key, "reason_html": reason}
                                    for given, key, reason in zip(cells[r], row["cells"], row["reasons"])]}
                         for r, row in enumerate(data["rows"])],
                "given_conclusion": None if conclusion is None else f"H{conclusion + 1}",
                "key_conclusion": f"H{data['conclusion'] + 1} {data['hypotheses'][data['conclusion']]}"}

    def preview(self, data, layout):
        return [[f"H{h + 1} {text}" for h, text in enumerate(data["hypotheses"])]]

    def tally(self, data, layout, responses):
        """The conclusions the room drew, then for each cell how many marked it as the key does."""
        marked = [self.marks(data, response) for response in responses]
        conclusions = [OptionCount(f"Concluded H{h + 1}: {text}", sum(c == h for _, c in marked),
                                   h == data["conclusion"]) for h, text in enumerate(data["hypotheses"])]
        cells = [OptionCount(f"Evidence {r + 1} × H{h + 1} marked {MARKS[key]}",
                             sum(m[r][h] == key for m, _ in marked), True)
                 for r, row in enumerate(data["rows"]) for h, key in enumerate(row["cells"])]
        return conclusions + cells

    # Exports: Moodle's Cloze (multianswer) holds the matrix as one dropdown per cell and one for the conclusion;
    # GIFT has no embedded answers (the default refuses).
    def cloze_weights(self, data) -> tuple[int, int, int, bool]:
        """Whole-number Cloze weights for a C or N key cell, an I key cell and the conclusion, in grade()'s
        proportions (the conclusion keeps its conclusion_share of the total), and whether they are exact:
        the smallest exact scale up to 100, else tenths rounded."""
        share = Fraction(str(data["conclusion_share"]))
        if share >= 1:
            raise NotExpressible("a Cloze question cannot give its matrix no weight (conclusion_share is 1)")
        keys = [key for row in data["rows"] for key in row["cells"]]
        inconsistent = Fraction(str(data["inconsistent_weight"]))
        matrix = keys.count("I") * inconsistent + len(keys) - keys.count("I")
        wanted = (Fraction(1), inconsistent, share * matrix / (1 - share))
        scale = lcm(*(weight.denominator for weight in wanted))
        exact = scale <= 100
        cell, inconsistent_cell, conclusion = (round(weight * (scale if exact else 10)) for weight in wanted)
        return cell, max(inconsistent_cell, 1), conclusion, exact

    @staticmethod
    def matrix_html(data, cell_html) -> str:
        """The matrix as an HTML table: a column per hypothesis, a row per evidence quote with its citation, and
        `cell_html(key, reason)` in each cell."""
        head = "".join(f"<th>H{h + 1} {html_text(text)}</th>" for h, text in enumerate(data["hypotheses"]))
        rows = "".join(
            f"<tr><td>{r + 1}. “{html_text(row['quote'])}” ({html_text(citation(row))})</td>"
            + "".join(f"<td>{cell_html(key, reason)}</td>" for key, reason in zip(row["cells"], row["reasons"]))
            + "</tr>" for r, row in enumerate(data["rows"]))
        return f"<table><thead><tr><th>Evidence</th>{head}</tr></thead><tbody>{rows}</tbody></table>"

    def key_html(self, data):
        conclusion = data["conclusion"]
        return (self.matrix_html(data, lambda key, reason: f"<strong>{MARKS[key]}</strong>{reason}")
                + f"<p><strong>Least evidence against: H{conclusion + 1} "
                  f"{html_text(data['hypotheses'][conclusion])}.</strong></p>")

    def moodle_xml(self, data, question):
        question.set("type", "multianswer")
        cell, inconsistent, concluding, exact = self.cloze_weights(data)
        if not exact:
            total = concluding + sum(inconsistent if key == "I" else cell for row in data["rows"] for key in row["cells"])
            question.append(Comment(f" Cloze weights are whole numbers: the conclusion weighs {concluding} of {total}"
                                    f" marks ({concluding / total:.1%}), for a conclusion_share of"
                                    f" {data['conclusion_share']:.1%} "))
        matrix = self.matrix_html(data, lambda key, _: cloze_multichoice(
            inconsistent if key == "I" else cell,
            ((1.0 if mark == key else 0.0, words.capitalize()) for mark, words in MARKS.items())))
        conclusion = cloze_multichoice(concluding, ((1.0 if h == data["conclusion"] else 0.0, f"H{h + 1} {text}")
                                                    for h, text in enumerate(data["hypotheses"])))
        add_to_text(question, "questiontext",
                    f"{matrix}<p>The hypothesis with the least evidence against it: {conclusion}</p>")

    def handout(self, data, layout):
        return {"hypotheses": [f"H{h + 1} {text}" for h, text in enumerate(data["hypotheses"])],
                "matrix": [(row["quote"], citation(row)) for row in data["rows"]], "marks": MARKS}
