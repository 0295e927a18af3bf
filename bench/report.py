"""docs/benchmark.md from bench/results.json, through the Jinja template bench/benchmark.md.j2."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from jinja2 import Environment, FileSystemLoader, StrictUndefined

BENCH = Path(__file__).resolve().parent
REPORT = BENCH.parent / "docs" / "benchmark.md"


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[str]


def number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def percent(ratio: float) -> str:
    """Rounded down, so that 39.7% never shows as a met 40%."""
    return f"{int(ratio * 100)}%"


def mark(result: dict, target: str) -> str:
    return " ✅" if result["targets"][target]["met"] else " ❌"


def optional(key: str, cell: Callable[[dict], str]) -> Callable[[dict], str]:
    """A cell for a figure older runs did not measure: a dash where results.json lacks it."""
    return lambda r: cell(r) if key in r else "–"


def cpu_cells(key: str) -> Callable[[dict], str]:
    phases = ("burst", "lesson_pages", "ceiling_pages")
    return lambda r: " / ".join(f"{r['cpu'][p][key]:.1f}" if key in r["cpu"][p] else "–" for p in phases)


def row_specs(r0: dict, meta: dict) -> list[tuple[str, Callable[[dict], str]]]:
    learners, n = r0["learners"], number
    return [
        (f"**seminar burst**: {learners} learners submit a {r0['quiz_questions']}-question quiz at once, "
         f"{r0['concurrency']} client threads", lambda r: f"{r['burst_wall_s']:.2f} s"),
        ("attempts / submitted / lost / doubled, read back from the database",
         lambda r: f"{r['attempt_rows']} / {r['submitted']} / {r['lost']} / {r['doubled']}"
                   + (" ✅" if r["lost"] == 0 and r["doubled"] == 0 and r["all_items_graded"] else " ❌")),
        ("5xx responses (burst, seminar and measured pages)", lambda r: f"{r['errors_5xx']}{mark(r, 'errors_5xx')}"),
        ("submit latency p50 / **p95** / p99 (target p95 < 250 ms)",
         lambda r: f"{n(r['submit_p50_ms'])} / **{n(r['submit_p95_ms'])}**{mark(r, 'submit_p95_ms')} / "
                   f"{n(r['submit_p99_ms'])} ms"),
        ("**submissions per second** (target ≥ 40% of the insert ceiling; PostgreSQL ≥ 35%, restated in issue 15)",
         lambda r: f"{n(r['submits_per_s'])}/s = {percent(r['submit_ratio'])}{mark(r, 'submit_ratio')}"),
        ("ceiling: bare single-row inserts per second (p95)",
         lambda r: f"{n(r['ceiling_inserts_per_s'])}/s ({n(r['ceiling_insert_p95_ms'])} ms)"),
        (f"**live seminar**: the same {learners} learners, joined to one room, answer its open question at once: "
         "answers per second, p50 / p95 / p99",
         optional("seminar_answers_per_s", lambda r: f"{n(r['seminar_answers_per_s'])}/s, "
                  f"{n(r['seminar_answer_p50_ms'])} / {n(r['seminar_answer_p95_ms'])} / "
                  f"{n(r['seminar_answer_p99_ms'])} ms")),
        ("seminar answers stored / lost / doubled / at full marks, read back from the database",
         optional("seminar_answers_stored", lambda r: f"{r['seminar_answers_stored']} / {r['seminar_answers_lost']}"
                  f" / {r['seminar_answers_doubled']} / {r['seminar_answers_full_marks']}"
                  + (" ✅" if r["seminar_answers_lost"] == 0 and r["seminar_answers_doubled"] == 0 else " ❌"))),
        (f"seminar: when the host closes the question, all {learners} phones load the key and the evidence at "
         "once: all served in, p95",
         optional("seminar_reload_wall_s",
                  lambda r: f"{r['seminar_reload_wall_s']:.2f} s, {n(r['seminar_reload_p95_ms'])} ms")),
        (f"seminar room state polls per second, p95 ({learners} phones polling every 2 s need {learners // 2}/s)",
         optional("seminar_polls_per_s",
                  lambda r: f"{n(r['seminar_polls_per_s'])}/s, {n(r['seminar_poll_p95_ms'])} ms")),
        *room_rows(),
        ("**lesson pages per second** (target ≥ 25% of the bare-page ceiling, restated in issue 15)",
         lambda r: f"{n(r['lesson_pages_per_s'])}/s = {percent(r['lesson_ratio'])}{mark(r, 'lesson_ratio')}"),
        ("source-reader pages per second",
         lambda r: f"{n(r['reader_pages_per_s'])}/s = {percent(r['reader_ratio'])}"),
        ("ceiling: bare template pages per second", lambda r: f"{n(r['ceiling_pages_per_s'])}/s"),
        (f"**progress page** `/course` p50 / p95, one at a time ({r0['history_learners']:,} learners × 3 attempts "
         f"× 6 modules = {r0['history_attempts']:,} attempts, {r0['history_items']:,} items; target < 250 ms)",
         lambda r: f"{n(r['progress_page_ms'])} / {n(r['progress_page_p95_ms'])} ms{mark(r, 'progress_page_ms')}"),
        (f"`/course` p95 with {meta['page_concurrency']} clients at once (pages per second)",
         lambda r: f"{n(r['progress_page_loaded_p95_ms'])} ms ({n(r['progress_pages_per_s'])}/s)"),
        ("attempt review page p50 / p95", lambda r: f"{n(r['review_page_ms'])} / {n(r['review_page_p95_ms'])} ms"),
        ("attempts list `/attempts` p50 / p95",
         lambda r: f"{n(r['attempts_list_page_ms'])} / {n(r['attempts_list_page_p95_ms'])} ms"),
        (f"instructor: results `/instructor/results` p50 / p95 (every module; the instructor's class of "
         f"{r0['history_learners']:,} learners)",
         optional("cohort_results_page_ms",
                  lambda r: f"{n(r['cohort_results_page_ms'])} / {n(r['cohort_results_page_p95_ms'])} ms")),
        (f"instructor: question statistics of module 1 p50 / p95 (every graded attempt of the class: "
         f"{r0['history_learners']:,} × 3)",
         optional("question_stats_page_ms",
                  lambda r: f"{n(r['question_stats_page_ms'])} / {n(r['question_stats_page_p95_ms'])} ms")),
        ("review queue `/review`, a learner holding 500 card rows (the bank's 96 live) p50 / p95",
         optional("review_queue_p95_ms",
                  lambda r: f"{n(r['review_queue_p50_ms'])} / {n(r['review_queue_p95_ms'])} ms")),
        ("review queue p95 as a ratio to `/course` p95 in the same run",
         optional("review_queue_vs_course", lambda r: f"{r['review_queue_vs_course']}×")),
        (f"class roster `/classes/<id>/roster` of {r0['history_learners']:,} learners × 3 attempts at every module "
         "p50 / p95, and p95 as a ratio to the admin's unscoped `/instructor/results`",
         optional("roster_p95_ms", lambda r: f"{n(r['roster_p50_ms'])} / {n(r['roster_p95_ms'])} ms "
                                             f"({r['roster_vs_admin_results']}×)")),
        ("the class's gradebook `/instructor/gradebook?class=<id>` p50 / p95",
         optional("gradebook_p95_ms", lambda r: f"{n(r['gradebook_p50_ms'])} / {n(r['gradebook_p95_ms'])} ms")),
        ("the class's results `/instructor/results?class=<id>` p50 / p95, and the same ratio",
         optional("class_results_p95_ms", lambda r: f"{n(r['class_results_p50_ms'])} / {n(r['class_results_p95_ms'])} "
                                                    f"ms ({r['class_results_vs_admin_results']}×)")),
        ("**module statistics with response analysis** (`/instructor/results/<module>` and its `/answers`, one "
         "sample the two in turn, every learner, 8 attempts arriving before each) p95 at 10,000 / **100,000** graded "
         "attempts of the quiz module "
         "(12 items each; target < 1 s), and their ratio (target < 3)",
         optional("stats_100k_p95_ms", lambda r: f"{n(r['stats_10k_p95_ms'])} / **{n(r['stats_100k_p95_ms'])}** ms"
                  f"{mark(r, 'stats_100k_p95_ms')}, {r['stats_ratio']}×{mark(r, 'stats_ratio')}; first (cold) view "
                  f"{n(r.get('stats_10k_cold_ms', 0))} / {n(r.get('stats_100k_cold_ms', 0))} ms "
                  f"({r['stats_small_attempts']:,} and {r['stats_large_attempts']:,} attempts, loaded in "
                  f"{r['stats_seed_s']} s" + (f"; measured apart by `{r['stats_run']}`" if "stats_run" in r else "")
                  + ")")),
        (f"untimed set-up: {learners + meta['history_sessions']} logins, {meta['setup_concurrency']} at a time: "
         "rate, p95, slowest, 5xx",
         lambda r: f"{n(r['logins_per_s'])}/s, {n(r['login_p95_ms'] / 1000)} s, {n(r['login_max_ms'] / 1000)} s, "
                   f"{r['setup_5xx']}"),
        (f"CPU taken by other processes during the burst / lesson pages / ceiling page (cores of {os.cpu_count()})",
         cpu_cells("cpu_other_cores")),
        ("CPU taken by the load generator itself during the same phases (cores)", cpu_cells("cpu_client_cores")),
    ]


def room_rows() -> list[tuple[str, Callable[[dict], str]]]:
    """The full-size room (bench/room.py), each figure against its target where it has one."""
    def room(key: str, cell: Callable[[dict], str]) -> Callable[[dict], str]:
        return optional(key, lambda r: cell(r) + (mark(r, key) if key in r["targets"] else ""))
    n = number
    return [
        ("**the room at full size**, as ./serve deploys it (nginx, gunicorn with 8 sync workers): phones joined "
         "(logged in, opened the join link, joined, loaded the room)",
         optional("room_phones", lambda r: f"{r['room_phones']:,} in {r['room_join_s']:.0f} s (untimed set-up)")),
        ("room: answers stored / lost / doubled, read back from the database (every phone's answer, from "
         "the burst's client threads as fast as the server takes them)",
         optional("room_answers_stored", lambda r: f"{r['room_answers_stored']:,} / {r['room_lost']} / "
                  f"{r['room_doubled']}" + mark(r, "room_answers"))),
        ("room: answers per second, **p95** (target < 250 ms)",
         room("room_answer_p95_ms", lambda r: f"{n(r['room_answers_per_s'])}/s, **{n(r['room_answer_p95_ms'])}** ms")),
        ("room: state polls per second while the answers arrive (the phones' pace: one each every 2 s)",
         room("room_polls_per_s", lambda r: f"{n(r['room_polls_per_s'])}/s "
                                            f"({int(100 * r['room_poll_not_modified'])}% answered 304)")),
        ("room: poll **p95** meanwhile (target < 100 ms)",
         room("room_poll_p95_ms", lambda r: f"**{n(r['room_poll_p95_ms'])}** ms")),
        ("room: polls alone, as fast as the server answers, as a share of the bare page in alternating windows, "
         "both through nginx (target ≥ 60%)",
         room("room_poll_ratio", lambda r: f"{n(r['room_polls_alone_per_s'])}/s of "
                                           f"{n(r['room_ceiling_pages_per_s'])}/s = {percent(r['room_poll_ratio'])}")),
        ("room: the reveal, every phone loads the key and the passage at once: all served in, **p95** "
         "(target < 500 ms)",
         room("room_reveal_p95_ms", lambda r: f"{r['room_reveal_wall_s']:.2f} s, **{n(r['room_reveal_p95_ms'])}** ms")),
        ("room: 5xx responses", optional("room_errors_5xx", lambda r: str(r["room_errors_5xx"]))),
    ]


def render(results: list[dict], meta: dict) -> str:
    r0 = results[0]
    rows = [Row(label, [cell(r) for r in results]) for label, cell in row_specs(r0, meta)]
    environment = Environment(loader=FileSystemLoader(BENCH), undefined=StrictUndefined, keep_trailing_newline=True)
    return environment.get_template("benchmark.md.j2").render(
        results=results, rows=rows, meta=meta, r0=r0,
        server_command=r0["gunicorn"]["command"].replace("127.0.0.1:PORT", "127.0.0.1:…"))


def write(results: list[dict], meta: dict) -> Path:
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(render(results, meta))
    return REPORT
