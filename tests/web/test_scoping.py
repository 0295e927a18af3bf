"""An instructor's results count only the learners in their own classes (app/instructor/scoping.py).

Prof owns class A (Ann, right on everything; Bob, wrong on everything) and Cole co-teaches it; Olga owns
class B (Cara, right); Dan is in no class (right). Only an admin sees every learner.
"""
import csv
import io
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.classes.scope import seminars_of_class
from app.database import db_write
from app.extensions import db
from app.models import ReviewCard, Seminar, User
from tests.helpers import logged_in, make_class, make_seminar, take_quiz

MODULE, TITLE = "amaq", "The Amaq guided-attack model"
PAGES = ("/instructor/results", f"/instructor/results/{MODULE}", f"/instructor/results/{MODULE}/questions.csv",
         "/instructor/results/cards")


@dataclass
class Classes:
    app: object
    clients: dict
    class_a: int
    class_b: int


@pytest.fixture
def classes(app, make_user) -> Classes:
    users = {name: make_user(name, role=role) for name, role in (
        ("ann", "learner"), ("bob", "learner"), ("cara", "learner"), ("dan", "learner"),
        ("prof", "instructor"), ("cole", "instructor"), ("olga", "instructor"), ("root", "admin"))}
    clients = {name: logged_in(app, name) for name in users}
    for name in ("ann", "bob", "cara", "dan"):
        take_quiz(app, clients[name], MODULE, correct=name != "bob")
    class_a = make_class(app, users["prof"], members=[users["ann"], users["bob"]], co=[users["cole"]],
                         modules=[MODULE], name="Class A")
    class_b = make_class(app, users["olga"], members=[users["cara"]], modules=[MODULE], name="Class B")
    return Classes(app, clients, class_a, class_b)


def user(app, username: str) -> User:
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.username == username))


def module_row(html: str) -> list[str]:
    """The cells of the module's row on the overview: started, graded, attempts, mean best, passed, link."""
    row = html.split("<tbody>", 1)[1].split(TITLE, 1)[1].split("</tr>", 1)[0]
    return [c.split("</td>")[0].strip() for c in row.split("<td>")[1:]]


def overview(client, query: str = "") -> list[str]:
    response = client.get("/instructor/results" + query)
    assert response.status_code == 200, response.status_code
    return module_row(response.get_data(as_text=True))[:5]


def test_an_instructor_sees_their_own_classes_by_default(classes):
    assert overview(classes.clients["prof"]) == ["2", "2", "2", "50.0%", "1 of 2"]  # Ann and Bob
    assert overview(classes.clients["prof"], "?class=all") == ["2", "2", "2", "50.0%", "1 of 2"]
    assert overview(classes.clients["olga"]) == ["1", "1", "1", "100.0%", "1 of 1"]  # Cara


def test_a_co_instructor_sees_the_class_as_its_owner_does(classes):
    assert overview(classes.clients["cole"], f"?class={classes.class_a}") == ["2", "2", "2", "50.0%", "1 of 2"]


def test_all_my_classes_combines_them_and_one_class_narrows(app, classes):
    prof = classes.clients["prof"]
    second = make_class(app, user(app, "prof"), members=[user(app, "dan")], name="Class C")
    assert overview(prof) == ["3", "3", "3", "66.7%", "2 of 3"]  # Ann, Bob and Dan, each once
    assert overview(prof, f"?class={second}") == ["1", "1", "1", "100.0%", "1 of 1"]
    assert overview(prof, f"?class={classes.class_a}") == ["2", "2", "2", "50.0%", "1 of 2"]


def test_a_learner_in_two_of_the_instructor_s_classes_counts_once(app, classes):
    make_class(app, user(app, "prof"), members=[user(app, "ann")], name="Class D")
    assert overview(classes.clients["prof"]) == ["2", "2", "2", "50.0%", "1 of 2"]


def test_another_instructor_s_class_is_404_on_every_page(classes):
    for path in PAGES:
        for who, class_id in (("prof", classes.class_b), ("olga", classes.class_a), ("prof", 999999)):
            response = classes.clients[who].get(f"{path}?class={class_id}")
            assert response.status_code == 404, (who, path, class_id)
            assert "Cara" not in response.get_data(as_text=True) and "Ann" not in response.get_data(as_text=True)
        assert classes.clients["prof"].get(f"{path}?class=x").status_code == 400, path
        assert classes.clients["prof"].get(f"{path}?class=-1").status_code == 400, path


def test_every_learner_is_for_admins_only(classes):
    for path in PAGES:
        assert classes.clients["prof"].get(f"{path}?class=everyone").status_code == 404, path
        assert classes.clients["root"].get(f"{path}?class=everyone").status_code == 200, path
    everyone = ["4", "4", "4", "75.0%", "3 of 4"]  # Dan, in no class, too
    assert overview(classes.clients["root"]) == everyone  # the admin's default
    assert overview(classes.clients["root"], "?class=everyone") == everyone
    assert overview(classes.clients["root"], "?class=all") == ["3", "3", "3", "66.7%", "2 of 3"]  # every class
    assert overview(classes.clients["root"], f"?class={classes.class_b}") == ["1", "1", "1", "100.0%", "1 of 1"]
    assert "Every learner" in classes.clients["root"].get("/instructor/results").get_data(as_text=True)
    assert "Every learner" not in classes.clients["prof"].get("/instructor/results").get_data(as_text=True)


def test_an_instructor_with_no_class_sees_no_learner(app, classes, make_user):
    make_user("newbie", role="instructor")
    client = logged_in(app, "newbie")
    assert overview(client) == ["0", "0", "0", "—", "0"]
    assert "You teach no class yet" in client.get("/instructor/results").get_data(as_text=True)
    assert client.get(f"/instructor/results?class={classes.class_a}").status_code == 404


def test_the_module_page_csv_and_cards_count_the_class_only(classes):
    prof = classes.clients["prof"]
    page = prof.get(f"/instructor/results/{MODULE}?class={classes.class_a}").get_data(as_text=True)
    assert "every graded attempt (2 in all) of the learners in the class “Class A”" in page
    assert "Ann" in page and "Bob" in page and "Cara" not in page and "Dan" not in page
    exported = prof.get(f"/instructor/results/{MODULE}/questions.csv?class={classes.class_a}")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    asked = sum(int(r["asked"]) for r in rows)
    assert asked == 2 * classes.app.extensions["catalog"].module(MODULE).quiz_length
    assert f"-class-{classes.class_a}" in exported.headers["Content-Disposition"]
    cards = prof.get(f"/instructor/results/cards?class={classes.class_a}").get_data(as_text=True)
    assert "What the learners in the class “Class A” keep missing" in cards


def held_cards(html: str) -> int:
    """The sum of "learners holding it" over the card statistics' rows."""
    rows = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr ")[1:]
    return sum(int(row.split("<td>")[3].split("</td>")[0]) for row in rows)


def test_review_cards_count_the_class_only(app, make_user, classes):
    """Bob (class A) and Eve (class B) miss everything and so hold cards; Prof counts Bob's alone."""
    make_user("eve")
    eve = logged_in(app, "eve")
    take_quiz(app, eve, MODULE, correct=False)
    make_class(app, user(app, "olga"), members=[user(app, "eve")], name="Class E")
    for name, client in (("bob", classes.clients["bob"]), ("eve", eve)):
        assert client.get("/review").status_code == 200  # syncs the learner's cards
    with app.app_context():
        bobs = db.session.scalar(sa.select(sa.func.count()).select_from(ReviewCard)
                                 .where(ReviewCard.user_id == user(app, "bob").id))
    assert bobs > 0
    assert held_cards(classes.clients["prof"].get("/instructor/results/cards").get_data(as_text=True)) == bobs
    everyone = held_cards(classes.clients["root"].get("/instructor/results/cards").get_data(as_text=True))
    assert everyone > bobs


def test_every_link_keeps_the_class(classes):
    prof, chosen = classes.clients["prof"], f"class={classes.class_a}"
    html = prof.get(f"/instructor/results?{chosen}").get_data(as_text=True)
    assert chosen in module_row(html)[-1]
    assert f"/instructor/results/cards?{chosen}" in html
    page = prof.get(f"/instructor/results/{MODULE}?{chosen}").get_data(as_text=True)
    assert f"attempts=first&amp;{chosen}" in page and f"questions.csv?attempts=all&amp;{chosen}" in page
    assert f'/instructor/results?{chosen}"' in page
    cards = prof.get(f"/instructor/results/cards?{chosen}").get_data(as_text=True)
    assert f'/instructor/results?{chosen}"' in cards
    assert f'<option value="{classes.class_a}" selected>' in html


def test_a_seminar_cohort_counts_only_its_members_in_the_class_scope(app, classes):
    """Cara (Olga's class) and Dan (no class) join Prof's seminar too; Prof still sees only Ann."""
    c = classes.clients
    seminar, _ = make_seminar(app, c["prof"], questions=2, members=[c["ann"], c["cara"], c["dan"]])
    assert overview(c["prof"], f"?cohort={seminar}") == ["1", "1", "1", "100.0%", "1 of 1"]
    assert overview(c["prof"], f"?class={classes.class_a}&cohort={seminar}") == ["1", "1", "1", "100.0%", "1 of 1"]
    assert overview(c["root"], f"?cohort={seminar}") == ["3", "3", "3", "100.0%", "3 of 3"]  # admin, everyone
    html = c["prof"].get(f"/instructor/results?cohort={seminar}").get_data(as_text=True)
    assert f"class=all&amp;cohort={seminar}" in module_row(html)[-1]
    assert c["olga"].get(f"/instructor/results?cohort={seminar}").status_code == 404  # not hers


def held_for(app, seminar_id: int, class_id: int) -> None:
    with app.test_request_context():
        with db_write():
            db.session.get(Seminar, seminar_id).class_id = class_id


def test_a_seminar_held_for_a_class_is_in_its_picker_for_every_instructor_of_it(app, classes):
    c = classes.clients
    seminar, code = make_seminar(app, c["prof"], questions=2, title="Prisons", members=[c["ann"]])
    held_for(app, seminar, classes.class_a)
    cole = c["cole"].get(f"/instructor/results?class={classes.class_a}").get_data(as_text=True)
    assert f'<option value="{seminar}"' in cole and code in cole
    assert overview(c["cole"], f"?class={classes.class_a}&cohort={seminar}") == ["1", "1", "1", "100.0%", "1 of 1"]
    assert f'<option value="{seminar}"' not in c["olga"].get("/instructor/results").get_data(as_text=True)
    assert c["olga"].get(f"/instructor/results?cohort={seminar}").status_code == 404
    with app.app_context():
        assert [s.id for s in seminars_of_class(classes.class_a)] == [seminar]
        assert seminars_of_class(classes.class_b) == []


# ---------------------------------------------------------------------------- a seminar held for a class


def open_room(client, **extra):
    return client.post("/seminars/new", data={"module": MODULE, "title": "For the class", "questions": "2", **extra})


def test_a_seminar_can_be_held_for_a_class_its_host_teaches(app, classes):
    c = classes.clients
    form = c["cole"].get("/seminars").get_data(as_text=True)
    assert f'<option value="{classes.class_a}">Class A</option>' in form and "Class B" not in form
    response = open_room(c["cole"], course_class=str(classes.class_a))
    assert response.status_code == 302 and response.headers["Location"].endswith("/host")
    seminar_id = int(response.headers["Location"].split("/")[-2])
    with app.app_context():
        assert db.session.get(Seminar, seminar_id).class_id == classes.class_a
        assert [s.id for s in seminars_of_class(classes.class_a)] == [seminar_id]
    # the class's owner, who did not host it, finds it in the class's seminar picker
    picker = c["prof"].get(f"/instructor/results?class={classes.class_a}").get_data(as_text=True)
    assert f'<option value="{seminar_id}"' in picker
    assert c["prof"].get(f"/instructor/results?class={classes.class_a}&cohort={seminar_id}").status_code == 200


def test_a_seminar_for_no_class_is_the_default(app, classes):
    response = open_room(classes.clients["prof"])
    seminar_id = int(response.headers["Location"].split("/")[-2])
    with app.app_context():
        assert db.session.get(Seminar, seminar_id).class_id is None


def test_a_class_the_host_does_not_teach_is_refused_with_a_message(app, classes):
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Seminar))
    for class_id in (str(classes.class_b), "999999", "x"):
        response = open_room(classes.clients["prof"], course_class=class_id)
        assert response.status_code == 302 and response.headers["Location"].endswith("/seminars")
        page = classes.clients["prof"].get("/seminars").get_data(as_text=True)
        assert "You do not teach that class" in page, class_id
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Seminar)) == before
