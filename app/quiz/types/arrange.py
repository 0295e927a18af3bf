"""Questions answered by arranging: putting items in order, matching pairs."""
from __future__ import annotations

from typing import Mapping

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

    def parse(self, form, name, data, layout):
        ranked = []
        for shown, item in enumerate(layout["items"]):
            rank = small_int(form.get(f"{name}-{shown}", ""), 10**6)
            if rank is None:
                return None
            ranked.append((rank, shown, item))
        return [item for _, _, item in sorted(ranked)]

    def grade(self, data, response):
        count = len(data["items"])
        if not isinstance(response, list) or not all(map(is_int, response)) or sorted(response) != list(range(count)):
            return 0.0
        position = {item: index for index, item in enumerate(response)}
        pairs = [(a, b) for a in range(count) for b in range(a + 1, count)]
        return sum(position[a] < position[b] for a, b in pairs) / len(pairs)

    def describe(self, data, response):
        if not isinstance(response, list):
            return "No answer"
        return " → ".join(data["items"][i] for i in response if isinstance(i, int) and i < len(data["items"]))

    def describe_key(self, data):
        return " → ".join(data["items"])

    def key_response(self, data):
        return list(range(len(data["items"])))

    def form_fields(self, name, data, layout, response):
        rank = {item: index + 1 for index, item in enumerate(response or [])}
        return {f"{name}-{shown}": str(rank.get(item, "")) for shown, item in enumerate(layout["items"])}


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
