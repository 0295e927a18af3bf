"""Questions answered by picking: one choice, several choices, true or false."""
from __future__ import annotations

from collections import Counter

from app.content.export.pieces import gift_escape, gift_options, html_text, percent, xml_answer, xml_field
from app.quiz.types.base import (AnswerCount, FieldProblem, OptionCount, QuestionType, index_field, is_int, permutation,
                                 small_int, str_list)


def count_picks(responses) -> Counter:
    """How often each value was picked, over responses that are one value or a list of them."""
    picks: Counter = Counter()
    for response in responses:
        for value in (response if isinstance(response, list) else [response]):
            if isinstance(value, (int, bool, str)):
                picks[value] += 1
    return picks


class ChoiceType(QuestionType):
    def form_fields(self, name, data, layout, response):
        chosen = response if isinstance(response, list) else [response]
        return {name: [str(layout["choices"].index(i)) for i in chosen if i is not None]}

    def layout(self, data, rng):
        return {"choices": permutation(rng, len(data["choices"]), data.get("shuffle", True))}

    def _chosen(self, form, name, data, layout) -> list[int]:
        """Form values are shown positions; map them back to the choices as written."""
        shown_order = layout["choices"]
        shown = (small_int(v, len(shown_order)) for v in form.getlist(name))
        return sorted({shown_order[s] for s in shown if s is not None})

    def quiz_fields(self, name, data, layout, response):
        chosen = set(response if isinstance(response, list) else [response])
        return {"options": [{"value": shown, "text": data["choices"][original], "checked": original in chosen}
                            for shown, original in enumerate(layout["choices"])]}

    def preview(self, data, layout):
        return [[data["choices"][original] for original in layout["choices"]]]

    def tally(self, data, layout, responses):
        key = self.key_response(data)
        keys = set(key if isinstance(key, list) else [key])
        picks = count_picks(responses)
        return [OptionCount(data["choices"][original], picks[original], original in keys)
                for original in layout["choices"]]

    # Exports: Moodle's multichoice, one fraction per choice; `one_answer` says radio buttons or check boxes.
    one_answer: bool

    def fractions(self, data) -> list[float]:
        """Each choice's share of the marks, as Moodle's multichoice grades it."""
        raise NotImplementedError

    def moodle_xml(self, data, question):
        question.set("type", "multichoice")
        xml_field(question, "single", "true" if self.one_answer else "false")
        xml_field(question, "shuffleanswers", "true" if data.get("shuffle", True) else "false")
        xml_field(question, "answernumbering", "abc")
        xml_field(question, "showstandardinstruction", "0")
        for choice, fraction in zip(data["choices"], self.fractions(data)):
            xml_answer(question, fraction, html_text(choice))

    def gift(self, data):
        def marker(fraction: float) -> str:
            if self.one_answer:
                return "=" if fraction == 1 else "~"
            return f"~%{percent(fraction)}%"
        return gift_options((marker(fraction), gift_escape(html_text(choice)))
                            for choice, fraction in zip(data["choices"], self.fractions(data)))

    def handout(self, data, layout):
        return {"choices": [data["choices"][original] for original in layout["choices"]],
                "mark": "○" if self.one_answer else "☐"}

    def distribution(self, data, answers):
        """Every option in written order with how many picked it (for several choices, how many picked
        it among their picks), its credit and its key flag; then how many gave no answer."""
        key = self.key_response(data)
        keys = set(key if isinstance(key, list) else [key])
        picks, unanswered = Counter(), 0
        for response, count in answers:
            chosen = {value for value in (response if isinstance(response, list) else [response]) if is_int(value)}
            unanswered += count if not chosen else 0
            for value in chosen:
                picks[value] += count
        rows = [AnswerCount(text, picks[index], (1.0 / len(keys)) if index in keys else 0.0, index in keys)
                for index, text in enumerate(data["choices"])]
        return rows + ([AnswerCount("No answer", unanswered, 0.0, False)] if unanswered else [])


class SingleChoice(ChoiceType):
    name, label = "single", "Choose one"
    key_fields = frozenset({"answer"})

    def build(self, raw):
        choices = str_list(raw, "choices", 2)
        return {"choices": choices, "answer": index_field(raw.get("answer"), "answer", len(choices)),
                "shuffle": bool(raw.get("shuffle", True))}

    def parse(self, form, name, data, layout):
        chosen = self._chosen(form, name, data, layout)
        return chosen[0] if len(chosen) == 1 else None

    def grade(self, data, response):
        return 1.0 if is_int(response) and response == data["answer"] else 0.0

    def describe(self, data, response):
        return data["choices"][response] if is_int(response) and 0 <= response < len(data["choices"]) else "No answer"

    def describe_key(self, data):
        return data["choices"][data["answer"]]

    def key_response(self, data):
        return data["answer"]

    # Exports
    one_answer = True

    def fractions(self, data):
        return [1.0 if index == data["answer"] else 0.0 for index in range(len(data["choices"]))]


class MultipleChoice(ChoiceType):
    name, label = "multiple", "Choose all that apply"
    key_fields = frozenset({"answers"})

    def build(self, raw):
        choices = str_list(raw, "choices", 2)
        answers = raw.get("answers")
        if not isinstance(answers, list) or not answers:
            raise FieldProblem("answers", "must be a non-empty list of 1-based positions")
        indexes = sorted({index_field(value, "answers", len(choices)) for value in answers})
        return {"choices": choices, "answers": indexes, "shuffle": bool(raw.get("shuffle", True))}

    def parse(self, form, name, data, layout):
        return self._chosen(form, name, data, layout)

    def grade(self, data, response):
        right = set(data["answers"])
        wrong = set(range(len(data["choices"]))) - right
        picked = {i for i in response or [] if is_int(i)}
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

    # Exports: a right choice earns 1/right, a wrong one costs 1/wrong, as grade() counts them.
    one_answer = False

    def fractions(self, data):
        right = set(data["answers"])
        wrong = len(data["choices"]) - len(right)
        return [1 / len(right) if index in right else -1 / wrong for index in range(len(data["choices"]))]


class TrueFalse(QuestionType):
    name, label = "true_false", "True or false"
    key_fields = frozenset({"answer"})
    FORM_VALUES = {True: "true", False: "false"}

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
        return {name: self.FORM_VALUES.get(response, "")}

    def quiz_fields(self, name, data, layout, response):
        return {"value": self.FORM_VALUES.get(response, "")}

    def tally(self, data, layout, responses):
        picks = count_picks(responses)
        return [OptionCount(label, picks[value], data["answer"] is value)
                for label, value in (("True", True), ("False", False))]

    # Exports
    def moodle_xml(self, data, question):
        question.set("type", "truefalse")
        for value in (True, False):
            xml_answer(question, 1.0 if data["answer"] is value else 0.0, str(value).lower(), "moodle_auto_format")

    def gift(self, data):
        return "TRUE" if data["answer"] else "FALSE"

    def handout(self, data, layout):
        return {"choices": ["True", "False"], "mark": "○"}

    def distribution(self, data, answers):
        """True and False with how many chose each, then how many gave no answer."""
        given = Counter()
        for response, count in answers:
            given[response if isinstance(response, bool) else None] += count
        rows = [AnswerCount(label, given[value], 1.0 if data["answer"] is value else 0.0, data["answer"] is value)
                for label, value in (("True", True), ("False", False))]
        return rows + ([AnswerCount("No answer", given[None], 0.0, False)] if given[None] else [])
