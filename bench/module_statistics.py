"""Module statistics and response analysis at the size of a big course: 10,000 and then 100,000 graded
attempts of the quiz module (12 items each: 1.2 million items), timed through the real pages. (Not named
statistics.py: bench/ is on sys.path, and that would hide the standard library's statistics module.)

The attempts are bulk-loaded (executemany of prepared tuples on SQLite, COPY on PostgreSQL), by learners of
varied ability (so the discrimination figures mean something), each item answered with the key or with one
of the wrong answers the question's own parser accepts (so response analysis has distinct answers to count).
After each load an admin requests, one at a time, the module's statistics page and its response analysis
for every learner (`?class=everyone`): first cold (the load forgets the kept statistics, so they are counted
from scratch: `stats_*_cold_ms`), then each sample after a few learners' attempts arrived (folded into the
kept statistics by the view); a sample is the two pages, the figure its p95.
"""
from __future__ import annotations

import json
import random
import time
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from context import QUIZ_MODULE, Run, log
from load import Learner
from results import StatisticsPages

ATTEMPTS_PER_LEARNER = 4
WRONG_NUMBERS = ("0", "12", "100", "1000", "1500", "2014", "999999")
WRONG_TEXTS = ("no such answer", "Dabiq", "al-Naba", "Rumiyah")


def answer_pool(catalog, stored: dict, rng: random.Random) -> dict[str, tuple[int, str, list[tuple[str, float]]]]:
    """For each question of the module: (version id, its layout as JSON, [(response as JSON, fraction)]), the key
    first, then every distinct wrong answer the type's parser makes of some plausible forms, then no answer."""
    from werkzeug.datastructures import MultiDict

    from app.quiz.grading import grade_response
    from app.quiz.types import QUESTION_TYPES, answer_form

    pool = {}
    for question in catalog.module(QUIZ_MODULE).questions:
        version_id, spec = stored[question.id]
        qtype, name = QUESTION_TYPES[spec["type"]], "q0"
        layout = qtype.layout(spec["data"], rng)
        key_fields = answer_form(0, spec, layout, correct=True)
        shown = [k for k in key_fields if k.startswith(name + "-") and k != name + "-present"]
        values = [key_fields[k] for k in shown]
        forms = [{name: str(i)} for i in range(len(layout.get("choices", [])))] + [{name: "true"}, {name: "false"}]
        forms += [{name: text} for text in WRONG_NUMBERS + WRONG_TEXTS]
        forms += [dict(zip(shown, values[turn:] + values[:turn])) for turn in range(1, len(values))]
        key = qtype.key_response(spec["data"])
        answers = {json.dumps(key): 1.0}
        for form in forms:
            pairs = [(k, v) for k, value in {name + "-present": "1", **form}.items()
                     for v in (value if isinstance(value, list) else [value])]
            response = qtype.parse(MultiDict(pairs), name, spec["data"], layout)
            if response not in (None, "", [], {}):
                fraction = grade_response(spec, response)
                if fraction < 1.0:
                    answers.setdefault(json.dumps(response), fraction)
        answers["null"] = 0.0
        pool[question.id] = (version_id, json.dumps(layout), list(answers.items()), float(spec["points"]))
    return pool


def generate(catalog, pool, first_user: int, first_attempt: int, learners: int, rng: random.Random):
    """Users, attempts and items of `learners` new learners, ATTEMPTS_PER_LEARNER graded attempts each."""
    from seed import NOW

    module = catalog.module(QUIZ_MODULE)
    questions = [q.id for q in module.questions]
    users, attempts, items = [], [], []
    attempt_id = first_attempt
    for user_id in range(first_user, first_user + learners):
        users.append(user_id)
        ability = rng.uniform(0.2, 0.95)
        for number in range(1, ATTEMPTS_PER_LEARNER + 1):
            attempt_id += 1
            right = min(0.98, ability + 0.05 * (number - 1))
            started = NOW - timedelta(days=30, minutes=rng.randrange(40000))
            earned = possible = 0.0
            for position, qid in enumerate(rng.sample(questions, module.quiz_length)):
                version_id, layout, answers, points = pool[qid]
                if rng.random() < right:
                    response, fraction = answers[0]
                else:
                    response, fraction = answers[rng.randrange(1, len(answers))]
                earned += fraction * points
                possible += points
                answered = None if response == "null" else started + timedelta(minutes=position + 1)
                items.append((attempt_id, position, version_id, layout, response, answered, fraction, points))
            submitted = started + timedelta(minutes=20)
            score = round(100.0 * earned / possible, 2)
            attempts.append((attempt_id, user_id, QUIZ_MODULE, number, rng.randrange(2**31), module.pass_mark,
                             started, submitted, submitted, score, earned, possible, score >= module.pass_mark))
    return users, attempts, items


ATTEMPT_COLUMNS = ("id", "user_id", "module_id", "number", "seed", "pass_mark", "started_at", "last_saved_at",
                   "submitted_at", "score", "earned", "possible", "passed")
ITEM_COLUMNS = ("attempt_id", "position", "question_version_id", "layout", "response", "answered_at", "fraction",
                "points")


def bulk_insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Rows into a table by the driver's fastest path: COPY on PostgreSQL, executemany on SQLite."""
    from app.extensions import db

    raw = db.session.connection().connection.dbapi_connection
    if db.engine.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        as_text = [tuple(str(v) if hasattr(v, "isoformat") else v for v in row) for row in rows]
        raw.cursor().executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES '
                                 f'({", ".join("?" for _ in columns)})', as_text)


def load(run: Run, pool, learners: int, rng: random.Random, submitted: datetime | None = None) -> float:
    """Add `learners` learners with their graded attempts; the seconds it took. Without `submitted` they are
    backdated (submitted before any kept statistics' watermark), so the load forgets the kept statistics as an
    import would; with it, every attempt is submitted then, as if graded by the app a moment ago."""
    import seed as seeding
    from app.database import db_write
    from app.extensions import db
    from app.instructor.kept import forget_statistics
    from app.models import Attempt, User, username_key

    t0 = time.perf_counter()
    with run.app.app_context():
        first_user = (db.session.scalar(sa.select(sa.func.max(User.id))) or 0) + 1
        first_attempt = db.session.scalar(sa.select(sa.func.max(Attempt.id))) or 0
        password_hash = db.session.scalar(sa.select(User.password_hash).limit(1))
        user_ids, attempts, items = generate(run.catalog, pool, first_user, first_attempt, learners, rng)
        if submitted is not None:
            attempts = [row[:7] + (submitted, submitted) + row[9:] for row in attempts]
        with db_write():
            if submitted is None:
                forget_statistics()
            seeding.insert_chunks(User.__table__, [
                dict(id=i, username=f"stat{i:07d}", username_key=username_key(f"stat{i:07d}"),
                     display_name=f"Statistics learner {i}", password_hash=password_hash, role="learner",
                     created_at=seeding.NOW - timedelta(days=60)) for i in user_ids])
            bulk_insert("attempt", ATTEMPT_COLUMNS, attempts)
            bulk_insert("attempt_item", ITEM_COLUMNS, items)
            seeding.fix_sequences()
        if db.engine.dialect.name == "postgresql":  # what autovacuum would do soon after a bulk load
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE attempt; ANALYZE attempt_item; ANALYZE \"user\"")
        db.session.remove()
    return time.perf_counter() - t0


ARRIVING = 2  # learners (of ATTEMPTS_PER_LEARNER graded attempts each) who submit between two samples
SETTLED = timedelta(minutes=5)  # older than the app's STATISTICS_SETTLE_SECONDS: folded into the kept sums


def time_pages(run: Run, admin: Learner, samples: int, pool, rng: random.Random):
    """The statistics page and the response analysis, one request at a time: first the cold pair (the kept
    statistics counted from scratch), then each sample the two in turn after a few more attempts arrived (so
    each view folds new attempts in). (p95 of the samples in ms, cold pair in ms, the tally.)"""
    from load import Tally
    from pages import one_at_a_time

    base = f"/instructor/results/{QUIZ_MODULE}"
    pair = [(f"{base}?class=everyone", admin), (f"{base}/answers?class=everyone&order=worst", admin)]
    cold = one_at_a_time(run, pair)
    tally = Tally()
    tally.add(cold.latencies, cold.statuses, cold.errors)
    both = []
    for _ in range(samples):
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        load(run, pool, ARRIVING, rng, submitted=now - SETTLED)
        timed = one_at_a_time(run, pair)
        tally.add(timed.latencies, timed.statuses, timed.errors)
        both.append(sum(timed.latencies))
    both.sort()
    p95 = both[min(len(both) - 1, int(round(0.95 * (len(both) - 1))))] if both else 0.0
    return round(1000 * p95, 1), round(1000 * sum(cold.latencies), 1), tally


def statistics_pages(run: Run) -> StatisticsPages:
    """Load 10,000 graded attempts, time the pages; load up to 100,000, time them again."""
    import seed as seeding
    from classes import ADMIN
    from phases import log_in

    small, large = run.args.stats_attempts
    rng = random.Random(20261207)
    with run.app.app_context():
        from app.extensions import db

        stored = seeding.versions(run.catalog)
        pool = answer_pool(run.catalog, stored, rng)
        db.session.remove()
    admin = Learner(ADMIN, seeding.PASSWORD)
    log_in(run.conns, admin, [])
    figures, colds, seconds, errors, server_errors = {}, {}, 0.0, [], 0
    loaded = 0
    for scale in (small, large):
        learners = (scale - loaded) // ATTEMPTS_PER_LEARNER
        took = load(run, pool, learners, rng)
        seconds += took
        loaded += learners * ATTEMPTS_PER_LEARNER
        log(f"{run.kind}: loaded {loaded:,} graded attempts of {QUIZ_MODULE} ({loaded * 12:,} items) "
            f"in {took:.1f}s")
        p95, cold_ms, tally = run.measured(f"statistics_{scale}",
                                           lambda: time_pages(run, admin, run.args.stats_samples, pool, rng))
        figures[scale], colds[scale] = p95, cold_ms
        loaded += run.args.stats_samples * ARRIVING * ATTEMPTS_PER_LEARNER
        errors += tally.errors[:3]
        server_errors += tally.server_errors
        log(f"{run.kind}: module statistics + response analysis at {loaded:,} attempts: cold {cold_ms} ms, "
            f"p95 {p95} ms with {ARRIVING * ATTEMPTS_PER_LEARNER} attempts arriving before each sample "
            f"(each page p95 {round(tally.percentile_ms(95), 1)} ms)")
    ratio = round(figures[large] / figures[small], 2) if figures[small] else 0.0
    return StatisticsPages(small, large, colds[small], colds[large], figures[small], figures[large], ratio,
                           round(seconds, 1), errors[:5], server_errors)
