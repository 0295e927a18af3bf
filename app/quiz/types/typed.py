"""Questions answered by typing: a number within a tolerance, or a short text."""
from __future__ import annotations

from collections import Counter
from xml.etree.ElementTree import SubElement

from app.content.export.pieces import NotExpressible, gift_escape, gift_options, number, xml_answer, xml_field
from app.quiz.types.base import (AnswerCount, FieldProblem, QuestionType, normalise_text_answer, number_text,
                                 parse_number, ranked, str_list)


class Numeric(QuestionType):
    name, label = "numeric", "Give a number"
    key_fields = frozenset({"answer", "tolerance"})

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
        key = number_text(data["answer"])
        if data["tolerance"]:
            key += f" (± {number_text(data['tolerance'])})"
        return f"{key} {data['unit']}" if data.get("unit") else key

    def key_response(self, data):
        return number_text(data["answer"])

    def form_fields(self, name, data, layout, response):
        return {name: response or ""}

    def quiz_fields(self, name, data, layout, response):
        return {"value": response or "", "unit": data.get("unit")}

    # Exports: the unit travels as Moodle's optional unit (not graded), and GIFT has none.
    def moodle_xml(self, data, question):
        question.set("type", "numerical")
        xml_answer(question, 1.0, number(data["answer"]), "moodle_auto_format", tolerance=number(data["tolerance"]))
        if data.get("unit"):
            unit = SubElement(SubElement(question, "units"), "unit")
            xml_field(unit, "multiplier", 1)
            xml_field(unit, "unit_name", data["unit"])
        xml_field(question, "unitgradingtype", 0)
        xml_field(question, "unitpenalty", "0.1")
        xml_field(question, "showunits", 0 if data.get("unit") else 3)
        xml_field(question, "unitsleft", 0)

    def gift(self, data):
        return f"#{number(data['answer'])}:{number(data['tolerance'])}"

    def handout(self, data, layout):
        return {"lines": 1, "unit": data.get("unit")}

    SHOWN_NUMBERS = 6  # the wrong numbers given most, each shown; the rest are grouped below and above the key

    def distribution(self, data, answers):
        """The key, the answers within its tolerance, the wrong numbers given most (numbers written
        differently but equal are one), the other wrong numbers binned below and above the key, then
        what was not a number and no answer."""
        key, tolerance = data["answer"], data["tolerance"]
        numbers, other = Counter(), Counter()
        for response, count in answers:
            value = parse_number(response) if isinstance(response, str) else None
            if value is not None:
                numbers["key" if value == key else "close" if abs(value - key) <= tolerance + 1e-9 else value] += count
            else:
                other["No answer" if not isinstance(response, str) or not response.strip() else "Not a number"] += count
        rows = [AnswerCount(number_text(key), numbers.pop("key", 0), 1.0, True)]
        close = numbers.pop("close", 0)
        if tolerance:
            span = f"{number_text(key - tolerance)} to {number_text(key + tolerance)}"
            rows.append(AnswerCount(f"Within the tolerance ({span}), not exactly {number_text(key)}", close, 1.0, True))
        common = [value for value, _ in numbers.most_common(self.SHOWN_NUMBERS)]
        rows += [AnswerCount(number_text(value), numbers.pop(value), 0.0, False) for value in common]
        for side, values in (("below", [v for v in numbers if v < key]), ("above", [v for v in numbers if v > key])):
            if values:
                rows.append(AnswerCount(f"Other numbers {side} the key ({number_text(min(values))} to "
                                        f"{number_text(max(values))})", sum(numbers[v] for v in values), 0.0, False))
        return ranked(rows) + [AnswerCount(text, count, 0.0, False) for text, count in sorted(other.items())]


class FreeText(QuestionType):
    name, label = "text", "Type a short answer"
    key_fields = frozenset({"accept", "case_sensitive"})

    def build(self, raw):
        return {"accept": str_list(raw, "accept"), "case_sensitive": bool(raw.get("case_sensitive", False))}

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

    def quiz_fields(self, name, data, layout, response):
        return {"value": response or ""}

    # Exports: every accepted answer earns full marks.
    def moodle_xml(self, data, question):
        question.set("type", "shortanswer")
        xml_field(question, "usecase", 1 if data["case_sensitive"] else 0)
        for accepted in data["accept"]:
            xml_answer(question, 1.0, accepted, "moodle_auto_format")

    def gift(self, data):
        if data["case_sensitive"]:
            raise NotExpressible("GIFT cannot mark a short answer case-sensitive (Moodle reads it as case-insensitive)")
        return gift_options(("=", gift_escape(accepted)) for accepted in data["accept"])

    def handout(self, data, layout):
        return {"lines": 1}

    def distribution(self, data, answers):
        """Each answer as the grader reads it (normalised: case, spaces, quote marks and end punctuation), with
        every accepted answer listed even when nobody gave it."""
        case_sensitive = data["case_sensitive"]
        accepted = {normalise_text_answer(a, case_sensitive) for a in data["accept"]}
        given = Counter({text: 0 for text in accepted})
        for response, count in answers:
            given[normalise_text_answer(response, case_sensitive) if isinstance(response, str) else ""] += count
        return ranked([AnswerCount(text or "No answer", count, float(text in accepted), text in accepted)
                       for text, count in given.items() if text or count])
