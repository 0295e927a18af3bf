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
   then the big-course statistics phase (bench/module_statistics.py): 10,000 and then 100,000 graded
   attempts of the quiz module bulk-loaded, its statistics page and response analysis timed at each size;
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
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

import report  # noqa: E402  (bench/ and the project root are on sys.path from here on)
from context import QUIZ_LENGTH, QUIZ_MODULE, Run, log  # noqa: E402

WORK = BENCH / ".work"
CONTENT = WORK / "content"
VENV_BIN = ROOT / ".venv" / "bin"
SEEDS = Path(os.environ.get("GROUNDWORK_SEEDS", ROOT.parent / "shared" / "seeds"))
SECRET = "bench-secret-key-not-for-production"



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


def pgdb(*args: str) -> str:
    out = subprocess.run([str(VENV_BIN / "python"), str(ROOT / "scripts" / "pgdb.py"), *args],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def gunicorn_command(server, settings: dict) -> dict:
    """The settings and the command line as the report shows them (any port)."""
    command = server.command
    shown = ["gunicorn"] + command[1:command.index("--log-level")] + [command[-1]]
    return dict(settings, command=" ".join(shown).replace(f"127.0.0.1:{server.port}", "127.0.0.1:PORT"))


def measure(run: Run, detail: str, settings: dict):
    """The phases, in order, on one database (imported here: the app reads GROUNDWORK_CONTENT on import)."""
    import live_seminar
    import pages
    import room as live_room
    import phases
    from classes import class_pages
    from module_statistics import statistics_pages
    from review_queue import review_queue
    from results import DatabaseResult, figures

    seeded = phases.seed(run, detail, SECRET)
    phases.start_servers(run, phases.server_env(run, SECRET, CONTENT, SEEDS), settings)
    if run.args.room_only:  # the full-size room alone (bench/room.py): its figures printed, nothing written
        return live_room.room_alone(run)
    if run.args.only_statistics:  # the big-course statistics phase alone (it reads nothing the others write)
        stats = statistics_pages(run)
        return {"database": run.kind, **figures(stats), "server_errors": stats.server_errors, "cpu": run.cpu}
    logins = phases.logins(run)
    prepare_s = phases.prepare(run)
    burst, insert_rounds = phases.burst(run)
    seminar = live_seminar.seminar(run)
    rates = pages.page_rates(run)
    learner_pages = pages.learner_pages(run)
    instructor_pages = pages.instructor_pages(run)
    loaded = pages.loaded_progress(run, learner_pages + instructor_pages)
    queue = review_queue(run)
    classes = class_pages(run)
    room = live_room.room(run)
    stats = statistics_pages(run) if run.args.stats_attempts else None  # last: it adds 100,000 attempts
    app_server = run.server("groundwork")
    app_log_problems = app_server.log_problems(app_server.error_log)[:10]
    run.stop("groundwork")
    ceiling = pages.ceiling_inserts(run, insert_rounds, next(r.per_s for r in rates if r.name == "ceiling"))
    run.stop("ceiling")
    costs = pages.in_process(run)
    return DatabaseResult(seeded, run.cpu, logins, prepare_s, burst, seminar, rates, learner_pages,
                          instructor_pages, loaded, queue, classes, room, app_log_problems, ceiling, costs,
                          gunicorn_command(app_server, settings), stats)


def run_database(kind: str, args, catalog, settings: dict) -> dict:
    """A fresh database (SQLite file or throwaway PostgreSQL database), measured, then dropped."""
    from app.extensions import db

    here = WORK / kind
    if here.exists():
        shutil.rmtree(here)
    (here / "instance").mkdir(parents=True)
    made_pg = None
    if kind == "sqlite":
        url = f"sqlite:///{here / 'instance' / 'groundwork.sqlite3'}"
        detail = "SQLite file, WAL, synchronous=NORMAL (the app's settings)"
    else:
        made_pg = url = pgdb("create", args.postgres_admin_url)
        detail = "PostgreSQL on 127.0.0.1, throwaway database " + url.rsplit("/", 1)[1]
    run = Run(kind, args, here, url, catalog)
    try:
        measured = measure(run, detail, settings)
        return measured if isinstance(measured, dict) else measured.to_json()
    finally:
        for server in run.servers:
            server.stop()
        if run.app is not None:
            with run.app.app_context():
                db.session.remove()
                db.engine.dispose()
        if made_pg:
            pgdb("drop", args.postgres_admin_url, made_pg)
            log(f"{kind}: dropped the throwaway database")
        if not args.keep:
            for f in (here / "instance").glob("groundwork.sqlite3*"):
                f.unlink()


# ---------------------------------------------------------------- reporting

def attempt_scales(text: str) -> tuple[int, int] | None:
    """'10000,100000' as (10000, 100000); '0' as None (no statistics phase)."""
    if text.strip() == "0":
        return None
    small, large = (int(part) for part in text.split(","))
    if not 0 < small < large:
        raise argparse.ArgumentTypeError("SMALL,LARGE with 0 < SMALL < LARGE")
    return small, large


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
    parser.add_argument("--room-phones", type=int, default=2000, help="phones in the full-size room (bench/room.py)")
    parser.add_argument("--room-poll-threads", type=int, default=24, help="client threads pacing the room's polls")
    parser.add_argument("--room-only", action="store_true", help="seed, start the servers and measure the "
                        "full-size room alone; print its figures (implies --no-write)")
    parser.add_argument("--workers", type=int, default=4,
                        help="the app's and the ceiling's gunicorn (the room runs its own, as ./serve does)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--keepalive", type=int, default=5)
    parser.add_argument("--quiet-wait", type=float, default=10.0,
                        help="before each timed phase, wait up to this many seconds for other processes to leave the CPU")
    parser.add_argument("--py-spy", default="", help="path of a py-spy binary: profile the workers in every timed "
                        "phase into bench/.work/<database>/py-spy-<phase>.txt (slows the server: analysis only)")
    parser.add_argument("--cost-samples", type=int, default=60,
                        help="requests per endpoint for the in-process cost per request (0: skip)")
    parser.add_argument("--stats-attempts", type=attempt_scales, default=(10_000, 100_000),
                        help="graded attempts of the quiz module loaded for the statistics phase, then more up to the "
                        "second figure: 'SMALL,LARGE' (default 10000,100000; 0 skips the phase)")
    parser.add_argument("--stats-samples", type=int, default=10, help="requests of each statistics page per size")
    parser.add_argument("--only-statistics", action="store_true",
                        help="seed, start the app and run the statistics phase alone; print its figures (no report)")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: rewrite docs/benchmark.md from bench/results.json")
    parser.add_argument("--no-write", action="store_true",
                        help="print the results; leave results.json and docs/benchmark.md alone")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file in bench/.work")
    args = parser.parse_args(argv)
    args.no_write = args.no_write or args.room_only
    if args.report_only:
        results = json.loads((BENCH / "results.json").read_text())
        log(f"rewrote {report.write(results, results[0]['run_settings']).relative_to(ROOT)} from bench/results.json")
        return 0

    WORK.mkdir(exist_ok=True)
    prepare_content()
    os.environ["GROUNDWORK_CONTENT"] = str(CONTENT)
    os.environ["GROUNDWORK_SEEDS"] = str(SEEDS)
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
    if args.only_statistics:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return 0
    total = round(time.perf_counter() - started, 1)
    log(f"done in {total}s")
    meta = {"date": date, "command": command, "machine": machine, "page_concurrency": args.page_concurrency,
            "duration": args.duration, "page_rounds": args.page_rounds, "warmup": args.warmup,
            "ceiling_rounds": args.ceiling_rounds,
            "page_samples": args.page_samples, "history_sessions": args.history_sessions,
            "setup_concurrency": args.setup_concurrency, "quiet_wait": args.quiet_wait,
            "room_poll_threads": args.room_poll_threads}
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
