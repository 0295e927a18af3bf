"""The instructor's gradebook and each learner's page: scoped like every results page, sortable without
JavaScript, a defused CSV, and every graded attempt's review with its key whatever the learner may see."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import User, utcnow
from tests.helpers import logged_in, make_class, statements_of, take_quiz

MODULE = "amaq"


@pytest.fixture
def people(app, make_user):
    """Prof teaches Ann and Bob (and Cy, who has done nothing); Olga teaches another class; Root is an admin."""
    return {"prof": make_user("prof", role="instructor"), "olga": make_user("olga", role="instructor"),
            "root": make_user("root", role="admin"), "ann": make_user("ann", display_name="Ann Ames"),
            "bob": make_user("bob", display_name="Bob Burns"), "cy": make_user("cy", display_name="Cy Cole")}


@pytest.fixture
def course(app, people, catalog):
    """Prof's class: amaq was due yesterday; Ann passes it today (late), Bob fails it once."""
    other = next(m for m in catalog.modules if m.id != MODULE)
    class_id = make_class(app, people["prof"], members=[people[n] for n in ("ann", "bob", "cy")],
                          modules={MODULE: {"due_at": utcnow() - timedelta(days=1)}, other.id: {}})
    make_class(app, people["olga"], name="Olga's class")
    clients = {name: logged_in(app, name) for name in people}
    take_quiz(app, clients["ann"])
    take_quiz(app, clients["bob"], correct=False)
    return class_id, clients


def gradebook_csv(client, query: str) -> list[dict]:
    response = client.get(f"/instructor/gradebook.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def learner_order(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/instructor/learners/\d+">([^<]+)</a>', page)


def db_user(app, username: str) -> User:
    with app.app_context():
        return db.session.scalar(User.named(username))


def user_id(app, username: str) -> int:
    return db_user(app, username).id


# ---------------------------------------------------------------------------- the gradebook


def test_the_gradebook_has_a_row_per_learner_a_column_per_module_and_the_class_mean(app, course, catalog):
    class_id, clients = course
    page = clients["prof"].get(f"/instructor/gradebook?class={class_id}").get_data(as_text=True)
    title = catalog.module(MODULE).title
    assert page.count("<h1>") == 1 and title in page
    assert learner_order(page) == ["Ann Ames", "Bob Burns", "Cy Cole"]
    assert "100% · 1 ×<br>passed late" in page and "0% · 1 ×<br>not passed" in page and "not started" in page
    footer = page.split("<tfoot>")[1]
    assert "Mean best score" in footer and "50.0%" in footer and "of 2 graded" in footer
    assert '<div class="table-scroll" role="region" aria-label="Gradebook" tabindex="0">' in page
    rows = {row["username"]: row for row in gradebook_csv(clients["prof"], f"class={class_id}")}
    assert set(rows) == {"ann", "bob", "cy"}
    assert rows["ann"][f"{title}: best score"] == "100.0" and rows["ann"][f"{title}: late"] == "yes"
    assert rows["ann"][f"{title}: passed"] == "yes" and rows["ann"][f"{title}: attempts"] == "1"
    assert rows["bob"][f"{title}: passed"] == "no" and rows["bob"][f"{title}: late"] == "no"
    assert rows["cy"][f"{title}: best score"] == "" and rows["cy"][f"{title}: attempts"] == "0"


def test_late_with_all_classes_uses_the_learners_classes_due_dates(app, course, catalog):
    _, clients = course
    rows = {row["username"]: row for row in gradebook_csv(clients["prof"], "class=all")}
    assert rows["ann"][f"{catalog.module(MODULE).title}: late"] == "yes"
    assert len(rows["ann"]) == 3 + 4 * len(catalog.modules)  # every module with class=all


def test_the_gradebook_sorts_on_the_server_by_any_column_either_way(app, course):
    class_id, clients = course
    prof = clients["prof"]
    descending = prof.get(f"/instructor/gradebook?class={class_id}&sort={MODULE}&dir=desc").get_data(as_text=True)
    assert learner_order(descending) == ["Ann Ames", "Bob Burns", "Cy Cole"]  # Cy has no score: last either way
    assert re.search(r'<th scope="col" aria-sort="descending">\s*<a href="[^"]*sort=amaq[^"]*dir=asc', descending)
    ascending = prof.get(f"/instructor/gradebook?class={class_id}&sort={MODULE}&dir=asc").get_data(as_text=True)
    assert learner_order(ascending) == ["Bob Burns", "Ann Ames", "Cy Cole"]
    by_name = prof.get(f"/instructor/gradebook?class={class_id}&sort=name&dir=desc").get_data(as_text=True)
    assert learner_order(by_name) == ["Cy Cole", "Bob Burns", "Ann Ames"]
    by_last = prof.get(f"/instructor/gradebook?class={class_id}&sort=last&dir=desc").get_data(as_text=True)
    assert learner_order(by_last) == ["Bob Burns", "Ann Ames", "Cy Cole"]
    for bad in ("sort=nope", "sort=password_hash", "dir=sideways", f"sort={MODULE}&dir="):
        response = prof.get(f"/instructor/gradebook?class={class_id}&{bad}")
        assert response.status_code == 400 and "Sort by" in response.get_data(as_text=True)


def test_the_gradebook_csv_defuses_formulas(app, course, make_user):
    class_id, clients = course
    make_user("mal", display_name='=HYPERLINK("http://x","y")')
    make_class(app, db_user(app, "prof"), members=[db_user(app, "mal")], name="Second")
    body = clients["prof"].get("/instructor/gradebook.csv?class=all").get_data(as_text=True)
    assert "'=HYPERLINK" in body and '\n=HYPERLINK' not in body


def test_the_gradebook_is_scoped_like_every_results_page(app, course):
    class_id, clients = course
    assert clients["olga"].get(f"/instructor/gradebook?class={class_id}").status_code == 404
    assert clients["olga"].get(f"/instructor/gradebook.csv?class={class_id}").status_code == 404
    assert "Ann Ames" not in clients["olga"].get("/instructor/gradebook").get_data(as_text=True)
    assert clients["prof"].get("/instructor/gradebook?class=everyone").status_code == 404
    assert clients["ann"].get("/instructor/gradebook").status_code == 403
    assert "Ann Ames" in clients["root"].get("/instructor/gradebook?class=everyone").get_data(as_text=True)


def test_the_class_page_the_roster_and_cohort_results_link_to_the_gradebook(app, course):
    class_id, clients = course
    prof = clients["prof"]
    for page in (f"/classes/{class_id}", f"/classes/{class_id}/roster", f"/instructor/results?class={class_id}"):
        assert f"/instructor/gradebook?class={class_id}" in prof.get(page).get_data(as_text=True), page
    roster = prof.get(f"/classes/{class_id}/roster").get_data(as_text=True)
    assert f'/instructor/learners/{user_id(app, "ann")}"' in roster


def test_the_gradebook_is_a_fixed_number_of_queries_however_many_learners(app, course, make_user):
    class_id, clients = course

    def queries() -> int:
        page, seen = statements_of(app, lambda: clients["prof"].get(f"/instructor/gradebook?class={class_id}&sort={MODULE}"))
        assert page.status_code == 200
        return len(seen)

    few = queries()
    newcomers = [make_user(f"l{n}") for n in range(5)]
    make_class(app, db_user(app, "prof"), members=newcomers, name="More")
    with app.app_context():
        from app.classes.models import ClassMember
        from app.database import db_write
        with db_write():
            db.session.add_all(ClassMember(class_id=class_id, user_id=u.id) for u in newcomers)
    for n in range(5):
        take_quiz(app, logged_in(app, f"l{n}"), correct=n % 2 == 0)
    assert queries() == few
    assert few <= 12


# ---------------------------------------------------------------------------- each learner


def test_the_learner_page_shows_progress_and_every_attempt_open_ones_not_reviewable(app, course, catalog):
    _, clients = course
    ann = user_id(app, "ann")
    open_attempt = int(clients["ann"].post(f"/modules/{MODULE}/quiz").headers["Location"].rsplit("/", 1)[1])
    page = clients["prof"].get(f"/instructor/learners/{ann}").get_data(as_text=True)
    assert page.count("<h1>") == 1 and "Ann Ames" in page and "passed late" in page
    assert "open: reviewable once submitted" in page
    assert f"/instructor/learners/{ann}/attempts/{open_attempt}" not in page
    opened = clients["prof"].get(f"/instructor/learners/{ann}/attempts/{open_attempt}")
    assert opened.status_code == 404 and "still open" in opened.get_data(as_text=True)


def test_the_instructor_sees_the_key_even_when_the_review_option_hides_it_from_the_learner(app, people, catalog):
    make_class(app, people["prof"], members=[people["ann"]], modules={MODULE: {"review_option": "score_only"}})
    ann_client = logged_in(app, "ann")
    attempt = take_quiz(app, ann_client, correct=False)
    own = ann_client.get(f"/attempts/{attempt}/review").get_data(as_text=True)
    assert "Correct answer" not in own and "scores only" in own
    ann = people["ann"].id
    prof = logged_in(app, "prof")
    listing = prof.get(f"/instructor/learners/{ann}").get_data(as_text=True)
    assert f"/instructor/learners/{ann}/attempts/{attempt}" in listing
    review = prof.get(f"/instructor/learners/{ann}/attempts/{attempt}")
    text = review.get_data(as_text=True)
    assert review.status_code == 200 and text.count("<h1>") == 1
    assert text.count("Correct answer") >= catalog.module(MODULE).quiz_length
    assert "Learner&#39;s answer" in text and 'class="evidence"' in text and "incorrect" in text


def test_a_learner_page_is_404_for_anyone_who_does_not_teach_the_learner(app, course):
    class_id, clients = course
    ann = user_id(app, "ann")
    with app.app_context():
        from app.models import Attempt
        attempt = db.session.scalar(sa.select(Attempt.id).where(Attempt.user_id == ann))
    for path in (f"/instructor/learners/{ann}", f"/instructor/learners/{ann}/attempts/{attempt}"):
        assert clients["olga"].get(path).status_code == 404, path
        assert clients["ann"].get(path).status_code == 404, path  # the learner has her own review
        assert clients["bob"].get(path).status_code == 404, path
        assert clients["prof"].get(path).status_code == 200, path
        assert clients["root"].get(path).status_code == 200, path
    bob = user_id(app, "bob")
    assert clients["prof"].get(f"/instructor/learners/{bob}/attempts/{attempt}").status_code == 404  # not Bob's
    assert clients["root"].get("/instructor/learners/999999").status_code == 404
