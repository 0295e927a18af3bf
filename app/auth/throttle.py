"""Login throttling kept in the database, so every worker and host sees the same counts.

Three rules, checked together. The strict one is per account *and* address, so an
attacker elsewhere cannot lock a learner out; the per-account rule only slows a
distributed guess for a minute; the per-address rule stops one address trying many
accounts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.database import insert_ignoring_conflicts
from app.extensions import db
from app.models import LoginThrottle, utcnow


@dataclass(frozen=True)
class Rule:
    name: str
    max_failures: int
    window: timedelta
    lockout: timedelta

    def key(self, username: str, address: str) -> str:
        parts = {"pair": f"{username}|{address}", "account": username, "address": address}
        return f"{self.name}:{parts[self.name]}"[:200]


RULES = (
    Rule("pair", 5, timedelta(minutes=15), timedelta(minutes=5)),
    Rule("account", 20, timedelta(minutes=15), timedelta(minutes=1)),
    Rule("address", 100, timedelta(minutes=15), timedelta(minutes=15)),
)


def _keys(username: str, address: str) -> list[tuple[Rule, str]]:
    username = username.strip().lower()
    return [(rule, rule.key(username, address or "unknown")) for rule in RULES]


def retry_after(username: str, address: str, now: datetime | None = None) -> int:
    """Seconds until this login may be tried again; 0 when it may be tried now."""
    now = now or utcnow()
    keys = [key for _, key in _keys(username, address)]
    locks = db.session.scalars(sa.select(LoginThrottle.locked_until).where(
        LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now)).all()
    return max((math.ceil((until - now).total_seconds()) for until in locks), default=0)


def record_failure(username: str, address: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    for rule, key in _keys(username, address):
        db.session.execute(insert_ignoring_conflicts(
            LoginThrottle.__table__, key=key, failures=0, window_started=now, locked_until=None))
        row = db.session.scalar(sa.select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
        if now - row.window_started > rule.window:
            row.failures, row.window_started, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= rule.max_failures:
            row.locked_until = now + rule.lockout
            row.failures, row.window_started = 0, now
    db.session.commit()


def record_success(username: str, address: str) -> None:
    """A right password clears the counts for this account from this address."""
    pair_key = RULES[0].key(username.strip().lower(), address or "unknown")
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == pair_key))
    db.session.commit()
