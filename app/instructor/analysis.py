"""A module's statistics and response analysis, counted by the database.

Every query here is an aggregate over the counted attempts (`counted()`: the scope's graded attempts at the
module, every one or each learner's first) and their items: Python receives histograms and sums whose size
depends on the bank and the marks given, not on how many attempts there are. app/instructor/statistics.py
turns them into Moodle's figures; each question type turns the counted responses into its distribution.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.content.model import Module, Question
from app.extensions import db
from app.instructor.statistics import QuestionStats, QuestionSums, QuizStats, quiz_stats, stats_of_sums
from app.models import Attempt, AttemptItem, QuestionVersion, User
from app.quiz.types import QUESTION_TYPES
from app.quiz.types.base import AnswerCount

_attempts, _items, _versions = Attempt.__table__, AttemptItem.__table__, QuestionVersion.__table__
SHORTLIST = 12  # the answers shown per question; the rest are summed in one row


def counted(module_id: str, learners: sa.Select, basis: str, after: datetime | None = None,
            until: datetime | None = None) -> sa.Subquery:
    """The graded attempts counted: the learners' at this module, all of them or each learner's first; with
    `after`/`until`, only those submitted in that window (after < submitted_at <= until; app/instructor/kept.py)."""
    graded = (_attempts.c.module_id == module_id, _attempts.c.submitted_at.is_not(None),
              _attempts.c.user_id.in_(learners))
    window = ((_attempts.c.submitted_at > after,) if after is not None else ()) + (
        (_attempts.c.submitted_at <= until,) if until is not None else ())
    query = sa.select(_attempts.c.id, _attempts.c.user_id, _attempts.c.score, _attempts.c.submitted_at,
                      sa.func.coalesce(_attempts.c.earned, 0.0).label("earned"),
                      sa.func.coalesce(_attempts.c.possible, 0.0).label("possible")).where(*graded, *window)
    if basis == "first" and window:
        # A window's attempt is a first when no graded attempt of the learner has a lower number: an index
        # lookup each. Exact, since a learner has one open attempt at a time (uq_attempt_open), so attempts
        # are graded in the order of their numbers.
        earlier = _attempts.alias("earlier")
        query = query.where(~sa.exists().where(
            earlier.c.user_id == _attempts.c.user_id, earlier.c.module_id == module_id,
            earlier.c.number < _attempts.c.number, earlier.c.submitted_at.is_not(None)))
    elif basis == "first":
        firsts = (sa.select(_attempts.c.user_id, sa.func.min(_attempts.c.number).label("number"))
                  .where(*graded).group_by(_attempts.c.user_id).subquery())
        query = query.join(firsts, sa.and_(firsts.c.user_id == _attempts.c.user_id,
                                           firsts.c.number == _attempts.c.number))
    return query.subquery("counted")


@dataclass(frozen=True)
class ModuleFigures:
    quiz: QuizStats
    questions: dict[str, QuestionStats]
    scores: list[tuple[float, int]]  # (score percent, attempts): the chart's histogram


@dataclass
class FigureSums:
    """What a module's figures come from, in additive form: the histogram of scores, each slot's
    [count, Σ mark, Σ mark²] (marks in percent of the attempt) and each question version's sums."""

    scores: dict[float, int] = field(default_factory=dict)
    slots: dict[int, list[float]] = field(default_factory=dict)
    versions: dict[int, QuestionSums] = field(default_factory=dict)

    def merge(self, other: "FigureSums") -> None:
        for score, count in other.scores.items():
            self.scores[score] = self.scores.get(score, 0) + count
        for position, theirs in other.slots.items():
            mine = self.slots.setdefault(position, [0, 0.0, 0.0])
            for index in range(3):
                mine[index] += theirs[index]
        for vid, theirs in other.versions.items():
            self.versions.setdefault(vid, QuestionSums()).merge(theirs)

    def as_json(self) -> dict:
        return {"scores": list(self.scores.items()), "slots": list(self.slots.items()),
                "versions": [(vid, sums.as_json()) for vid, sums in self.versions.items()]}

    @classmethod
    def from_json(cls, stored: dict) -> "FigureSums":
        return cls({v: c for v, c in stored["scores"]}, {p: list(s) for p, s in stored["slots"]},
                   {vid: QuestionSums.from_json(sums) for vid, sums in stored["versions"]})


def figure_sums(attempts: sa.Subquery) -> FigureSums:
    """The sums of these attempts, from two grouped queries: the attempts' totals, and how often each (slot,
    question version, fraction, points, attempt total) occurred among their items. One pass over the items
    gives both each slot's sums (for the CIC) and each question's (mark, rest) pairs."""
    sums = FigureSums()
    for earned, possible, count in db.session.execute(
            sa.select(attempts.c.earned, attempts.c.possible, sa.func.count())
            .group_by(attempts.c.earned, attempts.c.possible)).tuples():
        score = 100 * earned / possible if possible else 0.0
        sums.scores[score] = sums.scores.get(score, 0) + count
    fraction = sa.func.coalesce(_items.c.fraction, 0.0)
    cells = db.session.execute(
        sa.select(_items.c.position, _items.c.question_version_id, fraction, _items.c.points, attempts.c.earned,
                  attempts.c.possible, sa.func.count())
        .select_from(_items.join(attempts, attempts.c.id == _items.c.attempt_id))
        .group_by(_items.c.position, _items.c.question_version_id, fraction, _items.c.points,
                  attempts.c.earned, attempts.c.possible)).tuples()
    for position, vid, mark, points, earned, possible, count in cells:
        percent = 100 * mark * points / possible if possible else 0.0
        slot = sums.slots.setdefault(position, [0, 0.0, 0.0])
        slot[0] += count
        slot[1] += count * percent
        slot[2] += count * percent * percent
        sums.versions.setdefault(vid, QuestionSums()).add(mark, points, earned, count)
    return sums


def figures_of(sums: FigureSums) -> ModuleFigures:
    """The quiz as a whole and each question (its versions' sums added up), from the sums."""
    question_of = {vid: qid for vid, (qid, _) in version_questions(sums.versions).items()}
    by_question: dict[str, QuestionSums] = {}
    for vid, version in sorted(sums.versions.items()):
        by_question.setdefault(question_of[vid], QuestionSums()).merge(version)
    scores = sorted(sums.scores.items())
    return ModuleFigures(quiz_stats(scores, [tuple(slot) for _, slot in sorted(sums.slots.items())]),
                         {qid: stats_of_sums(qid, q) for qid, q in by_question.items()}, scores)


def module_figures(attempts: sa.Subquery) -> ModuleFigures:
    """The figures of these attempts, computed from scratch."""
    return figures_of(figure_sums(attempts))


def version_questions(version_ids) -> dict[int, tuple[str, dict]]:
    """{question version id: (question id, stored spec)} for the versions named."""
    ids = list(version_ids)
    if not ids:
        return {}
    return {vid: (qid, spec) for vid, qid, spec in db.session.execute(
        sa.select(_versions.c.id, _versions.c.question_id, _versions.c.spec).where(_versions.c.id.in_(ids)))}


@dataclass(frozen=True)
class Responses:
    """How the counted attempts answered one question: its answers, most given first (a shortlist)."""

    question: Question
    answers: list[AnswerCount]
    given: int  # attempts that were asked it
    facility: float | None  # mean mark, percent; None when nobody was asked it
    others: int  # answers beyond the shortlist, summed
    other_kinds: int  # how many distinct answers those are

    @property
    def top_wrong(self) -> AnswerCount | None:
        """The wrong answer given most: what misled the class."""
        wrong = [a for a in self.answers if not a.key and a.count and a.text != "No answer"]
        return max(wrong, key=lambda a: a.count) if wrong else None


def shortlist(answers: list[AnswerCount], limit: int = SHORTLIST) -> tuple[list[AnswerCount], int, int]:
    """The first `limit` answers and every key; the rest as (count, kinds) for one summary row."""
    kept = [a for index, a in enumerate(answers) if index < limit or a.key]
    rest = [a for a in answers if a not in kept]
    return kept, sum(a.count for a in rest), len(rest)


def merged_distribution(by_version: list[tuple[dict, list[tuple[Any, int]]]]) -> list[AnswerCount]:
    """One question's distribution over its versions (a corrected key makes a new version): each version's
    answers judged against its own key, rows of the same text added up."""
    merged: dict[str, AnswerCount] = {}
    for spec, answers in by_version:
        for row in QUESTION_TYPES[spec["type"]].distribution(spec["data"], answers):
            known = merged.get(row.text)
            merged[row.text] = row if known is None else AnswerCount(row.text, known.count + row.count,
                                                                     known.credit, known.key)
    return list(merged.values())


ResponseCounts = dict[tuple[int, str | None, float], int]  # (version id, stored response as JSON, fraction): count


def response_counts(attempts: sa.Subquery) -> ResponseCounts:
    """How often each version got each stored response (the JSON text the app wrote, so equal responses group
    together) with each fraction, from one grouped query."""
    response = sa.cast(_items.c.response, sa.Text)
    fraction = sa.func.coalesce(_items.c.fraction, 0.0)
    rows = db.session.execute(
        sa.select(_items.c.question_version_id, response, fraction, sa.func.count())
        .select_from(_items.join(attempts, attempts.c.id == _items.c.attempt_id))
        .group_by(_items.c.question_version_id, response, fraction)).tuples()
    counts: ResponseCounts = {}
    for vid, text, mark, count in rows:
        counts[(vid, text, mark)] = counts.get((vid, text, mark), 0) + count
    return counts


def response_analysis(module: Module, attempts: sa.Subquery) -> list[Responses]:
    """The response analysis of these attempts, computed from scratch."""
    return analysis_of(module, response_counts(attempts))


def analysis_of(module: Module, counts: ResponseCounts) -> list[Responses]:
    """Every question of the module with each distinct answer given and its facility, from the counts."""
    versions = version_questions({vid for vid, _, _ in counts})
    grouped: dict[int, list[tuple[Any, int]]] = {}
    marks: dict[str, list[float]] = {}  # question id: [attempts, sum of fractions]
    for (vid, text, mark), count in sorted(counts.items(), key=lambda pair: (pair[0][0], pair[0][1] or "",
                                                                              pair[0][2])):
        grouped.setdefault(vid, []).append((json.loads(text) if text is not None else None, count))
        totals = marks.setdefault(versions[vid][0], [0, 0.0])
        totals[0] += count
        totals[1] += mark * count
    by_question: dict[str, list[tuple[dict, list[tuple[Any, int]]]]] = {}
    for vid in sorted(grouped, reverse=True):  # the newest version first: its key and credit are kept
        qid, spec = versions[vid]
        by_question.setdefault(qid, []).append((spec, grouped[vid]))
    analysis = []
    for question in module.questions:
        given, summed = marks.get(question.id, (0, 0.0))
        if question.id in by_question:
            answers = merged_distribution(by_question[question.id])
        else:
            answers = QUESTION_TYPES[question.type].distribution(question.spec["data"], [])
        kept, others, kinds = shortlist(answers)
        analysis.append(Responses(question, kept, given, 100 * summed / given if given else None, others, kinds))
    return analysis


LEARNER_LIST = 200  # past this many learners the module page points to the CSVs and the class pages instead


def learner_rows(module_id: str, learners: sa.Select) -> tuple[list[tuple[str, int, float, bool]], int]:
    """Per learner with a graded attempt, by name: (name, graded attempts, best score, passed any), the first
    LEARNER_LIST of them; and how many learners there are in all. The learners are picked first (an index
    probe each for a graded attempt), and only their attempts are summed: no pass over every attempt."""
    users = User.__table__
    graded = (_attempts.c.module_id == module_id, _attempts.c.submitted_at.is_not(None))
    who = (users.c.id.in_(learners), sa.exists().where(_attempts.c.user_id == users.c.id, *graded))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(users).where(*who)) or 0
    named = (sa.select(users.c.id, users.c.display_name).where(*who)
             .order_by(sa.func.lower(users.c.display_name), users.c.id).limit(LEARNER_LIST).subquery())
    rows = db.session.execute(
        sa.select(named.c.display_name, sa.func.count(), sa.func.max(_attempts.c.score),
                  sa.func.max(sa.case((_attempts.c.passed, 1), else_=0)))
        .join(_attempts, _attempts.c.user_id == named.c.id).where(*graded)
        .group_by(named.c.id, named.c.display_name)
        .order_by(sa.func.lower(named.c.display_name), named.c.id)).tuples()
    return [(name, n, best or 0.0, bool(passed)) for name, n, best, passed in rows], total
