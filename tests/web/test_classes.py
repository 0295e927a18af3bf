"""Classes: an instructor creates one, learners enrol with its code, the roster and the learners' due dates."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from urllib.parse import urlsplit, parse_qs

import pytest

from app.classes.models import ClassInstructor, ClassMember, ClassModule, CourseClass
from app.database import db_write
from app.extensions import db
from app.models import Attempt, User, utcnow
from tests.helpers import PASSWORD, at_once, correct_form, count, open_class, statements_of


def logged_in(app, username: str):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def the_class(app, class_id: int) -> CourseClass:
    with app.app_context():
        course_class = db.session.get(CourseClass, class_id)
        course_class.modules  # loaded before the session goes
        db.session.expunge(course_class)
        return course_class


@pytest.fixture
def staff(app, make_user):
    make_user("prof", role="instructor", display_name="Dr Prof")
    make_user("cole", role="instructor", display_name="Dr Cole")
    make_user("ivy", role="instructor", display_name="Dr Ivy")
    make_user("root", role="admin")
    return {name: logged_in(app, name) for name in ("prof", "cole", "ivy", "root")}


@pytest.fixture
def learners(app, make_user):
    for name in ("ann", "bob"):
        make_user(name)
    return {name: logged_in(app, name) for name in ("ann", "bob")}


def submit(app, client, module="amaq", right=True) -> int:
    attempt = int(client.post(f"/modules/{module}/quiz").headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/attempts/{attempt}/submit", data=correct_form(app, attempt) if right else {}).status_code == 302
    return attempt


def set_submitted(app, attempt_id: int, when: datetime) -> None:
    with app.test_request_context():
        with db_write():
            db.session.get(Attempt, attempt_id).submitted_at = when


# ---------------------------------------------------------------------------- creating a class


def test_a_new_class_covers_every_module_its_creator_owns_it_and_its_page_shows_link_and_qr(app, staff, catalog):
    class_id, code = open_class(app, staff["prof"], "CT 101")
    course_class = the_class(app, class_id)
    assert [m.module_id for m in course_class.modules] == sorted(m.id for m in catalog.modules)
    assert all(m.due_at is None for m in course_class.modules)
    assert course_class.enrolment_open and len(code) == 6
    with app.app_context():
        assert db.session.get(ClassInstructor, (class_id, course_class.created_by)).role == "owner"
    page = staff["prof"].get(f"/classes/{class_id}").get_data(as_text=True)
    assert f"http://localhost/enrol?code={code}" in page
    assert '<svg role="img" aria-label="QR code of the enrolment link"' in page and "<img" not in page
    assert "CT 101" in staff["prof"].get("/classes").get_data(as_text=True)
    assert 'href="/classes"' in page  # the header's "Classes" link


def test_the_create_form_ticks_every_module_by_default(app, staff, catalog):
    page = staff["prof"].get("/classes").get_data(as_text=True)
    assert page.count('type="checkbox"') == len(catalog.modules) and page.count("checked") == len(catalog.modules)


def test_due_dates_are_stored_at_the_end_of_their_day(app, staff, catalog):
    module = catalog.modules[0]
    class_id, _ = open_class(app, staff["prof"], **{f"due_{module.order}": "2030-05-04"})
    dues = {m.module_id: m.due_at for m in the_class(app, class_id).modules}
    assert dues[module.id] == datetime(2030, 5, 4, 23, 59)


@pytest.mark.parametrize("form, message", [
    ({"name": "   "}, "Give the class a name."),
    ({"modules": []}, "Choose at least one module."),
    ({"due_1": "1850-01-01"}, "Give a date from 2000 to 2100."),
    ({"due_1": "31/02/2030"}, "Not a valid date value."),
    ({"due_1": "2030-02-30"}, "Not a valid date value."),
    ({"modules": ["no-such-module"]}, "is not a valid choice"),
])
def test_a_bad_create_form_says_what_is_wrong_and_makes_nothing(app, staff, catalog, form, message):
    data = {"name": "CT", "modules": [m.id for m in catalog.modules], **form}
    response = staff["prof"].post("/classes/new", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(app, CourseClass) == 0 and count(app, ClassModule) == 0 and count(app, ClassInstructor) == 0


def test_a_due_date_for_a_module_the_class_does_not_cover_is_refused(app, staff, catalog):
    first, second = catalog.modules[:2]
    response = staff["prof"].post("/classes/new", data={"name": "CT", "modules": [first.id],
                                                        f"due_{second.order}": "2030-01-01"})
    assert response.status_code == 400 and "does not cover" in response.get_data(as_text=True)
    assert count(app, CourseClass) == 0


def test_learners_cannot_open_the_classes_page(app, learners):
    assert learners["ann"].get("/classes").status_code == 403
    assert learners["ann"].post("/classes/new", data={"name": "x"}).status_code == 403
    assert count(app, CourseClass) == 0


# ---------------------------------------------------------------------------- enrolment


def test_a_learner_enrols_with_the_code_however_typed_and_twice_changes_nothing(app, staff, learners):
    class_id, code = open_class(app, staff["prof"])
    typed = f" {code[:3].lower()}-{code[3:]} "
    response = learners["ann"].post("/classes/enrol", data={"code": typed})
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/course"
    again = learners["ann"].post("/classes/enrol", data={"code": code}, follow_redirects=True)
    assert "already in the class" in again.get_data(as_text=True)
    assert count(app, ClassMember, ClassMember.class_id == class_id) == 1


def test_the_link_prefills_the_code(app, staff, learners):
    _, code = open_class(app, staff["prof"])
    page = learners["ann"].get(f"/enrol?code={code.lower()}").get_data(as_text=True)
    assert f'value="{code}"' in page


def test_a_learner_may_be_in_several_classes(app, staff, learners):
    first, _ = open_class(app, staff["prof"], "First", members=[learners["ann"]])
    second, _ = open_class(app, staff["cole"], "Second", members=[learners["ann"]])
    page = learners["ann"].get("/course").get_data(as_text=True)
    assert f'id="class-{first}"' in page and f'id="class-{second}"' in page


@pytest.mark.parametrize("code, message", [("ZZZZZZ", "No class has that code"), ("", "Type the code")])
def test_a_wrong_code_gets_a_clear_message(app, staff, learners, code, message):
    open_class(app, staff["prof"])
    response = learners["ann"].post("/classes/enrol", data={"code": code})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(app, ClassMember) == 0


def test_a_closed_class_refuses_newcomers_and_reopens(app, staff, learners):
    class_id, code = open_class(app, staff["prof"], members=[learners["bob"]])
    assert staff["prof"].post(f"/classes/{class_id}/enrolment", data={"action": "close"}).status_code == 302
    response = learners["ann"].post("/classes/enrol", data={"code": code})
    assert response.status_code == 400 and "not taking new members" in response.get_data(as_text=True)
    assert learners["bob"].post("/classes/enrol", data={"code": code}).status_code == 302  # already in: no harm
    assert staff["prof"].post(f"/classes/{class_id}/enrolment", data={"action": "open"}).status_code == 302
    assert learners["ann"].post("/classes/enrol", data={"code": code}).status_code == 302
    assert count(app, ClassMember, ClassMember.class_id == class_id) == 2


def test_a_regenerated_code_replaces_the_old_one(app, staff, learners):
    class_id, old = open_class(app, staff["prof"])
    assert staff["prof"].post(f"/classes/{class_id}/code").status_code == 302
    new = the_class(app, class_id).code
    assert new != old
    response = learners["ann"].post("/classes/enrol", data={"code": old})
    assert response.status_code == 400 and "may have been replaced" in response.get_data(as_text=True)
    assert learners["ann"].post("/classes/enrol", data={"code": new}).status_code == 302


def test_wrong_class_codes_are_limited_like_seminar_codes(app, staff, learners):
    for _ in range(10):
        assert learners["ann"].post("/classes/enrol", data={"code": "ZZZZZZ"}).status_code == 400
    response = learners["ann"].post("/classes/enrol", data={"code": "ZZZZZZ"})
    assert response.status_code == 429 and "Too many wrong codes" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers


def test_concurrent_enrolments_with_one_code_make_one_membership(app, staff, learners):
    class_id, code = open_class(app, staff["prof"])
    cookie = learners["ann"].get_cookie("session").value

    def join(_):
        client = app.test_client()
        client.set_cookie("session", cookie)
        return client.post("/classes/enrol", data={"code": code}).status_code

    assert at_once(join, list(range(8))) == [302] * 8
    assert count(app, ClassMember, ClassMember.class_id == class_id) == 1


def test_a_teacher_of_the_class_following_its_code_goes_to_the_class_page(app, staff):
    class_id, code = open_class(app, staff["prof"])
    response = staff["prof"].post("/classes/enrol", data={"code": code})
    assert urlsplit(response.headers["Location"]).path == f"/classes/{class_id}"
    assert count(app, ClassMember) == 0


# ---------------------------------------------------------------------------- next through login and register


def test_a_logged_out_newcomer_follows_the_link_registers_and_lands_in_the_class(app, staff):
    class_id, code = open_class(app, staff["prof"])
    newcomer = app.test_client()
    to_login = newcomer.get(f"/enrol?code={code}")
    assert to_login.status_code == 302 and urlsplit(to_login.headers["Location"]).path == "/login"
    login_page = newcomer.get(to_login.headers["Location"]).get_data(as_text=True)
    register_href = login_page.split("No account yet?")[1].split('href="')[1].split('"')[0]
    assert parse_qs(urlsplit(register_href.replace("&amp;", "&")).query)["next"] == [f"/enrol?code={code}"]
    registered = newcomer.post(register_href.replace("&amp;", "&"), data={
        "username": "newt", "display_name": "Newt", "password": "long enough pw", "confirm": "long enough pw"})
    assert registered.status_code == 302 and registered.headers["Location"].endswith(f"/enrol?code={code}")
    page = newcomer.get(registered.headers["Location"]).get_data(as_text=True)
    assert f'value="{code}"' in page
    assert newcomer.post("/classes/enrol", data={"code": code}).status_code == 302
    assert count(app, ClassMember, ClassMember.class_id == class_id) == 1


def test_a_member_who_follows_the_link_logged_out_logs_in_and_comes_back_to_it(app, staff, make_user):
    _, code = open_class(app, staff["prof"])
    make_user("ann")
    client = app.test_client()
    to_login = client.get(f"/enrol?code={code}").headers["Location"]
    logged = client.post(to_login, data={"username": "ann", "password": PASSWORD})
    assert logged.status_code == 302 and logged.headers["Location"].endswith(f"/enrol?code={code}")


def test_a_learner_in_no_class_sees_no_class_on_the_overview(app, staff, learners):
    open_class(app, staff["prof"], "Not yours", members=[learners["bob"]])
    page = learners["ann"].get("/course").get_data(as_text=True)
    assert "Not yours" not in page and "class-deadlines" not in page and 'href="/enrol"' in page


def test_a_seminar_join_link_keeps_its_code_through_register(app):
    newcomer = app.test_client()
    registered = newcomer.post("/register?next=/join%3Fcode%3DABCDEF", data={
        "username": "newt", "display_name": "Newt", "password": "long enough pw", "confirm": "long enough pw"})
    assert registered.headers["Location"].endswith("/join?code=ABCDEF")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil", "javascript:alert(1)"])
def test_register_only_follows_a_next_on_this_site(app, target):
    registered = app.test_client().post("/register", query_string={"next": target}, data={
        "username": "newt", "display_name": "Newt", "password": "long enough pw", "confirm": "long enough pw"})
    assert urlsplit(registered.headers["Location"]).path == "/course"
    assert urlsplit(registered.headers["Location"]).netloc in ("", "localhost")


# ---------------------------------------------------------------------------- instructors


def test_a_co_instructor_sees_and_does_what_the_owner_does(app, staff, learners):
    class_id, code = open_class(app, staff["prof"], members=[learners["ann"]])
    assert staff["cole"].get(f"/classes/{class_id}").status_code == 404
    assert staff["prof"].post(f"/classes/{class_id}/instructors", data={"username": "COLE"}).status_code == 302
    cole = staff["cole"]
    assert cole.get(f"/classes/{class_id}").status_code == 200
    assert cole.get(f"/classes/{class_id}/roster").status_code == 200
    assert cole.post(f"/classes/{class_id}/code").status_code == 302
    assert "Counter-terrorism 101" in cole.get("/classes").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ClassInstructor, (class_id, 2)).role == "co"


def test_only_instructor_accounts_can_be_co_instructors(app, staff, learners):
    class_id, _ = open_class(app, staff["prof"])
    for name in ("ann", "nobody", ""):
        response = staff["prof"].post(f"/classes/{class_id}/instructors", data={"username": name})
        assert response.status_code == 400
    assert count(app, ClassInstructor) == 1


def test_adding_a_co_instructor_twice_at_once_adds_one(app, staff):
    class_id, _ = open_class(app, staff["prof"])
    cookie = staff["prof"].get_cookie("session").value

    def add(_):
        client = app.test_client()
        client.set_cookie("session", cookie)
        return client.post(f"/classes/{class_id}/instructors", data={"username": "cole"}).status_code

    assert at_once(add, list(range(6))) == [302] * 6
    assert count(app, ClassInstructor, ClassInstructor.class_id == class_id) == 2


def test_another_instructor_gets_404_for_every_class_page_and_changes_nothing(app, staff, learners):
    class_id, code = open_class(app, staff["prof"], members=[learners["ann"]])
    ivy = staff["ivy"]
    for url in (f"/classes/{class_id}", f"/classes/{class_id}/roster", f"/classes/{class_id}/roster.csv"):
        assert ivy.get(url).status_code == 404
    for url, data in ((f"/classes/{class_id}/code", {}), (f"/classes/{class_id}/enrolment", {"action": "close"}),
                      (f"/classes/{class_id}/modules", {"modules": ["amaq"]}),
                      (f"/classes/{class_id}/instructors", {"username": "ivy"}),
                      (f"/classes/{class_id}/members/{learners_id(app, 'ann')}/remove", {})):
        assert ivy.post(url, data=data).status_code == 404
    course_class = the_class(app, class_id)
    assert course_class.code == code and course_class.enrolment_open and len(course_class.modules) == 6
    assert count(app, ClassInstructor) == 1 and count(app, ClassMember) == 1
    assert staff["root"].get(f"/classes/{class_id}").status_code == 200  # admins see every class
    assert "Counter-terrorism 101" in staff["root"].get("/classes").get_data(as_text=True)


def learners_id(app, username: str) -> int:
    from app.models import User
    with app.app_context():
        return db.session.scalar(User.named(username)).id


def test_removing_a_learner_keeps_their_attempts(app, staff, learners):
    class_id, _ = open_class(app, staff["prof"], members=[learners["ann"]])
    submit(app, learners["ann"])
    ann = learners_id(app, "ann")
    assert staff["prof"].post(f"/classes/{class_id}/members/{ann}/remove").status_code == 302
    assert count(app, ClassMember) == 0 and count(app, Attempt, Attempt.user_id == ann) == 1
    again = staff["prof"].post(f"/classes/{class_id}/members/{ann}/remove", follow_redirects=True)
    assert "not in the class" in again.get_data(as_text=True)


def test_editing_modules_and_due_dates(app, staff, catalog):
    class_id, _ = open_class(app, staff["prof"])
    first, second = catalog.modules[:2]
    response = staff["prof"].post(f"/classes/{class_id}/modules", data={
        "modules": [first.id, second.id], f"due_{second.order}": "2031-01-02"})
    assert response.status_code == 302
    dues = {m.module_id: m.due_at for m in the_class(app, class_id).modules}
    assert dues == {first.id: None, second.id: datetime(2031, 1, 2, 23, 59)}
    page = staff["prof"].get(f"/classes/{class_id}").get_data(as_text=True)
    assert 'value="2031-01-02"' in page
    refused = staff["prof"].post(f"/classes/{class_id}/modules", data={
        "modules": [first.id], f"due_{second.order}": "2031-01-02"})
    assert refused.status_code == 400 and "does not cover" in refused.get_data(as_text=True)
    assert len(the_class(app, class_id).modules) == 2


# ---------------------------------------------------------------------------- roster and due dates


def test_the_roster_shows_progress_overdue_and_late_work(app, staff, learners, catalog):
    amaq = catalog.module("amaq")
    other = next(m for m in catalog.modules if m.id != "amaq" and not m.requires)
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    class_id, _ = open_class(app, staff["prof"], members=list(learners.values()), modules=["amaq", other.id],
                             **{f"due_{amaq.order}": yesterday, f"due_{other.order}": "2099-01-01"})
    learners["ann"].post("/modules/amaq/lesson/read")
    late = submit(app, learners["ann"])  # passes today, after yesterday's due date
    submit(app, learners["bob"], right=False)
    early = submit(app, learners["bob"])
    set_submitted(app, early, utcnow() - timedelta(days=3))
    page = staff["prof"].get(f"/classes/{class_id}/roster").get_data(as_text=True)
    assert "Ann" in page and "Bob" in page and "passed late" in page
    rows = list(csv.DictReader(io.StringIO(staff["prof"].get(f"/classes/{class_id}/roster.csv").get_data(as_text=True))))
    by_name = {row["username"]: row for row in rows}
    t = amaq.title
    assert by_name["ann"][f"{t}: lesson read"] == "yes" and by_name["ann"][f"{t}: late"] == "yes"
    assert by_name["ann"][f"{t}: attempts"] == "1" and by_name["ann"][f"{t}: best score"] == "100.0"
    assert by_name["bob"][f"{t}: passed"] == "yes" and by_name["bob"][f"{t}: late"] == "no"
    assert by_name["bob"][f"{t}: attempts"] == "2"
    assert by_name["ann"][f"{other.title}: overdue"] == "no"
    assert by_name["ann"]["last activity"] != "" and late


def test_a_module_not_passed_by_its_due_date_is_overdue_for_the_learner_and_the_roster(app, staff, learners, catalog):
    amaq = catalog.module("amaq")
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    class_id, _ = open_class(app, staff["prof"], "Due class", members=[learners["ann"]],
                             **{f"due_{amaq.order}": yesterday})
    page = learners["ann"].get("/course").get_data(as_text=True)
    assert "Due class" in page and "Overdue: " + amaq.title in page and "still accepted" in page
    roster = staff["prof"].get(f"/classes/{class_id}/roster").get_data(as_text=True)
    assert "overdue" in roster
    submit(app, learners["ann"])  # late work is accepted
    page = learners["ann"].get("/course").get_data(as_text=True)
    assert "passed late" in page and "Overdue: " not in page


def test_the_overview_names_the_next_due_date(app, staff, learners, catalog):
    first, second = catalog.modules[:2]
    open_class(app, staff["prof"], members=[learners["ann"]],
               **{f"due_{first.order}": "2098-03-01", f"due_{second.order}": "2097-03-01"})
    page = learners["ann"].get("/course").get_data(as_text=True)
    assert f"Next due: <strong>{second.title}</strong> by 01 Mar 2097" in page


def test_the_roster_is_a_handful_of_queries_however_many_learners(app, staff, make_user):
    class_id, code = open_class(app, staff["prof"])

    def queries_for_roster() -> int:
        page, seen = statements_of(app, lambda: staff["prof"].get(f"/classes/{class_id}/roster"))
        assert page.status_code == 200
        return len(seen)

    few = queries_for_roster()
    for n in range(6):
        make_user(f"l{n}")
        client = logged_in(app, f"l{n}")
        client.post("/classes/enrol", data={"code": code})
        submit(app, client, right=n % 2 == 0)
    assert queries_for_roster() == few
    assert few <= 10


def test_the_roster_csv_defuses_formulas(app, staff, make_user):
    make_user("mal", display_name="=HYPERLINK(\"http://x\")")
    class_id, _ = open_class(app, staff["prof"], members=[logged_in(app, "mal")])
    body = staff["prof"].get(f"/classes/{class_id}/roster.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body


def test_the_class_page_offers_a_reset_link_for_each_learner_that_the_instructor_can_issue(app, staff, learners):
    """A learner who forgot the password asks the instructor, who issues a one-time link from the class page."""
    class_id, _ = open_class(app, staff["prof"], members=[learners["ann"]])
    with app.app_context():
        ann_id = db.session.scalar(User.named("ann")).id
    page = staff["prof"].get(f"/classes/{class_id}").get_data(as_text=True)
    assert f'action="/accounts/{ann_id}/reset-link"' in page
    issued = staff["prof"].post(f"/accounts/{ann_id}/reset-link")
    assert issued.status_code == 200 and "/reset/" in issued.get_data(as_text=True)
