"""Questions answered by arranging: putting items in order, matching pairs."""
from __future__ import annotations

from typing import Mapping

from xml.etree.ElementTree import SubElement

from app.content.export.pieces import gift_escape, gift_options, html_text, xml_answer, xml_field, xml_text
from app.quiz.types.base import FieldProblem, QuestionType, is_int, permutation, small_int, str_list


class Ordering(QuestionType):
    name, label = "order", "Put in order"

    def build(self, raw):
        return {"items": str_list(raw, "items", 2)}

    def layout(self, data, rng):
        count = len(data["items"])
        order = permutation(rng, count)
        while count > 1 and order == sorted(order):
            rng.shuffle(order)
        return {"items": order}

    def places(self, form, name, layout) -> dict[int, list[int]]:
        """The items (as written) given each place, from the form: {place: [item, ...]}."""
        count, given = len(layout["items"]), {}
        for shown, item in enumerate(layout["items"]):
            place = small_int(form.get(f"{name}-{shown}", ""), count + 1)
            if place:  # 0, blank or out of range: no place
                given.setdefault(place, []).append(item)
        return given

    def problem(self, form, name, data, layout):
        tied = {place: items for place, items in self.places(form, name, layout).items() if len(items) > 1}
        if not tied:
            return None
        return "Give each place once: " + "; ".join(
            f"place {place} is given to {len(items)} items" for place, items in sorted(tied.items())) + "."

    def parse(self, form, name, data, layout):
        """A list with one entry per place: the item put there, or None (a partial order is kept as given).

        A tied order (two items at one place) is no answer: see problem()."""
        given = self.places(form, name, layout)
        if not given or any(len(items) > 1 for items in given.values()):
            return None
        return [given[place][0] if place in given else None for place in range(1, len(layout["items"]) + 1)]

    def placed(self, data, response) -> dict[int, int]:
        """{item: its 0-based place} of a stored response; empty unless the response has the parser's shape."""
        count = len(data["items"])
        if not isinstance(response, list) or len(response) != count:
            return {}
        if not all(entry is None or (is_int(entry) and 0 <= entry < count) for entry in response):
            return {}
        position = {item: index for index, item in enumerate(response) if item is not None}
        return position if len(position) == sum(entry is not None for entry in response) else {}

    def grade(self, data, response):
        """The share of pairs in the right relative order; a pair with an unplaced item is not in order."""
        count = len(data["items"])
        position = self.placed(data, response)
        pairs = [(a, b) for a in range(count) for b in range(a + 1, count)]
        return sum(a in position and b in position and position[a] < position[b] for a, b in pairs) / len(pairs)

    def describe(self, data, response):
        position = self.placed(data, response)
        if not position:
            return "No answer"
        items = data["items"]
        text = " → ".join(f"{index + 1}. {items[item]}" for index, item in enumerate(response) if item is not None)
        unplaced = [items[item] for item in range(len(items)) if item not in position]
        return text + ("; no place: " + ", ".join(unplaced) if unplaced else "")

    def describe_key(self, data):
        return " → ".join(data["items"])

    def key_response(self, data):
        return list(range(len(data["items"])))

    def form_fields(self, name, data, layout, response):
        place = {item: index + 1 for index, item in enumerate(response or []) if item is not None}
        return {f"{name}-{shown}": str(place.get(item, "")) for shown, item in enumerate(layout["items"])}

    def quiz_fields(self, name, data, layout, response):
        rank = {item: index + 1 for index, item in enumerate(response if isinstance(response, list) else [])
                if item is not None}  # a partial order leaves places empty
        return {"items": [{"field": f"{name}-{shown}", "text": data["items"][item], "rank": rank.get(item)}
                          for shown, item in enumerate(layout["items"])],
                "ranks": list(range(1, len(layout["items"]) + 1))}

    def preview(self, data, layout):
        return [[data["items"][item] for item in layout["items"]]]

    def same_question(self, old, new):
        """The key is the items' order as written: a corrected key moves items, the items stay the same."""
        return sorted(old["items"]) == sorted(new["items"])

    def carried_response(self, old, new, response):
        if not isinstance(response, list):
            return response
        place_of = {text: index for index, text in enumerate(new["items"])}
        return [place_of[old["items"][item]] if is_int(item) and 0 <= item < len(old["items"]) else None
                for item in response]

    # Exports: Moodle's core ordering type; its RELATIVE_ALL_PREVIOUS_AND_NEXT grading counts every pair
    # in the right relative order, as grade() does. The answers' fractions are the items' places.
    def moodle_xml(self, data, question):
        question.set("type", "ordering")
        for tag, value in (("layouttype", "VERTICAL"), ("selecttype", "ALL"), ("selectcount", len(data["items"])),
                           ("gradingtype", "RELATIVE_ALL_PREVIOUS_AND_NEXT"), ("showgrading", "SHOW"),
                           ("numberingstyle", "none")):
            xml_field(question, tag, value)
        for place, item in enumerate(data["items"], start=1):
            xml_answer(question, 0, html_text(item)).set("fraction", str(place))

    def handout(self, data, layout):
        return {"places": [data["items"][item] for item in layout["items"]]}


class Matching(QuestionType):
    name, label = "match", "Match each item"

    def build(self, raw):
        pairs = raw.get("pairs")
        if not isinstance(pairs, list) or len(pairs) < 2:
            raise FieldProblem("pairs", "must be a list of at least 2 {left, right} pairs")
        if not all(isinstance(p, Mapping) and str(p.get("left", "")).strip() and str(p.get("right", "")).strip()
                   for p in pairs):
            raise FieldProblem("pairs", "every pair needs a non-empty left and right")
        lefts = [str(p["left"]).strip() for p in pairs]
        rights = [str(p["right"]).strip() for p in pairs]
        distractors = str_list(raw, "distractors", 0) if raw.get("distractors") else []
        if len(set(lefts)) != len(lefts) or len(set(rights + distractors)) != len(rights + distractors):
            raise FieldProblem("pairs", "left items, and right items with distractors, must be distinct")
        return {"lefts": lefts, "rights": rights, "distractors": distractors}

    def layout(self, data, rng):
        options = len(data["rights"]) + len(data["distractors"])
        return {"lefts": permutation(rng, len(data["lefts"])), "options": permutation(rng, options)}

    def options(self, data) -> list[str]:
        return list(data["rights"]) + list(data["distractors"])

    def parse(self, form, name, data, layout):
        chosen, shown_options = {}, layout["options"]
        for shown, left in enumerate(layout["lefts"]):
            value = small_int(form.get(f"{name}-{shown}", ""), len(shown_options))
            if value is not None:
                chosen[str(left)] = shown_options[value]
        return chosen or None

    def grade(self, data, response):
        if not isinstance(response, Mapping):
            return 0.0
        hits = sum(1 for left in range(len(data["lefts"])) if is_int(response.get(str(left))) and response.get(str(left)) == left)
        return hits / len(data["lefts"])

    def describe(self, data, response):
        if not isinstance(response, Mapping):
            return "No answer"
        options = self.options(data)
        parts = []
        for left, text in enumerate(data["lefts"]):
            picked = response.get(str(left))
            shown = options[picked] if isinstance(picked, int) and 0 <= picked < len(options) else "—"
            parts.append(f"{text} → {shown}")
        return "; ".join(parts)

    def describe_key(self, data):
        return "; ".join(f"{left} → {right}" for left, right in zip(data["lefts"], data["rights"]))

    def key_response(self, data):
        return {str(left): left for left in range(len(data["lefts"]))}

    def form_fields(self, name, data, layout, response):
        chosen = response or {}
        return {f"{name}-{shown}": str(layout["options"].index(chosen[str(left)])) if str(left) in chosen else ""
                for shown, left in enumerate(layout["lefts"])}

    def quiz_fields(self, name, data, layout, response):
        options = self.options(data)
        shown_of = {original: shown for shown, original in enumerate(layout["options"])}
        chosen = response if isinstance(response, dict) else {}
        return {"options": [{"value": shown, "text": options[original]}
                            for shown, original in enumerate(layout["options"])],
                "lefts": [{"field": f"{name}-{shown}", "text": data["lefts"][left],
                           "selected": shown_of.get(chosen.get(str(left)))}
                          for shown, left in enumerate(layout["lefts"])]}

    def same_question(self, old, new):
        """The key is which right item each left item is written beside: a corrected key re-pairs them,
        the left items and the options shown stay the same."""
        return (sorted(old["lefts"]) == sorted(new["lefts"])
                and sorted(self.options(old)) == sorted(self.options(new)))

    def carried_response(self, old, new, response):
        if not isinstance(response, Mapping):
            return response
        old_options, new_options = self.options(old), self.options(new)
        carried = {}
        for left, option in response.items():
            if left.isdigit() and int(left) < len(old["lefts"]) and is_int(option) and 0 <= option < len(old_options):
                carried[str(new["lefts"].index(old["lefts"][int(left)]))] = new_options.index(old_options[option])
        return carried

    def preview(self, data, layout):
        options = self.options(data)
        return [[options[original] for original in layout["options"]],
                [data["lefts"][left] for left in layout["lefts"]]]

    # Exports: a distractor is a subquestion with no text, as Moodle's matching type has it.
    def moodle_xml(self, data, question):
        question.set("type", "matching")
        xml_field(question, "shuffleanswers", "true")
        pairs = [*zip(data["lefts"], data["rights"]), *(("", distractor) for distractor in data["distractors"])]
        for left, right in pairs:
            subquestion = xml_text(question, "subquestion", html_text(left))
            SubElement(SubElement(subquestion, "answer"), "text").text = right

    def gift(self, data):
        pairs = [*zip(data["lefts"], data["rights"]), *(("", distractor) for distractor in data["distractors"])]
        return gift_options(("=", f"{gift_escape(html_text(left))} -> {gift_escape(right)}") for left, right in pairs)

    def handout(self, data, layout):
        options = self.options(data)
        return {"lefts": [data["lefts"][left] for left in layout["lefts"]],
                "options": [options[original] for original in layout["options"]]}
