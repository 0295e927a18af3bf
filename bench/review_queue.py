"""The review queue's latency (issue 16): /review for learners holding seeded cards, beside /course."""
from __future__ import annotations

import client as http


def measure_review_queue(conns: http.Connections, learners: list[http.Learner], samples: int) -> dict:
    """p50 and p95 of /review, then of /course, over the same logged-in learners, and the ratio of their p95s."""
    jobs = [(path, learners[i % len(learners)]) for i in range(samples) for path in ("/review", "/course")]

    def check(job, response):
        return None if response.status == 200 else f"{job[0]}: {response.status}"

    http.run_jobs(jobs[:20], lambda c, job: c.request("GET", job[0], job[1]), conns, 1, check=check)  # warm-up
    review = http.run_jobs([j for j in jobs if j[0] == "/review"], lambda c, job: c.request("GET", job[0], job[1]),
                           conns, 1, check=check)
    course = http.run_jobs([j for j in jobs if j[0] == "/course"], lambda c, job: c.request("GET", job[0], job[1]),
                           conns, 1, check=check)
    p95, course_p95 = review.percentile_ms(95), course.percentile_ms(95)
    return {"review_queue_p50_ms": round(review.percentile_ms(50), 1), "review_queue_p95_ms": round(p95, 1),
            "review_queue_course_p95_ms": round(course_p95, 1),
            "review_queue_vs_course": round(p95 / course_p95, 2) if course_p95 else None,
            "review_queue_errors": (review.errors + course.errors)[:5]}
