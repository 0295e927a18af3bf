"""The kept statistics: the additive sums a module's statistics come from, per scope (app/instructor/kept.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models import utcnow


class StatisticsCache(db.Model):
    """The sums of one module's counted attempts, for one basis, kind of page and set of learners."""

    __tablename__ = "statistics_cache"

    module_id: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    basis: so.Mapped[str] = so.mapped_column(sa.String(8), primary_key=True)  # all | first
    kind: so.Mapped[str] = so.mapped_column(sa.String(8), primary_key=True)  # figures | answers
    scope_digest: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)  # SHA-256 of the learner ids
    sums: so.Mapped[Any] = so.mapped_column(sa.JSON)
    watermark: so.Mapped[datetime]  # the latest submitted_at folded in: every attempt up to it is in the sums
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
