"""Quiz statistics for instructors, in the terms of classical test theory, as Moodle's quiz statistics report
defines them (docs.moodle.org/dev/Quiz_statistics_calculations; Moodle's mod/quiz/report/statistics/classes/
calculator.php and question/classes/statistics/questions/calculator.php).

Every function here is pure arithmetic on counts the database has already grouped (app/instructor/analysis.py):
a histogram of attempt totals, each slot's sums, and for each question how often each (mark, rest-of-attempt
mark) pair occurred. A histogram is exact, and small however many attempts there are.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable

# Rules of thumb for flagging a question: Moodle's bands, and its "likely to need attention" rule.
EASY_FACILITY, HARD_FACILITY = 90.0, 20.0
WEAK_DISCRIMINATION = 20.0  # percent (a correlation of 0.2)
DUBIOUS_EFFICIENCY = 15.0  # percent: Moodle flags a question whose discriminative efficiency is under this


@dataclass(frozen=True)
class QuizStats:
    """The quiz as a whole: totals as percentages of the attempt's marks."""

    attempts: int
    mean: float | None
    median: float | None
    sd: float | None  # sample standard deviation (n - 1)
    skewness: float | None
    kurtosis: float | None  # excess kurtosis, 0 for a normal distribution
    cic: float | None  # coefficient of internal consistency, percent (Cronbach's alpha × 100)
    error_ratio: float | None  # percent of the spread that is noise
    standard_error: float | None  # percentage points


@dataclass(frozen=True)
class QuestionStats:
    question_id: str
    answered: int  # counted attempts that asked it
    facility: float  # mean mark, percent of the question's points
    spread: float | None  # standard deviation of the mark, percent of its points; None with fewer than two
    discrimination: float | None  # percent: 100 × r(mark, rest of the attempt); None when undefined
    efficiency: float | None  # percent: the covariance as a share of the largest the marks allow

    @property
    def flags(self) -> list[str]:
        found = []
        if self.facility >= EASY_FACILITY:
            found.append("very easy")
        if self.facility <= HARD_FACILITY:
            found.append("very hard")
        if self.discrimination is not None and self.discrimination < WEAK_DISCRIMINATION:
            found.append("weak discrimination")
        if self.efficiency is not None and self.efficiency < DUBIOUS_EFFICIENCY:
            found.append("dubious: efficiency under 15%")
        return found


def weighted_median(values: list[tuple[float, int]]) -> float:
    """The median of values given as (value, count), averaging the two middle ones for an even count."""
    ordered = sorted(values)
    total = sum(count for _, count in ordered)
    wanted = [(total - 1) // 2, total // 2]  # 0-based ranks of the middle value(s)
    found, seen = [], 0
    for value, count in ordered:
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return sum(found) / 2


def quiz_stats(totals: Iterable[tuple[float, int]], slots: Iterable[tuple[int, float, float]]) -> QuizStats:
    """Moodle's quiz statistics from a histogram of attempt totals (percent, count) and each slot's
    (count, sum of marks, sum of squared marks), marks in the same percentage units as the totals.

    With s attempts and their moments m2, m3, m4 about the mean: SD = √(Σ(x − x̄)² / (s − 1));
    k2 = s·m2/(s − 1), k3 = s²·m3/((s − 1)(s − 2)), k4 = s²((s + 1)m4 − 3(s − 1)m2²)/((s − 1)(s − 2)(s − 3));
    skewness = k3/k2^1.5, kurtosis = k4/k2²; with P slots, CIC = 100·P/(P − 1)·(1 − ΣV(slot)/k2),
    error ratio = 100·√(1 − CIC/100), standard error = error ratio × SD / 100.
    """
    histogram = [(value, count) for value, count in totals if count]
    s = sum(count for _, count in histogram)
    if not s:
        return QuizStats(0, None, None, None, None, None, None, None, None)
    mean = sum(value * count for value, count in histogram) / s
    median = weighted_median(histogram)
    power = [sum(count * (value - mean) ** k for value, count in histogram) for k in (0, 1, 2, 3, 4)]
    sd = skewness = kurtosis = cic = error_ratio = standard_error = None
    if s > 1:
        sd = math.sqrt(power[2] / (s - 1))
    if s > 2:
        m2, m3, m4 = power[2] / s, power[3] / s, power[4] / s
        k2 = s * m2 / (s - 1)
        k3 = s * s * m3 / ((s - 1) * (s - 2))
        if k2 > 1e-12:
            skewness = k3 / k2 ** 1.5
            if s > 3:
                k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
                kurtosis = k4 / (k2 * k2)
            variances = [(sq - total * total / n) / (n - 1) for n, total, sq in slots if n > 1]
            p = len(variances)
            if p > 1:
                cic = 100 * p / (p - 1) * (1 - sum(variances) / k2)
                error_ratio = 100 * math.sqrt(max(0.0, 1 - cic / 100))
                standard_error = error_ratio * sd / 100
    return QuizStats(s, mean, median, sd, skewness, kurtosis, cic, error_ratio, standard_error)


def max_covariance_sum(marks: dict[float, int], rests: dict[float, int]) -> float:
    """Σ (x₍ᵢ₎ − x̄)(y₍ᵢ₎ − ȳ) with both sides sorted independently: the largest covariance (times s − 1) that
    these marks and rests allow, pairing the i-th lowest mark with the i-th lowest rest. Each side is a
    histogram {value: count}, so the pairing walks runs of equal values instead of every attempt."""
    s = sum(marks.values())
    mx = sum(v * c for v, c in marks.items()) / s
    my = sum(v * c for v, c in rests.items()) / s
    xs, ys = sorted(marks.items()), sorted(rests.items())
    total, i, j, left_x, left_y = 0.0, 0, 0, xs[0][1], ys[0][1]
    while i < len(xs) and j < len(ys):
        paired = min(left_x, left_y)
        total += paired * (xs[i][0] - mx) * (ys[j][0] - my)
        left_x, left_y = left_x - paired, left_y - paired
        if not left_x:
            i += 1
            left_x = xs[i][1] if i < len(xs) else 0
        if not left_y:
            j += 1
            left_y = ys[j][1] if j < len(ys) else 0
    return total


@dataclass
class QuestionSums:
    """The additive sums one question's statistics come from: two sets of attempts' sums add up to the sums of
    both, so they can be kept and grown (app/instructor/kept.py). x = the mark, y = the rest of the attempt."""

    n: int = 0
    sum_f: float = 0.0
    sum_ff: float = 0.0
    sum_x: float = 0.0
    sum_y: float = 0.0
    sum_xx: float = 0.0
    sum_yy: float = 0.0
    sum_xy: float = 0.0
    marks: dict[float, int] = field(default_factory=dict)  # histogram of x, for the discriminative efficiency
    rests: dict[float, int] = field(default_factory=dict)  # histogram of y

    def add(self, fraction: float, points: float, total: float, count: int) -> None:
        """`count` attempts in which the question got this fraction of these points and the attempt this total."""
        x = fraction * points
        y = total - x
        self.n += count
        self.sum_f += count * fraction
        self.sum_ff += count * fraction * fraction
        self.sum_x, self.sum_y = self.sum_x + count * x, self.sum_y + count * y
        self.sum_xx, self.sum_yy = self.sum_xx + count * x * x, self.sum_yy + count * y * y
        self.sum_xy += count * x * y
        self.marks[round(x, 9)] = self.marks.get(round(x, 9), 0) + count
        self.rests[round(y, 9)] = self.rests.get(round(y, 9), 0) + count

    def merge(self, other: "QuestionSums") -> None:
        for name in ("n", "sum_f", "sum_ff", "sum_x", "sum_y", "sum_xx", "sum_yy", "sum_xy"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.marks, other.marks), (self.rests, other.rests)):
            for value, count in theirs.items():
                mine[value] = mine.get(value, 0) + count

    def as_json(self) -> list:
        return [self.n, self.sum_f, self.sum_ff, self.sum_x, self.sum_y, self.sum_xx, self.sum_yy, self.sum_xy,
                list(self.marks.items()), list(self.rests.items())]

    @classmethod
    def from_json(cls, stored: list) -> "QuestionSums":
        *sums, marks, rests = stored
        return cls(*sums, marks={v: c for v, c in marks}, rests={v: c for v, c in rests})


def question_stats(question_id: str, cells: Iterable[tuple[float, float, float, int]]) -> QuestionStats:
    """One question's statistics from how often each (fraction, points, attempt total) occurred."""
    sums = QuestionSums()
    for fraction, points, total, count in cells:
        sums.add(fraction, points, total, count)
    return stats_of_sums(question_id, sums)


def stats_of_sums(question_id: str, sums: QuestionSums) -> QuestionStats:
    """One question's statistics from its sums.

    The question's mark is x = fraction × points; the rest of the attempt is y = total − x (the question
    left out, so it does not correlate with itself). Facility = 100·x̄/points; SD = 100·sd(x)/points;
    discrimination index = 100·Cov(x, y)/√(V(x)V(y)); discriminative efficiency = 100·Cov(x, y)/CovMax(x, y),
    CovMax pairing the sorted marks with the sorted rests (Moodle's definitions)."""
    s = sums.n
    facility = 100 * sums.sum_f / s
    spread = discrimination = efficiency = None
    if s > 1:
        spread = 100 * math.sqrt(max(0.0, (sums.sum_ff - sums.sum_f * sums.sum_f / s) / (s - 1)))
        covariance_sum = sums.sum_xy - sums.sum_x * sums.sum_y / s
        var_x, var_y = sums.sum_xx - sums.sum_x * sums.sum_x / s, sums.sum_yy - sums.sum_y * sums.sum_y / s
        if var_x > 1e-12 and var_y > 1e-12:
            discrimination = 100 * covariance_sum / math.sqrt(var_x * var_y)
            largest = max_covariance_sum(sums.marks, sums.rests)
            efficiency = 100 * covariance_sum / largest if largest > 1e-12 else None
    return QuestionStats(question_id, s, facility, spread, discrimination, efficiency)
