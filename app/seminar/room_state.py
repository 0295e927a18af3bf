"""What every phone polls: the room's step, behind a signed room token, from a short-lived cache.

A phone asks every two seconds whether the host has moved on. Answering that through the login
lookup, the membership query and the room's row costs a full logged-in request per poll, which a
room of 2,000 phones cannot afford on two cores. So the page of every member carries the same
polling address, with a token (the seminar's id, signed with the app's secret key) that opens this
room's step and nothing else, and the answer comes from a per-process copy of the room's step kept
for at most STEP_TTL seconds. One address for the whole room lets nginx answer the polls from its
own cache for a second at a time (deploy/nginx.conf), so a room's polls cost the app about one
request a second. The copies are caches, not state: the room's state stays in the database, any
worker of any host answers any phone. The answer carries an ETag, so a poll that finds nothing new
is a 304 with no body.
"""
from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import sqlalchemy as sa
from flask import current_app
from itsdangerous import URLSafeSerializer

from app.extensions import db
from app.models import Seminar, SeminarQuestion
from app.quiz.versions import version_specs

T = TypeVar("T")
STEP_TTL = 0.5  # seconds a worker answers from its copy of a room's step before reading it again
_rooms, _questions = Seminar.__table__, SeminarQuestion.__table__
READ_STEP = sa.select(_rooms.c.step, _rooms.c.phase, _rooms.c.position).where(_rooms.c.id == sa.bindparam("id"))
READ_QUESTIONS = (sa.select(_questions.c.position, _questions.c.question_version_id, _questions.c.layout,
                            _questions.c.points)
                  .where(_questions.c.seminar_id == sa.bindparam("id")).order_by(_questions.c.position))


@dataclass(frozen=True)
class RoomStep:
    step: int
    phase: str
    position: int
    read_at: float  # time.monotonic() when it was read from the database

    @property
    def etag(self) -> str:
        return f"s{self.step}"

    def as_json(self) -> dict:
        return {"step": self.step, "phase": self.phase, "position": self.position}


@dataclass(frozen=True)
class RoomQuestion:
    """A seminar's question as its phones show it: fixed when the room is opened (the questions are
    written with the seminar, in one transaction, and never change)."""
    position: int
    spec: dict[str, Any]
    layout: dict[str, Any]
    points: float


class RoomSteps:
    """One app's per-process copies of what its rooms' phones ask for: the steps, the closed questions' counts,
    the tokens and the questions (tests build many apps, each with its own)."""

    def __init__(self, secret_key: str, ttl: float):
        self.tokens = URLSafeSerializer(secret_key, salt="seminar-room")
        self.ttl = ttl
        self.copies: dict[int, RoomStep] = {}
        self.closed: dict[tuple[int, int], Any] = {}
        self.signed: dict[int, str] = {}  # each room's token
        self.questions: dict[tuple[int, str], tuple[RoomQuestion, ...]] = {}
        self.lock = threading.Lock()

    def current(self, seminar_id: int) -> RoomStep | None:
        """The room's step, read from the database when this process's copy is older than the TTL."""
        copy = self.copies.get(seminar_id)
        now = time.monotonic()
        if copy is not None and now - copy.read_at < self.ttl:
            return copy
        row = db.session.execute(READ_STEP, {"id": seminar_id}).first()
        if row is None:
            return None
        return self.keep(self.copies, seminar_id, RoomStep(row.step, row.phase, row.position, now))

    def closed_tally(self, seminar_id: int, step: int, count: Callable[[], T]) -> T:
        """The verdict counts of the question closed at `step`, counted once per process: no answer lands
        once a question is closed (the answer's INSERT needs it open), so they never change."""
        key = (seminar_id, step)
        found = self.closed.get(key)
        return self.keep(self.closed, key, count()) if found is None else found

    def room_questions(self, seminar: Seminar) -> tuple[RoomQuestion, ...]:
        """The room's questions in order, read once per process: every phone's page needs one of them,
        and loading them with their versions on each request cost a sixth of the page. Kept under the
        seminar's id and code, so that a seminar id used again never finds another room's questions."""
        key = (seminar.id, seminar.code)
        found = self.questions.get(key)
        if found is None:
            rows = db.session.execute(READ_QUESTIONS, {"id": seminar.id}).all()
            specs = version_specs({row.question_version_id for row in rows})
            found = self.keep(self.questions, key, tuple(
                RoomQuestion(row.position, specs[row.question_version_id], row.layout, row.points) for row in rows),
                limit=1_000)
        return found

    def keep(self, store: dict, key, value: T, limit: int = 10_000) -> T:
        """Keep `value` in one of these copies; past `limit` rooms (long ended) forget them all rather than grow."""
        with self.lock:
            if len(store) > limit:
                store.clear()
            store[key] = value
        return value

    def forget(self, seminar_id: int) -> None:
        """After this process moved the room on: its next poll reads the new step at once."""
        self.copies.pop(seminar_id, None)


def room_steps() -> RoomSteps:
    app = current_app
    steps = app.extensions.get("seminar_room_steps")
    if steps is None:
        steps = app.extensions["seminar_room_steps"] = RoomSteps(
            app.secret_key, float(app.config.get("SEMINAR_STEP_TTL", STEP_TTL)))
    return steps


def room_token(seminar_id: int) -> str:
    """The token in the room's polling address, given to its members and its host: it reveals the room's
    step, phase and position (never a question or an answer), so one token serves the whole room.
    Signing is deterministic, so each process signs a room's token once."""
    steps = room_steps()
    token = steps.signed.get(seminar_id)
    return steps.keep(steps.signed, seminar_id, steps.tokens.dumps([seminar_id])) if token is None else token


def token_admits(token: str, seminar_id: int) -> bool:
    """Whether the token is the one signed here for this seminar (compared in constant time)."""
    return hmac.compare_digest(token.encode(), room_token(seminar_id).encode())
