"""The page phases: lessons, source reader and ceiling under load; dashboards and reviews one at a time;
the instructor's pages; then the ceiling's insert figures and the in-process cost per request."""
from __future__ import annotations

import random

import sqlalchemy as sa

import cpu
import load
from context import QUIZ_MODULE, Run, log
from results import CeilingInserts, LoadedProgress, PageLatency, PageRate, ms


def closed_loop(urls: list[str], learners: list):
    def worker(c, n):
        return c.request("GET", urls[n % len(urls)], learners[n % len(learners)])
    return worker


def page_rates(run: Run) -> tuple[PageRate, ...]:
    """Lesson, ceiling and reader pages for logged-in learners, in alternating timed windows."""
    args = run.args
    learners = run.burst[: (len(run.burst) // args.page_concurrency) * args.page_concurrency] or run.burst
    urls = {"lesson": [f"/modules/{m.id}/lesson" for m in run.catalog.modules],
            "reader": [f"/sources/{s}" for s in run.catalog.sources], "ceiling": ["/page"]}
    phases = {"lesson": (closed_loop(urls["lesson"], learners), run.conns),
              "ceiling": (lambda c, n: c.request("GET", "/page"), run.cconns),
              "reader": (closed_loop(urls["reader"], learners), run.conns)}
    for worker, connections in phases.values():
        load.run_for(args.warmup, worker, connections, args.page_concurrency)
    windows: dict[str, list] = {name: [] for name in phases}
    slot = args.duration / args.page_rounds
    for i in range(args.page_rounds):
        for name, (worker, connections) in phases.items():
            windows[name].append(run.measured(f"{name}_pages_{i + 1}", lambda: load.run_for(
                slot, worker, connections, args.page_concurrency), wait=i == 0))
    rates = []
    for name in ("lesson", "reader", "ceiling"):
        t = load.combined(windows[name])
        run.cpu[f"{name}_pages"] = cpu.mean([run.cpu[f"{name}_pages_{i + 1}"] for i in range(args.page_rounds)])
        size = None
        if name != "ceiling":
            size = len(run.conns.request("GET", urls[name][0], learners[0], retry=True).body)
            log(f"{run.kind}: {name} pages {t.per_second:.0f}/s (p50 {t.percentile_ms(50):.0f} ms, "
                f"{size} bytes) over {t.count} requests")
        rates.append(PageRate(name, round(t.per_second, 1), ms(t, 50), ms(t, 95), t.errors[:5], t.server_errors, size))
    return tuple(rates)


def one_at_a_time(run: Run, jobs: list[tuple[str, object]]) -> load.Tally:
    return load.run_jobs(jobs, lambda c, job: c.request("GET", job[0], job[1]), run.conns, 1,
                         check=lambda job, r: None if r.status == 200 else f"{job[0]}: {r.status}")


def latencies(run: Run, named_jobs: dict[str, list]) -> tuple[PageLatency, ...]:
    out = []
    for name, jobs in named_jobs.items():
        t = one_at_a_time(run, jobs)
        if t.errors:
            log(f"{run.kind}: {name} errors: {t.errors[:3]}")
        out.append(PageLatency.of(name, t))
    return tuple(out)


def course_jobs(run: Run) -> list:
    return [("/course", run.history[i % len(run.history)]) for i in range(run.args.page_samples)]


def learner_pages(run: Run) -> tuple[PageLatency, ...]:
    """Progress dashboard, attempt review and attempts list of seeded learners (1,000 x 3 attempts x 6 modules)."""
    user_of = {learner.username: int(learner.username[4:]) for learner in run.history}
    pick = random.Random(7)
    review_jobs, list_jobs = [], []
    for i in range(run.args.page_samples):
        learner = run.history[i % len(run.history)]
        attempt = pick.choice(run.seeded["attempt_ids"][user_of[learner.username]])
        review_jobs.append((f"/attempts/{attempt}/review", learner))
        list_jobs.append(("/attempts", learner))
    jobs = {"progress": course_jobs(run), "review": review_jobs, "attempts_list": list_jobs}
    one_at_a_time(run, [job for named in jobs.values() for job in named[:20]])  # warm-up
    return latencies(run, jobs)


def instructor_pages(run: Run) -> tuple[PageLatency, ...]:
    """The instructor's pages read every learner's graded attempts: fewer samples."""
    samples = max(1, run.args.page_samples // 10)
    jobs = {"cohort_results": [("/instructor/results", run.instructor)] * samples,
            "question_stats": [(f"/instructor/results/{QUIZ_MODULE}", run.instructor)] * samples}
    one_at_a_time(run, [job for named in jobs.values() for job in named[:2]])  # warm-up
    return latencies(run, jobs)


def loaded_progress(run: Run, pages: tuple[PageLatency, ...]) -> LoadedProgress:
    """The same dashboard under load: page_concurrency clients at once."""
    loaded = load.run_jobs(course_jobs(run) * 2, lambda c, job: c.request("GET", job[0], job[1]), run.conns,
                           min(run.args.page_concurrency, len(run.history)))
    p = {page.name: page for page in pages}
    log(f"{run.kind}: /course p50 {p['progress'].p50_ms} ms p95 {p['progress'].p95_ms} ms; "
        f"review p50 {p['review'].p50_ms} ms p95 {p['review'].p95_ms} ms; "
        f"/attempts p50 {p['attempts_list'].p50_ms} ms; cohort results p50 {p['cohort_results'].p50_ms} ms; "
        f"question statistics p50 {p['question_stats'].p50_ms} ms")
    return LoadedProgress(ms(loaded, 95), round(loaded.per_second, 1), loaded.server_errors)


def ceiling_inserts(run: Run, rounds: list[load.Tally], ceiling_pages_per_s: float) -> CeilingInserts:
    """The ceiling's insert figures, measured beside the burst: the median round."""
    from ceiling import rows as ceiling_rows

    rounds = sorted(rounds, key=lambda r: r.per_second)
    median = rounds[len(rounds) // 2]
    with run.engine.connect() as conn:
        inserted = conn.execute(sa.select(sa.func.count()).select_from(ceiling_rows)).scalar()
    run.engine.dispose()
    ceiling = run.server("ceiling")
    result = CeilingInserts(round(median.per_second, 1), [round(r.per_second, 1) for r in rounds], ms(median, 50),
                            ms(median, 95), inserted == 200 + len(run.burst) * run.args.ceiling_rounds,
                            sum(len(r.errors) for r in rounds), ceiling.log_problems(ceiling.error_log)[:10])
    log(f"{run.kind}: ceiling page {ceiling_pages_per_s:.0f}/s, insert {result.ceiling_inserts_per_s:.0f}/s "
        f"(rounds {result.ceiling_insert_rounds_per_s})")
    return result


def in_process(run: Run) -> dict[str, float] | None:
    """What one request costs on its own, in this process, one at a time (bench/cost.py)."""
    import cost
    import seed as seeding
    from ceiling import create_app as create_ceiling

    if run.args.cost_samples <= 0:
        return None
    ceiling_app = create_ceiling(run.url)
    try:
        costs = cost.request_costs(run.app, ceiling_app, run.catalog, run.seeded["burst_usernames"], seeding.PASSWORD,
                                   QUIZ_MODULE, seeding.correct_fields, samples=run.args.cost_samples)
    finally:
        ceiling_app.extensions["engine"].dispose()
    log(f"{run.kind}: in-process cost per request (ms): {costs}")
    return costs
