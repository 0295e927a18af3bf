"""What every phone polls: the room's step, behind a signed member token, from a short-lived cache.

A phone asks every two seconds whether the host has moved on. Answering that through the login
lookup, the membership query and the room's row costs a full logged-in request per poll, which a
room of 2,000 phones cannot afford on two cores. So the phone's page carries a member token (the
seminar and the learner, signed with the app's secret key) in its polling address, and the answer
comes from a per-process copy of the room's step kept for at most STEP_TTL seconds. The copy is a
cache, not state: the room's state stays in the database, any worker of any host answers any phone,
and a phone sees a change at most STEP_TTL late (it polls every 2 s anyway). The answer carries an
ETag, so a browser's poll that finds nothing new is a 304 with no body.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

from app.extensions import db
from app.models import Seminar

T = TypeVar("T")
STEP_TTL = 0.5  # seconds a worker answers from its copy of a room's step before reading it again
_rooms = Seminar.__table__
READ_STEP = sa.select(_rooms.c.step, _rooms.c.phase, _rooms.c.position).where(_rooms.c.id == sa.bindparam("id"))


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


class RoomSteps:
    """One app's per-process copies of its rooms' steps (tests build many apps, each with its own)."""

    def __init__(self, secret_key: str, ttl: float):
        self.tokens = URLSafeSerializer(secret_key, salt="seminar-member")
        self.ttl = ttl
        self.copies: dict[int, RoomStep] = {}
        self.closed: dict[tuple[int, int], Any] = {}
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
        copy = RoomStep(row.step, row.phase, row.position, now)
        with self.lock:
            if len(self.copies) > 10_000:  # rooms long ended: forget them all rather than grow
                self.copies.clear()
            self.copies[seminar_id] = copy
        return copy

    def closed_tally(self, seminar_id: int, step: int, count: Callable[[], T]) -> T:
        """The verdict counts of the question closed at `step`, counted once per process: no answer lands
        once a question is closed (the answer's INSERT needs it open), so they never change."""
        key = (seminar_id, step)
        if key not in self.closed:
            if len(self.closed) > 10_000:
                self.closed.clear()
            self.closed[key] = count()
        return self.closed[key]

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


def member_token(seminar_id: int, user_id: int) -> str:
    """The token in a member's polling address: who may ask for this room's step."""
    return room_steps().tokens.dumps([seminar_id, user_id])


def token_admits(token: str, seminar_id: int) -> bool:
    """Whether the token was signed here for a member of this seminar (members are never removed)."""
    try:
        signed = room_steps().tokens.loads(token)
    except BadData:
        return False
    return isinstance(signed, list) and len(signed) == 2 and signed[0] == seminar_id
