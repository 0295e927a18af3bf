"""The live seminar phase: the burst's learners, in one room, answer its open question at once."""
from __future__ import annotations

import re

import sqlalchemy as sa

import load
import seed as seeding
from context import QUIZ_MODULE, Run, log
from load import Learner
from phases import log_in
from results import Seminar, ms
from support.http import Connections


def open_seminar(run: Run, instructor: Learner) -> tuple[int, dict]:
    """The instructor opens a one-question room on the quiz module; returns its id and the key's form."""
    from app.extensions import db
    from app.models import Seminar as SeminarRow

    rooms = run.conns.request("GET", "/seminars", instructor, retry=True)
    opened = run.conns.request("POST", "/seminars/new", instructor,
                               form={"csrf_token": rooms.token(), "module": QUIZ_MODULE, "questions": "1"})
    match = re.search(r"/seminars/(\d+)/host$", opened.location or "")
    if opened.status != 302 or not match:
        raise SystemExit(f"opening a seminar failed: {opened.status} {opened.location}")
    seminar_id = int(match.group(1))
    with run.app.app_context():
        question = db.session.get(SeminarRow, seminar_id).questions[0]
        form = {"position": "0", **seeding.correct_fields(0, question.spec, question.layout)}
        db.session.remove()
    return seminar_id, form


def join(run: Run, seminar_id: int) -> None:
    from app.extensions import db
    from app.models import Seminar as SeminarRow

    with run.app.app_context():
        code = db.session.get(SeminarRow, seminar_id).code
        db.session.remove()
    joined = load.run_jobs(run.burst, lambda c, learner: c.request(
        "POST", "/seminars/join", learner, form={"csrf_token": learner.csrf, "code": code}, retry=True),
        run.conns, run.args.setup_concurrency, check=lambda job, r: None if r.status == 302 else f"join {r.status}")
    if joined.errors:
        raise SystemExit(f"{run.kind}: joining the seminar failed: {joined.errors[:5]}")


def advance(run: Run, seminar_id: int, token: str, action: str, step: str):
    # retried: the host's idle keep-alive connection may have been closed meanwhile
    closed = run.conns.request("POST", f"/seminars/{seminar_id}/advance", run.instructor,
                               form={"csrf_token": token, "action": action, "step": step}, retry=action == "close")
    if closed.status != 302:
        raise SystemExit(f"{run.kind}: {'opening' if action == 'open' else 'closing'} the seminar's question "
                         f"failed: {closed.status}")


def seminar(run: Run) -> Seminar:
    args, burst = run.args, run.burst
    run.instructor = Learner(run.seeded["instructor_username"], seeding.PASSWORD)
    log_in(run.conns, run.instructor, [])
    seminar_id, answer_form = open_seminar(run, run.instructor)
    join(run, seminar_id)
    host_token = run.conns.request("GET", f"/seminars/{seminar_id}/host", run.instructor, retry=True).token()
    advance(run, seminar_id, host_token, "open", "0")

    def live_answer(c: Connections, learner: Learner):
        return c.request("POST", f"/seminars/{seminar_id}/answer", learner,
                         form={"csrf_token": learner.csrf, **answer_form})

    answered = run.measured("seminar_answers", lambda: load.run_jobs(
        burst, live_answer, run.conns, args.concurrency,
        check=lambda learner, r: None if r.status == 302 and r.location.endswith(f"/seminars/{seminar_id}")
        else f"{learner.username}: {r.status}"))
    poll = lambda c, n: c.request("GET", f"/seminars/{seminar_id}/state", burst[n % len(burst)])
    load.run_for(args.warmup, poll, run.conns, args.page_concurrency)
    polls = run.measured("seminar_polls", lambda: load.run_for(args.duration / 2, poll, run.conns,
                                                               args.page_concurrency))
    # the host closes the question: every phone reloads at once, to show the key and the evidence
    advance(run, seminar_id, host_token, "close", "1")
    reloads = run.measured("seminar_reloads", lambda: load.run_jobs(
        burst, lambda c, learner: c.request("GET", f"/seminars/{seminar_id}", learner), run.conns, args.concurrency,
        check=lambda learner, r: None if r.status == 200 and "Evidence" in r.text else f"reload {r.status}"))
    return read_back_seminar(run, seminar_id, answered, polls, reloads)


def read_back_seminar(run: Run, seminar_id: int, answered: load.Tally, polls: load.Tally,
                      reloads: load.Tally) -> Seminar:
    from app.extensions import db
    from app.models import SeminarAnswer

    with run.app.app_context():
        stored = db.session.execute(
            sa.select(SeminarAnswer.user_id, sa.func.count().label("n"), sa.func.min(SeminarAnswer.fraction).label("f"))
            .where(SeminarAnswer.seminar_id == seminar_id).group_by(SeminarAnswer.user_id)).all()
        db.session.remove()
    result = Seminar(
        seminar_answers_stored=sum(r.n for r in stored), seminar_answers_lost=len(run.burst) - len(stored),
        seminar_answers_doubled=sum(r.n - 1 for r in stored),
        seminar_answers_full_marks=sum(1 for r in stored if r.f == 1.0),
        seminar_answers_per_s=round(answered.per_second, 1), seminar_answer_p50_ms=ms(answered, 50),
        seminar_answer_p95_ms=ms(answered, 95), seminar_answer_p99_ms=ms(answered, 99),
        seminar_answer_errors=answered.errors[:10],
        seminar_polls_per_s=round(polls.per_second, 1), seminar_poll_p95_ms=ms(polls, 95),
        seminar_poll_errors=polls.errors[:5],
        seminar_reload_wall_s=round(reloads.wall, 3), seminar_reload_p95_ms=ms(reloads, 95),
        seminar_reload_errors=reloads.errors[:5],
        server_errors=answered.server_errors + polls.server_errors + reloads.server_errors)
    log(f"{run.kind}: seminar: {answered.count} answers in {answered.wall:.2f}s = {answered.per_second:.0f}/s, "
        f"p95 {answered.percentile_ms(95):.0f} ms; stored {result.seminar_answers_stored}, "
        f"lost {result.seminar_answers_lost}, doubled {result.seminar_answers_doubled}; "
        f"state polls {polls.per_second:.0f}/s, p95 {polls.percentile_ms(95):.0f} ms; "
        f"all phones reload the closed question in {reloads.wall:.2f}s, p95 {reloads.percentile_ms(95):.0f} ms, "
        f"errors {len(reloads.errors)}")
    return result
