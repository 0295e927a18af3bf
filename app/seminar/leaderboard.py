"""The room's results as the projector shows them: without names, or under nicknames on a leaderboard.

Scores are accuracy alone (each answer's fraction of its question's points), never speed:
a learner who reads slowly, or with a screen reader, is not ranked below a quick guesser.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.database import db_write
from app.extensions import db
from app.models import Seminar, SeminarMember
from app.seminar.results import Tally, scoreboard

ADJECTIVES = ("Amber", "Bold", "Calm", "Deft", "Eager", "Fair", "Grand", "Hardy", "Ivory", "Jolly", "Keen", "Lucid",
              "Merry", "Noble", "Olive", "Plucky", "Quick", "Rapid", "Steady", "Tidy", "Upbeat", "Vivid", "Witty",
              "Zesty")
ANIMALS = ("Otter", "Falcon", "Heron", "Badger", "Lynx", "Marten", "Osprey", "Puffin", "Raven", "Stoat", "Wren",
           "Bison", "Crane", "Dingo", "Egret", "Finch", "Gecko", "Ibex", "Koala", "Lemur", "Moose", "Newt", "Orca",
           "Panda")
LEADERBOARD_SIZE = 10


def nickname(rank: int) -> str:
    """The nickname of the room's `rank`-th member to join (0-based): unique within the room."""
    name = f"{ADJECTIVES[rank % len(ADJECTIVES)]} {ANIMALS[rank // len(ADJECTIVES) % len(ANIMALS)]}"
    lap = rank // (len(ADJECTIVES) * len(ANIMALS))
    return f"{name} {lap + 1}" if lap else name


def nicknames(seminar_id: int) -> dict[int, str]:
    """Each member's nickname, by the order they joined (user id: nickname)."""
    members = db.session.scalars(sa.select(SeminarMember.user_id).where(SeminarMember.seminar_id == seminar_id)
                                 .order_by(SeminarMember.joined_at, SeminarMember.user_id))
    return {user_id: nickname(rank) for rank, user_id in enumerate(members)}


@dataclass(frozen=True)
class RoomResults:
    """What the room did, with no one's name: members, answers, the average score, each question's share right."""
    members: int
    answered: int  # members who answered at least one question
    average_percent: int
    percent_correct: list[tuple[int, int]]  # (question number, % of its answers correct)
    leaders: list[tuple[str, float]]  # (nickname, points), best first; empty unless the leaderboard is on


def room_results(seminar: Seminar, tallies: dict[int, Tally]) -> RoomResults:
    board = scoreboard(seminar)
    possible = sum(q.points for q in seminar.questions) or 1
    answered = [m for m in board if m.answered]
    average = round(100 * sum(m.earned for m in answered) / (possible * len(answered))) if answered else 0
    leaders: list[tuple[str, float]] = []
    if seminar.leaderboard:
        names = nicknames(seminar.id)
        leaders = [(names[m.user_id], round(m.earned, 2)) for m in answered[:LEADERBOARD_SIZE]]
    return RoomResults(len(board), len(answered), average,
                       [(p + 1, t.percent_correct) for p, t in sorted(tallies.items())], leaders)


def set_leaderboard(seminar: Seminar, shown: bool) -> None:
    """Turn the projector's leaderboard on or off."""
    with db_write():
        db.session.execute(sa.update(Seminar.__table__).where(Seminar.__table__.c.id == seminar.id)
                           .values(leaderboard=shown))
