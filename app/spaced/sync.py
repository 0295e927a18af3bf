"""Turn a learner's graded answers into cards and reviews, lazily.

The quiz's submission and the seminar's answer stay as they were (they are the benchmarked hot
paths): nothing there knows about cards. Instead, when the learner opens /review or the course
overview, `sync_cards` reads the graded attempt items and seminar answers newer than the
learner's watermark (`CardSync`) in one query, and when there are any, turns them into FSRS
reviews in Python (a miss creates the card and counts as its first review, rated Again or Hard;
a later answer to a question the learner holds as a card, right or wrong, is a review of it) and
writes them in one `db_write()` block. With nothing new, the overview pays one indexed query.

The watermark trails the newest answer read by SYNC_OVERLAP, so an answer committed a moment
after a sync read past it is still read the next time; each review names the answer it came
from (`CardReview.source`, unique per card), so an answer read twice is applied once. Every
write in the block is conditional (a new card's unique key, a card's `reps`, the watermark's old
value): when a concurrent sync or review got there first, the block rolls back and reads again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.caches import caches
from app.content import catalog
from app.database import db_write
from app.extensions import db
from app.models import Attempt, AttemptItem, CardReview, CardSync, QuestionVersion, ReviewCard, SeminarAnswer, \
    SeminarQuestion
from app.quiz.grading import FULL_MARKS
from app.spaced.scheduling import card_columns, card_of, new_card, review
from app.spaced.clock import aware

log = logging.getLogger(__name__)
SYNC_OVERLAP = timedelta(seconds=60)
SYNC_TRIES = 3
EPOCH = datetime(1970, 1, 1)

_cards, _reviews, _syncs = ReviewCard.__table__, CardReview.__table__, CardSync.__table__
_attempts, _items, _versions = Attempt.__table__, AttemptItem.__table__, QuestionVersion.__table__
_answers, _seminar_questions = SeminarAnswer.__table__, SeminarQuestion.__table__


def _since(user_id):
    return sa.func.coalesce(sa.select(_syncs.c.synced_until).where(_syncs.c.user_id == user_id)
                            .scalar_subquery(), EPOCH)


def graded_answers(user_id: int) -> sa.CompoundSelect:
    """The learner's graded quiz items and seminar answers newer than the watermark."""
    since = _since(user_id)
    quiz = (sa.select(_versions.c.question_id, _items.c.fraction, _attempts.c.submitted_at.label("at"),
                      sa.literal("quiz").label("origin"), _attempts.c.id.label("key"), _items.c.position)
            .join(_items, _items.c.attempt_id == _attempts.c.id)
            .join(_versions, _versions.c.id == _items.c.question_version_id)
            .where(_attempts.c.user_id == user_id, _attempts.c.submitted_at > since))
    seminar = (sa.select(_versions.c.question_id, _answers.c.fraction, _answers.c.answered_at.label("at"),
                         sa.literal("seminar").label("origin"), _answers.c.seminar_id.label("key"),
                         _answers.c.position)
               .join(_seminar_questions, sa.and_(_seminar_questions.c.seminar_id == _answers.c.seminar_id,
                                                 _seminar_questions.c.position == _answers.c.position))
               .join(_versions, _versions.c.id == _seminar_questions.c.question_version_id)
               .where(_answers.c.user_id == user_id, _answers.c.answered_at > since))
    return sa.union_all(quiz, seminar)


@dataclass
class SyncPlan:
    """What one sync will write: new cards, changed cards, their reviews, the new watermark."""

    user_id: int
    watermark: datetime | None
    new_watermark: datetime
    created: dict[str, dict[str, Any]] = field(default_factory=dict)  # question id -> columns
    changed: dict[int, dict[str, Any]] = field(default_factory=dict)  # card id -> columns, reps_seen
    reviews: list[dict[str, Any]] = field(default_factory=list)  # card_review rows; card_id or question_id

    @property
    def empty(self) -> bool:
        return not self.reviews and self.watermark is not None and self.new_watermark <= self.watermark


def plan_sync(user_id: int) -> SyncPlan | None:
    """Read what is new for this learner and work out its reviews; None when nothing is new."""
    rows = db.session.execute(graded_answers(user_id)).all()
    if not rows:
        return None
    rows.sort(key=lambda r: (r.at, r.origin, r.key, r.position))
    watermark = db.session.scalar(sa.select(_syncs.c.synced_until).where(_syncs.c.user_id == user_id))
    plan = SyncPlan(user_id, watermark, max(watermark or EPOCH, rows[-1].at - SYNC_OVERLAP))
    applied = set(db.session.scalars(sa.select(_reviews.c.source).where(
        _reviews.c.user_id == user_id, _reviews.c.reviewed_at >= rows[0].at, _reviews.c.source.is_not(None))))
    questions = catalog().questions
    held = {r.question_id: r for r in db.session.execute(sa.select(_cards).where(
        _cards.c.user_id == user_id, _cards.c.question_id.in_({r.question_id for r in rows})))}
    states: dict[str, tuple[Any, int]] = {}  # question id -> (fsrs card, reps)
    for row in rows:
        source = f"{row.origin[0]}{row.key}:{row.position}"
        fraction = row.fraction or 0.0
        if source in applied or row.question_id not in questions:
            continue
        earlier = held.get(row.question_id)
        if earlier is not None and earlier.last_review and row.at < earlier.last_review:
            continue  # read again in the overlap, from before the card's last review: it came too late
        if row.question_id not in states:
            if row.question_id in held:
                states[row.question_id] = (card_of(held[row.question_id]), held[row.question_id].reps)
            elif fraction >= FULL_MARKS:
                continue  # right, and not a card: nothing to review
            else:
                states[row.question_id] = (new_card(), 0)
        card, reps = states[row.question_id]
        reviewed, rating = review(card, fraction, aware(row.at))
        states[row.question_id] = (reviewed, reps + 1)
        plan.reviews.append({"question_id": row.question_id, "number": reps + 1, "user_id": user_id,
                             "origin": row.origin, "source": source, "rating": int(rating), "fraction": fraction,
                             "response": None, "reviewed_at": row.at, "due_after": card_columns(reviewed)["due"],
                             "before": card.to_dict()})
    for question_id, (card, reps) in states.items():
        columns = {**card_columns(card), "reps": reps}
        if question_id in held:
            plan.changed[held[question_id].id] = {**columns, "reps_seen": held[question_id].reps,
                                                  "question_id": question_id}
        else:
            plan.created[question_id] = columns
    return plan


class SyncRaced(Exception):
    """A concurrent sync or review changed what this one read: roll back and read again."""


def write_sync(plan: SyncPlan) -> None:
    """Write the plan in one transaction on a connection of its own (a GET on PostgreSQL reads in
    autocommit, and this block must be atomic).

    :raise SyncRaced: when a conditional write matched nothing (the transaction is rolled back).
    """
    with db_write(), db.engine.begin() as connection:
        ids = {}
        for question_id, columns in plan.created.items():
            ids[question_id] = connection.execute(sa.insert(_cards).values(
                user_id=plan.user_id, question_id=question_id, created_at=plan.reviews[0]["reviewed_at"],
                retired=False, **columns).returning(_cards.c.id)).scalar_one()
        for card_id, columns in plan.changed.items():
            values = {k: v for k, v in columns.items() if k not in ("reps_seen", "question_id")}
            ids[columns["question_id"]] = card_id
            done = connection.execute(sa.update(_cards).where(
                _cards.c.id == card_id, _cards.c.reps == columns["reps_seen"]).values(**values))
            if done.rowcount != 1:
                raise SyncRaced(card_id)
        if plan.reviews:
            connection.execute(sa.insert(_reviews), [
                {**{k: v for k, v in r.items() if k != "question_id"}, "card_id": ids[r["question_id"]]}
                for r in plan.reviews])
        if plan.watermark is None:
            connection.execute(sa.insert(_syncs).values(user_id=plan.user_id, synced_until=plan.new_watermark))
        elif plan.new_watermark > plan.watermark:
            moved = connection.execute(sa.update(_syncs).where(
                _syncs.c.user_id == plan.user_id, _syncs.c.synced_until == plan.watermark)
                .values(synced_until=plan.new_watermark))
            if moved.rowcount != 1:
                raise SyncRaced("watermark")


def sync_cards(user_id: int) -> None:
    """Bring the learner's cards up to date with their graded answers (see the module's docstring)."""
    retire_removed_questions()
    for _ in range(SYNC_TRIES):
        plan = plan_sync(user_id)
        if plan is None or plan.empty:
            return
        try:
            write_sync(plan)
            return
        except (SyncRaced, IntegrityError):
            continue
    log.warning("cards of user %s not synced: %s tries raced", user_id, SYNC_TRIES)


def retire_removed_questions() -> None:
    """Mark cards whose question left the bank (and unmark those whose question came back).

    Once per process: the catalog is loaded at start and never changes while the app runs.
    """
    if caches().retired_cards_checked:
        return
    bank = set(catalog().questions)
    retired_flag = sa.func.max(sa.cast(_cards.c.retired, sa.Integer))
    held = dict(db.session.execute(sa.select(_cards.c.question_id, retired_flag)
                                   .group_by(_cards.c.question_id)).tuples().all())
    gone = [q for q, retired in held.items() if q not in bank and not retired]
    back = [q for q, retired in held.items() if q in bank and retired]
    if gone or back:
        with db_write(), db.engine.begin() as connection:
            for ids, retired in ((gone, True), (back, False)):
                if ids:
                    connection.execute(sa.update(_cards).where(_cards.c.question_id.in_(ids))
                                       .values(retired=retired))
    caches().retired_cards_checked = True
