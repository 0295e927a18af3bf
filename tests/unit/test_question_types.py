"""Question types: validation, layouts, form parsing and grading, as CONTENT.md specifies them."""
from __future__ import annotations

import random
from html.parser import HTMLParser
from math import comb

import pytest
from hypothesis import given, strategies as st
from werkzeug.datastructures import MultiDict

from app.quiz.grading import Score, grade_response, score
from app.quiz.presenter import ShownQuestion, public_view
from app.quiz.types import QUESTION_TYPES as T, FieldProblem, parse_number
from app.quiz.types.base import OptionCount

VALID = {
    "single": {"choices": ["Amaq", "Dabiq", "Rumiyah"], "answer": 2},
    "multiple": {"choices": ["a", "b", "c", "d"], "answers": [3, 1, 3]},
    "true_false": {"answer": True},
    "numeric": {"answer": 1422, "tolerance": 5, "unit": "attacks"},
    "text": {"accept": ["Islamic State", " ISIS "]},
    "order": {"items": ["first", "second", "third", "fourth"]},
    "match": {"pairs": [{"left": "A", "right": "1"}, {"left": "B", "right": "2"}, {"left": "C", "right": "3"}],
              "distractors": ["4"]},
    "source_grade": {"report": {"source": "itic", "quote": "ISIS's own infographic"}, "reliability": "C",
                     "credibility": 3, "rationale": {"reliability": "A *relay*.", "credibility": "Unconfirmed."}},
    "probability": {"band": "likely", "rationale": "Two sources agree."},
    "ach": {"hypotheses": ["ISIS", "An accident", "Someone else"],
            "rows": [{"source": "itic", "quote": "a claim", "cells": ["C", "I", "N"], "reasons": ["a", "b", "c"]},
                     {"source": "vop", "quote": "a denial", "cells": ["I", "C", "C"], "reasons": ["d", "e", "f"]}],
            "conclusion": 1},
}
BUILT = {
    "single": {"choices": ["Amaq", "Dabiq", "Rumiyah"], "answer": 1, "shuffle": True},
    "multiple": {"choices": ["a", "b", "c", "d"], "answers": [0, 2], "shuffle": True},
    "true_false": {"answer": True},
    "numeric": {"answer": 1422, "tolerance": 5, "unit": "attacks"},
    "text": {"accept": ["Islamic State", "ISIS"], "case_sensitive": False},
    "order": {"items": ["first", "second", "third", "fourth"]},
    "match": {"lefts": ["A", "B", "C"], "rights": ["1", "2", "3"], "distractors": ["4"]},
    "source_grade": {"report": {"source": "itic", "quote": "ISIS's own infographic"}, "reliability": "C",
                     "credibility": 3, "adjacent_credit": 0.5,
                     "rationale": {"reliability": "<p>A <em>relay</em>.</p>", "credibility": "<p>Unconfirmed.</p>"}},
    "probability": {"band": "likely", "adjacent_credit": 0.5, "rationale": "<p>Two sources agree.</p>"},
    "ach": {"hypotheses": ["ISIS", "An accident", "Someone else"],
            "rows": [{"source": "itic", "quote": "a claim", "cells": ["C", "I", "N"],
                      "reasons": ["<p>a</p>", "<p>b</p>", "<p>c</p>"]},
                     {"source": "vop", "quote": "a denial", "cells": ["I", "C", "C"],
                      "reasons": ["<p>d</p>", "<p>e</p>", "<p>f</p>"]}],
            "conclusion": 0, "inconsistent_weight": 2.0, "conclusion_share": 0.3},
}
RIGHT = {"single": 1, "multiple": [0, 2], "true_false": True, "numeric": "1,422", "text": "isis",
         "order": [0, 1, 2, 3], "match": {"0": 0, "1": 1, "2": 2},
         "source_grade": {"reliability": "C", "credibility": 3}, "probability": {"term": "likely"},
         "ach": {"cells": [["C", "I", "N"], ["I", "C", "C"]], "conclusion": 0}}
WRONG = {"single": 0, "multiple": [1, 3], "true_false": False, "numeric": "1400", "text": "al-Qaeda",
         "order": [3, 2, 1, 0], "match": {"0": 1, "1": 2, "2": 3},
         "source_grade": {"reliability": "F", "credibility": 6}, "probability": {"term": "very_unlikely"},
         "ach": {"cells": [["I", "C", "C"], ["C", "N", "I"]], "conclusion": 2}}
MALFORMED = ["nonsense", -1, 1.5, [None], [[0], 3], {"x": []}, {"0": "0", "1": "1"}, ["0", "2"], [None, "1"]]
KINDS = list(VALID)
SEEDS = range(25)


def spec(kind, **overrides):
    return {"type": kind, "data": T[kind].build({**VALID[kind], **overrides})}


# --- build() ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_build_accepts_valid_fields_and_normalises_them(kind):
    """Valid fields build; answers become 0-based, sorted and deduplicated; text is trimmed."""
    assert T[kind].build(VALID[kind]) == BUILT[kind]


def test_build_defaults():
    """Numeric tolerance defaults to 0 and unit to None; shuffle and case_sensitive are optional."""
    assert T["numeric"].build({"answer": -3.5}) == {"answer": -3.5, "tolerance": 0, "unit": None}
    assert T["single"].build({**VALID["single"], "shuffle": False})["shuffle"] is False
    assert T["text"].build({"accept": ["x"], "case_sensitive": True})["case_sensitive"] is True
    assert T["match"].build({"pairs": VALID["match"]["pairs"]})["distractors"] == []


PAIR = {"left": "A", "right": "1"}
REJECTIONS = [
    ("single", {"answer": 4}, "answer"), ("single", {"answer": 0}, "answer"),
    ("single", {"answer": "2"}, "answer"), ("single", {"answer": True}, "answer"),
    ("single", {"answer": 2.0}, "answer"), ("single", {"answer": None}, "answer"),
    ("single", {"choices": ["only"], "answer": 1}, "choices"),
    ("single", {"choices": "Amaq, Dabiq"}, "choices"),
    ("single", {"choices": ["Amaq", "Amaq ", "Dabiq"]}, "choices"),
    ("single", {"choices": ["Amaq", ""]}, "choices"),
    ("multiple", {"answers": 2}, "answers"), ("multiple", {"answers": []}, "answers"),
    ("multiple", {"answers": [1, 5]}, "answers"), ("multiple", {"answers": ["1"]}, "answers"),
    ("multiple", {"choices": ["a", "a", "b"]}, "choices"),
    ("true_false", {"answer": "true"}, "answer"), ("true_false", {"answer": 1}, "answer"),
    ("true_false", {"answer": None}, "answer"),
    ("numeric", {"answer": "1422"}, "answer"), ("numeric", {"answer": True}, "answer"),
    ("numeric", {"answer": None}, "answer"), ("numeric", {"tolerance": -1}, "tolerance"),
    ("numeric", {"tolerance": "5"}, "tolerance"),
    ("text", {"accept": []}, "accept"), ("text", {"accept": [""]}, "accept"),
    ("text", {"accept": ["   "]}, "accept"), ("text", {"accept": "ISIS"}, "accept"),
    ("text", {"accept": ["ISIS", "ISIS"]}, "accept"),
    ("order", {"items": ["one"]}, "items"), ("order", {"items": []}, "items"),
    ("order", {"items": ["a", "b", "a"]}, "items"), ("order", {"items": None}, "items"),
    ("match", {"pairs": [PAIR]}, "pairs"), ("match", {"pairs": "A=1, B=2"}, "pairs"),
    ("match", {"pairs": [PAIR, {"left": "B"}]}, "pairs"), ("match", {"pairs": [PAIR, "B=2"]}, "pairs"),
    ("match", {"pairs": [PAIR, {"left": " ", "right": "2"}]}, "pairs"),
    ("match", {"pairs": [PAIR, {"left": "A", "right": "2"}]}, "pairs"),
    ("match", {"pairs": [PAIR, {"left": "B", "right": "1"}]}, "pairs"),
    ("match", {"distractors": ["2"]}, "pairs"), ("match", {"distractors": "5"}, "distractors"),
]


@pytest.mark.parametrize("kind, overrides, field", REJECTIONS)
def test_build_rejects_bad_fields_naming_the_field(kind, overrides, field):
    with pytest.raises(FieldProblem) as problem:
        T[kind].build({**VALID[kind], **overrides})
    assert problem.value.field == field
    assert str(problem.value).startswith(f"{field}: ")
    if overrides.get("answer") == 4:
        assert "answer out of range: 4 is not between 1 and 3" in str(problem.value)


# --- grading ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_right_answer_earns_all_wrong_none_unanswered_none(kind):
    assert grade_response(spec(kind), RIGHT[kind]) == 1.0
    assert grade_response(spec(kind), WRONG[kind]) == 0.0
    assert grade_response(spec(kind), None) == 0.0


@pytest.mark.parametrize("response", MALFORMED, ids=repr)
@pytest.mark.parametrize("kind", KINDS)
def test_malformed_response_earns_zero_and_never_raises(kind, response):
    assert grade_response(spec(kind), response) == 0.0
    assert grade_response({"type": "essay", "data": {}}, response) == 0.0  # unknown type too


def test_partial_credit_examples():
    """multiple: shares per right/wrong tick; order: share of pairs; match: share of lefts."""
    assert grade_response(spec("multiple"), [0]) == 0.5
    assert grade_response(spec("multiple"), [0, 2, 1]) == 0.5
    assert grade_response(spec("multiple"), [0, 1, 3]) == 0.0  # never below 0
    assert grade_response(spec("order"), [1, 0, 2, 3]) == pytest.approx(5 / 6)
    assert grade_response(spec("match"), {"0": 0, "1": 1, "2": 3}) == pytest.approx(2 / 3)


@pytest.mark.parametrize("text, number", [
    ("1,422", 1422), ("1422", 1422), ("1 422", 1422), ("1422.0", 1422), ("-3.5", -3.5),
    ("\u22123.5", -3.5), (" 1,422,000 ", 1422000), (".5", 0.5),
    ("abc", None), ("", None), ("1,42", None), ("1e3", None), ("nan", None), ("12 attacks", None)])
def test_parse_number_reads_thousands_separators_and_rejects_non_numbers(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize("given_text, fraction", [
    ("100", 1), ("102", 1), ("98", 1), ("102.0", 1), ("102.01", 0), ("97.99", 0), ("abc", 0), ("", 0)])
def test_numeric_is_right_within_tolerance_inclusive(given_text, fraction):
    assert grade_response(spec("numeric", answer=100, tolerance=2), given_text) == fraction


def test_numeric_zero_tolerance_needs_exact_value_and_handles_float_noise():
    assert grade_response(spec("numeric", answer=1422, tolerance=0), "1 422") == 1.0
    assert grade_response(spec("numeric", answer=1422, tolerance=0), "1422.001") == 0.0
    assert grade_response(spec("numeric", answer=0.3, tolerance=0.1), "0.4") == 1.0


@pytest.mark.parametrize("given_text", [
    "islamic state", "ISLAMIC STATE", "  Islamic   State  ", "Islamic State.", "Islamic State!?", "isis"])
def test_text_ignores_case_spacing_and_final_punctuation_by_default(given_text):
    assert grade_response(spec("text"), given_text) == 1.0


def test_text_rejects_other_words_and_treats_curly_quotes_as_straight():
    assert grade_response(spec("text"), "Islamic States") == 0.0
    assert grade_response(spec("text", accept=["Amaq's reporting"]), "Amaq\u2019s reporting") == 1.0
    assert grade_response(spec("text", accept=["\u201cCaliphate\u201d"]), '"caliphate"') == 1.0


def test_text_case_sensitive_is_respected():
    data = spec("text", accept=["ISIS"], case_sensitive=True)
    assert grade_response(data, "ISIS.") == 1.0
    assert grade_response(data, " ISIS ") == 1.0
    assert grade_response(data, "isis") == 0.0


# --- parse() round trips ------------------------------------------------------------------------

def browser_form(kind, data, layout):
    """What the browser sends for the right answer: shown positions, never original ones."""
    if kind == "single":
        return MultiDict({"q": str(layout["choices"].index(data["answer"]))})
    if kind == "multiple":
        return MultiDict([("q", str(layout["choices"].index(a))) for a in data["answers"]])
    if kind == "order":
        return MultiDict({f"q-{shown}": str(item + 1) for shown, item in enumerate(layout["items"])})
    if kind == "match":
        return MultiDict({f"q-{shown}": str(layout["options"].index(left))
                          for shown, left in enumerate(layout["lefts"])})
    if kind in ("source_grade", "probability", "ach"):
        return MultiDict(T[kind].form_fields("q", data, layout, RIGHT[kind]))
    return MultiDict({"q": {"true_false": "true", "numeric": " 1,422 ", "text": " ISIS "}[kind]})


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_parse_maps_shown_positions_back_to_a_full_marks_response(kind, seed):
    qtype, data = T[kind], spec(kind)["data"]
    layout = qtype.layout(data, random.Random(seed))
    response = qtype.parse(browser_form(kind, data, layout), "q", data, layout)
    assert response == {**RIGHT, "text": "ISIS"}[kind]
    assert grade_response({"type": kind, "data": data}, response) == 1.0


@pytest.mark.parametrize("kind", KINDS)
def test_empty_form_is_unanswered(kind):
    data = spec(kind)["data"]
    layout = T[kind].layout(data, random.Random(0))
    assert T[kind].parse(MultiDict(), "q", data, layout) in (None, [])
    assert T[kind].parse(MultiDict({"q": "   "}), "q", data, layout) in (None, [])


GARBAGE = [{"q": "abc"}, {"q": "-1"}, {"q": "99"}, {"q": "1.5"}, {"q": ""}, {"q": "0x1"},
           [("q", "0"), ("q", "1"), ("q", "1")], {"q-0": "x", "q-1": "1"}, {"q-0": "99", "q-1": "-1"},
           {"q-0": "1", "q-1": "1", "q-2": "1", "q-3": "1"}, {"q-0": "5", "q-1": "5", "q-2": "0"},
           {"q-0": "", "q-1": " 1"}, {"q-0": "99", "q-1": "abc", "q-2": "0"}]


@pytest.mark.parametrize("form", GARBAGE, ids=repr)
@pytest.mark.parametrize("kind", KINDS)
def test_parse_never_raises_on_missing_or_garbage_input(kind, form):
    qtype, data = T[kind], spec(kind)["data"]
    layout = qtype.layout(data, random.Random(3))
    response = qtype.parse(MultiDict(form), "q", data, layout)
    assert 0.0 <= grade_response({"type": kind, "data": data}, response) <= 1.0


def test_parse_ignores_out_of_range_and_ambiguous_choices():
    data = spec("single")["data"]
    layout = T["single"].layout(data, random.Random(1))
    assert T["single"].parse(MultiDict({"q": "3"}), "q", data, layout) is None
    assert T["single"].parse(MultiDict([("q", "0"), ("q", "1")]), "q", data, layout) is None


def test_a_partial_order_is_kept_as_given_and_shown_as_entered():
    """Places 1 and 2 of four: stored one entry per place (None for an empty one), graded by pairs."""
    data, layout = spec("order")["data"], {"items": [2, 0, 3, 1]}
    form = MultiDict({"q-0": "1", "q-1": "", "q-2": "2", "q-3": "0"})  # shown 0 is item 2, shown 2 is item 3
    response = T["order"].parse(form, "q", data, layout)
    assert response == [2, 3, None, None]
    assert T["order"].problem(form, "q", data, layout) is None
    assert T["order"].form_fields("q", data, layout, response) == {"q-0": "1", "q-1": "", "q-2": "2", "q-3": ""}
    assert grade_response(spec("order"), response) == pytest.approx(1 / 6)  # only (third, fourth) is in order
    assert T["order"].describe(data, response) == "1. third → 2. fourth; no place: first, second"
    assert T["order"].describe(data, [0, None, 1, None]) == "1. first → 3. second; no place: third, fourth"
    assert T["order"].describe(data, [0, 1, 2, 3]) == "1. first → 2. second → 3. third → 4. fourth"


def test_tied_places_are_refused_never_rewritten_into_an_order():
    data, layout = spec("order")["data"], {"items": [2, 0, 3, 1]}
    everything_first = MultiDict({f"q-{i}": "1" for i in range(4)})
    assert T["order"].parse(everything_first, "q", data, layout) is None
    assert T["order"].problem(everything_first, "q", data, layout) == (
        "Give each place once: place 1 is given to 4 items.")
    two_ties = MultiDict({"q-0": "2", "q-1": "2", "q-2": "3", "q-3": "3"})
    assert T["order"].problem(two_ties, "q", data, layout) == (
        "Give each place once: place 2 is given to 2 items; place 3 is given to 2 items.")
    for tied in ([0, 0, 1, 2], [1, 1, None, None], [0, 1, 2, 4]):  # never a stored shape: no credit, no order shown
        assert grade_response(spec("order"), tied) == 0.0
        assert T["order"].describe(data, tied) == "No answer"


@pytest.mark.parametrize("kind", ["single", "multiple", "order", "match"])
def test_parse_never_raises_on_unicode_digit_characters(kind):
    """'²' passes str.isdigit() but is not a number: it must read as no answer, not an error."""
    data = spec(kind)["data"]
    layout = T[kind].layout(data, random.Random(0))
    response = T[kind].parse(MultiDict({"q": "\u00b2", "q-0": "\u00b2", "q-1": "1"}), "q", data, layout)
    assert grade_response({"type": kind, "data": data}, response) < 1.0


@pytest.mark.parametrize("kind, response", [
    ("single", True), ("multiple", [True, 1.0]), ("order", [0.0, True, 2, 3]), ("match", {"0": False, "1": True}),
])
def test_bools_and_floats_are_not_indexes(kind, response):
    """A stored response must have the parser's shape; True == 1 in Python, but it earns nothing here."""
    data = spec(kind)["data"]
    assert grade_response({"type": kind, "data": data}, response) == 0.0


# --- the key is never in field names ------------------------------------------------------------

def test_order_field_names_and_positions_do_not_reveal_the_correct_order():
    data = spec("order")["data"]
    layouts = [T["order"].layout(data, random.Random(seed)) for seed in range(50)]
    for layout in layouts:
        names = set(browser_form("order", data, layout))
        assert names == {f"q-{i}" for i in range(4)}  # same names every time
        assert layout["items"] != [0, 1, 2, 3]  # shown position is never the correct rank throughout
    assert len({layout["items"][0] for layout in layouts}) == 4  # any item may be shown first


def test_match_field_names_and_option_values_do_not_reveal_the_pairs():
    data = spec("match")["data"]
    correct_shown = set()
    for seed in range(50):
        layout = T["match"].layout(data, random.Random(seed))
        form = browser_form("match", data, layout)
        assert set(form) == {"q-0", "q-1", "q-2"}
        correct_shown.add(tuple(int(form[f"q-{i}"]) for i in range(3)))
    assert len(correct_shown) > 5
    assert correct_shown != {(0, 1, 2)}


# --- layout() -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_layout_is_reproducible_from_the_seed(kind):
    data = spec(kind)["data"]
    assert T[kind].layout(data, random.Random(42)) == T[kind].layout(data, random.Random(42))


@pytest.mark.parametrize("kind", ["single", "multiple", "order", "match"])
def test_layout_is_a_permutation_that_varies_between_seeds(kind):
    data = spec(kind)["data"]
    layouts = [T[kind].layout(data, random.Random(seed)) for seed in range(20)]
    for layout in layouts:
        for key, order in layout.items():
            assert sorted(order) == list(range(len(order))), key
    assert len({repr(layout) for layout in layouts}) > 1


@pytest.mark.parametrize("count", [2, 3, 4, 6])
def test_order_layout_is_never_already_correct(count):
    data = T["order"].build({"items": [f"item {i}" for i in range(count)]})
    for seed in range(100):
        assert T["order"].layout(data, random.Random(seed))["items"] != list(range(count))


@pytest.mark.parametrize("kind", ["true_false", "numeric", "text", "source_grade", "probability", "ach"])
def test_layout_is_empty_for_types_without_positions(kind):
    assert T[kind].layout(spec(kind)["data"], random.Random(0)) == {}


@pytest.mark.parametrize("kind", ["single", "multiple"])
def test_shuffle_false_keeps_the_choices_as_written(kind):
    data = spec(kind, shuffle=False)["data"]
    for seed in range(20):
        assert T[kind].layout(data, random.Random(seed)) == {"choices": list(range(len(data["choices"])))}


# --- properties ---------------------------------------------------------------------------------

@st.composite
def multiple_cases(draw):
    n = draw(st.integers(2, 8))
    right = draw(st.sets(st.integers(0, n - 1), min_size=1))
    picked = draw(st.sets(st.integers(0, n - 1)))
    extra = draw(st.integers(0, n - 1))
    data = T["multiple"].build({"choices": [f"c{i}" for i in range(n)], "answers": [i + 1 for i in right]})
    return data, right, picked, extra


def multi(data, picked):
    return grade_response({"type": "multiple", "data": data}, sorted(picked))


@given(multiple_cases())
def test_multiple_partial_credit_properties(case):
    data, right, picked, extra = case
    everything = set(range(len(data["choices"])))
    assert 0.0 <= multi(data, picked) <= 1.0
    assert multi(data, right) == 1.0
    assert multi(data, set()) == 0.0
    assert multi(data, everything) == (0.0 if everything - right else 1.0)
    if extra in right:
        assert multi(data, picked | {extra}) >= multi(data, picked)
    else:
        assert multi(data, picked | {extra}) <= multi(data, picked)


def order_grade(n, response):
    data = T["order"].build({"items": [f"item {i}" for i in range(n)]})
    return grade_response({"type": "order", "data": data}, response)


@given(st.integers(2, 8).flatmap(lambda n: st.permutations(range(n))))
def test_any_permutation_scores_between_0_and_1(permutation):
    assert 0.0 <= order_grade(len(permutation), permutation) <= 1.0


@given(st.integers(2, 8).flatmap(lambda n: st.tuples(st.permutations(range(n)), st.lists(st.booleans(), min_size=n,
                                                                                          max_size=n))))
def test_a_partial_order_earns_its_pairs_and_filling_a_place_never_lowers_it(case):
    """A pair with an unplaced item is not in order; the items placed keep the credit they earn."""
    full, blank = case
    n = len(full)
    partial = [None if empty else item for item, empty in zip(full, blank)]
    place = {item: index for index, item in enumerate(partial) if item is not None}
    in_order = sum(a in place and b in place and place[a] < place[b] for a in range(n) for b in range(a + 1, n))
    expected = in_order / comb(n, 2) if place else 0.0
    assert order_grade(n, partial) == pytest.approx(expected)
    assert order_grade(n, partial) <= order_grade(n, list(full))
    data = T["order"].build({"items": [f"item {i}" for i in range(n)]})
    described = T["order"].describe(data, partial)
    assert described == "No answer" if not place else all(f"item {i}" in described for i in range(n))


@given(st.integers(2, 8).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 2))))
def test_order_correct_reversed_and_one_adjacent_swap(case):
    n, i = case
    correct = list(range(n))
    swapped = correct[:i] + [i + 1, i] + correct[i + 2:]
    assert order_grade(n, correct) == 1.0
    assert order_grade(n, correct[::-1]) == 0.0
    assert order_grade(n, swapped) == pytest.approx(1 - 1 / comb(n, 2))


@st.composite
def match_cases(draw):
    n, extra = draw(st.integers(2, 6)), draw(st.integers(0, 3))
    picks = draw(st.lists(st.one_of(st.none(), st.integers(0, n + extra - 1)), min_size=n, max_size=n))
    pairs = [{"left": f"L{i}", "right": f"R{i}"} for i in range(n)]
    data = T["match"].build({"pairs": pairs, "distractors": [f"D{i}" for i in range(extra)]})
    return data, picks


@given(match_cases())
def test_match_scores_the_share_of_lefts_matched_correctly(case):
    data, picks = case
    response = {str(left): pick for left, pick in enumerate(picks) if pick is not None}
    expected = sum(pick == left for left, pick in enumerate(picks)) / len(picks)
    assert grade_response({"type": "match", "data": data}, response) == pytest.approx(expected)


# --- score() and Score --------------------------------------------------------------------------

def test_score_sums_points_weighted_by_fraction():
    assert score([(1.0, 2), (0.5, 2), (0.0, 1)]) == Score(3.0, 5)
    assert score([(1.0, 2), (0.5, 2), (0.0, 1)]).percent == 60.0


@pytest.mark.parametrize("earned, possible, percent", [(1, 3, 33.33), (2, 3, 66.67), (1, 8, 12.5), (3, 3, 100.0)])
def test_percent_is_rounded_to_two_places(earned, possible, percent):
    assert Score(earned, possible).percent == percent


def test_passes_at_exactly_the_pass_mark():
    assert Score(7, 10).passes(70)
    assert not Score(6.9, 10).passes(70)
    assert score([(0.7, 1)] * 10).passes(70)  # float noise (6.999…) must not fail a learner
    assert Score(2, 3).passes(66) and not Score(2, 3).passes(67)


def test_zero_possible_points_is_zero_percent_and_does_not_pass():
    assert score([]) == Score(0, 0)
    assert Score(0, 0).percent == 0.0
    assert not Score(0, 0).passes(50)


@pytest.mark.parametrize("answer, tolerance, shown", [
    (2014, 0, "2014"), (1422, 0, "1422"), (30000, 0, "30,000"), (2.24, 0.01, "2.24 (± 0.01)"),
])
def test_numeric_keys_are_written_as_people_write_them(answer, tolerance, shown):
    """Years and four-digit figures without a separator; 10,000 and up with one."""
    data = T["numeric"].build({"answer": answer, "tolerance": tolerance})
    assert T["numeric"].describe_key(data) == shown


@given(seed=st.integers(0, 10_000), kind=st.sampled_from(sorted(T)))
def test_form_fields_are_the_inverse_of_parse_and_the_key_earns_full_marks(seed, kind):
    """For any layout, the browser form of the key parses back to the key, which grades 1.0."""
    data = spec(kind)["data"]
    layout = T[kind].layout(data, random.Random(seed))
    key = T[kind].key_response(data)
    form = MultiDict()
    for field, value in T[kind].form_fields("q", data, layout, key).items():
        for one in value if isinstance(value, list) else [value]:
            form.add(field, one)
    parsed = T[kind].parse(form, "q", data, layout)
    assert grade_response({"type": kind, "data": data}, parsed) == 1.0


# --- how a type is shown and tallied ------------------------------------------------------------

class SentFields(HTMLParser):
    """What a browser sends from a rendered fieldset: ticked boxes, selected options, text as shown."""

    def __init__(self):
        super().__init__()
        self.sent, self._select = MultiDict(), None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") in ("radio", "checkbox"):
            if "checked" in a:
                self.sent.add(a["name"], a["value"])
        elif tag == "input":
            self.sent.add(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.sent.add(self._select, a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def rendered_form(app, kind, data, layout, response) -> tuple[str, MultiDict]:
    question = ShownQuestion(2, {"type": kind, "data": data, "prompt_html": "<p>?</p>"}, layout, 1.0, response)
    with app.test_request_context():
        html = app.jinja_env.from_string(
            '{% from "quiz/_question.html" import question_fieldset %}{{ question_fieldset(q) }}'
        ).render(q=public_view(question))
    parser = SentFields()
    parser.feed(html)
    return html, parser.sent


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", KINDS)
def test_each_type_s_macro_shows_a_response_so_that_the_browser_sends_it_back(app, kind, seed):
    """quiz_fields() and the type's fields(q) macro show the key; what the page sends parses back to it."""
    qtype, data = T[kind], spec(kind)["data"]
    layout = qtype.layout(data, random.Random(seed))
    key = qtype.key_response(data)
    html, sent = rendered_form(app, kind, data, layout, key)
    assert f'data-type="{kind}"' in html
    assert sent.pop("q2-present") == "1"
    assert qtype.parse(sent, "q2", data, layout) == key
    expected = qtype.form_fields("q2", data, layout, key)
    assert sorted(sent.items(multi=True)) == sorted(
        (field, one) for field, value in expected.items() for one in (value if isinstance(value, list) else [value]))
    _, unanswered = rendered_form(app, kind, data, layout, None)
    assert qtype.parse(unanswered, "q2", data, layout) in (None, [])


def test_the_host_lists_options_and_items_in_shown_order_while_a_question_is_open():
    assert T["single"].preview(spec("single")["data"], {"choices": [1, 2, 0]}) == [["Dabiq", "Rumiyah", "Amaq"]]
    assert T["order"].preview(spec("order")["data"], {"items": [2, 0, 3, 1]}) == [
        ["third", "first", "fourth", "second"]]
    assert T["match"].preview(spec("match")["data"], {"lefts": [1, 0, 2], "options": [3, 0, 2, 1]}) == [
        ["4", "1", "3", "2"], ["B", "A", "C"]]
    for kind in ("true_false", "numeric", "text"):
        assert T[kind].preview(spec(kind)["data"], T[kind].layout(spec(kind)["data"], random.Random(0))) == []


def test_the_room_s_tally_counts_each_option_in_shown_order_and_marks_the_key():
    assert T["single"].tally(spec("single")["data"], {"choices": [1, 2, 0]}, [1, 1, 0]) == [
        OptionCount("Dabiq", 2, True), OptionCount("Rumiyah", 0, False), OptionCount("Amaq", 1, False)]
    assert T["multiple"].tally(spec("multiple")["data"], {"choices": [2, 0, 3, 1]}, [[0, 2], [0], [1], []]) == [
        OptionCount("c", 1, True), OptionCount("a", 2, True), OptionCount("d", 0, False), OptionCount("b", 1, False)]
    assert T["true_false"].tally(spec("true_false")["data"], {}, [True, False, False]) == [
        OptionCount("True", 1, True), OptionCount("False", 2, False)]


@pytest.mark.parametrize("kind", ["numeric", "text", "order", "match"])
def test_types_without_options_are_tallied_by_verdict_alone(kind):
    data = spec(kind)["data"]
    layout = T[kind].layout(data, random.Random(0))
    assert T[kind].tally(data, layout, [RIGHT[kind], WRONG[kind]]) == []


@pytest.mark.parametrize("kind", [k for k in KINDS if k not in ("order", "probability")])
def test_only_an_order_and_an_unreadable_percentage_are_refused(kind):
    """A tied order contradicts itself, and a typed percentage that is no number would be lost: see their tests."""
    data = spec(kind)["data"]
    layout = T[kind].layout(data, random.Random(0))
    assert T[kind].problem(MultiDict({"q": "1", "q-0": "1", "q-1": "1", "q-2": "1"}), "q", data, layout) is None


# --- the tradecraft types: source_grade, probability, ach ---------------------------------------

def grade_of(kind, response, **overrides):
    return grade_response(spec(kind, **overrides), response)


@pytest.mark.parametrize("reliability, credibility, fraction", [
    ("C", 3, 1.0), ("B", 3, 0.75), ("D", 3, 0.75), ("C", 2, 0.75), ("C", 4, 0.75), ("B", 4, 0.5),
    ("A", 3, 0.5), ("E", 5, 0.0), ("F", 3, 0.5), ("C", 6, 0.5), ("F", 6, 0.0)])
def test_source_grade_scores_each_axis_alone_with_half_credit_one_step_away(reliability, credibility, fraction):
    """Key C3: each axis is half the question; a grade one step away earns adjacent_credit (0.5) of its half."""
    assert grade_of("source_grade", {"reliability": reliability, "credibility": credibility}) == fraction


@pytest.mark.parametrize("key, given", [("E", "F"), ("F", "E"), (5, 6), (6, 5)])
def test_source_grade_cannot_be_judged_is_adjacent_to_nothing(key, given):
    """F and 6 say the grade cannot be given, not that it is worse than E or 5: never adjacent."""
    axis = "reliability" if isinstance(key, str) else "credibility"
    other = {"reliability": "C", "credibility": 3}
    data = spec("source_grade", **{axis: key})
    assert grade_response(data, {**other, axis: given}) == 0.5  # only the other axis earns
    assert grade_response(data, {**other, axis: key}) == 1.0


def test_source_grade_partial_answers_adjacent_credit_and_review():
    assert grade_of("source_grade", {"reliability": "C"}) == 0.5
    assert grade_of("source_grade", {"credibility": 4}) == 0.25
    assert grade_of("source_grade", {"reliability": "B", "credibility": 3}, adjacent_credit=0.2) == pytest.approx(0.6)
    assert grade_of("source_grade", {"reliability": "B", "credibility": 3}, adjacent_credit=0) == 0.5
    assert grade_of("source_grade", {"reliability": "c", "credibility": "3"}) == 0.0  # not the parser's shape
    data = spec("source_grade")["data"]
    assert T["source_grade"].describe(data, {"credibility": 4}) == (
        "reliability not graded; credibility 4 — doubtful")
    assert T["source_grade"].describe_key(data) == "reliability C — fairly reliable; credibility 3 — possibly true"
    detail = T["source_grade"].review_fields(data, {"reliability": "D", "credibility": 3})
    assert [(a["given"], a["key"], a["credit"]) for a in detail["axes"]] == [
        ("D — not usually reliable", "C — fairly reliable", 0.5), ("3 — possibly true", "3 — possibly true", 1.0)]
    assert [a["rationale_html"] for a in detail["axes"]] == ["<p>A <em>relay</em>.</p>", "<p>Unconfirmed.</p>"]


@pytest.mark.parametrize("response, fraction", [
    ({"term": "likely"}, 1.0), ({"term": "roughly_even"}, 0.5), ({"term": "very_likely"}, 0.5),
    ({"term": "unlikely"}, 0.0), ({"term": "almost_certain"}, 0.0),
    ({"percent": 70}, 1.0), ({"percent": 55}, 1.0), ({"percent": 80}, 1.0),  # a boundary: the best of both bands
    ({"percent": 54}, 0.5), ({"percent": 45}, 0.5), ({"percent": 81}, 0.5), ({"percent": 95}, 0.5),
    ({"percent": 44}, 0.0), ({"percent": 96}, 0.0), ({"percent": 0}, 0.0), ({"percent": 100}, 0.0),
    ({"percent": 70.0}, 0.0), ({"term": "probable"}, 0.0)])
def test_probability_full_credit_in_the_band_part_next_to_it_none_beyond(response, fraction):
    assert grade_of("probability", response) == fraction


def test_probability_percentages_on_a_boundary_fall_in_both_bands():
    data = spec("probability", band="very_unlikely", adjacent_credit=0.25)["data"]
    assert grade_response({"type": "probability", "data": data}, {"percent": 5}) == 1.0
    assert grade_response({"type": "probability", "data": data}, {"percent": 1}) == 0.25
    assert grade_response({"type": "probability", "data": data}, {"percent": 20}) == 1.0
    assert grade_response({"type": "probability", "data": data}, {"percent": 21}) == 0.25
    assert T["probability"].describe(data, {"percent": 5}) == (
        "5%, which is almost no chance (1–5%) or very unlikely (5–20%)")
    assert T["probability"].describe(data, {"term": "likely"}) == "likely (55–80%)"
    assert T["probability"].describe_key(data) == "very unlikely (5–20%)"
    assert T["probability"].review_fields(data, {"percent": 5})["given_bands"] == [
        "almost no chance (1–5%)", "very unlikely (5–20%)"]


@pytest.mark.parametrize("form, response", [
    ({"q-term": "likely"}, {"term": "likely"}), ({"q-term": "percent", "q-percent": " 70 % "}, {"percent": 70}),
    ({"q-percent": "7"}, {"percent": 7}), ({"q-term": "likely", "q-percent": "7"}, {"term": "likely"}),
    ({"q-term": "percent", "q-percent": "100"}, None), ({"q-term": "percent", "q-percent": ""}, None),
    ({"q-term": "percent", "q-percent": "７０"}, None), ({"q-term": "maybe"}, None)])
def test_probability_reads_the_chosen_term_or_the_typed_percentage(form, response):
    data = spec("probability")["data"]
    assert T["probability"].parse(MultiDict(form), "q", data, {}) == response


def test_probability_refuses_a_percentage_it_cannot_read_rather_than_losing_it():
    data = spec("probability")["data"]
    assert T["probability"].problem(MultiDict({"q-term": "percent", "q-percent": "seventy"}), "q", data, {}) == (
        "Give the percentage as a whole number from 1 to 99, or choose a term.")
    assert T["probability"].problem(MultiDict({"q-percent": "0"}), "q", data, {}) is not None
    assert T["probability"].problem(MultiDict({"q-term": "likely", "q-percent": "x"}), "q", data, {}) is None


def test_ach_weighs_inconsistent_cells_double_and_the_conclusion_at_its_share():
    """Key rows C I N / I C C: weights 1 2 1 / 2 1 1 = 8; the conclusion is 0.3 of the question."""
    key_cells = [["C", "I", "N"], ["I", "C", "C"]]
    assert grade_of("ach", {"cells": key_cells, "conclusion": 0}) == 1.0
    assert grade_of("ach", {"cells": key_cells, "conclusion": 1}) == pytest.approx(0.7)
    assert grade_of("ach", {"cells": key_cells, "conclusion": None}) == pytest.approx(0.7)
    # both I cells missed (4 of 8 weight): 0.7 * 0.5 + 0.3
    assert grade_of("ach", {"cells": [["C", "C", "N"], ["C", "C", "C"]], "conclusion": 0}) == pytest.approx(0.65)
    # both C cells of row 2 missed instead (2 of 8): 0.7 * 0.75 + 0.3
    assert grade_of("ach", {"cells": [["C", "I", "N"], ["I", "N", "N"]], "conclusion": 0}) == pytest.approx(0.825)
    assert grade_of("ach", {"cells": [[None] * 3, [None] * 3], "conclusion": 0}) == pytest.approx(0.3)
    assert grade_of("ach", {"cells": key_cells, "conclusion": 1}, inconsistent_weight=1,
                    conclusion_share=0.5) == pytest.approx(0.5)
    half_i = {"cells": [["C", "C", "N"], ["C", "C", "C"]], "conclusion": 1}  # 2 of 4 cells under equal weights
    assert grade_of("ach", half_i, inconsistent_weight=1, conclusion_share=0) == pytest.approx(4 / 6)


def test_ach_a_malformed_matrix_earns_nothing_for_the_matrix():
    for cells in ([["C", "I", "N"]], [["C", "I"], ["I", "C"]], [["C", "I", "X"], ["I", "C", "C"]], "CIN"):
        assert grade_of("ach", {"cells": cells, "conclusion": 0}) == pytest.approx(0.3)
    assert grade_of("ach", {"cells": [["C", "I", "N"], ["I", "C", "C"]], "conclusion": True}) == pytest.approx(0.7)


def test_ach_partial_answers_are_kept_and_the_review_pairs_each_cell_with_the_key_and_its_reason():
    data = spec("ach")["data"]
    form = MultiDict({"q-r0-h1": "I", "q-r1-h2": "N", "q-r1-h0": "bogus"})
    response = T["ach"].parse(form, "q", data, {})
    assert response == {"cells": [[None, "I", None], [None, None, "N"]], "conclusion": None}
    detail = T["ach"].review_fields(data, response)
    assert detail["rows"][0]["cells"][1] == {"given": "I", "key": "I", "reason_html": "<p>b</p>"}
    assert detail["key_conclusion"] == "H1 ISIS" and detail["given_conclusion"] is None
    assert T["ach"].describe(data, response).startswith("evidence 1: H1 —, H2 inconsistent, H3 —; ")
    assert T["ach"].parse(MultiDict({"q-conclusion": "2"}), "q", data, {}) == {
        "cells": [[None] * 3, [None] * 3], "conclusion": 2}


def test_the_tradecraft_types_tally_per_grade_per_band_and_per_conclusion():
    grades = T["source_grade"].tally(spec("source_grade")["data"], {}, [
        {"reliability": "C", "credibility": 3}, {"reliability": "C"}, {"credibility": 6}, None])
    assert OptionCount("Reliability C — fairly reliable", 2, True) in grades
    assert OptionCount("Credibility 6 — truth cannot be judged", 1, False) in grades
    assert len(grades) == 12
    bands = T["probability"].tally(spec("probability")["data"], {}, [{"percent": 55}, {"term": "likely"}, None])
    assert bands[3:5] == [OptionCount("roughly even chance (45–55%)", 1, False), OptionCount("likely (55–80%)", 2, True)]
    ach = T["ach"].tally(spec("ach")["data"], {}, [RIGHT["ach"], WRONG["ach"], {"cells": "x", "conclusion": 0}])
    assert ach[:3] == [OptionCount("Concluded H1: ISIS", 2, True), OptionCount("Concluded H2: An accident", 0, False),
                       OptionCount("Concluded H3: Someone else", 1, False)]
    assert ach[3] == OptionCount("Evidence 1 × H1 marked consistent", 1, True)


NEW_REJECTIONS = [
    ("source_grade", {"report": None}, "report"), ("source_grade", {"report": "itic"}, "report"),
    ("source_grade", {"report": {"source": "itic"}}, "report"), ("source_grade", {"reliability": "G"}, "reliability"),
    ("source_grade", {"reliability": "c"}, "reliability"), ("source_grade", {"reliability": None}, "reliability"),
    ("source_grade", {"credibility": 7}, "credibility"), ("source_grade", {"credibility": "3"}, "credibility"),
    ("source_grade", {"credibility": True}, "credibility"), ("source_grade", {"credibility": 0}, "credibility"),
    ("source_grade", {"adjacent_credit": 1.5}, "adjacent_credit"),
    ("source_grade", {"adjacent_credit": "half"}, "adjacent_credit"),
    ("source_grade", {"rationale": "why"}, "rationale"),
    ("source_grade", {"rationale": {"reliability": "why"}}, "rationale.credibility"),
    ("source_grade", {"rationale": {"reliability": " ", "credibility": "x"}}, "rationale.reliability"),
    ("probability", {"band": "probable"}, "band"), ("probability", {"band": None}, "band"),
    ("probability", {"band": 70}, "band"), ("probability", {"adjacent_credit": -0.1}, "adjacent_credit"),
    ("probability", {"rationale": ""}, "rationale"), ("probability", {"rationale": None}, "rationale"),
    ("ach", {"hypotheses": ["only"]}, "hypotheses"), ("ach", {"hypotheses": ["a", "b", "c", "d", "e"]}, "hypotheses"),
    ("ach", {"hypotheses": ["a", "a", "b"]}, "hypotheses"), ("ach", {"rows": []}, "rows"),
    ("ach", {"rows": VALID["ach"]["rows"][:1]}, "rows"), ("ach", {"rows": VALID["ach"]["rows"] * 4}, "rows"),
    ("ach", {"rows": [VALID["ach"]["rows"][0], "row"]}, "rows"),
    ("ach", {"rows": [VALID["ach"]["rows"][0], {**VALID["ach"]["rows"][1], "quote": None}]}, "rows"),
    ("ach", {"rows": [VALID["ach"]["rows"][0], {**VALID["ach"]["rows"][1], "cells": ["C", "I"]}]}, "rows"),
    ("ach", {"rows": [VALID["ach"]["rows"][0], {**VALID["ach"]["rows"][1], "cells": ["C", "I", "X"]}]}, "rows"),
    ("ach", {"rows": [VALID["ach"]["rows"][0], {**VALID["ach"]["rows"][1], "reasons": ["a"]}]}, "rows"),
    ("ach", {"rows": [VALID["ach"]["rows"][0], {**VALID["ach"]["rows"][1], "reasons": ["a", "", "c"]}]}, "rows"),
    ("ach", {"conclusion": 0}, "conclusion"), ("ach", {"conclusion": 4}, "conclusion"),
    ("ach", {"conclusion": None}, "conclusion"), ("ach", {"inconsistent_weight": 0}, "inconsistent_weight"),
    ("ach", {"inconsistent_weight": "2"}, "inconsistent_weight"), ("ach", {"conclusion_share": 2}, "conclusion_share"),
]


@pytest.mark.parametrize("kind, overrides, field", NEW_REJECTIONS)
def test_the_tradecraft_types_refuse_each_wrong_field_by_name(kind, overrides, field):
    with pytest.raises(FieldProblem) as problem:
        T[kind].build({**VALID[kind], **overrides})
    assert problem.value.field == field


@st.composite
def tradecraft_responses(draw):
    kind = draw(st.sampled_from(["source_grade", "probability", "ach"]))
    if kind == "source_grade":
        response = {}
        if draw(st.booleans()):
            response["reliability"] = draw(st.sampled_from("ABCDEF"))
        if draw(st.booleans()):
            response["credibility"] = draw(st.integers(1, 6))
        return kind, response or None
    if kind == "probability":
        return kind, draw(st.one_of(st.none(), st.builds(lambda t: {"term": t}, st.sampled_from(
            ["almost_no_chance", "very_unlikely", "unlikely", "roughly_even", "likely", "very_likely",
             "almost_certain"])), st.builds(lambda p: {"percent": p}, st.integers(1, 99))))
    cells = draw(st.lists(st.lists(st.sampled_from(["C", "I", "N", None]), min_size=3, max_size=3),
                          min_size=2, max_size=2))
    conclusion = draw(st.one_of(st.none(), st.integers(0, 2)))
    if conclusion is None and all(c is None for row in cells for c in row):
        return kind, None
    return kind, {"cells": cells, "conclusion": conclusion}


@given(tradecraft_responses())
def test_the_tradecraft_types_parse_their_own_form_fields_back_to_the_response(case):
    """parse(form_fields(r)) == r for every response a learner can give, partial ones included."""
    kind, response = case
    data = spec(kind)["data"]
    form = MultiDict(T[kind].form_fields("q", data, {}, response))
    assert T[kind].parse(form, "q", data, {}) == response
    assert T[kind].problem(form, "q", data, {}) is None
    assert 0.0 <= grade_response({"type": kind, "data": data}, response) <= 1.0


# --- distribution(): each distinct answer, for response analysis and the host -------------------

def rows(kind, answers, **overrides):
    return [(a.text, a.count, round(a.credit, 3), a.key) for a in T[kind].distribution(spec(kind, **overrides)["data"], answers)]


def test_choice_distributions_list_every_option_in_written_order_with_zero_counts_and_no_answer():
    assert rows("single", [(1, 4), (0, 2), (None, 1)]) == [
        ("Amaq", 2, 0, False), ("Dabiq", 4, 1, True), ("Rumiyah", 0, 0, False), ("No answer", 1, 0, False)]
    # several choices: how many picked each option; a right option's credit is its share of the key
    assert rows("multiple", [([0, 2], 3), ([1], 2), ([0, 1], 1)]) == [
        ("a", 4, 0.5, True), ("b", 3, 0, False), ("c", 3, 0.5, True), ("d", 0, 0, False)]
    assert rows("true_false", [(False, 5), (True, 2)]) == [("True", 2, 1, True), ("False", 5, 0, False)]


def test_numeric_distribution_merges_equal_numbers_and_bins_the_tail_below_and_above_the_key():
    given = [("1,422", 3), ("1422.0", 1), ("1420", 2), ("1400", 4), ("2,000", 1), ("lots", 1), ("", 1)]
    assert rows("numeric", given) == [  # 1422 and 1400 both given 4 times: the key first
        ("1422", 4, 1, True), ("1400", 4, 0, False), ("Within the tolerance (1417 to 1427), not exactly 1422", 2, 1, True),
        ("2000", 1, 0, False), ("No answer", 1, 0, False), ("Not a number", 1, 0, False)]
    many = [(str(n), 1) for n in range(1, 10)] + [("3", 5)]  # nine distinct wrong numbers: six shown, three binned
    texts = [text for text, *_ in rows("numeric", many)]
    assert texts[0] == "3" and "Other numbers below the key (7 to 9)" in texts and len(texts) == 1 + 1 + 6 + 1


def test_text_distribution_merges_answers_as_the_grader_normalises_them_and_lists_every_accepted_answer():
    given = [("ISIS.", 2), ("  isis ", 1), ("Al-Qaeda", 3), ("al-qaeda!", 1), ("", 1)]
    assert rows("text", given) == [("al-qaeda", 4, 0, False), ("isis", 3, 1, True), ("No answer", 1, 0, False),
                                   ("islamic state", 0, 1, True)]
    assert rows("text", [("ISIS", 1), ("isis", 1)], case_sensitive=True)[:2] == [("ISIS", 1, 1, True), ("isis", 1, 0, False)]


def test_order_and_match_distributions_give_each_distinct_order_or_pairing_with_its_partial_credit():
    order = rows("order", [([3, 2, 1, 0], 2), ([0, 1, 2, 3], 1), ([1, 0, 2, 3], 1)])
    assert order[0] == ("1. fourth → 2. third → 3. second → 4. first", 2, 0, False)
    assert ("1. first → 2. second → 3. third → 4. fourth", 1, 1, True) in order
    assert ("1. second → 2. first → 3. third → 4. fourth", 1, round(5 / 6, 3), False) in order
    match = rows("match", [({"0": 0, "1": 2, "2": 1}, 3)])
    assert match == [("A → 1; B → 3; C → 2", 3, round(1 / 3, 3), False), ("A → 1; B → 2; C → 3", 0, 1, True)]


@pytest.mark.parametrize("kind", KINDS)
def test_every_distribution_counts_every_answer_once_and_marks_a_key(kind):
    data = spec(kind)["data"]
    answers = [(RIGHT[kind], 3), (WRONG[kind], 2), (None, 1)]
    result = T[kind].distribution(data, answers)
    assert any(a.key and a.count for a in result) and all(0 <= a.credit <= 1 for a in result)
    if kind not in PER_PART:
        assert sum(a.count for a in result) == 6
    assert T[kind].distribution(data, []) and all(a.count == 0 for a in T[kind].distribution(data, []))


# Several choices count picks, not answers; the tradecraft types count their tally's parts (each grade on each
# axis, each band an answer falls in, each conclusion and cell), weighted by the database's counts.
PER_PART = ("multiple", "source_grade", "probability", "ach")


def test_a_type_with_a_tally_gives_its_parts_weighted_by_the_counts():
    data = spec("source_grade")["data"]  # key C3
    result = {a.text: (a.count, a.key) for a in T["source_grade"].distribution(
        data, [({"reliability": "C", "credibility": 3}, 3), ({"reliability": "B", "credibility": 3}, 2)])}
    assert result["Reliability C — fairly reliable"] == (3, True)
    assert result["Reliability B — usually reliable"] == (2, False)
    assert result["Credibility 3 — possibly true"] == (5, True)
