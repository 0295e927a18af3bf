"""A class of every history learner (1,000 × 3 attempts at every module by default): its roster, its gradebook
and its scoped results, each beside the unscoped admin view /instructor/results in the same run."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from context import Run, log
from load import Learner
from pages import one_at_a_time
from results import ClassPages, ms

ADMIN = "bench-admin"


def seed_class(catalog, history: int, instructor_username: str) -> int:
    """One class owned by the seeded instructor with every history learner in it, every module covered
    (half of them due a month ago, so the roster has overdue and late work), and an admin account
    for the unscoped view; returns the class's id (the caller's app context, inside no write)."""
    from app.classes.models import ClassInstructor, ClassMember, ClassModule, CourseClass
    from app.database import db_write
    from app.extensions import db
    from app.models import User

    now = datetime.now(timezone.utc).replace(tzinfo=None)
    instructor = db.session.scalar(User.named(instructor_username))
    with db_write():
        admin = User(username=ADMIN, display_name="Bench admin", role="admin", password_hash=instructor.password_hash)
        course_class = CourseClass(name="Benchmark class", term="", description="", code="BENCH2",
                                   enrolment_open=True, created_by=instructor.id)
        course_class.modules = [ClassModule(module_id=m.id, due_at=now - timedelta(days=30) if i % 2 else None)
                                for i, m in enumerate(catalog.modules)]
        db.session.add_all([admin, course_class])
        db.session.flush()
        db.session.add(ClassInstructor(class_id=course_class.id, user_id=instructor.id, role="owner"))
        db.session.execute(sa.insert(ClassMember.__table__), [
            dict(class_id=course_class.id, user_id=user_id, joined_at=now - timedelta(days=90))
            for user_id in range(1, history + 1)])
        class_id = course_class.id
    return class_id


def class_pages(run: Run) -> ClassPages:
    """p50/p95 of the class's roster, its gradebook and /instructor/results?class=<id> (the class's owner), and of
    the unscoped /instructor/results for an admin, one request at a time, fewer samples like the
    instructor's other pages."""
    from phases import log_in
    import seed as seeding

    admin = Learner(ADMIN, seeding.PASSWORD)
    log_in(run.conns, admin, [])
    class_id = run.seeded["class_id"]
    samples = max(1, run.args.page_samples // 10)
    roster = [(f"/classes/{class_id}/roster", run.instructor)] * samples
    gradebook = [(f"/instructor/gradebook?class={class_id}", run.instructor)] * samples
    scoped = [(f"/instructor/results?class={class_id}", run.instructor)] * samples
    unscoped = [("/instructor/results", admin)] * samples
    one_at_a_time(run, roster[:2] + gradebook[:2] + scoped[:2] + unscoped[:2])  # warm-up
    roster_t, gradebook_t = one_at_a_time(run, roster), one_at_a_time(run, gradebook)
    scoped_t, unscoped_t = one_at_a_time(run, scoped), one_at_a_time(run, unscoped)
    base = ms(unscoped_t, 95)
    ratio = lambda t: round(ms(t, 95) / base, 2) if base else 0.0
    timed = (roster_t, gradebook_t, scoped_t, unscoped_t)
    errors = [error for t in timed for error in t.errors][:5]
    if errors:
        log(f"{run.kind}: class pages errors: {errors[:3]}")
    log(f"{run.kind}: roster of {run.args.history} p95 {ms(roster_t, 95)} ms, gradebook p95 {ms(gradebook_t, 95)} ms, "
        f"class results p95 {ms(scoped_t, 95)} ms, admin results p95 {base} ms")
    return ClassPages(ms(roster_t, 50), ms(roster_t, 95), ratio(roster_t), ms(gradebook_t, 50), ms(gradebook_t, 95),
                      ms(scoped_t, 50), ms(scoped_t, 95), ratio(scoped_t), ms(unscoped_t, 50), base, errors,
                      sum(t.server_errors for t in timed))
