"""The review queue's latency: /review for learners holding 500 seeded cards each, beside /course."""
from __future__ import annotations

from context import Run
from pages import course_jobs, one_at_a_time
from results import ReviewQueue, ms


def review_queue(run: Run) -> ReviewQueue:
    """p50 and p95 of /review, then of /course, over the same logged-in learners, one request at a time."""
    review_jobs = [("/review", learner) for _, learner in course_jobs(run)]
    one_at_a_time(run, review_jobs[:20] + course_jobs(run)[:20])  # warm-up
    review, course = one_at_a_time(run, review_jobs), one_at_a_time(run, course_jobs(run))
    course_p95 = ms(course, 95)
    return ReviewQueue(ms(review, 50), ms(review, 95), course_p95,
                       round(ms(review, 95) / course_p95, 2) if course_p95 else 0.0,
                       (review.errors + course.errors)[:5], review.server_errors + course.server_errors)
