"""The instructor's cohort results: the statistics themselves, and the pages and CSV built on them."""
import csv
import io
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Attempt, User
from tests.helpers import PASSWORD, correct_form, logged_in, make_class, make_seminar, submit_mini_with_confidence

MODULE = "amaq"


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


# ---------------------------------------------------------------------------- quiz figures, chart, answers


def test_the_module_page_shows_the_quiz_figures_and_an_accessible_score_chart(cohort):
    html = cohort["prof"].get(f"/instructor/results/{MODULE}").get_data(as_text=True)
    for figure in ("Mean score", "Median score", "Standard deviation", "Skewness", "Kurtosis",
                   "Coefficient of internal consistency", "Error ratio", "Standard error",
                   "Discrimination index", "Discriminative efficiency"):
        assert f">{figure}<" in html, figure
    assert "<th scope=\"row\">Mean score</th><td>50.0%</td>" in html  # Ann 100%, Bob 0%
    assert "<th scope=\"row\">Median score</th><td>50.0%</td>" in html
    chart = html.split('<svg class="score-chart"', 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in chart and "<title id=" in chart and "<desc id=" in chart
    assert "2 attempts by score band" in chart and "0–9%: 1" in chart and "90–100%: 1" in chart
    table = html.split("The chart as a table", 1)[1].split("</table>", 1)[0]
    assert "<td>0–9%</td><td>1</td>" in table and "<td>90–100%</td><td>1</td>" in table


def test_the_answers_page_shows_each_answer_with_its_credit_key_and_evidence_worst_first(cohort, catalog):
    prof = cohort["prof"]
    page = prof.get(f"/instructor/results/{MODULE}/answers")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count("<h1>") == 1
    module = catalog.module(MODULE)
    assert html.count('class="answer-analysis') == len(module.questions)
    assert "✓ key" in html and "The passage it rests on" in html and "/sources/" in html  # a link to the reader
    # Ann answered every question she was asked right, Bob none: Bob's "No answer" is in every table asked
    assert "No answer" in html
    worst = prof.get(f"/instructor/results/{MODULE}/answers?order=worst").get_data(as_text=True)
    assert "what the class got wrong" in worst
    order = [chunk.split('"', 1)[0] for chunk in worst.split('<article class="answer-analysis')[1:]]
    assert len(order) == len(module.questions)
    bad = prof.get(f"/instructor/results/{MODULE}/answers?order=best")
    assert bad.status_code == 400 and "order=course or order=worst" in bad.get_data(as_text=True)
    assert prof.get("/instructor/results/nope/answers").status_code == 404
    assert cohort["ann"].get(f"/instructor/results/{MODULE}/answers").status_code == 403


def test_worst_first_orders_the_questions_by_facility(cohort):
    html = cohort["prof"].get(f"/instructor/results/{MODULE}/answers?order=worst").get_data(as_text=True)
    facilities = [int(chunk.split("facility ", 1)[1].split("%", 1)[0])
                  for chunk in html.split('<article class="answer-analysis')[1:] if "facility " in chunk]
    assert facilities == sorted(facilities) and facilities


def test_the_answers_csv_has_a_row_per_answer_and_the_questions_csv_the_new_columns(cohort):
    prof = cohort["prof"]
    answers = prof.get(f"/instructor/results/{MODULE}/answers.csv")
    assert answers.status_code == 200 and answers.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answers.get_data(as_text=True))))
    assert rows and set(rows[0]) == {"question", "type", "answer", "count", "share of answers %", "credit %", "key"}
    assert any(r["key"] == "key" and r["count"] != "0" for r in rows)
    assert all(not r["answer"].startswith(("=", "+", "-", "@")) for r in rows)
    stats = list(csv.DictReader(io.StringIO(prof.get(f"/instructor/results/{MODULE}/questions.csv").get_data(as_text=True))))
    assert "discriminative efficiency %" in stats[0] and "discrimination index %" in stats[0]
