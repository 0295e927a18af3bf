"""The room at full size: 2,000 phones join one seminar, poll its state while they all answer, then load
the key and its passage at once.

The phones are learners of their own (phone00001 ...), seeded with a one-round PBKDF2 password hash
so that 2,000 logins through the real login page take seconds rather than the minutes scrypt takes
(the scrypt login is what the burst's learners go through). Each phone then does what a phone does:
opens the join link (`/join?code=...`), joins, loads the room's page and reads its polling address
from it.

Three timed parts:
- polls alone, closed loop (the page threads as fast as the server answers), in windows alternating
  with the bare ceiling page: the poll rate as a ratio to the bare-page ceiling;
- the answers: every phone's answer from the burst's client threads as fast as the server takes them,
  while poll threads keep the rate 2,000 phones need (one poll every 2 s each: 1,000/s), open loop,
  each poll with the phone's last ETag as a browser sends it;
- the reveal: the host closes the question and every phone loads the key and the passage at once.
"""
from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

import load
import seed as seeding
from context import BENCH, Run, log, start_gunicorn
from live_seminar import advance, open_seminar
from load import Learner
from results import Room, ms
from support.http import Connections
from support.servers import Nginx

POLL_EVERY_S = 2.0  # how often a phone asks (static/js/seminar.js)
STEP_URL = re.compile(r'data-state-url="([^"]+)"')


class Phone(Learner):
    step_url: str = ""
    etag: str | None = None


def seed_phones(run: Run, count: int) -> list[Phone]:
    """`count` learners for the room, inserted in one transaction."""
    from app.database import db_write
    from app.extensions import db
    from app.models import User, username_key
    from seed import NOW, insert_chunks

    cheap = generate_password_hash(seeding.PASSWORD, method="pbkdf2:sha256:1")
    names = [f"phone{i:05d}" for i in range(1, count + 1)]
    with run.app.app_context():
        with db_write():
            insert_chunks(User.__table__, [dict(username=name, username_key=username_key(name), password_hash=cheap,
                                                display_name=f"Room learner {name[5:]}", role="learner",
                                                created_at=NOW - timedelta(days=1)) for name in names])
        db.session.remove()
    return [Phone(name, seeding.PASSWORD) for name in names]


def join_room(c: Connections, phone: Phone, seminar_id: int, code: str):
    """Log in, open the join link, join, load the room's page; keeps the CSRF token and the polling address."""
    page = c.request("GET", "/login", phone, retry=True)
    c.request("POST", "/login", phone, form={"csrf_token": page.token(), "username": phone.username,
                                             "password": phone.password}, retry=True)
    joining = c.request("GET", f"/join?code={code}", phone, retry=True)
    phone.csrf = joining.token()
    joined = c.request("POST", "/seminars/join", phone, form={"csrf_token": phone.csrf, "code": code}, retry=True)
    if joined.location != f"/seminars/{seminar_id}":
        return joined
    lobby = c.request("GET", f"/seminars/{seminar_id}", phone, retry=True)
    found = STEP_URL.search(lobby.text)
    phone.step_url = found.group(1) if found else ""
    return lobby


def poll(c: Connections, phone: Phone):
    """One poll as a browser sends it: with the ETag of the last answer."""
    resp = c.request("GET", phone.step_url, headers={"If-None-Match": phone.etag} if phone.etag else None)
    if resp.status == 200:
        phone.etag = resp.headers.get("ETag")
    return resp


def paced(rate: float, worker, conns: Connections, threads: int, stop: threading.Event) -> load.Tally:
    """Open loop: `threads` threads send `rate` requests a second between them until `stop` is set;
    a thread that falls behind sends at once (the rate achieved shows it)."""
    tally = load.Tally()
    lock = threading.Lock()
    start = time.perf_counter() + 0.05

    def loop(index: int) -> None:
        lat, statuses, errors = [], {}, []
        k = 0
        while not stop.is_set():
            due = start + (k * threads + index) / rate
            k += 1
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            t0 = time.perf_counter()
            try:
                resp = worker(conns, k * threads + index)
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                conns.drop()
                continue
            lat.append(time.perf_counter() - t0)
            statuses[resp.status] = statuses.get(resp.status, 0) + 1
            if resp.status not in (200, 304) and len(errors) < 20:
                errors.append(f"poll {resp.status}")
        with lock:
            tally.add(lat, statuses, errors)
        conns.drop()

    pool = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(threads)]
    tally.started = start
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    tally.finished = time.perf_counter()
    return tally


# gunicorn as ./serve runs it behind nginx: sync workers, each taking a request only when it is free
SERVE = {"workers": 8, "worker_class": "sync", "threads": 1}


@contextmanager
def through_nginx(run: Run):
    """The room as ./serve deploys it: for the app and for the ceiling, a gunicorn with ./serve's settings
    and nginx (deploy/nginx.conf) in front of it; run.conns and run.cconns go through the two nginx until
    the block ends, and these servers' processes count as the servers' CPU meanwhile."""
    saved = run.conns, run.cconns
    started = []
    fronts: dict[str, Nginx] = {}
    settings = {**SERVE, "keepalive": run.args.keepalive, "backlog": 2048}
    try:
        for name, app_spec, ready, pythonpath in (("groundwork", "app:create_app()", "/login", None),
                                                  ("ceiling", "ceiling:create_app()", "/page", str(BENCH))):
            app = start_gunicorn(f"room-{name}", app_spec, run.server(name).env, settings,
                                 run.here / f"gunicorn-room-{name}.log", ready, pythonpath=pythonpath)
            started.append(app)
            run.servers.append(app)
            front = fronts[name] = Nginx(f"127.0.0.1:{app.port}", run.here / f"nginx-{name}", name=f"nginx-{name}",
                                         ready_path=ready)
            front.start(timeout=30)
            started.append(front)
            run.servers.append(front)
        run.conns = Connections("127.0.0.1", fronts["groundwork"].port, headers=saved[0].headers)
        run.cconns = Connections("127.0.0.1", fronts["ceiling"].port, headers=saved[1].headers)
        yield
    finally:
        run.conns, run.cconns = saved
        for server in reversed(started):
            server.stop()
            run.servers.remove(server)


def room(run: Run) -> Room:
    with through_nginx(run):
        return full_room(run)


def full_room(run: Run) -> Room:
    args = run.args
    t0 = time.perf_counter()
    phones = seed_phones(run, args.room_phones)
    seminar_id, answer_form = open_seminar(run, run.instructor)
    with run.app.app_context():
        from app.extensions import db
        from app.models import Seminar as SeminarRow
        code = db.session.get(SeminarRow, seminar_id).code
        db.session.remove()
    joined = load.run_jobs(phones, lambda c, phone: join_room(c, phone, seminar_id, code), run.conns,
                           args.setup_concurrency, check=lambda phone, r: None if r.status == 200 and phone.step_url
                           else f"{phone.username}: join {r.status}")
    if joined.errors:
        raise SystemExit(f"{run.kind}: phones could not join: {joined.errors[:5]}")
    join_s = round(time.perf_counter() - t0, 1)
    log(f"{run.kind}: room: {len(phones)} phones seeded, logged in and joined in {join_s}s")
    host_token = run.conns.request("GET", f"/seminars/{seminar_id}/host", run.instructor, retry=True).token()
    advance(run, seminar_id, host_token, "open", "0")

    polls_alone, ceiling = poll_ceiling(run, phones)
    stop = threading.Event()
    polling: list[load.Tally] = []
    poller = threading.Thread(target=lambda: polling.append(paced(
        len(phones) / POLL_EVERY_S, lambda c, n: poll(c, phones[n % len(phones)]), run.conns, args.room_poll_threads,
        stop)))

    def answer(c: Connections, phone: Phone):
        return c.request("POST", f"/seminars/{seminar_id}/answer", phone, form={"csrf_token": phone.csrf, **answer_form})

    def answers_while_polled() -> load.Tally:
        poller.start()
        time.sleep(0.5)  # the polls at their pace first, as in a room
        try:
            return load.run_jobs(phones, answer, run.conns, args.concurrency, check=lambda phone, r: None if
                                 r.status == 302 and r.location == f"/seminars/{seminar_id}" else f"answer {r.status}")
        finally:
            stop.set()
            poller.join()

    answered = run.measured("room_answers", answers_while_polled)
    advance(run, seminar_id, host_token, "close", "1")
    reveal = run.measured("room_reveal", lambda: load.run_jobs(
        phones, lambda c, phone: c.request("GET", f"/seminars/{seminar_id}", phone), run.conns, args.concurrency,
        check=lambda phone, r: None if r.status == 200 and "The passage:" in r.text else f"reveal {r.status}"))
    return read_back(run, seminar_id, len(phones), join_s, polls_alone, ceiling, polling[0], answered, reveal)


def poll_ceiling(run: Run, phones: list[Phone]) -> tuple[load.Tally, load.Tally]:
    """Polls alone (closed loop) and the bare ceiling page, in alternating windows of the same threads."""
    args = run.args
    worker = lambda c, n: poll(c, phones[n % len(phones)])  # noqa: E731
    bare = lambda c, n: c.request("GET", "/page")  # noqa: E731
    load.run_for(args.warmup, worker, run.conns, args.page_concurrency, expect=(200, 304))
    load.run_for(args.warmup, bare, run.cconns, args.page_concurrency)
    windows: dict[str, list] = {"polls": [], "ceiling": []}
    slot = args.duration / args.page_rounds / 2
    for i in range(args.page_rounds):
        windows["polls"].append(run.measured(f"room_polls_{i + 1}", lambda: load.run_for(
            slot, worker, run.conns, args.page_concurrency, expect=(200, 304)), wait=i == 0))
        windows["ceiling"].append(run.measured(f"room_ceiling_{i + 1}", lambda: load.run_for(
            slot, bare, run.cconns, args.page_concurrency), wait=False))
    return load.combined(windows["polls"]), load.combined(windows["ceiling"])


def read_back(run: Run, seminar_id: int, phones: int, join_s: float, alone: load.Tally, ceiling: load.Tally,
              polls: load.Tally, answered: load.Tally, reveal: load.Tally) -> Room:
    from app.extensions import db
    from app.models import SeminarAnswer

    with run.app.app_context():
        stored = db.session.execute(
            sa.select(SeminarAnswer.user_id, sa.func.count().label("n")).where(SeminarAnswer.seminar_id == seminar_id)
            .group_by(SeminarAnswer.user_id)).all()
        db.session.remove()
    tallies = (alone, ceiling, polls, answered, reveal)
    result = Room(
        room_phones=phones, room_answers_stored=sum(r.n for r in stored), room_lost=phones - len(stored),
        room_doubled=sum(r.n - 1 for r in stored), room_errors_5xx=sum(t.server_errors for t in tallies),
        room_polls_per_s=round(polls.per_second, 1), room_poll_p95_ms=ms(polls, 95),
        room_poll_not_modified=polls.statuses.get(304, 0) / max(1, polls.count),
        room_answers_per_s=round(answered.per_second, 1), room_answer_p95_ms=ms(answered, 95),
        room_reveal_wall_s=round(reveal.wall, 3), room_reveal_p95_ms=ms(reveal, 95),
        room_polls_alone_per_s=round(alone.per_second, 1), room_poll_alone_p95_ms=ms(alone, 95),
        room_ceiling_pages_per_s=round(ceiling.per_second, 1),
        room_poll_ratio=round(alone.per_second / ceiling.per_second, 3) if ceiling.per_second else 0.0,
        room_join_s=join_s, room_errors=[e for t in tallies for e in t.errors][:10])
    log(f"{run.kind}: room of {phones}: answers {answered.per_second:.0f}/s, p95 {result.room_answer_p95_ms:.0f} ms; "
        f"stored {result.room_answers_stored}, lost {result.room_lost}, doubled {result.room_doubled}; polls meanwhile "
        f"{polls.per_second:.0f}/s, p95 {result.room_poll_p95_ms:.0f} ms ({100 * result.room_poll_not_modified:.0f}% "
        f"304); polls alone {alone.per_second:.0f}/s = {100 * result.room_poll_ratio:.0f}% of the bare page "
        f"({ceiling.per_second:.0f}/s); reveal {reveal.wall:.2f}s, p95 {result.room_reveal_p95_ms:.0f} ms; "
        f"5xx {result.room_errors_5xx}, errors {result.room_errors[:3]}")
    return result


def room_alone(run: Run) -> dict:
    """`bench/run --room-only`: the instructor logs in and the room is measured, nothing else."""
    from dataclasses import asdict

    from phases import log_in

    run.instructor = Learner(run.seeded["instructor_username"], seeding.PASSWORD)
    log_in(run.conns, run.instructor, [])
    return {"database": run.kind, "cpu": run.cpu, **asdict(room(run))}

