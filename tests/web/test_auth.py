"""Registering, logging in and out, and who may see what."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from app import models
from app.auth.devices import COOKIE
from app.auth.limits import ACCOUNT, PAIR, begin_login, count_registration
from app.auth.throttle import count_attempt
from app.database import db_write
from app.extensions import db
from app.models import User, utcnow
from tests.helpers import PASSWORD, at_once, count


def register(client, username="newbie", password="long enough pw", confirm=None, name="New Learner"):
    return client.post("/register", data={"username": username, "display_name": name, "password": password,
                                          "confirm": confirm or password})


def test_register_creates_a_learner_with_an_scrypt_hash_and_logs_in(app, client):
    response = register(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/course")
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "newbie"))
        assert user.role == "learner" and user.password_hash.startswith("scrypt:")
        assert user.check_password("long enough pw") and not user.check_password("wrong")
    assert client.get("/course").status_code == 200


def test_register_refuses_short_passwords_mismatches_and_taken_names(app, client, make_user):
    make_user("taken")
    assert "at least 8" in register(client, password="short").data.decode()
    assert "passwords differ" in register(client, password="long enough", confirm="different!").data.decode()
    assert "taken" in register(client, username="TAKEN").data.decode()
    assert "Use letters" in register(client, username="bad name!").data.decode()
    assert count(app, User) == 1


def test_login_and_logout(client, make_user, auth):
    make_user("ann")
    assert auth.login("ann").headers["Location"].endswith("/course")
    assert client.get("/course").status_code == 200
    auth.logout()
    assert client.get("/course").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, make_user, auth):
    make_user("ann")
    response = auth.login("ann", "not the password")
    assert response.status_code == 401 and "Wrong username or password" in response.data.decode()
    assert auth.login("nobody", PASSWORD).status_code == 401


def test_login_follows_only_local_next_urls(client, make_user):
    make_user("ann")
    ok = client.post("/login?next=/glossary", data={"username": "ann", "password": PASSWORD})
    assert ok.headers["Location"].endswith("/glossary")
    client.post("/logout")
    for evil_next in ("//evil.example/x", "/\t/[", "/\\evil.example", "https://evil.example"):
        client.post("/logout")
        evil = client.post("/login", query_string={"next": evil_next}, data={"username": "ann", "password": PASSWORD})
        assert evil.status_code == 302 and evil.headers["Location"].endswith("/course"), evil_next


def test_logout_needs_post(client, learner):
    assert client.get("/logout").status_code == 405
    assert client.get("/course").status_code == 200


def test_pages_need_login(client):
    for url in ("/course", "/modules/amaq", "/modules/amaq/lesson", "/sources", "/sources/orton-2017-amaq",
                "/glossary", "/timeline", "/attempts", "/attempts/1"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert client.get("/").status_code == 200


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    make_user("ann")
    response = client.post("/login", data={"username": "ann", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_csrf_token_is_required_on_posts(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    make_user("ann")
    client = app.test_client()
    response = client.post("/login", data={"username": "ann", "password": PASSWORD})
    assert response.status_code == 400 and "expired" in response.data.decode()


def test_cli_creates_an_instructor(app, runner):
    result = runner.invoke(args=["users", "create", "prof", "--role", "instructor", "--password", "a long password"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(User.role).where(User.username == "prof")) == "instructor"
    again = runner.invoke(args=["users", "create", "prof", "--password", "a long password"])
    assert again.exit_code != 0 and "taken" in again.output
    short = runner.invoke(args=["users", "create", "x", "--password", "short"])
    assert short.exit_code != 0


def test_cli_sets_a_role(app, runner, make_user):
    make_user("ann")
    assert runner.invoke(args=["users", "set-role", "ann", "instructor"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(User.role).where(User.username == "ann")) == "instructor"
    assert runner.invoke(args=["users", "set-role", "ghost", "admin"]).exit_code != 0


def test_security_headers(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_display_names_render_inert(client):
    register(client, username="evil", name='<script>alert(1)</script>')
    html = client.get("/course").data.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_five_wrong_passwords_from_one_address_lock_that_pair_only_briefly(app, client, make_user, auth):
    make_user("ann")
    for _ in range(5):
        assert auth.login("ann", "wrong password").status_code == 401
    locked = auth.login("ann")  # even the right password waits
    assert locked.status_code == 429 and "Too many failed attempts" in locked.data.decode()
    assert 0 < int(locked.headers["Retry-After"]) <= 300
    # another address is not locked out of the same account
    other = app.test_client()
    assert other.post("/login", data={"username": "ann", "password": PASSWORD},
                      environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 302
    with app.app_context(), db_write():
        assert count_attempt(PAIR, "ann|127.0.0.1").refused_for > 0
        assert count_attempt(PAIR, "ann|127.0.0.1", now=utcnow() + timedelta(minutes=6)).refused_for == 0


def test_an_attacker_elsewhere_can_lock_an_account_for_a_minute_at_most(app, make_user):
    make_user("ann")
    with app.app_context():
        with db_write():
            for i in range(20):
                assert not begin_login("ann", f"203.0.113.{i}", None).refused_for
            assert 0 < begin_login("ann", "198.51.100.1", None).refused_for <= 60
        with db_write():
            assert count_attempt(ACCOUNT, "ann", now=utcnow() + timedelta(seconds=61)).refused_for == 0


def test_unknown_usernames_are_throttled_like_real_ones(client, auth):
    for _ in range(5):
        auth.login("ghost", "whatever pw")
    assert auth.login("ghost", "whatever pw").status_code == 429


def test_a_successful_login_clears_the_pair_count(app, client, make_user, auth):
    make_user("ann")
    for _ in range(4):
        auth.login("ann", "wrong password")
    assert auth.login("ann").status_code == 302
    auth.logout()
    for _ in range(4):
        assert auth.login("ann", "wrong password").status_code == 401


def test_hsts_only_when_served_over_https(make_app):
    plain = make_app().test_client().get("/")
    assert "Strict-Transport-Security" not in plain.headers
    secure = make_app(SESSION_COOKIE_SECURE=True).test_client().get("/")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_usernames_that_differ_only_in_case_or_unicode_form_are_one_account(app, client, runner, make_user):
    """The database's unique username key refuses them, whatever path makes the account."""
    from sqlalchemy.exc import IntegrityError

    make_user("kate")
    make_user("inst1")
    assert "taken" in register(client, username="KATE").data.decode()
    cli = runner.invoke(args=["users", "create", "INST1", "--password", "a long password"])
    assert cli.exit_code != 0 and "taken" in cli.output
    for look_alike in ("KATE", "\u212aate", "\uff2b\uff21\uff34\uff25"):  # Kelvin sign; fullwidth KATE
        with app.app_context():
            try:
                with db_write():
                    db.session.add(User(username=look_alike, display_name="Mallory", password_hash="x"))
            except IntegrityError:
                pass
            else:
                raise AssertionError(f"{look_alike!r} became a second account")
    assert count(app, User) == 2
    assert client.post("/login", data={"username": "\u212aATE", "password": PASSWORD}).status_code == 302


def test_sixteen_registrations_of_one_name_at_once_make_one_account(app):
    fullwidth = {letter: chr(ord(letter) + 0xFEE0) for letter in "racerRACER"}
    variants = ["racer", "RACER", "Racer", "rAcEr", "RaCeR", "raceR", "RACEr", "rACER", "racER", "RAcer"] + [
        "".join(fullwidth[c] if i in picks else c for i, c in enumerate(name))
        for name, picks in (("racer", {0}), ("racer", {1, 3}), ("RACER", {4}), ("racer", {0, 1, 2, 3, 4}),
                            ("RACER", {0, 1, 2, 3, 4}), ("Racer", {0}))]

    def register_as(name):
        return register(app.test_client(), username=name).status_code

    statuses = at_once(register_as, variants)
    assert count(app, User) == 1 and statuses.count(302) == 1, statuses


def test_the_cli_finds_accounts_by_name_whatever_the_case(app, runner, make_user):
    make_user("ann")
    assert runner.invoke(args=["users", "set-role", "ANN", "instructor"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(User.role).where(User.username == "ann")) == "instructor"
    assert runner.invoke(args=["users", "create", "bad name", "--password", "a long password"]).exit_code != 0


@pytest.fixture
def cheap_hashes(monkeypatch):
    """Accounts made in this test get a one-round hash, so it can fail hundreds of logins quickly."""
    real = models.generate_password_hash
    monkeypatch.setattr(models, "generate_password_hash",
                        lambda password, method: real(password, method="pbkdf2:sha256:1"))


@pytest.fixture
def password_checks(monkeypatch):
    """One entry per password hash checked, from any thread."""
    checks, real = [], models.check_password_hash

    def counted(password_hash, password):
        checks.append(password_hash)
        return real(password_hash, password)
    monkeypatch.setattr(models, "check_password_hash", counted)
    return checks


def browser(app, address="198.51.100.7"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def login_from(client, username, password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def spread_guesses(app, username, guesses=25, network="203.0.113"):
    for i in range(guesses):
        assert login_from(browser(app, f"{network}.{i}"), username, "a guess").status_code in (401, 429)


def test_a_learner_logs_in_from_her_own_browser_while_guesses_spread_over_addresses_lock_everyone_else(
        app, make_user, cheap_hashes):
    make_user("ann")
    own = browser(app)
    assert login_from(own, "ann").status_code == 302
    own.post("/logout")
    for round_ in range(3):
        spread_guesses(app, "ann", network=f"203.0.{round_}")
        assert login_from(browser(app, "192.0.2.1"), "ann").status_code == 429  # the right password, no cookie
        assert login_from(own, "ann").status_code == 302
        own.post("/logout")
    assert own.get_cookie(COOKIE) is not None  # logout keeps the device cookie


def test_a_hundred_failures_from_the_classroom_address_leave_browsers_that_logged_in_before_trusted(
        app, make_user, cheap_hashes):
    classroom = "10.20.30.40"
    for name in ["ann", "bob"] + [f"pupil{i}" for i in range(20)]:
        make_user(name)
    ann = browser(app, classroom)
    assert login_from(ann, "ann").status_code == 302
    ann.post("/logout")
    attacker = browser(app, classroom)
    for i in range(20):
        for _ in range(5):
            login_from(attacker, f"pupil{i}", "a guess")
    assert login_from(browser(app, classroom), "bob").status_code == 429  # untrusted: the address is locked
    assert login_from(ann, "ann").status_code == 302


def test_a_forged_or_another_accounts_device_cookie_counts_as_none(app, make_user, cheap_hashes):
    make_user("ann")
    make_user("bob")
    bobs = browser(app)
    assert login_from(bobs, "bob").status_code == 302
    bobs.post("/logout")
    spread_guesses(app, "ann")
    assert login_from(bobs, "ann").status_code == 429
    forged = browser(app)
    forged.set_cookie(COOKIE, URLSafeTimedSerializer("not the secret key", salt="device-cookie").dumps({"ann": "x"}))
    assert login_from(forged, "ann").status_code == 429
    garbage = browser(app)
    garbage.set_cookie(COOKIE, "ann")
    assert login_from(garbage, "ann").status_code == 429


def test_guesses_from_a_trusted_browser_use_up_its_own_limit_then_it_is_untrusted(app, make_user, cheap_hashes):
    make_user("ann")
    own = browser(app)
    assert login_from(own, "ann").status_code == 302
    own.post("/logout")
    spread_guesses(app, "ann")
    assert login_from(own, "ann").status_code == 302  # trusted, though the account is locked for others
    own.post("/logout")
    for _ in range(5):
        assert login_from(own, "ann", "a guess").status_code == 401
    assert login_from(own, "ann").status_code == 429  # the device's cookie is locked out: as untrusted as any


def test_the_device_cookie_is_signed_httponly_lax_long_lived_and_secure_over_https(make_app, make_user):
    plain = make_app()
    make_user("ann")
    cookie = next(c for c in login_from(plain.test_client(), "ann").headers.getlist("Set-Cookie")
                  if c.startswith(COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    assert "Secure" not in cookie
    secure = make_app(SESSION_COOKIE_SECURE=True).test_client()
    assert any(c.startswith(COOKIE + "=") and "Secure" in c
               for c in login_from(secure, "ann").headers.getlist("Set-Cookie"))


def test_an_unknown_username_costs_one_password_check_like_a_known_one(client, make_user, auth, password_checks):
    make_user("ann")
    assert auth.login("nobody", PASSWORD).status_code == 401
    assert len(password_checks) == 1
    assert auth.login("ann", "wrong password").status_code == 401
    assert len(password_checks) == 2


def test_forty_guesses_at_once_from_one_address_check_at_most_five_passwords(app, make_user, password_checks):
    make_user("ann")
    statuses = at_once(lambda _: login_from(browser(app), "ann", "a guess").status_code, list(range(40)))
    assert len(password_checks) <= 5 and statuses.count(401) == len(password_checks)
    assert statuses.count(429) == 40 - len(password_checks)


def test_a_hundred_guesses_at_once_from_ten_addresses_check_at_most_twenty_passwords(app, make_user, password_checks):
    make_user("ann")
    addresses = [f"203.0.113.{i // 10}" for i in range(100)]
    statuses = at_once(lambda address: login_from(browser(app, address), "ann", "a guess").status_code, addresses)
    assert len(password_checks) <= 20 and statuses.count(401) == len(password_checks)


def test_registrations_from_one_address_are_limited(make_app):
    app = make_app(REGISTRATIONS_PER_ADDRESS=3)
    for i in range(3):
        assert register(browser(app, "10.1.1.1"), username=f"pupil{i}").status_code == 302
    refused = register(browser(app, "10.1.1.1"), username="pupil3")
    assert refused.status_code == 429 and "Too many accounts" in refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    assert register(browser(app, "10.1.1.2"), username="pupil3").status_code == 302
    assert count(app, User) == 4


def test_by_default_a_class_of_sixty_on_one_address_registers_within_ten_minutes(app):
    assert app.config["REGISTRATION_WINDOW_MINUTES"] == 10
    with app.app_context(), db_write():
        waits = [count_registration("10.1.1.1").refused_for for _ in range(101)]
    assert waits[:100] == [0] * 100 and 0 < waits[100] <= 600
