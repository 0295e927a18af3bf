"""Seed review cards for the benchmark's history learners (the review queue's figures, issue 16).

Each learner gets `per_learner` card rows. A card is one (learner, question) pair, and the bank
has fewer questions than that (96 today), so every bank question is a live card, due at spread
times with FSRS-like state, and the rest are retired rows of questions no longer in the bank: the
table and its indexes hold `per_learner` rows per learner, as the issue asks, while the queue a
learner sees is the bank's size. Each learner's sync watermark is set to now, so the first visit
does not turn their seeded graded attempts into cards.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from app.extensions import db
from app.models import CardSync, ReviewCard


def seed_cards(catalog, user_ids: list[int], per_learner: int = 500, chunk: int = 20_000) -> dict:
    """Insert the cards; returns how many rows and how many of them are live (in the bank)."""
    rng = random.Random(16)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    bank = list(catalog.questions)
    live = min(per_learner, len(bank))
    rows: list[dict] = []
    cards = ReviewCard.__table__

    def flush() -> None:
        if rows:
            db.session.execute(sa.insert(cards), rows)
            rows.clear()

    for user_id in user_ids:
        for index in range(per_learner):
            reviewed = now - timedelta(days=rng.uniform(0, 40))
            stability = rng.uniform(0.5, 60)
            rows.append({"user_id": user_id, "question_id": bank[index] if index < live else f"retired-{index}",
                         "state": 2, "step": None, "stability": stability, "difficulty": rng.uniform(2, 9),
                         "due": reviewed + timedelta(days=stability), "last_review": reviewed, "reps": rng.randint(1, 6),
                         "retired": index >= live, "created_at": reviewed})
            if len(rows) >= chunk:
                flush()
    flush()
    db.session.execute(sa.insert(CardSync.__table__), [{"user_id": u, "synced_until": now} for u in user_ids])
    db.session.commit()
    return {"card_rows": per_learner * len(user_ids), "live_cards_per_learner": live}
