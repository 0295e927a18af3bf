"""Fast bulk seeding for the benchmark, with SQLAlchemy core inside an app context.

- every user shares ONE scrypt password hash (computed once);
- question versions are stored through the app's own question_version_ids(), so their
  digests are exactly the ones the running app looks up;
- attempts and their items are inserted directly (explicit ids, executemany), each with a
  real shuffled layout, a response parsed by the question type's own parser, and the
  grade the app's grader gives it.
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from werkzeug.security import generate_password_hash

from app.database import db_write
from app.extensions import db
from app.models import Attempt, AttemptItem, LessonRead, User, username_key
from app.quiz.versions import question_version_ids, spec_json
from app.quiz.grading import grade_response, score
from app.quiz.types import QUESTION_TYPES, answer_form

PASSWORD = "bench-password-1"
NOW = datetime(2026, 11, 20, 12, 0, 0)


def correct_fields(position: int, spec: dict[str, Any], layout: dict[str, Any]) -> dict[str, Any]:
    """The form fields of a fully correct answer to one item."""
    return answer_form(position, spec, layout, correct=True)


def multidict(form: dict[str, Any]) -> MultiDict:
    pairs = []
    for key, value in form.items():
        for v in value if isinstance(value, list) else [value]:
            pairs.append((key, v))
    return MultiDict(pairs)


def versions(catalog) -> dict[str, tuple[int, dict]]:
    """question id -> (stored version id, the spec as stored). Stores the versions through the app."""
    questions = [q for m in catalog.modules for q in m.questions]
    ids = question_version_ids(questions)
    return {q.id: (vid, json.loads(spec_json(q.spec))) for q, vid in zip(questions, ids)}


def insert_chunks(table, rows: list[dict], size: int = 5000) -> None:
    for start in range(0, len(rows), size):
        db.session.execute(sa.insert(table), rows[start:start + size])


def fix_sequences() -> None:
    """After explicit ids, move PostgreSQL's sequences past them so the app's inserts do not collide."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("user", "attempt"):
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))"))


def seed(catalog, history: int, attempts_per_module: int, burst: int) -> dict[str, Any]:
    """Insert `history` learners with `attempts_per_module` submitted attempts at every module, and
    `burst` learners with none, and one instructor. Returns what was inserted and where to find it."""
    rng = random.Random(20261120)
    password_hash = generate_password_hash(PASSWORD, method="scrypt")
    stored = versions(catalog)

    users = [dict(id=i, username=f"hist{i:05d}", display_name=f"History learner {i}", password_hash=password_hash,
                  role="learner", created_at=NOW - timedelta(days=90)) for i in range(1, history + 1)]
    users += [dict(id=history + i, username=f"burst{i:05d}", display_name=f"Seminar learner {i}",
                   password_hash=password_hash, role="learner", created_at=NOW - timedelta(days=1))
              for i in range(1, burst + 1)]
    users.append(dict(id=history + burst + 1, username="instructor", display_name="Seminar instructor",
                      password_hash=password_hash, role="instructor", created_at=NOW - timedelta(days=90)))
    for user in users:
        user["username_key"] = username_key(user["username"])

    reads = [dict(user_id=u, module_id=m.id, read_at=NOW - timedelta(days=60))
             for u in range(1, history + 1) for m in catalog.modules]

    attempts: list[dict] = []
    items: list[dict] = []
    attempt_ids: dict[int, list[int]] = {}
    attempt_id = 0
    for user_id in range(1, history + 1):
        day = NOW - timedelta(days=60)
        for module in catalog.modules:
            for number in range(1, attempts_per_module + 1):
                attempt_id += 1
                attempt_ids.setdefault(user_id, []).append(attempt_id)
                seed_value = rng.randrange(2**31)
                arng = random.Random(seed_value)
                questions = list(module.questions)
                arng.shuffle(questions)
                questions = questions[: module.quiz_length]
                p_right = (0.5, 0.75, 0.9)[min(number, 3) - 1]
                graded = []
                started = day + timedelta(hours=rng.randrange(1, 48))
                day = started
                for position, question in enumerate(questions):
                    version_id, spec = stored[question.id]
                    qtype = QUESTION_TYPES[spec["type"]]
                    layout = qtype.layout(spec["data"], arng)
                    response = None
                    if rng.random() < p_right:
                        response = qtype.parse(multidict(correct_fields(position, spec, layout)),
                                               f"q{position}", spec["data"], layout)
                    fraction = grade_response(spec, response)
                    points = float(spec["points"])
                    graded.append((fraction, points))
                    items.append(dict(attempt_id=attempt_id, position=position, question_version_id=version_id,
                                      layout=layout, response=response,
                                      answered_at=started + timedelta(minutes=position + 1) if response is not None else None,
                                      fraction=fraction, points=points))
                result = score(graded)
                submitted = started + timedelta(minutes=len(questions) + rng.randrange(2, 20))
                attempts.append(dict(id=attempt_id, user_id=user_id, module_id=module.id, number=number,
                                     seed=seed_value, pass_mark=module.pass_mark, started_at=started,
                                     last_saved_at=submitted, submitted_at=submitted, score=result.percent,
                                     earned=result.earned, possible=result.possible,
                                     passed=result.passes(module.pass_mark)))
    with db_write():  # one transaction: the users, their reads, attempts and items
        insert_chunks(User.__table__, users)
        insert_chunks(LessonRead.__table__, reads)
        insert_chunks(Attempt.__table__, attempts)
        insert_chunks(AttemptItem.__table__, items, size=10000)
        fix_sequences()
    if db.engine.dialect.name == "postgresql":
        # what autovacuum would do within a minute of a bulk load: fresh planner statistics
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"history_learners": history, "history_attempts": len(attempts), "history_items": len(items),
            "burst_learners": burst, "attempt_ids": attempt_ids,
            "burst_usernames": [f"burst{i:05d}" for i in range(1, burst + 1)],
            "burst_user_ids": list(range(history + 1, history + burst + 1)), "instructor_username": "instructor"}
