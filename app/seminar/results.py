"""How the room answered: each question's tally, each member's answers and points."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Seminar, SeminarAnswer, SeminarMember, SeminarQuestion, User
from app.quiz.grading import FULL_MARKS, verdict
from app.quiz.types import QUESTION_TYPES
from app.quiz.types.base import AnswerCount


MEMBER_WITH_ANSWERS = (
    sa.select(SeminarMember.user_id, SeminarAnswer).select_from(SeminarMember)
    .outerjoin(SeminarAnswer, sa.and_(SeminarAnswer.seminar_id == SeminarMember.seminar_id,
                                      SeminarAnswer.user_id == SeminarMember.user_id))
    .where(SeminarMember.seminar_id == sa.bindparam("seminar_id"), SeminarMember.user_id == sa.bindparam("user_id")))


def my_answers(seminar_id: int, user_id: int) -> dict[int, SeminarAnswer] | None:
    """The member's answers by position, in one query with the membership; None for a non-member."""
    rows = db.session.execute(MEMBER_WITH_ANSWERS, {"seminar_id": seminar_id, "user_id": user_id}).all()
    if not rows:
        return None
    return {answer.position: answer for _, answer in rows if answer is not None}


def member_count(seminar_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SeminarMember)
                             .where(SeminarMember.seminar_id == seminar_id)) or 0


@dataclass
class Tally:
    """How the room answered one question: counts per verdict, and each distinct answer given (its type's
    distribution(): every option of a choice question, each number, text, order or pairing otherwise)."""

    answered: int
    correct: int
    partly: int
    options: list[AnswerCount]

    @property
    def incorrect(self) -> int:
        return self.answered - self.correct - self.partly

    @property
    def percent_correct(self) -> int:
        return round(100 * self.correct / self.answered) if self.answered else 0


def tally(question: SeminarQuestion, answers: list[tuple[Any, float, int]]) -> Tally:
    """Count (response, fraction, how many) triples per verdict, and per answer as the question's type merges them."""
    spec = question.spec
    answered = sum(n for _, _, n in answers)
    correct = sum(n for _, f, n in answers if verdict(f) == "correct")
    partly = sum(n for _, f, n in answers if verdict(f) == "partly correct")
    options = QUESTION_TYPES[spec["type"]].distribution(spec["data"], [(r, n) for r, _, n in answers])
    return Tally(answered, correct, partly, options)


def verdict_counts(seminar_id: int, position: int) -> Tally:
    """How many answered one question, correctly and partly, counted by the database (no options):
    what every phone shows when the question closes, so it must stay cheap for a full room."""
    answers = SeminarAnswer.__table__
    answered, correct, partly = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.case((answers.c.fraction >= FULL_MARKS, 1))),
                  sa.func.count(sa.case((sa.and_(answers.c.fraction > 0, answers.c.fraction < FULL_MARKS), 1))))
        .where(answers.c.seminar_id == seminar_id, answers.c.position == position)).one()
    return Tally(answered, correct, partly, [])


def tallies(seminar: Seminar) -> dict[int, Tally]:
    """Every question's tally, from one query that counts equal responses (their stored JSON text) in the database."""
    answers = SeminarAnswer.__table__
    response = sa.cast(answers.c.response, sa.Text)
    grouped: dict[int, list[tuple[Any, float, int]]] = {q.position: [] for q in seminar.questions}
    for position, text, fraction, count in db.session.execute(
            sa.select(answers.c.position, response, answers.c.fraction, sa.func.count())
            .where(answers.c.seminar_id == seminar.id)
            .group_by(answers.c.position, response, answers.c.fraction)).tuples():
        grouped[position].append((json.loads(text) if text is not None else None, fraction, count))
    return {q.position: tally(q, grouped[q.position]) for q in seminar.questions}


@dataclass
class MemberScore:
    user_id: int
    name: str
    answers: dict[int, tuple[Any, float]] = field(default_factory=dict)  # position: (response, fraction)
    earned: float = 0.0

    @property
    def answered(self) -> int:
        return len(self.answers)


def scoreboard(seminar: Seminar) -> list[MemberScore]:
    """Every member with their answers and the points earned, best first."""
    points = {q.position: q.points for q in seminar.questions}
    rows = db.session.execute(
        sa.select(SeminarMember.user_id, User.display_name, SeminarAnswer.position, SeminarAnswer.response,
                  SeminarAnswer.fraction)
        .join(User, User.id == SeminarMember.user_id)
        .outerjoin(SeminarAnswer, sa.and_(SeminarAnswer.seminar_id == SeminarMember.seminar_id,
                                          SeminarAnswer.user_id == SeminarMember.user_id))
        .where(SeminarMember.seminar_id == seminar.id))
    board: dict[int, MemberScore] = {}
    for user_id, name, position, response, fraction in rows:
        entry = board.setdefault(user_id, MemberScore(user_id, name))
        if position is not None:
            entry.answers[position] = (response, fraction)
            entry.earned += fraction * points[position]
    return sorted(board.values(), key=lambda m: (-m.earned, m.name.casefold(), m.user_id))


def results_table(seminar: Seminar) -> tuple[list[str], list[list[Any]]]:
    """The header and one row per member (best first): each question's answer in words and its points."""
    header = ["learner", "answered", "points"]
    for q in seminar.questions:
        header += [f"Q{q.position + 1} answer", f"Q{q.position + 1} points"]
    rows = []
    for member in scoreboard(seminar):
        row: list[Any] = [member.name, member.answered, round(member.earned, 2)]
        for q in seminar.questions:
            if q.position in member.answers:
                response, fraction = member.answers[q.position]
                row += [QUESTION_TYPES[q.spec["type"]].describe(q.spec["data"], response), round(fraction * q.points, 2)]
            else:
                row += ["", ""]
        rows.append(row)
    return header, rows
