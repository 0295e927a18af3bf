"""One-time reset links (issued by a learner's instructor or an admin, or from the shell) and the
learner's own account page: a new password, a new name, deletion by anonymising."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template_string

from app.accounts.resets import token_hash
from app.auth.limits import RESET_LINK
from app.classes.models import ClassInstructor, ClassMember, CourseClass, PasswordReset
from app.database import db_write
from app.extensions import db
from app.models import Attempt, User, utcnow
from tests.helpers import PASSWORD, at_once, count

NEW_PASSWORD = "a brand new password"
LINK = re.compile(r'value="(http://localhost/reset/([A-Za-z0-9_-]{43}))"')


def make_class(app, instructors=(), members=(), name="Class A") -> int:
    """A class taught by `instructors` with `members` enrolled, made straight in the database."""
    with app.app_context():
        with db_write():
            course_class = CourseClass(name=name, code=f"C{count(app, CourseClass) + 2}QQ",
                                       created_by=instructors[0].id if instructors else members[0].id)
            db.session.add(course_class)
            db.session.flush()
            db.session.add_all([ClassInstructor(class_id=course_class.id, user_id=u.id) for u in instructors]
                               + [ClassMember(class_id=course_class.id, user_id=u.id) for u in members])
        return course_class.id


def client_of(app, username, password=PASSWORD, address="127.0.0.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, (username, response.status_code)
    return client


def issue_link(client, user_id) -> str:
    """The token of the link the issuer is shown."""
    response = client.post(f"/accounts/{user_id}/reset-link")
    assert response.status_code == 200, response.status_code
    return LINK.search(response.get_data(as_text=True)).group(2)


def stored(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id)


@pytest.fixture
def course(app, make_user):
    """Ann in Prof's class; Bob in no class; Other, an instructor who does not teach Ann; Root, an admin."""
    users = {name: make_user(name) for name in ("ann", "bob")}
    users.update(prof=make_user("prof", role="instructor"), other=make_user("other", role="instructor"),
                 root=make_user("root", role="admin"))
    make_class(app, instructors=[users["prof"]], members=[users["ann"]])
    make_class(app, instructors=[users["other"]], members=[users["bob"]], name="Class B")
    return users


# ---------------------------------------------------------------------------- issuing a link


def test_an_instructor_of_the_learner_s_class_gets_a_day_long_link_stored_only_as_its_hash(app, course):
    token = issue_link(client_of(app, "prof"), course["ann"].id)
    with app.app_context():
        reset = db.session.scalar(sa.select(PasswordReset))
        assert reset.token_hash == token_hash(token) and token not in reset.token_hash
        assert reset.user_id == course["ann"].id and reset.issued_by == course["prof"].id
        assert reset.used_at is None
        assert timedelta(hours=23, minutes=59) < reset.expires_at - utcnow() <= timedelta(hours=24)


def test_no_link_for_a_learner_the_issuer_does_not_teach_nor_for_oneself(app, course):
    for issuer, learner in (("other", "ann"), ("prof", "bob"), ("bob", "ann"), ("ann", "ann"), ("prof", "prof")):
        response = client_of(app, issuer).post(f"/accounts/{course[learner].id}/reset-link")
        assert response.status_code == 404, (issuer, learner)
    assert client_of(app, "prof").post("/accounts/999999/reset-link").status_code == 404
    assert client_of(app, "prof").post(f"/accounts/{10**30}/reset-link").status_code == 404
    assert count(app, PasswordReset) == 0


def test_only_an_admin_issues_links_for_instructor_and_admin_accounts(app, course):
    make_class(app, instructors=[course["prof"]], members=[course["other"]], name="Odd")  # an instructor enrolled
    assert client_of(app, "prof").post(f"/accounts/{course['other'].id}/reset-link").status_code == 404
    root = client_of(app, "root")
    for name in ("other", "prof", "bob", "root"):
        issue_link(root, course[name].id)
    assert count(app, PasswordReset) == 4


def test_anonymous_visitors_are_sent_to_log_in(app, course):
    response = app.test_client().post(f"/accounts/{course['ann'].id}/reset-link")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(app, PasswordReset) == 0


def test_the_reset_button_macro_posts_to_the_learner_s_link(app):
    with app.test_request_context():
        html = render_template_string('{% from "accounts/_reset_button.html" import reset_button %}'
                                      '{{ reset_button(7) }}')
    assert 'action="/accounts/7/reset-link"' in html and 'method="post"' in html and "csrf_token" in html


# ---------------------------------------------------------------------------- using it


def test_the_link_sets_the_password_once_ends_other_sessions_and_logs_the_learner_in(app, course):
    anns_phone = client_of(app, "ann")
    token = issue_link(client_of(app, "prof"), course["ann"].id)
    visitor = app.test_client()
    page = visitor.get(f"/reset/{token}")
    assert page.status_code == 200 and "Set a new password" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer" and "no-store" in page.headers["Cache-Control"]
    response = visitor.post(f"/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/course")
    assert visitor.get("/course").status_code == 200  # logged in as Ann
    assert anns_phone.get("/course").status_code == 302  # her other session ended
    ann = stored(app, course["ann"].id)
    assert ann.check_password(NEW_PASSWORD) and not ann.check_password(PASSWORD)
    with app.app_context():
        assert db.session.scalar(sa.select(PasswordReset.used_at)) is not None
    another = "yet another one"
    again = app.test_client().post(f"/reset/{token}", data={"password": another, "confirm": another})
    assert again.status_code == 410 and "used already" in again.get_data(as_text=True)
    assert stored(app, course["ann"].id).check_password(NEW_PASSWORD)
    assert app.test_client().get(f"/reset/{token}").status_code == 410


def test_an_expired_link_gives_410_and_changes_nothing(app, course):
    token = issue_link(client_of(app, "prof"), course["ann"].id)
    with app.app_context():
        with db_write():
            db.session.execute(sa.update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    before = stored(app, course["ann"].id).password_hash
    client = app.test_client()
    assert client.get(f"/reset/{token}").status_code == 410
    response = client.post(f"/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 410 and "more than a day old" in response.get_data(as_text=True)
    assert stored(app, course["ann"].id).password_hash == before
    assert client.get("/course").status_code == 302


@pytest.mark.parametrize("token", ["x" * 43, "short", "A" * 44, "%00" * 3, "..", "a" * 5000, "<script>"])
def test_unknown_or_malformed_links_give_404_and_change_nothing(app, course, token):
    client = app.test_client()
    assert client.get(f"/reset/{token}").status_code == 404
    response = client.post(f"/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 404 and "no reset link" in response.get_data(as_text=True)
    assert stored(app, course["ann"].id).check_password(PASSWORD)


def test_the_new_password_must_have_eight_characters_twice_and_the_link_survives_a_mistake(app, course):
    token = issue_link(client_of(app, "prof"), course["ann"].id)
    client = app.test_client()
    short = client.post(f"/reset/{token}", data={"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 8" in short.get_data(as_text=True)
    differ = client.post(f"/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert differ.status_code == 400 and "passwords differ" in differ.get_data(as_text=True)
    assert stored(app, course["ann"].id).check_password(PASSWORD)
    assert client.post(f"/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_two_uses_of_one_link_at_once_exactly_one_wins(app, course):
    token = issue_link(client_of(app, "prof"), course["ann"].id)
    passwords = ["first new password", "second new password"]

    def use(password):
        return app.test_client().post(f"/reset/{token}", data={"password": password, "confirm": password}).status_code

    statuses = at_once(use, passwords)
    assert sorted(statuses) == [302, 410], statuses
    winner = passwords[statuses.index(302)]
    assert stored(app, course["ann"].id).check_password(winner)


def test_wrong_links_from_one_address_are_throttled_and_other_addresses_are_not(app, course):
    token = issue_link(client_of(app, "prof"), course["ann"].id)
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for i in range(RESET_LINK.attempts):
        assert guesser.get(f"/reset/{'g' * 42}{i % 10}").status_code == 404
    assert guesser.get(f"/reset/{'g' * 43}").status_code == 404  # the one that locks
    refused = guesser.get(f"/reset/{token}")  # even a right link waits now
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 60
    assert guesser.post(f"/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 429
    assert stored(app, course["ann"].id).check_password(PASSWORD)
    assert app.test_client().get(f"/reset/{token}").status_code == 200  # from another address it works


def test_a_deleted_account_gets_no_link_and_its_open_links_are_spent(app, course):
    token = issue_link(client_of(app, "prof"), course["ann"].id)
    ann = client_of(app, "ann")
    assert ann.post("/account/delete", data={"confirm_password": PASSWORD}).status_code == 302
    assert app.test_client().get(f"/reset/{token}").status_code == 410
    assert client_of(app, "root").post(f"/accounts/{course['ann'].id}/reset-link").status_code == 404


def test_the_cli_prints_a_link_with_or_without_the_base_url(app, runner, course):
    result = runner.invoke(args=["users", "reset-password", "ANN", "--base-url", "https://gw.example/"])
    assert result.exit_code == 0, result.output
    token = re.search(r"https://gw\.example/reset/([A-Za-z0-9_-]{43})$", result.output.strip()).group(1)
    path_only = runner.invoke(args=["users", "reset-password", "bob"])
    assert re.search(r"^/reset/[A-Za-z0-9_-]{43}$", path_only.output.strip().splitlines()[-1]), path_only.output
    with app.app_context():
        reset = db.session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == token_hash(token)))
        assert reset.user_id == course["ann"].id and reset.issued_by is None
    client = app.test_client()
    assert client.post(f"/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    unknown = runner.invoke(args=["users", "reset-password", "nobody"])
    assert unknown.exit_code != 0 and "no user" in unknown.output
    assert count(app, PasswordReset) == 2


# ---------------------------------------------------------------------------- the account page


def test_the_header_links_to_the_account_page_which_needs_login(app, client, learner):
    assert 'href="/account"' in client.get("/course").get_data(as_text=True)
    page = client.get("/account")
    assert page.status_code == 200 and "Your account" in page.get_data(as_text=True)
    assert app.test_client().get("/account").status_code == 302


def test_changing_the_password_needs_the_current_one_and_ends_only_the_other_sessions(app, client, learner):
    other_device = client_of(app, "learner")
    wrong = client.post("/account/password", data={"current": "not it", "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(as_text=True)
    short = client.post("/account/password", data={"current": PASSWORD, "password": "short", "confirm": "short"})
    assert short.status_code == 400
    assert stored(app, learner.id).check_password(PASSWORD)
    response = client.post("/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # this session goes on
    assert other_device.get("/course").status_code == 302  # the other ended
    assert stored(app, learner.id).check_password(NEW_PASSWORD)
    client_of(app, "learner", NEW_PASSWORD)


@pytest.mark.parametrize("name, ok", [("Ann Smith", True), ("  Ann  ", True), ("", False), ("   ", False),
                                      ("a\x07b", False), ("x" * 81, False), ("<b>Ann</b>", True)])
def test_the_display_name_is_judged_as_at_registration(app, client, learner, name, ok):
    response = client.post("/account/name", data={"display_name": name})
    assert response.status_code == (302 if ok else 400)
    assert stored(app, learner.id).display_name == (name.strip() if ok else "Learner")
    if ok:
        assert "<b>Ann</b>" not in client.get("/account").get_data(as_text=True)


def test_deleting_needs_the_password(app, client, learner):
    response = client.post("/account/delete", data={"confirm_password": "not it"})
    assert response.status_code == 400 and "nothing was changed" in response.get_data(as_text=True)
    assert client.post("/account/delete", data={}).status_code == 400
    assert stored(app, learner.id).deleted_at is None


def test_a_deleted_account_is_anonymised_keeps_its_attempts_and_never_logs_in_again(app, client, learner, start_quiz):
    attempt = start_quiz()
    other_device = client_of(app, "learner")
    response = client.post("/account/delete", data={"confirm_password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/course").status_code == 302 and other_device.get("/course").status_code == 302
    user = stored(app, learner.id)
    assert user.display_name == "Deleted learner" and user.username == f"deleted#{learner.id}"
    assert user.deleted_at is not None and not user.check_password(PASSWORD)
    with app.app_context():
        assert db.session.get(Attempt, attempt).user_id == learner.id
    for name in ("learner", f"deleted#{learner.id}", "DELETED#" + str(learner.id)):
        for password in (PASSWORD, "!", ""):
            assert app.test_client().post("/login", data={"username": name, "password": password}).status_code in (
                400, 401)
    # the old name is free again, and no one can register the anonymised one
    assert app.test_client().post("/register", data={"username": "learner", "password": NEW_PASSWORD,
                                                     "confirm": NEW_PASSWORD}).status_code == 302
    taken = app.test_client().post("/register", data={"username": f"deleted#{learner.id}",
                                                      "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert taken.status_code == 400
    assert count(app, User) == 2


def test_an_admin_lists_every_live_account_with_its_reset_button_and_no_one_else_may(app, course):
    assert client_of(app, "ann").post("/account/delete", data={"confirm_password": PASSWORD}).status_code == 302
    root = client_of(app, "root")
    assert 'href="/accounts"' in root.get("/course").get_data(as_text=True)
    page = root.get("/accounts").get_data(as_text=True)
    for name in ("bob", "prof", "other", "root"):
        assert f'action="/accounts/{course[name].id}/reset-link"' in page
    assert f"/accounts/{course['ann'].id}/reset-link" not in page and "Deleted learner" not in page
    for name in ("prof", "bob"):
        assert client_of(app, name).get("/accounts").status_code == 403
        assert 'href="/accounts"' not in client_of(app, name).get("/course").get_data(as_text=True)


def test_wrong_current_passwords_are_limited_per_account_and_a_right_one_gives_its_attempt_back(app, client, learner):
    for _ in range(4):
        assert client.post("/account/delete", data={"confirm_password": "a guess"}).status_code == 400
    assert client.post("/account/name", data={"display_name": "Still Here"}).status_code == 302
    change = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post("/account/password", data=change).status_code == 302  # the fifth, right: refunded
    assert client.post("/account/delete", data={"confirm_password": "a guess"}).status_code == 400  # fifth wrong
    refused = client.post("/account/delete", data={"confirm_password": NEW_PASSWORD})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 60
    assert "Too many wrong passwords" in refused.get_data(as_text=True)
    assert stored(app, learner.id).deleted_at is None


def test_a_new_password_keeps_keep_me_logged_in_on_this_device_under_the_new_token(app, make_user):
    make_user("ann")
    client = app.test_client()
    client.post("/login", data={"username": "ann", "password": PASSWORD, "remember": "y"})
    old_cookie = client.get_cookie("remember_token").value
    client.post("/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    new_cookie = client.get_cookie("remember_token").value
    assert new_cookie != old_cookie
    client.delete_cookie("session")  # the browser closed: only the remember cookie is left
    assert client.get("/account").status_code == 200
    stale = app.test_client()
    stale.set_cookie("remember_token", old_cookie)
    assert stale.get("/account").status_code == 302
