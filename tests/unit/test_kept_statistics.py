"""Kept statistics (app/instructor/kept.py): the figures and the response analysis grown from stored sums are the
ones counted from scratch, however the attempts arrive; a regrade forgets them; concurrent views write one row."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.content.model import Question
from app.database import db_write
from app.extensions import db
from app.instructor.analysis import counted, module_figures, response_analysis
from app.instructor.kept import forget_statistics, kept_analysis, kept_figures
from app.instructor.results import cohort
from app.instructor.models import StatisticsCache
from app.models import Attempt, AttemptItem, QuestionVersion, User, utcnow
from tests.helpers import at_once

MODULE = "example"
POINTS = {"q1": 2.0, "q2": 1.0, "q3": 1.0}
FRACTIONS = (0.0, 0.5, 1.0)
RESPONSES = (True, False, None, "maybe")
QUIZ_FIELDS = ("attempts", "mean", "median", "sd", "skewness", "kurtosis", "cic", "error_ratio", "standard_error")
QUESTION_FIELDS = ("answered", "facility", "spread", "discrimination", "efficiency")


class Course:
    """Learners taking the example module's three questions (q1 in two versions), attempts added as they come."""

    def __init__(self, app, make_user, learners: int = 8):
        self.app, self.rng = app, random.Random(13)
        with app.app_context():
            self.users = [make_user(f"kept{i}").id for i in range(learners)]
            with db_write():
                self.versions = {}
                for qid in list(POINTS) + ["q1"]:
                    version = QuestionVersion(question_id=qid, digest=f"kept-{qid}-{len(self.versions)}",
                                              spec={"type": "true_false", "data": {"answer": True}})
                    db.session.add(version)
                    db.session.flush()
                    self.versions.setdefault(qid, []).append(version.id)
        self.taken = {user: 0 for user in self.users}

    def attempts(self, count: int, minutes_ago: float) -> None:
        """`count` graded attempts by random learners, submitted that long ago."""
        with self.app.app_context(), db_write():
            for _ in range(count):
                user = self.rng.choice(self.users)
                self.taken[user] += 1
                fractions = [self.rng.choice(FRACTIONS) for _ in POINTS]
                earned = sum(f * p for f, p in zip(fractions, POINTS.values()))
                attempt = Attempt(user_id=user, module_id=MODULE, number=self.taken[user], seed=1, pass_mark=50,
                                  submitted_at=utcnow() - timedelta(minutes=minutes_ago), score=100 * earned / 4,
                                  earned=earned, possible=4.0, passed=earned >= 2)
                db.session.add(attempt)
                db.session.flush()
                for position, (qid, fraction) in enumerate(zip(POINTS, fractions)):
                    db.session.add(AttemptItem(
                        attempt_id=attempt.id, position=position, layout={}, fraction=fraction, points=POINTS[qid],
                        question_version_id=self.rng.choice(self.versions[qid]),
                        response=self.rng.choice(RESPONSES)))

    def learners(self, every: bool) -> sa.Select:
        return cohort() if every else sa.select(User.id).where(User.id.in_(self.users[::2]))


def example_module(catalog):
    spec = {"type": "true_false", "data": {"answer": True}, "prompt_html": "q", "evidence": []}
    return replace(catalog.modules[0], id=MODULE,
                   questions=tuple(Question(qid, MODULE, "true_false", spec) for qid in POINTS))


def assert_same_figures(kept, scratch):
    assert [getattr(kept.quiz, f) for f in QUIZ_FIELDS] == pytest.approx(
        [getattr(scratch.quiz, f) for f in QUIZ_FIELDS])
    assert sorted(kept.scores) == sorted(scratch.scores)
    assert kept.questions.keys() == scratch.questions.keys()
    for qid, stats in scratch.questions.items():
        assert [getattr(kept.questions[qid], f) for f in QUESTION_FIELDS] == pytest.approx(
            [getattr(stats, f) for f in QUESTION_FIELDS]), qid


def answers(analysis) -> list:
    return [(r.question.id, r.given, r.facility, r.others, [(a.text, a.count, a.credit, a.key) for a in r.answers])
            for r in analysis]


def cache_rows(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(sa.select(StatisticsCache.kind, StatisticsCache.basis, StatisticsCache.watermark)
                                  ).tuples().all()


@pytest.mark.parametrize("basis", ["all", "first"])
@pytest.mark.parametrize("every", [True, False], ids=["everyone", "a-class"])
def test_kept_figures_and_answers_are_those_counted_from_scratch_as_attempts_arrive(app, make_user, catalog, basis,
                                                                                   every):
    course, module = Course(app, make_user), example_module(catalog)
    course.attempts(12, minutes_ago=60)
    for settled, recent in ((0, 0), (5, 0), (0, 3), (4, 2), (0, 0)):  # views with attempts arriving between them
        course.attempts(settled, minutes_ago=30)
        course.attempts(recent, minutes_ago=0)  # too recent to keep: counted on each view
        with app.test_request_context():
            learners = course.learners(every)
            assert_same_figures(kept_figures(MODULE, learners, basis, everyone=every),
                                module_figures(counted(MODULE, learners, basis)))
            assert answers(kept_analysis(module, learners, basis, everyone=every)) == answers(
                response_analysis(module, counted(MODULE, learners, basis)))  # counts: exactly
            db.session.remove()
    kept = cache_rows(app)
    assert sorted((kind, b) for kind, b, _ in kept) == [("answers", basis), ("figures", basis)]
    # the recent ones are not kept
    assert all(watermark <= utcnow() - timedelta(minutes=29) for _, _, watermark in kept)


def test_a_view_with_nothing_new_to_keep_writes_nothing(app, make_user):
    course = Course(app, make_user)
    course.attempts(6, minutes_ago=60)
    with app.test_request_context():
        kept_figures(MODULE, course.learners(True), "all")
        db.session.remove()
    first = cache_rows(app)
    course.attempts(2, minutes_ago=0)
    with app.test_request_context():
        assert kept_figures(MODULE, course.learners(True), "all").quiz.attempts == 8
        db.session.remove()
    assert cache_rows(app) == first and len(first) == 1


def test_a_different_set_of_learners_keeps_a_row_of_its_own(app, make_user):
    course = Course(app, make_user)
    course.attempts(10, minutes_ago=60)
    with app.test_request_context():
        everyone = kept_figures(MODULE, course.learners(True), "all", everyone=True).quiz.attempts
        some = kept_figures(MODULE, course.learners(False), "all").quiz.attempts
        fewer = sa.select(User.id).where(User.id.in_(course.users[:3]))
        fewest = kept_figures(MODULE, fewer, "all").quiz.attempts
        db.session.remove()
    assert len(cache_rows(app)) == 3 and fewest < everyone and some < everyone == 10


def test_a_change_of_role_forgets_every_kept_statistic(app, make_user, runner):
    course = Course(app, make_user)
    course.attempts(10, minutes_ago=60)
    with app.test_request_context():
        assert kept_figures(MODULE, cohort(), "all", everyone=True).quiz.attempts == 10
        db.session.remove()
    with app.app_context():
        leaving = db.session.get(User, course.users[0]).username
    assert runner.invoke(args=["users", "set-role", leaving, "instructor"]).exit_code == 0
    assert cache_rows(app) == []
    with app.test_request_context():
        assert_same_figures(kept_figures(MODULE, cohort(), "all", everyone=True),
                            module_figures(counted(MODULE, cohort(), "all")))


def test_a_regrade_that_forgets_the_kept_statistics_is_counted_again(app, make_user):
    course = Course(app, make_user)
    course.attempts(10, minutes_ago=60)
    with app.test_request_context():
        learners = course.learners(True)
        before = kept_figures(MODULE, learners, "all")
        db.session.remove()
        with db_write():  # a regrade: every q1 item gets full credit
            db.session.execute(sa.update(AttemptItem).where(AttemptItem.position == 0).values(fraction=1.0))
        stale = kept_figures(MODULE, learners, "all")  # the kept sums know nothing of it...
        assert stale.questions["q1"].facility == before.questions["q1"].facility < 100
        with db_write():
            forget_statistics(MODULE)
        assert cache_rows(app) == []
        fresh = kept_figures(MODULE, learners, "all")  # ...until the regrade forgets them
        assert fresh.questions["q1"].facility == 100
        assert_same_figures(fresh, module_figures(counted(MODULE, learners, "all")))


def test_two_first_views_at_once_write_one_row_with_the_same_figures(app, make_user):
    course = Course(app, make_user)
    course.attempts(20, minutes_ago=60)

    def view(_):
        with app.test_request_context():
            try:
                return kept_figures(MODULE, course.learners(True), "all").quiz.mean
            finally:
                db.session.remove()

    means = at_once(view, [0, 1])
    assert means[0] == pytest.approx(means[1]) and len(cache_rows(app)) == 1
