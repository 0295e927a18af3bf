"""Groundwork load benchmark: the real app under gunicorn, on SQLite and on PostgreSQL.

Run it with `bench/run` (see docs/benchmark.md). For each database it:

1. creates a fresh database (SQLite file, or a throwaway PostgreSQL database) and migrates it;
2. bulk-seeds 1,000 learners with 3 submitted attempts at every module, and the 500 seminar learners;
3. starts Groundwork under gunicorn on loopback, and beside it bench/ceiling.py with the same
   gunicorn settings on the same database (a bare template page and a bare single-row insert);
   logs the 500 learners in, starts their 12-question quiz and saves a full-marks answer
   (untimed, through the real pages, with CSRF);
4. the seminar burst: 500 POST /attempts/<id>/submit fired at once from CONCURRENCY client threads,
   between rounds of the insert ceiling shaped like it; then reads back from the database that
   every attempt was submitted and graded exactly once;
5. lesson pages, ceiling pages and source-reader pages in alternating windows; progress dashboard
   (/course) and attempt review latency for the seeded learners;
6. stops both servers;
7. times single requests in this process, without HTTP or concurrency (bench/cost.py);
8. drops the database.

It writes bench/results.json and docs/benchmark.md (bench/report.py).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import report

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / ".work"
CONTENT = WORK / "content"
VENV_BIN = ROOT / ".venv" / "bin"
SEEDS = Path(os.environ.get("GROUNDWORK_SEEDS", ROOT.parent / "shared" / "seeds"))
SECRET = "bench-secret-key-not-for-production"
QUIZ_MODULE = "amaq"
QUIZ_LENGTH = 12

TARGETS = {
    "lost": ("== 0", lambda r: r["lost"] == 0),
    "doubled": ("== 0", lambda r: r["doubled"] == 0),
    "errors_5xx": ("== 0", lambda r: r["errors_5xx"] == 0),
    "submit_p95_ms": ("< 250", lambda r: r["submit_p95_ms"] < 250),
    "submit_ratio": (">= 0.40", lambda r: r["submit_ratio"] >= 0.40),
    "lesson_ratio": (">= 0.50", lambda r: r["lesson_ratio"] >= 0.50),
    "progress_page_ms": ("< 250", lambda r: r["progress_page_p95_ms"] < 250),
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- content, databases, servers

def prepare_content() -> None:
    """A copy of lessons/ and questions/ where the Amaq quiz asks 12 questions per attempt."""
    if CONTENT.exists():
        shutil.rmtree(CONTENT)
    CONTENT.mkdir(parents=True)
    shutil.copytree(ROOT / "lessons", CONTENT / "lessons")
    shutil.copytree(ROOT / "questions", CONTENT / "questions")
    lesson = CONTENT / "lessons" / f"{QUIZ_MODULE}.md"
    text, n = re.subn(r"(?m)^questions_per_attempt: .*$", f"questions_per_attempt: {QUIZ_LENGTH}",
                      lesson.read_text(), count=1)
    if n != 1:
        raise SystemExit(f"{lesson}: no questions_per_attempt line in the front matter")
    lesson.write_text(text)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pgdb(*args: str) -> str:
    out = subprocess.run([str(VENV_BIN / "python"), str(ROOT / "scripts" / "pgdb.py"), *args],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


class Server:
    """gunicorn in its own process group; stopped by its pid."""

    def __init__(self, name: str, app_spec: str, env: dict, settings: dict, log_path: Path, pythonpath: str | None = None):
        self.port = free_port()
        self.log_path = log_path
        self.cmd = [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
                    "--workers", str(settings["workers"]), "--worker-class", settings["worker_class"],
                    "--threads", str(settings["threads"]), "--keep-alive", str(settings["keepalive"]),
                    "--backlog", str(settings["backlog"]), "--log-level", "warning",
                    "--error-logfile", str(log_path), "--chdir", str(ROOT)]
        if pythonpath:
            self.cmd += ["--pythonpath", pythonpath]
        self.cmd.append(app_spec)
        self.name = name
        self.proc = subprocess.Popen(self.cmd, env=env, cwd=ROOT, start_new_session=True,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        import http.client
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name}: gunicorn exited ({self.proc.returncode}); see {self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", path)
                if conn.getresponse().status < 500:
                    conn.close()
                    # every worker boots on its own; give the others the time the first one took
                    time.sleep(1.0)
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"{self.name}: not ready after {timeout:.0f}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def log_problems(self) -> list[str]:
        if not self.log_path.exists():
            return []
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if re.search(r"Traceback|WORKER TIMEOUT|\[ERROR\]|CRITICAL", line)]


# ---------------------------------------------------------------- the benchmark on one database

def ms(seconds: float) -> float:
    return round(seconds * 1000.0, 1)


def open_seminar(app, conns, instructor) -> tuple[int, dict]:
    """The instructor opens a one-question room on the quiz module; returns its id and the key's form."""
    from app.extensions import db
    from app.models import Seminar
    import seed as seeding

    rooms = conns.request("GET", "/seminars", instructor, retry=True)
    opened = conns.request("POST", "/seminars/new", instructor,
                           form={"csrf_token": rooms.csrf(), "module": QUIZ_MODULE, "questions": "1"})
    match = re.search(r"/seminars/(\d+)/host$", opened.location or "")
    if opened.status != 302 or not match:
        raise SystemExit(f"opening a seminar failed: {opened.status} {opened.location}")
    seminar_id = int(match.group(1))
    with app.app_context():
        question = db.session.get(Seminar, seminar_id).questions[0]
        form = {"position": "0", **seeding.correct_fields(0, question.spec, question.layout)}
        db.session.remove()
    return seminar_id, form


def run_database(kind: str, args, catalog, settings: dict) -> dict:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import MIGRATIONS, create_app
    from app.extensions import db
    from app.models import Attempt, AttemptItem, Seminar, SeminarAnswer
    import client as http
    import cost
    import cpu
    import seed as seeding
    from ceiling import create_app as create_ceiling, make_engine, metadata as ceiling_metadata, rows as ceiling_rows

    here = WORK / kind
    if here.exists():
        shutil.rmtree(here)
    (here / "instance").mkdir(parents=True)
    result: dict = {"database": kind}
    made_pg = None
    if kind == "sqlite":
        url = f"sqlite:///{here / 'instance' / 'groundwork.sqlite3'}"
        result["database_detail"] = "SQLite file, WAL, synchronous=NORMAL (the app's settings)"
    else:
        made_pg = url = pgdb("create", args.postgres_admin_url)
        result["database_detail"] = "PostgreSQL on 127.0.0.1, throwaway database " + url.rsplit("/", 1)[1]
    servers: list[Server] = []
    app = None
    result["cpu"] = {}

    def measured(name: str, run, wait: bool = True):
        """Wait for a quiet machine (bounded), run one timed phase, note who used the CPU meanwhile."""
        groups = {s.proc.pid for s in servers}
        quiet = cpu.wait_for_quiet(groups, args.quiet_wait) if wait and args.quiet_wait > 0 else {}
        spy = None
        if args.py_spy and servers:
            # sample every worker, waiting included (--idle), while the phase runs
            wanted = "ceiling" if name.startswith("ceiling") else "groundwork"
            profiled = next(s for s in servers if s.name == wanted)
            spy = subprocess.Popen([args.py_spy, "record", "--pid", str(profiled.proc.pid), "--subprocesses",
                                    "--idle", "--nonblocking", "--rate", "250", "--format", "raw",
                                    "-o", str(here / f"py-spy-{name}.txt")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            time.sleep(2.0)
        before = cpu.sample(groups)
        out = run()
        result["cpu"][name] = {**cpu.usage(before, cpu.sample(groups)), **quiet}
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        return out

    try:
        t0 = time.perf_counter()
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "CATALOG": catalog})
        with app.app_context():
            upgrade(directory=str(MIGRATIONS))
            if kind == "postgresql":
                result["database_detail"] += " (server " + db.session.execute(sa.text("SHOW server_version")).scalar() + ")"
                db.session.rollback()
            seeded = seeding.seed(catalog, args.history, 3, args.learners)
            from seed_cards import seed_cards  # issue 16
            seeded["cards"] = seed_cards(catalog, list(range(1, args.history + 1)))  # issue 16: 500 per learner
            db.session.remove()
        result["seed_s"] = round(time.perf_counter() - t0, 1)
        log(f"{kind}: migrated and seeded {seeded['history_learners']} learners, {seeded['history_attempts']} attempts, "
            f"{seeded['history_items']} items + {seeded['burst_learners']} seminar learners in {result['seed_s']}s")

        env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=SECRET, GROUNDWORK_INSTANCE=str(here / "instance"),
                   GROUNDWORK_CONTENT=str(CONTENT), GROUNDWORK_SEEDS=str(SEEDS), PYTHONDONTWRITEBYTECODE="1")
        env.pop("GROUNDWORK_HTTPS", None)
        server = Server("groundwork", "app:create_app()", env, settings, here / "gunicorn-app.log")
        servers.append(server)
        server.wait_ready("/login")
        conns = http.Connections("127.0.0.1", server.port)
        # the ceiling runs beside the app from the start, so that each figure is measured next to
        # its ceiling, in alternation, and a machine that slows down mid-run slows both alike
        engine = make_engine(url)
        ceiling_metadata.create_all(engine)
        ceiling = Server("ceiling", "ceiling:create_app()", env, settings, here / "gunicorn-ceiling.log",
                         pythonpath=str(BENCH))
        servers.append(ceiling)
        ceiling.wait_ready("/page")
        cconns = http.Connections("127.0.0.1", ceiling.port)

        # ---- untimed: log in, start the quiz, save a full-marks answer
        setup_5xx: list[str] = []

        def login(c, learner):
            for _ in range(3):
                page = c.request("GET", "/login", learner, retry=True)
                t = time.perf_counter()
                resp = c.request("POST", "/login", learner, form={"csrf_token": page.csrf(), "username": learner.username,
                                                                  "password": learner.password}, retry=True)
                if resp.status < 500:
                    break
                # untimed set-up: note it and log in again
                setup_5xx.append(f"POST /login {learner.username}: {resp.status} after {time.perf_counter() - t:.1f}s")
            if resp.status != 302:
                raise RuntimeError(f"login {learner.username}: {resp.status}")
            return resp

        burst = [http.Learner(u, seeding.PASSWORD) for u in seeded["burst_usernames"]]
        step = max(1, args.history // args.history_sessions)
        history = [http.Learner(f"hist{i:05d}", seeding.PASSWORD) for i in range(1, args.history + 1, step)][:args.history_sessions]
        t0 = time.perf_counter()
        logins = http.run_jobs(burst + history, login, conns, args.setup_concurrency,
                               check=lambda job, r: None if r.status == 302 else f"login {r.status}")
        result["login_s"] = round(time.perf_counter() - t0, 1)
        result["logins_per_s"] = round(logins.per_second, 1)
        result["login_max_ms"] = round(logins.percentile_ms(100), 1)
        result["setup_5xx"] = len(setup_5xx)
        result["setup_5xx_detail"] = setup_5xx[:10]
        if setup_5xx:
            log(f"{kind}: {len(setup_5xx)} logins answered 5xx and were retried: {setup_5xx[:3]}")
        result["login_p95_ms"] = round(logins.percentile_ms(95), 1)
        if logins.errors:
            raise SystemExit(f"{kind}: logins failed: {logins.errors[:5]}")
        log(f"{kind}: {logins.count} learners logged in in {result['login_s']}s")

        def start(c, learner):
            module = c.request("GET", f"/modules/{QUIZ_MODULE}", learner, retry=True)
            resp = c.request("POST", f"/modules/{QUIZ_MODULE}/quiz", learner, form={"csrf_token": module.csrf()})
            match = re.search(r"/attempts/(\d+)$", resp.location)
            if resp.status != 302 or not match:
                raise RuntimeError(f"start {learner.username}: {resp.status} {resp.location}")
            learner.attempt_id = int(match.group(1))
            page = c.request("GET", f"/attempts/{learner.attempt_id}", learner, retry=True)
            learner.csrf = page.csrf()
            return page

        t0 = time.perf_counter()
        started = http.run_jobs(burst, start, conns, args.setup_concurrency)
        if started.errors:
            raise SystemExit(f"{kind}: starting attempts failed: {started.errors[:5]}")
        # the full-marks form, from the layout stored with each attempt
        with app.app_context():
            by_id = {l.attempt_id: l for l in burst}
            rows = db.session.execute(sa.select(AttemptItem).where(AttemptItem.attempt_id.in_(list(by_id)))).scalars().all()
            forms: dict[int, dict] = {aid: {} for aid in by_id}
            for item in rows:
                forms[item.attempt_id].update(seeding.correct_fields(item.position, item.spec, item.layout))
            db.session.remove()
        for aid, learner in by_id.items():
            learner.form = forms[aid]
        if any(sum(1 for k in f if k.endswith("-present")) != QUIZ_LENGTH for f in forms.values()):
            raise SystemExit(f"{kind}: an attempt does not have {QUIZ_LENGTH} questions")

        def save(c, learner):
            resp = c.request("POST", f"/attempts/{learner.attempt_id}/save", learner,
                             form={"csrf_token": learner.csrf, **learner.form},
                             headers={"X-Requested-With": "fetch", "Accept": "application/json"}, retry=True)
            if resp.status != 200 or not json.loads(resp.body).get("ok"):
                raise RuntimeError(f"save {learner.username}: {resp.status} {resp.body[:200]!r}")
            return resp

        saved = http.run_jobs(burst, save, conns, args.setup_concurrency)
        if saved.errors:
            raise SystemExit(f"{kind}: saving answers failed: {saved.errors[:5]}")
        result["prepare_s"] = round(time.perf_counter() - t0, 1)
        log(f"{kind}: {len(burst)} attempts started and answered in {result['prepare_s']}s")

        # ---- timed: the seminar burst
        def submit(c, learner):
            return c.request("POST", f"/attempts/{learner.attempt_id}/submit", learner,
                             form={"csrf_token": learner.csrf, **learner.form})

        def submitted_ok(learner, resp):
            if resp.status == 302 and resp.location.endswith(f"/attempts/{learner.attempt_id}/review"):
                return None
            return f"{learner.username}: {resp.status} {resp.location or resp.body[:120]!r}"

        def insert(c, n):
            return c.request("POST", "/insert", form={"learner": str(n)})

        def insert_round(number: int):
            return measured(f"ceiling_inserts_{number}", lambda: http.run_jobs(
                range(len(burst)), insert, cconns, args.concurrency,
                check=lambda job, r: None if r.status == 204 else f"insert {r.status}"))

        http.run_jobs(range(200), insert, cconns, args.concurrency)  # warm-up
        before = args.ceiling_rounds // 2
        rounds = [insert_round(i + 1) for i in range(before)]
        tally = measured("burst", lambda: http.run_jobs(burst, submit, conns, args.concurrency, check=submitted_ok))
        rounds += [insert_round(i + 1) for i in range(before, args.ceiling_rounds)]
        log(f"{kind}: burst of {tally.count} submissions in {tally.wall:.2f}s = {tally.per_second:.0f}/s, "
            f"p50 {tally.percentile_ms(50):.0f} ms, p95 {tally.percentile_ms(95):.0f} ms, errors {len(tally.errors)}")

        # ---- read back: exactly one attempt per learner, submitted and graded once
        with app.app_context():
            ids = seeded["burst_user_ids"]
            per_user = db.session.execute(
                sa.select(Attempt.user_id, sa.func.count().label("n"), sa.func.count(Attempt.submitted_at).label("s"))
                .where(Attempt.user_id.in_(ids), Attempt.module_id == QUIZ_MODULE).group_by(Attempt.user_id)).all()
            graded_items = db.session.scalar(
                sa.select(sa.func.count()).select_from(AttemptItem).join(Attempt)
                .where(Attempt.user_id.in_(ids), Attempt.submitted_at.is_not(None), AttemptItem.fraction.is_not(None)))
            full_marks = db.session.scalar(sa.select(sa.func.count()).select_from(Attempt).where(
                Attempt.user_id.in_(ids), Attempt.submitted_at.is_not(None), Attempt.score == 100.0))
            submitted_total = sum(r.s for r in per_user)
            db.session.remove()
        result.update({
            "learners": len(burst), "quiz_questions": QUIZ_LENGTH, "concurrency": args.concurrency,
            "attempt_rows": sum(r.n for r in per_user), "submitted": submitted_total,
            "lost": len(burst) - sum(1 for r in per_user if r.s >= 1),
            "doubled": sum(r.n - 1 for r in per_user if r.n > 1),
            "graded_items": graded_items, "all_items_graded": graded_items == QUIZ_LENGTH * submitted_total,
            "full_marks": full_marks,
            "submit_responses": dict(sorted((str(k), v) for k, v in tally.statuses.items())),
            "submit_errors": tally.errors[:10],
            "errors_5xx": tally.server_errors,
            "submit_p50_ms": round(tally.percentile_ms(50), 1), "submit_p95_ms": round(tally.percentile_ms(95), 1),
            "submit_p99_ms": round(tally.percentile_ms(99), 1), "submit_max_ms": round(tally.percentile_ms(100), 1),
            "burst_wall_s": round(tally.wall, 3), "submits_per_s": round(tally.per_second, 1),
        })
        log(f"{kind}: database says {submitted_total} submitted, lost {result['lost']}, doubled {result['doubled']}, "
            f"{graded_items} graded items, {full_marks} at 100%")

        # ---- the live seminar: the burst's learners, in one room, answer its open question at once
        instructor = http.Learner(seeded["instructor_username"], seeding.PASSWORD)
        login(conns, instructor)
        seminar_id, answer_form = open_seminar(app, conns, instructor)
        with app.app_context():
            code = db.session.get(Seminar, seminar_id).code
            db.session.remove()
        joined = http.run_jobs(burst, lambda c, learner: c.request(
            "POST", "/seminars/join", learner, form={"csrf_token": learner.csrf, "code": code}, retry=True),
            conns, args.setup_concurrency, check=lambda job, r: None if r.status == 302 else f"join {r.status}")
        if joined.errors:
            raise SystemExit(f"{kind}: joining the seminar failed: {joined.errors[:5]}")
        host_page = conns.request("GET", f"/seminars/{seminar_id}/host", instructor, retry=True)
        opened = conns.request("POST", f"/seminars/{seminar_id}/advance", instructor,
                               form={"csrf_token": host_page.csrf(), "action": "open", "step": "0"})
        if opened.status != 302:
            raise SystemExit(f"{kind}: opening the seminar's question failed: {opened.status}")

        def live_answer(c, learner):
            return c.request("POST", f"/seminars/{seminar_id}/answer", learner,
                             form={"csrf_token": learner.csrf, **answer_form})

        answered = measured("seminar_answers", lambda: http.run_jobs(
            burst, live_answer, conns, args.concurrency,
            check=lambda learner, r: None if r.status == 302 and r.location.endswith(f"/seminars/{seminar_id}")
            else f"{learner.username}: {r.status}"))
        poll = lambda c, n: c.request("GET", f"/seminars/{seminar_id}/state", burst[n % len(burst)])
        http.run_for(args.warmup, poll, conns, args.page_concurrency)
        polls = measured("seminar_polls", lambda: http.run_for(args.duration / 2, poll, conns, args.page_concurrency))
        # the host closes the question: every phone reloads at once, to show the key and the evidence
        closed = conns.request("POST", f"/seminars/{seminar_id}/advance", instructor,
                               form={"csrf_token": host_page.csrf(), "action": "close", "step": "1"},
                               retry=True)  # its idle keep-alive connection may have been closed meanwhile
        if closed.status != 302:
            raise SystemExit(f"{kind}: closing the seminar's question failed: {closed.status}")
        reloads = measured("seminar_reloads", lambda: http.run_jobs(
            burst, lambda c, learner: c.request("GET", f"/seminars/{seminar_id}", learner), conns, args.concurrency,
            check=lambda learner, r: None if r.status == 200 and "Evidence" in r.text() else f"reload {r.status}"))
        with app.app_context():
            stored = db.session.execute(
                sa.select(SeminarAnswer.user_id, sa.func.count().label("n"), sa.func.min(SeminarAnswer.fraction).label("f"))
                .where(SeminarAnswer.seminar_id == seminar_id).group_by(SeminarAnswer.user_id)).all()
            db.session.remove()
        result.update({
            "seminar_answers_stored": sum(r.n for r in stored),
            "seminar_answers_lost": len(burst) - len(stored),
            "seminar_answers_doubled": sum(r.n - 1 for r in stored),
            "seminar_answers_full_marks": sum(1 for r in stored if r.f == 1.0),
            "seminar_answers_per_s": round(answered.per_second, 1),
            "seminar_answer_p50_ms": round(answered.percentile_ms(50), 1),
            "seminar_answer_p95_ms": round(answered.percentile_ms(95), 1),
            "seminar_answer_p99_ms": round(answered.percentile_ms(99), 1),
            "seminar_answer_errors": answered.errors[:10],
            "seminar_polls_per_s": round(polls.per_second, 1),
            "seminar_poll_p95_ms": round(polls.percentile_ms(95), 1),
            "seminar_poll_errors": polls.errors[:5],
            "seminar_reload_wall_s": round(reloads.wall, 3),
            "seminar_reload_p95_ms": round(reloads.percentile_ms(95), 1),
            "seminar_reload_errors": reloads.errors[:5],
        })
        result["errors_5xx"] += answered.server_errors + polls.server_errors + reloads.server_errors
        log(f"{kind}: seminar: {answered.count} answers in {answered.wall:.2f}s = {answered.per_second:.0f}/s, "
            f"p95 {answered.percentile_ms(95):.0f} ms; stored {result['seminar_answers_stored']}, "
            f"lost {result['seminar_answers_lost']}, doubled {result['seminar_answers_doubled']}; "
            f"state polls {polls.per_second:.0f}/s, p95 {polls.percentile_ms(95):.0f} ms; "
            f"all phones reload the closed question in {reloads.wall:.2f}s, p95 {reloads.percentile_ms(95):.0f} ms, "
            f"errors {len(reloads.errors)}")

        # ---- page throughput (lessons, source reader) for logged-in learners
        page_learners = burst[: (len(burst) // args.page_concurrency) * args.page_concurrency] or burst
        lesson_urls = [f"/modules/{m.id}/lesson" for m in catalog.modules]
        reader_urls = [f"/sources/{s}" for s in catalog.sources]

        def pages(urls):
            def worker(c, n):
                return c.request("GET", urls[n % len(urls)], page_learners[n % len(page_learners)])
            return worker

        ceiling_page = lambda c, n: c.request("GET", "/page")
        phases = {"lesson": (pages(lesson_urls), conns), "ceiling": (ceiling_page, cconns),
                  "reader": (pages(reader_urls), conns)}
        for worker, connections in phases.values():
            http.run_for(args.warmup, worker, connections, args.page_concurrency)
        windows: dict[str, list] = {name: [] for name in phases}
        slot = args.duration / args.page_rounds
        for i in range(args.page_rounds):
            for name, (worker, connections) in phases.items():
                windows[name].append(measured(f"{name}_pages_{i + 1}", lambda: http.run_for(
                    slot, worker, connections, args.page_concurrency), wait=i == 0))
        extra_5xx = 0
        for name, urls in (("lesson", lesson_urls), ("reader", reader_urls), ("ceiling", ["/page"])):
            t = http.combined(windows[name])
            result["cpu"][f"{name}_pages"] = cpu.mean([result["cpu"][f"{name}_pages_{i + 1}"]
                                                      for i in range(args.page_rounds)])
            extra_5xx += t.server_errors
            result[f"{name}_pages_per_s"] = round(t.per_second, 1)
            result[f"{name}_page_p50_ms"] = round(t.percentile_ms(50), 1)
            result[f"{name}_page_p95_ms"] = round(t.percentile_ms(95), 1)
            result[f"{name}_page_errors"] = t.errors[:5]
            if name == "ceiling":
                continue
            result[f"{name}_page_bytes"] = len(conns.request("GET", urls[0], page_learners[0], retry=True).body)
            log(f"{kind}: {name} pages {t.per_second:.0f}/s (p50 {t.percentile_ms(50):.0f} ms, "
                f"{result[f'{name}_page_bytes']} bytes) over {t.count} requests")

        # ---- progress dashboard and attempt review, 1,000 learners x 3 attempts x 6 modules
        def sequential(paths: list[tuple[str, object]]):
            return http.run_jobs(paths, lambda c, job: c.request("GET", job[0], job[1]), conns, 1,
                                 check=lambda job, r: None if r.status == 200 else f"{job[0]}: {r.status}")

        user_of = {l.username: int(l.username[4:]) for l in history}
        course_jobs = [("/course", history[i % len(history)]) for i in range(args.page_samples)]
        review_jobs, list_jobs = [], []
        import random as _random
        pick = _random.Random(7)
        for i in range(args.page_samples):
            learner = history[i % len(history)]
            review_jobs.append((f"/attempts/{pick.choice(seeded['attempt_ids'][user_of[learner.username]])}/review", learner))
            list_jobs.append(("/attempts", learner))
        # the instructor's pages read every learner's graded attempts: fewer samples
        cohort_jobs = [("/instructor/results", instructor)] * max(1, args.page_samples // 10)
        stats_jobs = [(f"/instructor/results/{QUIZ_MODULE}", instructor)] * max(1, args.page_samples // 10)
        sequential(course_jobs[:20] + review_jobs[:20] + list_jobs[:20] + cohort_jobs[:2] + stats_jobs[:2])  # warm-up
        for name, jobs in (("progress", course_jobs), ("review", review_jobs), ("attempts_list", list_jobs),
                           ("cohort_results", cohort_jobs), ("question_stats", stats_jobs)):
            t = sequential(jobs)
            extra_5xx += t.server_errors
            if t.errors:
                log(f"{kind}: {name} errors: {t.errors[:3]}")
            result[f"{name}_page_ms"] = round(t.percentile_ms(50), 1)
            result[f"{name}_page_p95_ms"] = round(t.percentile_ms(95), 1)
            result[f"{name}_page_errors"] = t.errors[:5]
        # the same dashboard under load: page_concurrency clients at once
        loaded = http.run_jobs(course_jobs * 2, lambda c, job: c.request("GET", job[0], job[1]), conns,
                               min(args.page_concurrency, len(history)))
        extra_5xx += loaded.server_errors
        result["progress_page_loaded_p95_ms"] = round(loaded.percentile_ms(95), 1)
        result["progress_pages_per_s"] = round(loaded.per_second, 1)
        log(f"{kind}: /course p50 {result['progress_page_ms']} ms p95 {result['progress_page_p95_ms']} ms; "
            f"review p50 {result['review_page_ms']} ms p95 {result['review_page_p95_ms']} ms; "
            f"/attempts p50 {result['attempts_list_page_ms']} ms; cohort results p50 {result['cohort_results_page_ms']} ms; "
            f"question statistics p50 {result['question_stats_page_ms']} ms")
        from review_queue import measure_review_queue  # issue 16
        result.update(measure_review_queue(conns, history, args.page_samples))
        result["errors_5xx_pages"] = extra_5xx
        result["errors_5xx"] = result["errors_5xx"] + extra_5xx
        result["app_log_problems"] = server.log_problems()[:10]
        server.stop()
        servers.remove(server)

        # ---- the ceiling's figures, measured beside the app's above
        rounds.sort(key=lambda r: r.per_second)
        median = rounds[len(rounds) // 2]
        with engine.connect() as conn:
            inserted = conn.execute(sa.select(sa.func.count()).select_from(ceiling_rows)).scalar()
        engine.dispose()
        result.update({
            "ceiling_inserts_per_s": round(median.per_second, 1),
            "ceiling_insert_rounds_per_s": [round(r.per_second, 1) for r in rounds],
            "ceiling_insert_p50_ms": round(median.percentile_ms(50), 1),
            "ceiling_insert_p95_ms": round(median.percentile_ms(95), 1),
            "ceiling_rows_ok": inserted == 200 + len(burst) * args.ceiling_rounds,
            "ceiling_errors": sum(len(r.errors) for r in rounds),
        })
        result["ceiling_log_problems"] = ceiling.log_problems()[:10]
        ceiling.stop()
        servers.remove(ceiling)
        log(f"{kind}: ceiling page {result['ceiling_pages_per_s']:.0f}/s, insert {result['ceiling_inserts_per_s']:.0f}/s "
            f"(rounds {result['ceiling_insert_rounds_per_s']})")

        # ---- what one request costs on its own, in this process, one at a time
        if args.cost_samples > 0:
            ceiling_app = create_ceiling(url)
            try:
                result["in_process"] = cost.request_costs(
                    app, ceiling_app, catalog, seeded["burst_usernames"], seeding.PASSWORD, QUIZ_MODULE,
                    seeding.correct_fields, samples=args.cost_samples)
            finally:
                ceiling_app.extensions["engine"].dispose()
            log(f"{kind}: in-process cost per request (ms): {result['in_process']}")

        result["submit_ratio"] = round(result["submits_per_s"] / result["ceiling_inserts_per_s"], 3)
        result["lesson_ratio"] = round(result["lesson_pages_per_s"] / result["ceiling_pages_per_s"], 3)
        result["reader_ratio"] = round(result["reader_pages_per_s"] / result["ceiling_pages_per_s"], 3)
        result["history_learners"] = seeded["history_learners"]
        result["history_attempts"] = seeded["history_attempts"]
        result["history_items"] = seeded["history_items"]
        result["gunicorn"] = dict(settings, command=" ".join(
            ["gunicorn"] + server.cmd[1:server.cmd.index("--log-level")] + ["app:create_app()"]).replace(
            f"127.0.0.1:{server.port}", "127.0.0.1:PORT"))
        result["targets"] = {name: {"target": text, "met": bool(test(result))} for name, (text, test) in TARGETS.items()}
        return result
    finally:
        for s in servers:
            s.stop()
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        if made_pg:
            pgdb("drop", args.postgres_admin_url, made_pg)
            log(f"{kind}: dropped the throwaway database")
        if not args.keep:
            for f in (here / "instance").glob("groundwork.sqlite3*"):
                f.unlink()


# ---------------------------------------------------------------- reporting

def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres-admin-url", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--history", type=int, default=1000)
    parser.add_argument("--history-sessions", type=int, default=20, help="seeded learners logged in for /course and review")
    parser.add_argument("--concurrency", type=int, default=50, help="client threads for the burst and the insert ceiling")
    parser.add_argument("--setup-concurrency", type=int, default=16)
    parser.add_argument("--page-concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of timed page load per kind of page")
    parser.add_argument("--page-rounds", type=int, default=4,
                        help="alternating windows (lesson, ceiling, reader) the page duration is split into")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--page-samples", type=int, default=200)
    parser.add_argument("--ceiling-rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--keepalive", type=int, default=5)
    parser.add_argument("--quiet-wait", type=float, default=10.0,
                        help="before each timed phase, wait up to this many seconds for other processes to leave the CPU")
    parser.add_argument("--py-spy", default="", help="path of a py-spy binary: profile the workers in every timed "
                        "phase into bench/.work/<database>/py-spy-<phase>.txt (slows the server: analysis only)")
    parser.add_argument("--cost-samples", type=int, default=60,
                        help="requests per endpoint for the in-process cost per request (0: skip)")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: rewrite docs/benchmark.md from bench/results.json")
    parser.add_argument("--no-write", action="store_true",
                        help="print the results; leave results.json and docs/benchmark.md alone")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file in bench/.work")
    args = parser.parse_args(argv)
    if args.report_only:
        results = json.loads((BENCH / "results.json").read_text())
        log(f"rewrote {report.write(results, results[0]['run_settings']).relative_to(ROOT)} from bench/results.json")
        return 0

    WORK.mkdir(exist_ok=True)
    prepare_content()
    os.environ["GROUNDWORK_CONTENT"] = str(CONTENT)
    os.environ["GROUNDWORK_SEEDS"] = str(SEEDS)
    sys.path[:0] = [str(ROOT), str(BENCH)]
    from app.content import load_catalog

    catalog = load_catalog(CONTENT, SEEDS if SEEDS.is_dir() else None)
    quiz = catalog.module(QUIZ_MODULE)
    assert quiz.quiz_length == QUIZ_LENGTH, quiz.quiz_length
    settings = {"workers": args.workers, "worker_class": args.worker_class, "threads": args.threads,
                "keepalive": args.keepalive, "backlog": 2048}
    started = time.perf_counter()
    command = "bench/run" + ("" if not argv else " " + " ".join(argv))
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    machine = f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), Python {platform.python_version()}"
    results = []
    for kind in [d.strip() for d in args.databases.split(",") if d.strip()]:
        log(f"== {kind}")
        r = run_database(kind, args, catalog, settings)
        r.update({"date": date, "command": command, "machine": machine})
        results.append(r)
    total = round(time.perf_counter() - started, 1)
    log(f"done in {total}s")
    meta = {"date": date, "command": command, "machine": machine, "page_concurrency": args.page_concurrency,
            "duration": args.duration, "page_rounds": args.page_rounds, "warmup": args.warmup,
            "ceiling_rounds": args.ceiling_rounds,
            "page_samples": args.page_samples, "history_sessions": args.history_sessions,
            "setup_concurrency": args.setup_concurrency, "quiet_wait": args.quiet_wait}
    for r in results:
        r["run_s"] = total
        r["run_settings"] = meta
    text = json.dumps(results, indent=2, ensure_ascii=False)
    if args.no_write:
        print(text)
        return 0
    (BENCH / "results.json.tmp").write_text(text + "\n")
    (BENCH / "results.json.tmp").replace(BENCH / "results.json")
    report.write(results, meta)
    log("wrote bench/results.json and docs/benchmark.md")
    failed = [f"{r['database']}: {name}" for r in results for name, t in r["targets"].items() if not t["met"]]
    if failed:
        log("targets missed: " + ", ".join(failed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
