"""The benchmark's phases up to the burst: seed, start the servers, log in, prepare the attempts, burst.

Each phase takes the Run and returns a frozen dataclass of its figures (bench/results.py).
"""
from __future__ import annotations

import json
import os
import re
import time

import sqlalchemy as sa

import load
import seed as seeding
from seed_cards import seed_cards
from classes import seed_class
from context import BENCH, QUIZ_LENGTH, QUIZ_MODULE, Run, log, start_gunicorn
from load import Learner
from results import Burst, Logins, Seeded, ms
from support.http import Connections, Response


def seed(run: Run, detail: str, secret: str) -> Seeded:
    """Migrate the fresh database and bulk-seed the learners with a history, and the burst's."""
    from flask_migrate import upgrade

    from app import MIGRATIONS, create_app
    from app.extensions import db

    t0 = time.perf_counter()
    run.app = create_app({"SQLALCHEMY_DATABASE_URI": run.url, "SECRET_KEY": secret, "CATALOG": run.catalog})
    with run.app.app_context():
        upgrade(directory=str(MIGRATIONS))
        if run.kind == "postgresql":
            detail += " (server " + db.session.execute(sa.text("SHOW server_version")).scalar() + ")"
            db.session.rollback()
        run.seeded = seeded = seeding.seed(run.catalog, run.args.history, 3, run.args.learners)
        seeded["cards"] = seed_cards(run.catalog, list(range(1, run.args.history + 1)))  # 500 per learner
        seeded["class_id"] = seed_class(run.catalog, run.args.history, seeded["instructor_username"])
        db.session.remove()
    seed_s = round(time.perf_counter() - t0, 1)
    log(f"{run.kind}: migrated and seeded {seeded['history_learners']} learners, {seeded['history_attempts']} "
        f"attempts, {seeded['history_items']} items + {seeded['burst_learners']} seminar learners in {seed_s}s")
    return Seeded(run.kind, detail, seed_s, seeded["history_learners"], seeded["history_attempts"],
                  seeded["history_items"])


def start_servers(run: Run, env: dict, settings: dict) -> None:
    """The app, and beside it from the start the ceiling, so that each figure is measured next to its
    ceiling, in alternation, and a machine that slows down mid-run slows both alike."""
    from ceiling import make_engine, metadata as ceiling_metadata

    app = start_gunicorn("groundwork", "app:create_app()", env, settings, run.here / "gunicorn-app.log", "/login")
    run.servers.append(app)
    run.conns = Connections("127.0.0.1", app.port, headers={"Accept": "text/html"})
    run.engine = make_engine(run.url)
    ceiling_metadata.create_all(run.engine)
    ceiling = start_gunicorn("ceiling", "ceiling:create_app()", env, settings, run.here / "gunicorn-ceiling.log",
                             "/page", pythonpath=str(BENCH))
    run.servers.append(ceiling)
    run.cconns = Connections("127.0.0.1", ceiling.port, headers={"Accept": "text/html"})


def log_in(c: Connections, learner: Learner, setup_5xx: list[str]) -> Response:
    """Through the login page; a 5xx (untimed set-up) is noted in setup_5xx and the login tried again."""
    for _ in range(3):
        page = c.request("GET", "/login", learner, retry=True)
        t = time.perf_counter()
        resp = c.request("POST", "/login", learner, form={"csrf_token": page.token(), "username": learner.username,
                                                          "password": learner.password}, retry=True)
        if resp.status < 500:
            break
        setup_5xx.append(f"POST /login {learner.username}: {resp.status} after {time.perf_counter() - t:.1f}s")
    if resp.status != 302:
        raise RuntimeError(f"login {learner.username}: {resp.status}")
    return resp


def logins(run: Run) -> Logins:
    """Untimed set-up, timed all the same: the burst's learners and some seeded ones log in."""
    args = run.args
    run.burst = [Learner(u, seeding.PASSWORD) for u in run.seeded["burst_usernames"]]
    step = max(1, args.history // args.history_sessions)
    run.history = [Learner(f"hist{i:05d}", seeding.PASSWORD)
                   for i in range(1, args.history + 1, step)][:args.history_sessions]
    setup_5xx: list[str] = []
    t0 = time.perf_counter()
    tally = load.run_jobs(run.burst + run.history, lambda c, learner: log_in(c, learner, setup_5xx), run.conns,
                          args.setup_concurrency, check=lambda job, r: None if r.status == 302 else f"login {r.status}")
    result = Logins(round(time.perf_counter() - t0, 1), round(tally.per_second, 1), ms(tally, 100),
                    len(setup_5xx), setup_5xx[:10], ms(tally, 95))
    if setup_5xx:
        log(f"{run.kind}: {len(setup_5xx)} logins answered 5xx and were retried: {setup_5xx[:3]}")
    if tally.errors:
        raise SystemExit(f"{run.kind}: logins failed: {tally.errors[:5]}")
    log(f"{run.kind}: {tally.count} learners logged in in {result.login_s}s")
    return result


def start_attempt(c: Connections, learner: Learner) -> Response:
    module = c.request("GET", f"/modules/{QUIZ_MODULE}", learner, retry=True)
    resp = c.request("POST", f"/modules/{QUIZ_MODULE}/quiz", learner, form={"csrf_token": module.token()})
    match = re.search(r"/attempts/(\d+)$", resp.location)
    if resp.status != 302 or not match:
        raise RuntimeError(f"start {learner.username}: {resp.status} {resp.location}")
    learner.attempt_id = int(match.group(1))
    page = c.request("GET", f"/attempts/{learner.attempt_id}", learner, retry=True)
    learner.csrf = page.token()
    return page


def full_marks_forms(run: Run) -> None:
    """Each burst learner's full-marks form, from the layout stored with each attempt."""
    from app.extensions import db
    from app.models import AttemptItem

    by_id = {learner.attempt_id: learner for learner in run.burst}
    with run.app.app_context():
        rows = db.session.execute(sa.select(AttemptItem).where(AttemptItem.attempt_id.in_(list(by_id)))).scalars()
        forms: dict[int, dict] = {aid: {} for aid in by_id}
        for item in rows:
            forms[item.attempt_id].update(seeding.correct_fields(item.position, item.spec, item.layout))
        db.session.remove()
    for aid, learner in by_id.items():
        learner.form = forms[aid]
    if any(sum(1 for k in f if k.endswith("-present")) != QUIZ_LENGTH for f in forms.values()):
        raise SystemExit(f"{run.kind}: an attempt does not have {QUIZ_LENGTH} questions")


def save_answers(c: Connections, learner: Learner) -> Response:
    resp = c.request("POST", f"/attempts/{learner.attempt_id}/save", learner,
                     form={"csrf_token": learner.csrf, **learner.form},
                     headers={"X-Requested-With": "fetch", "Accept": "application/json"}, retry=True)
    if resp.status != 200 or not json.loads(resp.body).get("ok"):
        raise RuntimeError(f"save {learner.username}: {resp.status} {resp.body[:200]!r}")
    return resp


def prepare(run: Run) -> float:
    """Untimed: start every burst learner's quiz and save a full-marks answer; the seconds it took."""
    t0 = time.perf_counter()
    started = load.run_jobs(run.burst, start_attempt, run.conns, run.args.setup_concurrency)
    if started.errors:
        raise SystemExit(f"{run.kind}: starting attempts failed: {started.errors[:5]}")
    full_marks_forms(run)
    saved = load.run_jobs(run.burst, save_answers, run.conns, run.args.setup_concurrency)
    if saved.errors:
        raise SystemExit(f"{run.kind}: saving answers failed: {saved.errors[:5]}")
    prepare_s = round(time.perf_counter() - t0, 1)
    log(f"{run.kind}: {len(run.burst)} attempts started and answered in {prepare_s}s")
    return prepare_s


def insert(c: Connections, n: int) -> Response:
    return c.request("POST", "/insert", form={"learner": str(n)})


def insert_round(run: Run, number: int) -> load.Tally:
    return run.measured(f"ceiling_inserts_{number}", lambda: load.run_jobs(
        range(len(run.burst)), insert, run.cconns, run.args.concurrency,
        check=lambda job, r: None if r.status == 204 else f"insert {r.status}"))


def submit(c: Connections, learner: Learner) -> Response:
    return c.request("POST", f"/attempts/{learner.attempt_id}/submit", learner,
                     form={"csrf_token": learner.csrf, **learner.form})


def submitted_ok(learner: Learner, resp: Response) -> str | None:
    if resp.status == 302 and resp.location.endswith(f"/attempts/{learner.attempt_id}/review"):
        return None
    return f"{learner.username}: {resp.status} {resp.location or resp.body[:120]!r}"


def burst(run: Run) -> tuple[Burst, list[load.Tally]]:
    """Timed: every burst learner submits at once, between rounds of the insert ceiling shaped like it."""
    args = run.args
    load.run_jobs(range(200), insert, run.cconns, args.concurrency)  # warm-up
    before = args.ceiling_rounds // 2
    rounds = [insert_round(run, i + 1) for i in range(before)]
    tally = run.measured("burst", lambda: load.run_jobs(run.burst, submit, run.conns, args.concurrency,
                                                        check=submitted_ok))
    rounds += [insert_round(run, i + 1) for i in range(before, args.ceiling_rounds)]
    log(f"{run.kind}: burst of {tally.count} submissions in {tally.wall:.2f}s = {tally.per_second:.0f}/s, "
        f"p50 {tally.percentile_ms(50):.0f} ms, p95 {tally.percentile_ms(95):.0f} ms, errors {len(tally.errors)}")
    return read_back_burst(run, tally), rounds


def read_back_burst(run: Run, tally: load.Tally) -> Burst:
    """Exactly one attempt per learner, submitted and graded once, as the database says."""
    from app.extensions import db
    from app.models import Attempt, AttemptItem

    ids = run.seeded["burst_user_ids"]
    with run.app.app_context():
        per_user = db.session.execute(
            sa.select(Attempt.user_id, sa.func.count().label("n"), sa.func.count(Attempt.submitted_at).label("s"))
            .where(Attempt.user_id.in_(ids), Attempt.module_id == QUIZ_MODULE).group_by(Attempt.user_id)).all()
        graded_items = db.session.scalar(
            sa.select(sa.func.count()).select_from(AttemptItem).join(Attempt)
            .where(Attempt.user_id.in_(ids), Attempt.submitted_at.is_not(None), AttemptItem.fraction.is_not(None)))
        full_marks = db.session.scalar(sa.select(sa.func.count()).select_from(Attempt).where(
            Attempt.user_id.in_(ids), Attempt.submitted_at.is_not(None), Attempt.score == 100.0))
        db.session.remove()
    submitted = sum(r.s for r in per_user)
    result = Burst(
        learners=len(run.burst), quiz_questions=QUIZ_LENGTH, concurrency=run.args.concurrency,
        attempt_rows=sum(r.n for r in per_user), submitted=submitted,
        lost=len(run.burst) - sum(1 for r in per_user if r.s >= 1), doubled=sum(r.n - 1 for r in per_user if r.n > 1),
        graded_items=graded_items, all_items_graded=graded_items == QUIZ_LENGTH * submitted, full_marks=full_marks,
        submit_responses=dict(sorted((str(k), v) for k, v in tally.statuses.items())),
        submit_errors=tally.errors[:10], submit_p50_ms=ms(tally, 50), submit_p95_ms=ms(tally, 95),
        submit_p99_ms=ms(tally, 99), submit_max_ms=ms(tally, 100), burst_wall_s=round(tally.wall, 3),
        submits_per_s=round(tally.per_second, 1), server_errors=tally.server_errors)
    log(f"{run.kind}: database says {submitted} submitted, lost {result.lost}, doubled {result.doubled}, "
        f"{graded_items} graded items, {full_marks} at 100%")
    return result


def server_env(run: Run, secret: str, content, seeds) -> dict:
    env = dict(os.environ, DATABASE_URL=run.url, SECRET_KEY=secret, GROUNDWORK_INSTANCE=str(run.here / "instance"),
               GROUNDWORK_CONTENT=str(content), GROUNDWORK_SEEDS=str(seeds), PYTHONDONTWRITEBYTECODE="1")
    env.pop("GROUNDWORK_HTTPS", None)
    return env
