"""Attempt limits kept in the database, so every worker and host sees the same counts.

An attempt is counted *before* the thing it tries (a password, a join code) is checked, by one
atomic INSERT ... ON CONFLICT DO UPDATE ... RETURNING: however many requests arrive at once,
each gets its own count, and those beyond the limit are refused unchecked. An attempt that
turns out right is refunded (see refund), so only wrong ones use up the limit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models import LoginThrottle, utcnow

KEY_LENGTH = 200


@dataclass(frozen=True)
class Limit:
    """At most `attempts` in `window`; the attempt after them locks the key for `lockout`."""

    name: str
    attempts: int
    window: timedelta
    lockout: timedelta

    def key(self, subject: str) -> str:
        return f"{self.name}:{subject}"[:KEY_LENGTH]


@dataclass(frozen=True)
class Count:
    """One attempt's place under one limit."""

    limit: Limit
    key: str
    refused_for: int  # seconds until the key may be tried again; 0 when this attempt may go ahead


def count_attempt(limit: Limit, subject: str, now: datetime | None = None) -> Count:
    """Count one attempt against `limit` for `subject` (the caller commits)."""
    now = now or utcnow()
    key = limit.key(subject)
    table = LoginThrottle.__table__
    row = table.c
    fresh = sa.or_(row.window_started < now - limit.window, row.locked_until <= now)
    first_refusal = sa.and_(row.locked_until.is_(None), row.failures + 1 > limit.attempts)
    insert = (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(table)
    statement = insert.values(key=key, failures=1, window_started=now, locked_until=None).on_conflict_do_update(
        index_elements=[row.key],
        set_={"failures": sa.case((fresh, 1), else_=row.failures + 1),
              "window_started": sa.case((fresh, now), else_=row.window_started),
              "locked_until": sa.case((fresh, None), (first_refusal, now + limit.lockout), else_=row.locked_until)},
    ).returning(row.failures, row.locked_until)
    attempts, locked_until = db.session.execute(statement).one()
    if attempts <= limit.attempts:
        return Count(limit, key, 0)
    # Past the limit with no lock yet only while the attempts that filled it are still being checked.
    wait = (locked_until - now).total_seconds() if locked_until else 1
    return Count(limit, key, max(1, math.ceil(wait)))


def refund(counts: list[Count]) -> None:
    """Give back the attempts that turned out right (the caller commits)."""
    if counts:
        db.session.execute(sa.update(LoginThrottle).where(
            LoginThrottle.key.in_([count.key for count in counts]), LoginThrottle.failures > 0,
        ).values(failures=LoginThrottle.failures - 1))


def clear(counts: list[Count]) -> None:
    """Forget these keys' counts and locks (the caller commits)."""
    if counts:
        db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key.in_([count.key for count in counts])))


def refused_for(counts: list[Count]) -> int:
    """Seconds until every one of these limits lets an attempt through; 0 when all do now."""
    return max((count.refused_for for count in counts), default=0)
