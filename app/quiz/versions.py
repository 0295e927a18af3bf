"""Question versions: each exact wording and key stored once, for ever, and cached in the process."""
from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

import sqlalchemy as sa

from app.caches import caches
from app.content.model import Question
from app.database import db_write, insert_ignoring_conflicts
from app.extensions import db
from app.models import QuestionVersion


def spec_json(spec: Mapping[str, Any]) -> str:
    return json.dumps(spec, sort_keys=True, default=dict, ensure_ascii=False)


def question_version_ids(questions: list[Question]) -> list[int]:
    """The ids of the stored versions of these exact questions, storing new ones first.

    Committed in a write of their own, so a version id is only cached once it is really in the database.
    """
    cache = caches().question_versions
    digests, missing = [], {}
    for question in questions:
        text = spec_json(question.spec)
        digest = hashlib.sha256(text.encode()).hexdigest()
        digests.append(digest)
        if digest not in cache:
            missing[digest] = (question.id, text)
    if missing:
        with db_write():
            for digest, (question_id, text) in missing.items():
                db.session.execute(insert_ignoring_conflicts(
                    QuestionVersion.__table__, question_id=question_id, digest=digest, spec=json.loads(text)))
            found = db.session.execute(sa.select(QuestionVersion.digest, QuestionVersion.id)
                                       .where(QuestionVersion.digest.in_(list(missing)))).all()
        cache.update(dict(found))
    return [cache[d] for d in digests]


def version_specs(version_ids: set[int]) -> dict[int, dict[str, Any]]:
    """The stored specs of these question versions; cached in the process, as versions never change."""
    cache = caches().version_specs
    missing = [v for v in version_ids if v not in cache]
    if missing:
        table = QuestionVersion.__table__
        found = db.session.execute(sa.select(table.c.id, table.c.spec).where(table.c.id.in_(missing)))
        cache.update(found.tuples().all())
    return {v: cache[v] for v in version_ids}
