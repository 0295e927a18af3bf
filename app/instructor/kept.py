"""Kept statistics: a module's figures and response analysis grown from stored sums instead of recounted.

Every figure on the statistics pages comes from ADDITIVE sums (analysis.FigureSums, analysis.ResponseCounts):
the sums of two sets of attempts add up to the sums of both. So the sums of a module's counted attempts are
kept in `statistics_cache`, one row per (module, basis, page, set of learners), with a watermark: the latest
submitted_at folded in. A page view reads its row, counts only the attempts submitted since the watermark
(an index range scan on attempt(module_id, submitted_at)), adds them, and derives the figures in Python.

Why a watermark on submitted_at, and why it trails. An attempt is created long before it is graded, so ids do
not arrive in grading order; submitted_at is set in the same UPDATE as the score, so a graded attempt is
visible with its grade. But its transaction may commit a moment after its submitted_at (it may wait for the
write lock), so a view could pass over it while a later one is already visible. Hence only attempts
submitted at least SETTLE seconds ago (config STATISTICS_SETTLE_SECONDS) are folded into the kept sums: by
then every transaction that stamped them has committed. The newer ones are counted directly on every view
(a handful; an index range scan) and added for the page only. The rule: the kept sums hold exactly the
counted attempts with submitted_at <= watermark, and the watermark is never later than now - SETTLE.

The view writes the row back (a GET that writes, like the review-card sync) only when it folded something in,
with a conditional UPSERT that keeps the row whose watermark is later, so concurrent views write it once.
A regrade changes the fractions of old attempts: it must call forget_statistics(module_id); a change of role
(`flask users set-role`) forgets every module's. A different set of learners (a class or seminar whose members
changed) has a different digest, hence a row of its own; every learner is one fixed key, whose fold counts
the learners of the moment; rows not grown for STALE_DAYS are deleted when
another row of the module is written.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.content.model import Module
from app.database import db_write
from app.extensions import db
from app.instructor.analysis import (FigureSums, ModuleFigures, ResponseCounts, Responses, analysis_of, counted,
                                     figure_sums, figures_of, response_counts)
from app.instructor.models import StatisticsCache
from app.models import utcnow

FIGURES, ANSWERS = "figures", "answers"
EVERY_LEARNER = "every learner"
STALE_DAYS = 30
_cache = StatisticsCache.__table__


def scope_digest(learners: sa.Select, everyone: bool) -> str:
    """SHA-256 of the sorted ids of the learners counted: a changed class or seminar is a different set. Every
    learner is one fixed key instead: a learner who registers has no attempts to recount."""
    if everyone:
        return EVERY_LEARNER
    ids = sorted(db.session.scalars(learners))
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()


def kept_figures(module_id: str, learners: sa.Select, basis: str, everyone: bool = False) -> ModuleFigures:
    """The module's statistics (the same as analysis.module_figures would count from scratch)."""
    sums = _grown(module_id, learners, everyone, basis, FIGURES, figure_sums, FigureSums.from_json, FigureSums.as_json,
                  _merge_figures)
    return figures_of(sums)


def kept_analysis(module: Module, learners: sa.Select, basis: str, everyone: bool = False) -> list[Responses]:
    """The module's response analysis (the same as analysis.response_analysis would count from scratch)."""
    counts = _grown(module.id, learners, everyone, basis, ANSWERS, response_counts, _counts_from_json, _counts_as_json,
                    _merge_counts)
    return analysis_of(module, counts)


def _grown(module_id, learners, everyone, basis, kind, count, from_json, as_json, merge):
    """The kept sums of `kind`, grown by the attempts settled since the watermark (written back if any),
    plus the attempts too recent to keep (for this view only)."""
    digest = scope_digest(learners, everyone)
    settled = utcnow() - timedelta(seconds=current_app.config["STATISTICS_SETTLE_SECONDS"])
    row = db.session.execute(sa.select(_cache.c.sums, _cache.c.watermark).where(
        _cache.c.module_id == module_id, _cache.c.basis == basis, _cache.c.kind == kind,
        _cache.c.scope_digest == digest)).first()
    sums, watermark = (from_json(row.sums), row.watermark) if row else (None, None)
    newly = counted(module_id, learners, basis, after=watermark, until=settled)
    latest = db.session.scalar(sa.select(sa.func.max(newly.c.submitted_at)))
    if latest is not None:
        added = count(newly)
        sums = added if sums is None else merge(sums, added)
        _store(module_id, basis, kind, digest, as_json(sums), latest)
    recent = count(counted(module_id, learners, basis, after=settled if watermark is None else max(settled, watermark)))
    return recent if sums is None else merge(sums, recent)  # after the write: the row keeps only settled ones


def _store(module_id: str, basis: str, kind: str, digest: str, sums, watermark) -> None:
    """Write the row back unless a concurrent view already wrote a later watermark; drop the module's stale rows."""
    now = utcnow()
    insert = (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(_cache).values(
        module_id=module_id, basis=basis, kind=kind, scope_digest=digest, sums=sums, watermark=watermark,
        updated_at=now)
    upsert = insert.on_conflict_do_update(
        index_elements=[_cache.c.module_id, _cache.c.basis, _cache.c.kind, _cache.c.scope_digest],
        set_={"sums": insert.excluded.sums, "watermark": insert.excluded.watermark, "updated_at": now},
        where=_cache.c.watermark < insert.excluded.watermark)
    with db_write(), db.engine.begin() as connection:  # its own connection: a GET on PostgreSQL reads in autocommit
        connection.execute(upsert)
        connection.execute(sa.delete(_cache).where(_cache.c.module_id == module_id,
                                                   _cache.c.updated_at < now - timedelta(days=STALE_DAYS)))


def forget_statistics(module_id: str | None = None) -> None:
    """Drop the module's kept sums, or every module's (call inside the db_write() of anything that changes
    graded attempts' marks, such as a regrade, or who counts as a learner): the next view counts from scratch."""
    db.session.execute(sa.delete(_cache).where(_cache.c.module_id == module_id) if module_id else sa.delete(_cache))


def _merge_figures(sums: FigureSums, added: FigureSums) -> FigureSums:
    sums.merge(added)
    return sums


def _counts_as_json(counts: ResponseCounts) -> list:
    return [[vid, text, fraction, count] for (vid, text, fraction), count in counts.items()]


def _counts_from_json(stored: list) -> ResponseCounts:
    return {(vid, text, fraction): count for vid, text, fraction, count in stored}


def _merge_counts(counts: ResponseCounts, added: ResponseCounts) -> ResponseCounts:
    for key, count in added.items():
        counts[key] = counts.get(key, 0) + count
    return counts
