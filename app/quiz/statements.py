"""The statements of saving and submitting an attempt, built once per process.

Building and keying a statement costs more than SQLite takes to run it (bench/NOTES.md,
2026-11-30), so the hot path binds parameters into these instead. An UPDATE's parameters may not
share a name with one of its table's columns: hence the b_ prefix.
"""
from __future__ import annotations

import functools

import sqlalchemy as sa

from app.models import Attempt, AttemptItem

_attempts, _items = Attempt.__table__, AttemptItem.__table__

READ_ATTEMPT = (
    sa.select(_attempts.c.submitted_at, _attempts.c.last_saved_at, _attempts.c.pass_mark, _attempts.c.module_id,
              _items.c.position, _items.c.question_version_id, _items.c.layout, _items.c.response, _items.c.points,
              _items.c.confidence)
    .join(_items, _items.c.attempt_id == _attempts.c.id)
    .where(_attempts.c.id == sa.bindparam("attempt_id"), _attempts.c.user_id == sa.bindparam("user_id"))
    .order_by(_items.c.position))
# matches the attempt only while it is open and unsaved since it was read (see write_answers)
_STORE_WHERE = (_attempts.c.id == sa.bindparam("b_attempt_id"), _attempts.c.user_id == sa.bindparam("b_user_id"),
                _attempts.c.submitted_at.is_(None), _attempts.c.last_saved_at.is_not_distinct_from(
                    sa.bindparam("b_seen", type_=_attempts.c.last_saved_at.type)))
SAVE_ATTEMPT = sa.update(_attempts).where(*_STORE_WHERE).values(last_saved_at=sa.bindparam("b_now"))
CLOSE_ATTEMPT = sa.update(_attempts).where(*_STORE_WHERE).values(
    last_saved_at=sa.bindparam("b_now"), submitted_at=sa.bindparam("b_now"), score=sa.bindparam("b_score"),
    earned=sa.bindparam("b_earned"), possible=sa.bindparam("b_possible"), passed=sa.bindparam("b_passed"))
SAVE_RESPONSE = sa.update(_items).where(
    _items.c.attempt_id == sa.bindparam("b_attempt_id"), _items.c.position == sa.bindparam("b_position")).values(
    response=sa.bindparam("b_response", type_=_items.c.response.type), answered_at=sa.bindparam("b_now"),
    confidence=sa.bindparam("b_confidence", type_=_items.c.confidence.type))


@functools.lru_cache(maxsize=64)  # an attempt's positions are 0..n-1: one entry per quiz length in practice
def grades_update(positions: tuple[int, ...]) -> sa.Update:
    """UPDATE every item's fraction in one statement (CASE position ...), with a parameter f<position> each."""
    return sa.update(_items).where(_items.c.attempt_id == sa.bindparam("b_attempt_id")).values(
        fraction=sa.case({p: sa.bindparam(f"f{p}", type_=_items.c.fraction.type) for p in positions},
                         value=_items.c.position))
