"""Moodle's quiz and question statistics, checked figure by figure against a worked example done by hand.

The example: five learners (A–E), three questions drawn in the same three slots, q1 worth 2 points, q2 and
q3 worth 1; an attempt is out of 4 points.

    attempt  q1 (fraction → mark)  q2     q3     total   score
    A        1   → 2               1      1      4       100%
    B        1   → 2               0      1      3        75%
    C        0.5 → 1               1      0      2        50%
    D        0   → 0               1      0      1        25%
    E        0   → 0               0      1      1        25%

Learner A also has a second attempt scoring 0%, which counts among all attempts but not among first ones.
"""
from __future__ import annotations

import math
from dataclasses import replace

import pytest
import sqlalchemy as sa

from app.content.model import Question
from app.database import db_write
from app.extensions import db
from app.instructor.analysis import counted, module_figures, response_analysis
from app.instructor.chart import score_chart
from app.instructor.results import cohort
from app.instructor.statistics import max_covariance_sum, question_stats, quiz_stats, weighted_median
from app.models import Attempt, AttemptItem, QuestionVersion

POINTS = {"q1": 2.0, "q2": 1.0, "q3": 1.0}
FRACTIONS = {"A": (1, 1, 1), "B": (1, 0, 1), "C": (0.5, 1, 0), "D": (0, 1, 0), "E": (0, 0, 1)}
SCORES = [100, 75, 50, 25, 25]


# ---------------------------------------------------------------------------- the quiz as a whole, by hand

# mean = (100 + 75 + 50 + 25 + 25) / 5 = 55; deviations 45, 20, −5, −30, −30
#   Σd² = 2025 + 400 + 25 + 900 + 900 = 4250
#   Σd³ = 91125 + 8000 − 125 − 27000 − 27000 = 45000
#   Σd⁴ = 4100625 + 160000 + 625 + 810000 + 810000 = 5881250
# SD = √(4250 / 4) = √1062.5
# m2 = 850, m3 = 9000, m4 = 1176250; k2 = 5·850/4 = 1062.5; k3 = 25·9000/(4·3) = 18750
# skewness = 18750 / 1062.5^1.5
# k4 = 25·(6·1176250 − 3·4·850²)/(4·3·2) = 25·(7057500 − 8670000)/24 = −1679687.5; kurtosis = k4 / 1062.5²
# Each slot's marks as a percentage of the attempt's 4 points:
#   slot 1 (q1): 50, 50, 25, 0, 0  mean 25, Σd² = 625·4 = 2500, variance 625
#   slot 2 (q2): 25, 0, 25, 25, 0  mean 15, Σd² = 100·3 + 225·2 = 750, variance 187.5
#   slot 3 (q3): 25, 25, 0, 0, 25  the same: variance 187.5
# CIC = 100 · 3/2 · (1 − (625 + 187.5 + 187.5)/1062.5) = 150 · 62.5/1062.5
# error ratio = 100 · √(1 − CIC/100); standard error = error ratio · SD / 100
SD = math.sqrt(1062.5)
SKEWNESS = 18750 / 1062.5 ** 1.5
KURTOSIS = -1679687.5 / 1062.5 ** 2
CIC = 150 * 62.5 / 1062.5
ERROR_RATIO = 100 * math.sqrt(1 - CIC / 100)
STANDARD_ERROR = ERROR_RATIO * SD / 100


def slot_sums(marks):
    return (len(marks), sum(marks), sum(m * m for m in marks))


def test_the_quiz_as_a_whole_matches_the_worked_example():
    slots = [slot_sums([50, 50, 25, 0, 0]), slot_sums([25, 0, 25, 25, 0]), slot_sums([25, 25, 0, 0, 25])]
    stats = quiz_stats([(100, 1), (75, 1), (50, 1), (25, 2)], slots)
    assert stats.attempts == 5 and stats.mean == pytest.approx(55) and stats.median == pytest.approx(50)
    assert stats.sd == pytest.approx(SD) == pytest.approx(32.596, abs=1e-3)
    assert stats.skewness == pytest.approx(SKEWNESS) == pytest.approx(0.5414, abs=1e-4)
    assert stats.kurtosis == pytest.approx(KURTOSIS) == pytest.approx(-1.4879, abs=1e-4)
    assert stats.cic == pytest.approx(CIC) == pytest.approx(8.8235, abs=1e-4)
    assert stats.error_ratio == pytest.approx(ERROR_RATIO) == pytest.approx(95.486, abs=1e-3)
    assert stats.standard_error == pytest.approx(STANDARD_ERROR) == pytest.approx(31.125, abs=1e-3)


def test_figures_that_need_more_attempts_are_left_undefined():
    assert quiz_stats([], []).mean is None
    one = quiz_stats([(80, 1)], [(1, 80, 6400)])
    assert (one.mean, one.median, one.sd, one.skewness) == (80, 80, None, None)
    three = quiz_stats([(0, 1), (50, 1), (100, 1)], [slot_sums([0, 50, 100])])
    assert three.skewness == pytest.approx(0) and three.kurtosis is None and three.cic is None  # one slot
    same = quiz_stats([(60, 4)], [slot_sums([60] * 4), slot_sums([0] * 4)])
    assert same.sd == 0 and same.skewness is None and same.cic is None  # no spread: nothing to divide by


def test_the_median_of_a_histogram_averages_the_middle_pair_of_an_even_count():
    assert weighted_median([(25, 2), (50, 1), (75, 1), (100, 1)]) == 50
    assert weighted_median([(10, 1), (20, 1), (30, 1), (40, 1)]) == 25
    assert weighted_median([(70, 3), (10, 1)]) == 70


# ---------------------------------------------------------------------------- each question, by hand

# The mark x is fraction × points; the rest of the attempt y is total − x.
# q1: x = 2, 2, 1, 0, 0 (mean 1; deviations 1, 1, 0, −1, −1; Σ = 4)
#     y = 2, 1, 1, 1, 1 (mean 1.2; deviations .8, −.2, −.2, −.2, −.2; Σ = .64 + 4·.04 = .8)
#     Σxy = .8 − .2 + 0 + .2 + .2 = 1; index = 100 · 1/√(4 · .8) = 100/√3.2
#     sorted: x −1, −1, 0, 1, 1 against y −.2, −.2, −.2, −.2, .8: CovMax sum = .2 + .2 + 0 − .2 + .8 = 1
#     efficiency = 100 · 1/1 = 100; facility 50%; fractions 1, 1, .5, 0, 0: SD = √(1/4) = 50%
# q2: x = 1, 0, 1, 1, 0 (mean .6; Σ = .16·3 + .36·2 = 1.2); y = 3, 3, 1, 0, 1 (mean 1.6; Σ = 7.2)
#     Σxy = .4·1.4 − .6·1.4 − .4·.6 − .4·1.6 + .6·.6 = −.8; index = 100 · −.8/√(1.2 · 7.2)
#     sorted x −.6, −.6, .4, .4, .4 against y −1.6, −.6, −.6, 1.4, 1.4: .96 + .36 − .24 + .56 + .56 = 2.2
#     efficiency = 100 · −.8/2.2; facility 60%; SD = √(1.2/4) = 54.77%
# q3: x = 1, 1, 0, 0, 1; y = 3, 2, 2, 1, 0 (mean 1.6; Σ = 1.96 + .16 + .16 + .36 + 2.56 = 5.2)
#     Σxy = .56 + .16 − .24 + .36 − .64 = .2; index = 100 · .2/√(1.2 · 5.2)
#     sorted y −1.6, −.6, .4, .4, 1.4: CovMax sum = .96 + .36 + .16 + .16 + .56 = 2.2; efficiency 100 · .2/2.2
EXPECTED = {  # facility, SD, discrimination index, discriminative efficiency (percent)
    "q1": (50, 50, 100 / math.sqrt(3.2), 100),
    "q2": (60, 100 * math.sqrt(0.3), 100 * -0.8 / math.sqrt(1.2 * 7.2), 100 * -0.8 / 2.2),
    "q3": (60, 100 * math.sqrt(0.3), 100 * 0.2 / math.sqrt(1.2 * 5.2), 100 * 0.2 / 2.2),
}


def cells_of(question: str) -> list[tuple[float, float, float, int]]:
    """(fraction, points, total, count) for every attempt of the example."""
    index = list(POINTS).index(question)
    totals = {name: sum(f * p for f, p in zip(fractions, POINTS.values())) for name, fractions in FRACTIONS.items()}
    return [(fractions[index], POINTS[question], totals[name], 1) for name, fractions in FRACTIONS.items()]


@pytest.mark.parametrize("question", list(EXPECTED))
def test_each_question_matches_the_worked_example(question):
    facility, sd, discrimination, efficiency = EXPECTED[question]
    stats = question_stats(question, cells_of(question))
    assert stats.answered == 5
    assert stats.facility == pytest.approx(facility)
    assert stats.spread == pytest.approx(sd)
    assert stats.discrimination == pytest.approx(discrimination)
    assert stats.efficiency == pytest.approx(efficiency)


def test_the_figures_by_hand_in_round_numbers_and_moodle_s_flags():
    assert EXPECTED["q1"][2] == pytest.approx(55.90, abs=0.01)
    assert EXPECTED["q2"][2:] == pytest.approx((-27.22, -36.36), abs=0.01)
    assert EXPECTED["q3"][2:] == pytest.approx((8.01, 9.09), abs=0.01)
    flags = {q: question_stats(q, cells_of(q)).flags for q in EXPECTED}
    assert flags["q1"] == []
    assert flags["q2"] == flags["q3"] == ["weak discrimination", "dubious: efficiency under 15%"]


def test_counts_in_a_histogram_weigh_as_repeated_attempts():
    cells = cells_of("q3")
    doubled = question_stats("q3", [(f, p, t, 2) for f, p, t, _ in cells])
    repeated = question_stats("q3", cells + cells)
    assert doubled == repeated and doubled.answered == 10


def test_the_largest_covariance_pairs_sorted_runs_of_equal_values():
    # marks 0, 0, 1, 1 and rests 3, 1, 2, 0 (means .5 and 1.5): sorted pairs (0, 0), (0, 1), (1, 2), (1, 3)
    # Σ = (−.5)(−1.5) + (−.5)(−.5) + (.5)(.5) + (.5)(1.5) = .75 + .25 + .25 + .75 = 2
    assert max_covariance_sum({0: 2, 1: 2}, {3: 1, 1: 1, 2: 1, 0: 1}) == pytest.approx(2)


def test_a_question_everyone_got_right_has_no_discrimination():
    stats = question_stats("q", [(1.0, 1.0, 3.0, 2), (1.0, 1.0, 1.0, 3)])
    assert stats.facility == 100 and stats.spread == 0
    assert stats.discrimination is None and stats.efficiency is None and stats.flags == ["very easy"]


def test_the_score_chart_counts_each_band_of_ten_points_with_100_among_the_nineties():
    chart = score_chart([(score, 1) for score in SCORES] + [(99.5, 1)])
    assert [bar.count for bar in chart.bars] == [0, 0, 2, 0, 0, 1, 0, 1, 0, 2]
    assert chart.total == 6 and chart.top == 2 and chart.bars[9].label == "90–100"
    assert chart.bars[2].height == chart.base - 28 and chart.bars[5].height == pytest.approx((chart.base - 28) / 2)
    assert "the most (2) scored 20–29%" in chart.summary and "50–59%: 1" in chart.summary


# ---------------------------------------------------------------------------- the same example through the database


def seed_example(app, make_user):
    """The example as stored attempts: each question a version, each attempt its three items."""
    with app.app_context():
        users = {name: make_user(f"learner{name.lower()}").id for name in FRACTIONS}
        with app.test_request_context(), db_write():
            versions = {}
            for qid, points in POINTS.items():
                version = QuestionVersion(question_id=qid, digest=f"example-{qid}",
                                          spec={"type": "true_false", "data": {"answer": True}})
                db.session.add(version)
                db.session.flush()
                versions[qid] = version.id
            rows = [(name, 1, FRACTIONS[name]) for name in FRACTIONS] + [("A", 2, (0, 0, 0))]
            for name, number, fractions in rows:
                earned = sum(f * p for f, p in zip(fractions, POINTS.values()))
                attempt = Attempt(user_id=users[name], module_id="example", number=number, seed=1, pass_mark=50,
                                  submitted_at=sa.func.now(), score=100 * earned / 4, earned=earned, possible=4.0,
                                  passed=earned >= 2)
                db.session.add(attempt)
                db.session.flush()
                for position, (qid, fraction) in enumerate(zip(POINTS, fractions)):
                    db.session.add(AttemptItem(attempt_id=attempt.id, position=position, layout={},
                                               question_version_id=versions[qid], response=fraction == 1,
                                               fraction=fraction, points=POINTS[qid]))


def test_the_database_aggregates_give_the_worked_example_on_first_attempts(app, make_user):
    seed_example(app, make_user)
    with app.app_context():
        figures = module_figures(counted("example", cohort(), "first"))
        quiz = figures.quiz
        assert (quiz.attempts, quiz.mean, quiz.median) == (5, pytest.approx(55), pytest.approx(50))
        assert (quiz.sd, quiz.skewness, quiz.kurtosis) == pytest.approx((SD, SKEWNESS, KURTOSIS))
        assert (quiz.cic, quiz.error_ratio, quiz.standard_error) == pytest.approx((CIC, ERROR_RATIO, STANDARD_ERROR))
        stats = figures.questions
        assert sorted(figures.scores) == [(25, 2), (50, 1), (75, 1), (100, 1)]
        for qid, (facility, sd, discrimination, efficiency) in EXPECTED.items():
            assert stats[qid].answered == 5
            assert (stats[qid].facility, stats[qid].spread, stats[qid].discrimination,
                    stats[qid].efficiency) == pytest.approx((facility, sd, discrimination, efficiency))
        every = module_figures(counted("example", cohort(), "all")).quiz
        assert every.attempts == 6 and every.mean == pytest.approx(55 * 5 / 6)


def test_response_analysis_counts_each_stored_response_in_the_database(app, make_user, catalog):
    seed_example(app, make_user)
    spec = {"type": "true_false", "data": {"answer": True}, "prompt_html": "q", "evidence": []}
    module = replace(catalog.modules[0], id="example",
                     questions=tuple(Question(qid, "example", "true_false", spec) for qid in POINTS))
    with app.app_context():
        analysis = response_analysis(module, counted("example", cohort(), "all"))
    q2 = next(r for r in analysis if r.question.id == "q2")
    # q2 was answered right (True) by A, C, D; wrong (False) by B, E and by A's second attempt
    assert [(a.text, a.count, a.key) for a in q2.answers] == [("True", 3, True), ("False", 3, False)]
    assert q2.given == 6 and q2.top_wrong.text == "False" and q2.facility == pytest.approx(50)
    q1 = next(r for r in analysis if r.question.id == "q1")  # 1, 1, .5, 0, 0 and A's second 0: 2.5 of 6
    assert q1.facility == pytest.approx(100 * 2.5 / 6)
