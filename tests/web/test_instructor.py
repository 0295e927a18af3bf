"""The instructor's cohort results: the statistics themselves, and the pages and CSV built on them."""
import csv
import io
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.instructor.statistics import (GradedAttempt, GradedItem, correlation, first_attempts, learner_results,
                                       question_stats)
from app.models import Attempt, User
from tests.helpers import PASSWORD, correct_form, logged_in, make_class, make_seminar, submit_mini_with_confidence

MODULE = "amaq"


def graded(attempt_id, user_id, marks, number=1, pass_mark=70):
    """An attempt with one-point questions q1, q2, ... marked as given (fractions)."""
    items = [GradedItem(f"q{i + 1}", fraction, 1.0) for i, fraction in enumerate(marks)]
    score = 100 * sum(marks) / len(marks)
    return GradedAttempt(attempt_id, user_id, number, score, score >= pass_mark, items)


# ---------------------------------------------------------------------------- the statistics


def test_correlation_is_pearsons_r_and_undefined_without_variation():
    assert correlation([0, 1, 2, 3], [1, 3, 5, 7]) == pytest.approx(1.0)
    assert correlation([0, 1, 2, 3], [7, 5, 3, 1]) == pytest.approx(-1.0)
    assert correlation([1, 1, 1], [0, 1, 2]) is None
    assert correlation([1], [1]) is None


def test_facility_is_the_mean_mark_and_discrimination_follows_the_rest_of_the_attempt():
    # q4-q6 tell the strong learners (1, 2) from the weak (3, 4); q1 is got right by the
    # strong only, q2 by the weak only, q3 by everyone
    attempts = [graded(1, 1, [1, 0, 1, 1, 1, 1]), graded(2, 2, [1, 0, 1, 1, 1, 0]),
                graded(3, 3, [0, 1, 1, 0, 0, 0]), graded(4, 4, [0, 1, 1, 0, 1, 0])]
    stats = question_stats(attempts)
    assert stats["q1"].answered == 4 and stats["q1"].facility == pytest.approx(50.0)
    assert stats["q1"].discrimination > 0.5
    assert stats["q2"].discrimination < -0.5 and "weak discrimination" in stats["q2"].flags
    assert stats["q3"].facility == 100.0 and stats["q3"].spread == 0.0
    assert stats["q3"].discrimination is None and stats["q3"].flags == ["very easy"]


def test_a_question_asked_in_some_attempts_only_is_counted_where_it_was_asked():
    a = graded(1, 1, [1, 1])
    b = GradedAttempt(2, 2, 1, 50.0, False, [GradedItem("q1", 0.0, 1.0), GradedItem("q9", 1.0, 1.0)])
    stats = question_stats([a, b])
    assert stats["q1"].answered == 2 and stats["q2"].answered == 1 and stats["q9"].answered == 1
    assert stats["q2"].spread is None  # one mark has no spread


def test_first_attempts_and_each_learner_s_best():
    attempts = [graded(1, 1, [0, 0], number=1), graded(2, 1, [1, 1], number=2), graded(3, 2, [1, 0], number=1)]
    assert sorted(a.attempt_id for a in first_attempts(attempts)) == [1, 3]
    results = learner_results(attempts)
    assert (results[1].attempts, results[1].best, results[1].passed) == (2, 100.0, True)
    assert (results[2].attempts, results[2].best, results[2].passed) == (1, 50.0, False)


# ---------------------------------------------------------------------------- the pages


@pytest.fixture
def cohort(app, make_user):
    """Prof's class: Ann answers every question right; Bob (whose name carries a payload) answers none; the
    instructor tries it too; Cara, in the class as well, never starts."""
    clients, users = {}, {}
    for username, role, name in (("ann", "learner", "Ann"), ("bob", "learner", "=Bob<script>alert(1)</script>"),
                                 ("prof", "instructor", "Prof")):
        users[username] = make_user(username, role=role, display_name=name)
        client = clients[username] = app.test_client()
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
        attempt = int(client.post(f"/modules/{MODULE}/quiz").headers["Location"].rsplit("/", 1)[1])
        form = correct_form(app, attempt) if username != "bob" else {}
        assert client.post(f"/attempts/{attempt}/submit", data=form).status_code == 302
    make_class(app, users["prof"], members=[users["ann"], users["bob"], make_user("cara")], modules=[MODULE])
    return clients


def test_the_overview_counts_learners_only(cohort):
    html = cohort["prof"].get("/instructor/results").get_data(as_text=True)
    row = html.split("The Amaq guided-attack model", 1)[1].split("</tr>", 1)[0]
    cells = [c.split("</td>")[0].strip() for c in row.split("<td>")[1:]]
    assert cells[:5] == ["2", "2", "2", "50.0%", "1 of 2"]  # the instructor's own attempt is left out


def test_the_module_page_has_every_question_and_each_learner_once(cohort, catalog):
    page = cohort["prof"].get(f"/instructor/results/{MODULE}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for question in catalog.module(MODULE).questions:
        assert question.id in html
    assert "every graded attempt (2 in all)" in html
    assert "Ann" in html and "&lt;script&gt;" in html and "<script>alert" not in html
    first = cohort["prof"].get(f"/instructor/results/{MODULE}?attempts=first").get_data(as_text=True)
    assert "each learner&#39;s first graded attempt (2 in all)" in first


def test_the_csv_has_a_row_per_question_and_asked_counts_that_add_up(cohort, catalog):
    response = cohort["prof"].get(f"/instructor/results/{MODULE}/questions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    module = catalog.module(MODULE)
    assert [r["question"] for r in rows] == [q.id for q in module.questions]
    assert sum(int(r["asked"]) for r in rows) == 2 * module.quiz_length
    assert all(not r["prompt"].startswith(("=", "+", "-", "@")) for r in rows)


def test_a_bad_basis_is_a_clear_400_and_an_unknown_module_a_404(cohort):
    bad = cohort["prof"].get(f"/instructor/results/{MODULE}?attempts=best")
    assert bad.status_code == 400 and "attempts=all or attempts=first" in bad.get_data(as_text=True)
    assert cohort["prof"].get("/instructor/results/nope").status_code == 404
    assert cohort["prof"].get("/instructor/results/nope/questions.csv").status_code == 404


def test_learners_are_refused_and_see_no_link(cohort):
    for path in ("/instructor/results", f"/instructor/results/{MODULE}", f"/instructor/results/{MODULE}/questions.csv"):
        assert cohort["ann"].get(path).status_code == 403
    assert "Cohort results" not in cohort["ann"].get("/course").get_data(as_text=True)
    assert "Cohort results" in cohort["prof"].get("/course").get_data(as_text=True)


def test_results_can_be_narrowed_to_a_seminar_s_members(app, cohort):
    seminar, _ = make_seminar(app, cohort["prof"], questions=2, members=[cohort["ann"]])
    prof = cohort["prof"]
    html = prof.get(f"/instructor/results?cohort={seminar}").get_data(as_text=True)
    row = html.split("<tbody>", 1)[1].split("The Amaq guided-attack model", 1)[1].split("</tr>", 1)[0]
    cells = [c.split("</td>")[0].strip() for c in row.split("<td>")[1:]]
    assert cells[:5] == ["1", "1", "1", "100.0%", "1 of 1"]  # Ann alone
    assert f"cohort={seminar}" in row  # the module link keeps the cohort
    page = prof.get(f"/instructor/results/{MODULE}?cohort={seminar}&attempts=first").get_data(as_text=True)
    assert "(1 in all) of the learners in your classes who joined" in page and "&lt;script&gt;" not in page  # Bob is not listed
    exported = prof.get(f"/instructor/results/{MODULE}/questions.csv?cohort={seminar}")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert sum(int(r["asked"]) for r in rows) > 0 and "seminar-" in exported.headers["Content-Disposition"]
    assert "All my classes" in prof.get("/instructor/results").get_data(as_text=True)  # the picker


def test_another_instructor_s_seminar_or_a_bad_cohort_is_refused(app, cohort, make_user):
    seminar, _ = make_seminar(app, cohort["prof"], questions=2, members=[cohort["ann"]])
    make_user("other", role="instructor")
    other = app.test_client()
    other.post("/login", data={"username": "other", "password": PASSWORD})
    for path in ("/instructor/results", f"/instructor/results/{MODULE}", f"/instructor/results/{MODULE}/questions.csv"):
        assert other.get(f"{path}?cohort={seminar}").status_code == 404, path
        assert cohort["prof"].get(f"{path}?cohort=999999").status_code == 404, path
        assert cohort["prof"].get(f"{path}?cohort=x").status_code == 400, path


def test_the_calibration_page_pools_the_class_s_stated_confidence_and_lists_each_learner(make_app, make_user,
                                                                                         mini_catalog):
    """Ann: the worked example of submit_mini_with_confidence (Brier 0.044225, see test_review). Dan, outside
    the class, states 100 % on everything and is left out. Bob, in the class, states 50 % on the single
    choice and gets it right: (0.5 - 1)² = 0.25. Pooled: (0.176900 + 0.25) / 5 = 0.08538."""
    from app.quiz.calibration import calibration
    app = make_app(CATALOG=mini_catalog)
    prof = make_user("prof", role="instructor", display_name="Prof")
    users = {name: make_user(name, display_name=name.title()) for name in ("ann", "bob", "dan")}
    class_id = make_class(app, prof, members=[users["ann"], users["bob"]], modules=["mini"])
    submit_mini_with_confidence(app, logged_in(app, "ann"))
    dan = logged_in(app, "dan")
    dan_attempt = int(dan.post("/modules/mini/quiz").headers["Location"].rsplit("/", 1)[1])
    dan.post(f"/attempts/{dan_attempt}/submit",
             data={**correct_form(app, dan_attempt), **{f"q{p}-confidence": "100" for p in range(6)}})
    bob = logged_in(app, "bob")
    bob_attempt = int(bob.post("/modules/mini/quiz").headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        single = next(i.position for i in db.session.get(Attempt, bob_attempt).items if i.spec["type"] == "single")
    key = {k: v for k, v in correct_form(app, bob_attempt).items() if k.split("-")[0] == f"q{single}"}
    bob.post(f"/attempts/{bob_attempt}/submit", data={**key, f"q{single}-confidence": "50"})

    page = logged_in(app, "prof").get("/instructor/results/calibration").get_data(as_text=True)
    assert '<strong class="brier">0.085</strong>' in page
    assert re.search(r"<td>Ann</td><td>4</td><td>0.044</td>.*<td>Bob</td><td>1</td><td>0.250</td>", page, re.S)
    assert "Dan" not in page
    assert re.search(r"<th scope=\"row\">50%</th><td>1</td><td>100%</td><td>-50 points</td>", page)
    with app.app_context():
        assert calibration(learners=sa.select(User.id).where(User.username.in_(["ann", "bob"]))).brier == (
            pytest.approx((0.176900 + 0.25) / 5))
    assert logged_in(app, "ann").get("/instructor/results/calibration").status_code == 403
    make_user("other", role="instructor")
    assert logged_in(app, "other").get(f"/instructor/results/calibration?class={class_id}").status_code == 404
