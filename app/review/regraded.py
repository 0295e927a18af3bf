"""A graded attempt's review items, with the corrected key where `flask regrade` regraded an item.

What was asked (prompt, shuffle, the learner's answer) stays the attempt's own question version; the
key, explanation and evidence of a regraded item come from the version whose key regraded it.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models import Attempt, Regrade
from app.quiz.presenter import ShownQuestion, review_view
from app.quiz.versions import version_specs

CORRECTED_FIELDS = ("key", "detail", "explanation_html", "evidence")


def regrades_of(attempt_id: int) -> list[Regrade]:
    """The attempt's regrades, oldest first, with their items (one query when there are none)."""
    return list(db.session.scalars(sa.select(Regrade).where(Regrade.attempt_id == attempt_id)
                                   .order_by(Regrade.regraded_at, Regrade.id)
                                   .options(so.selectinload(Regrade.items))))


def corrected_keys(regrades: list[Regrade]) -> dict[int, int]:
    """Each regraded position's latest key version."""
    return {item.position: item.key_version_id for regrade in regrades for item in regrade.items}  # later wins


def review_items(attempt: Attempt, regrades: list[Regrade]) -> list[dict[str, Any]]:
    """Each item's review (presenter.review_view), its key, explanation and evidence corrected where regraded."""
    keys = corrected_keys(regrades)
    specs = version_specs(set(keys.values()))
    views = []
    for item in attempt.items:
        shown = ShownQuestion.of_attempt(item)
        view = review_view(shown)
        if item.position in keys:
            corrected = review_view(replace(shown, spec=specs[keys[item.position]]))
            view.update({field: corrected[field] for field in CORRECTED_FIELDS}, corrected=True)
        views.append(view)
    return views
