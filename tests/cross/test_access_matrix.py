"""Who may do what, for every route in the URL map.

POLICIES below is the access table: every endpoint the app registers must have an entry,
so a new route cannot be added without saying who may use it (test_every_endpoint_has_a_policy).
The other tests are generated from the URL map and the table: each route, filled with
real ids, is requested by each actor — anonymous, learner A (who owns the attempts and is a
member of the class), learner B (in another instructor's class), an instructor (who hosts the
seminar and owns the class), a co-instructor of that class, another instructor who teaches none
of A's classes, and an admin — and must answer exactly as the table says,
without touching anyone else's data. Then: every POST is refused without a CSRF token,
and no GET writes to the database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from app.accounts.resets import issue_reset
from app.classes.models import ClassInstructor, ClassMember, CourseClass
from app.database import db_write
from app.extensions import db
from app.models import Attempt, AttemptItem, CardReview, ReviewCard
from app.spaced.sync import sync_cards
from tests.helpers import PASSWORD, correct_form, logged_in, make_class, make_seminar, open_class

GET, POST = frozenset({"GET"}), frozenset({"POST"})
ACTORS = ("anonymous", "owner", "other", "instructor", "co", "stranger", "admin")
LOGGED_IN = ACTORS[1:]
MODULE = "amaq"


@dataclass(frozen=True)
class Policy:
    """Who may use an endpoint.

    kind:
      public   anyone, logged in or not
      guest    pages for logged-out visitors (login, register): anyone else goes to /course
      login    any logged-in user; anonymous visitors are sent to /login
      owner    an object (an attempt, a review card) that belongs to one learner: only the owner; everyone
               else who is logged in gets 404, exactly as if it did not exist
      staff    instructors and admins; learners get 403
      teacher  a class, for its instructors (the owner: the instructor; the co-instructor) and admins; anyone
               else — learners, members or not, and another instructor — gets 404
      member   a seminar, for the learners who joined it (the owner has; the other learner has
               not): everyone else gets 404, except that GETs send its host (the instructor; an
               admin may host any seminar) to `host_ok`
      host     a seminar, for its host (the instructor) and admins; anyone else gets 404
      participant  a seminar, for its members and its hosts; anyone else gets 404
      teacher  a learner's account (the owner's), for an instructor of one of her classes and admins;
               anyone else gets 404, the learner herself included (and her attempts, by `ok_submitted`)
      admin    admins only; everyone else who is logged in gets 403
      bearer   a one-time link: anyone holding it, logged in or not
    methods: the methods the route answers (besides HEAD/OPTIONS); any other gives 405.
             POST routes are the state changes; they never answer GET.
    ok:      (status, location path) for an allowed actor; the location may use {module},
             {attempt} and regular expressions.
    ok_submitted: the same for an owner (or teacher) route when the attempt is already submitted.
    host_ok: for a member route, what a GET by the seminar's host gives.
    """

    kind: str
    methods: frozenset
    ok: tuple[int, str | None] = (200, None)
    ok_submitted: tuple[int, str | None] | None = None
    host_ok: tuple[int, str | None] = (404, None)


POLICIES: dict[str, Policy] = {
    "static": Policy("public", GET),
    "learning.home": Policy("guest", GET),
    "auth.register": Policy("guest", GET | POST),
    "auth.login": Policy("guest", GET | POST),
    "auth.logout": Policy("login", POST, ok=(302, "/")),
    "learning.dashboard": Policy("login", GET),
    "learning.module": Policy("login", GET),
    "learning.lesson": Policy("login", GET),
    "learning.lesson_read": Policy("login", POST, ok=(302, "/modules/{module}")),
    "learning.sources": Policy("login", GET),
    "learning.reader": Policy("login", GET),
    "learning.glossary": Policy("login", GET),
    "learning.timeline": Policy("login", GET),
    "quiz.start": Policy("login", POST, ok=(302, r"/attempts/\d+")),
    "quiz.take": Policy("owner", GET, ok=(200, None), ok_submitted=(302, "/attempts/{attempt}/review")),
    "quiz.save": Policy("owner", POST, ok=(302, "/attempts/{attempt}"),
                        ok_submitted=(302, "/attempts/{attempt}/review")),
    "quiz.token": Policy("owner", GET, ok_submitted=(200, None)),
    "quiz.submit": Policy("owner", POST, ok=(302, "/attempts/{attempt}/review"),
                          ok_submitted=(302, "/attempts/{attempt}/review")),
    "review.attempts": Policy("login", GET),
    "review.attempt": Policy("owner", GET, ok=(302, "/attempts/{attempt}"), ok_submitted=(200, None)),
    "review.attempt_csv": Policy("owner", GET, ok=(302, "/attempts/{attempt}"), ok_submitted=(200, None)),
    "instructor.results": Policy("staff", GET),
    "instructor.module_results": Policy("staff", GET),
    "instructor.module_results_csv": Policy("staff", GET),
    "instructor.module_answers": Policy("staff", GET),
    "instructor.module_answers_csv": Policy("staff", GET),
    "seminar.index": Policy("staff", GET),
    "seminar.pick": Policy("staff", GET),
    "seminar.create": Policy("staff", POST, ok=(302, "/seminars")),  # an empty form: back with a message
    "seminar.join_form": Policy("login", GET),
    "seminar.join_room": Policy("login", POST, ok=(400, None)),  # no code typed
    "seminar.live": Policy("member", GET, host_ok=(302, "/seminars/{seminar}/host")),
    "seminar.state": Policy("participant", GET),
    "seminar.answer_question": Policy("member", POST, ok=(400, None)),  # says no question
    "seminar.host": Policy("host", GET),
    "seminar.screen": Policy("host", GET),
    "seminar.advance_room": Policy("host", POST, ok=(400, None)),  # no button pressed
    "seminar.results_csv": Policy("host", GET),
    "seminar.member_step": Policy("bearer", GET),  # the owner's signed member address: no session needed
    "seminar.confirm_end": Policy("host", GET),
    "seminar.leaderboard": Policy("host", POST, ok=(400, None)),  # neither on nor off chosen
    "spaced.queue": Policy("login", GET),
    "spaced.answer": Policy("owner", POST, ok=(302, "/review")),  # an empty form: back to the queue with a message
    "spaced.result": Policy("owner", GET),
    "spaced.easy": Policy("owner", POST, ok=(302, r"/review/cards/\d+/reviews/1")),  # a miss cannot be made easy
    "spaced.card_history": Policy("owner", GET),
    "instructor.card_results": Policy("staff", GET),
    "instructor.exports": Policy("staff", GET),
    "instructor.export_moodle_xml": Policy("staff", GET),
    "instructor.export_gift": Policy("staff", GET),
    "instructor.export_handout": Policy("staff", GET),
    "instructor.calibration_results": Policy("staff", GET),
    "instructor.gradebook_page": Policy("staff", GET),
    "instructor.gradebook_csv": Policy("staff", GET),
    "instructor.learner": Policy("teacher", GET),
    # an open attempt has no review yet, even for the learner's instructors
    "instructor.learner_attempt": Policy("teacher", GET, ok=(404, None), ok_submitted=(200, None)),
    "accounts.account": Policy("login", GET),
    "accounts.change_password": Policy("login", POST, ok=(400, None)),  # an empty form: the page with its errors
    "accounts.change_name": Policy("login", POST, ok=(400, None)),
    "accounts.delete_account": Policy("login", POST, ok=(400, None)),  # no password: the account is kept
    "accounts.users": Policy("admin", GET),
    "accounts.reset_link": Policy("teacher", POST),
    "accounts.reset_form": Policy("bearer", GET),
    "accounts.reset_password": Policy("bearer", POST, ok=(400, None)),  # no new password: the link is kept
    "classes.index": Policy("staff", GET),
    "classes.create": Policy("staff", POST, ok=(400, None)),  # an empty form: the page again, with its errors
    "classes.show": Policy("teacher", GET),
    "classes.roster_page": Policy("teacher", GET),
    "classes.roster_csv": Policy("teacher", GET),
    "classes.enrolment": Policy("teacher", POST, ok=(400, None)),  # neither open nor close chosen
    "classes.new_code": Policy("teacher", POST, ok=(302, "/classes/{course_class}")),
    "classes.modules": Policy("teacher", POST, ok=(400, None)),  # no module ticked
    "classes.add_co_instructor": Policy("teacher", POST, ok=(400, None)),  # no username
    "classes.remove": Policy("teacher", POST, ok=(302, "/classes/{course_class}")),
    "classes.enrol_form": Policy("login", GET),
    "classes.enrol_post": Policy("login", POST, ok=(400, None)),  # no code typed
}
HOSTS = ("instructor", "admin")  # the instructor hosts the seminar; an admin may host any
STAFF = ("instructor", "co", "stranger", "admin")
TEACHERS = ("instructor", "co", "admin")  # of the owner's class (an admin teaches every class)

# The results pages narrowed by `?class=<id>` (app/instructor/scoping.py): what each role around one class
# gets. Every instructor.* endpoint must be listed, so a new results page says how it is scoped.
CLASS_ROLES = ("class_owner", "co_instructor", "member", "non_member", "other_instructor", "admin")
CLASS_SCOPED: dict[str, dict[str, int]] = {
    endpoint: {"class_owner": 200, "co_instructor": 200, "member": 403, "non_member": 403,
               "other_instructor": 404, "admin": 200}
    for endpoint in ("instructor.results", "instructor.module_results", "instructor.module_results_csv",
                     "instructor.module_answers", "instructor.module_answers_csv",
                     "instructor.card_results", "instructor.calibration_results", "instructor.gradebook_page",
                     "instructor.gradebook_csv")}
# The bank's exports are the same for every class: they show no learner, so nothing is scoped.
NOT_SCOPED = ("instructor.exports", "instructor.export_moodle_xml", "instructor.export_gift",
              "instructor.export_handout")
# The instructor.* pages about one learner, scoped by who teaches that learner (the "teacher" policy above).
SCOPED_BY_LEARNER = {"instructor.learner", "instructor.learner_attempt"}
EVERYONE = {"class_owner": 404, "co_instructor": 404, "member": 403, "non_member": 403, "other_instructor": 404,
            "admin": 200}  # ?class=everyone: every learner, for admins only


# ---------------------------------------------------------------------------- helpers


def snapshot(app: Flask) -> dict[str, list[str]]:
    """Every row of every table (whatever tables the models define today)."""
    with app.app_context():
        db.session.remove()
        state = {table.name: sorted(repr(tuple(row)) for row in db.session.execute(sa.select(table)))
                 for table in db.metadata.sorted_tables}
        db.session.remove()
        return state


def diff(before: dict, after: dict) -> dict:
    return {name: {"gone": sorted(set(before[name]) - set(after[name])),
                   "new": sorted(set(after[name]) - set(before[name]))}
            for name in before if before[name] != after[name]}


def rules(app: Flask):
    return sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint)


def methods_of(rule) -> frozenset:
    return frozenset(rule.methods - {"HEAD", "OPTIONS"})


@dataclass
class World:
    app: Flask
    clients: dict
    ids: dict = field(default_factory=dict)  # user ids by actor
    open_attempt: int = 0
    submitted_attempt: int = 0
    source: str = ""
    seminar: int = 0  # hosted by the instructor, joined by the owner
    course_class: int = 0  # owned by the instructor, co-taught by the co-instructor, the owner a member
    card: int = 0  # the owner's review card, with one review (a miss)
    token: str = "x" * 43  # a reset link for the owner
    room_token: str = "x"  # the seminar's polling token

    def url(self, rule, attempt: int | None = None) -> str:
        values = {"module_id": MODULE, "source_id": self.source, "filename": "css/app.css",
                  "attempt_id": attempt or self.open_attempt, "seminar_id": self.seminar,
                  "card_id": self.card, "number": 1, "class_id": self.course_class,
                  "user_id": self.ids.get("owner", 1),
                  "token": self.room_token if rule.endpoint == "seminar.member_step" else self.token}
        missing = set(rule.arguments) - set(values)
        if missing:
            pytest.fail(f"no test value for <{'>, <'.join(sorted(missing))}> in {rule.rule}: add one to World.url")
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(r"<(?:[^:<>]+:)?" + name + ">", str(values[name]), path)
        return path


def call(client, method: str, url: str, **kwargs):
    """A request whose body is read and closed (static files stream from an open file)."""
    response = client.open(url, method=method, **kwargs)
    response.get_data()
    response.close()
    return response


def login(client, username: str) -> None:
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, (username, response.status_code)


@pytest.fixture
def world(app, make_user, catalog) -> World:
    users = {"owner": make_user("ann"), "other": make_user("bob"),
             "instructor": make_user("prof", role="instructor"), "co": make_user("cole", role="instructor"),
             "stranger": make_user("stan", role="instructor"), "admin": make_user("root", role="admin")}
    # classes of their own besides the one built through the pages below, whose state changes remove
    # the owner from it: the instructor and the co-instructor keep teaching the owner, the stranger teaches bob
    for teacher, learner in (("instructor", "owner"), ("co", "owner"), ("stranger", "other")):
        teach_class(app, users[teacher], users[learner])
    clients = {actor: app.test_client() for actor in ACTORS}
    for actor, user in users.items():
        login(clients[actor], user.username)
    owner = clients["owner"]
    first = int(owner.post(f"/modules/{MODULE}/quiz").headers["Location"].rsplit("/", 1)[1])
    assert owner.post(f"/attempts/{first}/submit", data=correct_form(app, first)).status_code == 302
    second = int(owner.post(f"/modules/{MODULE}/quiz").headers["Location"].rsplit("/", 1)[1])
    half = {k: v for k, v in correct_form(app, second).items() if re.match(r"q[0-4](-|$)", k)}
    assert owner.post(f"/attempts/{second}/save", data=half).status_code == 302
    assert first != second
    seminar_id, _ = make_seminar(app, clients["instructor"], MODULE, members=[owner])
    class_id, _ = open_class(app, clients["instructor"], members=[owner])
    assert clients["instructor"].post(f"/classes/{class_id}/instructors", data={"username": "cole"}).status_code == 302
    return World(app=app, clients=clients, ids={a: u.id for a, u in users.items()}, open_attempt=second,
                 course_class=class_id,
                 submitted_attempt=first, source=catalog.module(MODULE).source_ids[0], seminar=seminar_id,
                 card=missed_card(app, users["owner"].id, catalog, users.values()),
                 token=reset_link(app, users["owner"].id), room_token=polling_token(app, seminar_id))


def polling_token(app: Flask, seminar_id: int) -> str:
    from app.seminar.room_state import room_token

    with app.app_context():
        return room_token(seminar_id)


def teach_class(app: Flask, instructor, learner) -> None:
    """A class the instructor teaches and the learner is enrolled in."""
    with app.app_context():
        with db_write():
            course_class = CourseClass(name=f"{instructor.username}'s class", code=f"K{instructor.id}QZ",
                                       created_by=instructor.id)
            db.session.add(course_class)
            db.session.flush()
            db.session.add_all([ClassInstructor(class_id=course_class.id, user_id=instructor.id, role="owner"),
                                ClassMember(class_id=course_class.id, user_id=learner.id)])


def reset_link(app: Flask, user_id: int) -> str:
    with app.app_context():
        return issue_reset(user_id, issued_by=None)


def missed_card(app: Flask, owner_id: int, catalog, users) -> int:
    """A review card of the owner's (a question of another module, missed once), with every user's
    cards synced: the lazy sync on /review and /course is the one write a GET may make
    (app/spaced/sync.py), and once synced it finds nothing new, so the GETs below only read."""
    question = next(q for q in catalog.questions.values() if q.module_id != MODULE)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with app.test_request_context():
        with db_write():
            card = ReviewCard(user_id=owner_id, question_id=question.id, state=1, step=0, stability=0.2,
                              difficulty=7.0, due=now, last_review=now, reps=1)
            db.session.add(card)
            db.session.flush()
            db.session.add(CardReview(card_id=card.id, number=1, user_id=owner_id, origin="quiz", source="test",
                                      rating=1, fraction=0.0, reviewed_at=now, due_after=now))
        for user in users:
            sync_cards(user.id)
        return card.id


def expected_get(policy: Policy, actor: str, submitted: bool) -> tuple[int, str | None]:
    if "GET" not in policy.methods:
        return 405, None
    if policy.kind in ("public", "bearer"):
        return policy.ok
    if policy.kind == "guest":
        return (200, None) if actor == "anonymous" else (302, "/course")
    if actor == "anonymous":
        return 302, "/login"
    refused = refusal(policy, actor, "GET")
    if refused:
        return refused
    return policy.ok_submitted if submitted and policy.ok_submitted else policy.ok


def refusal(policy: Policy, actor: str, method: str) -> tuple[int, str | None] | None:
    """What a logged-in actor gets instead of `ok` on this route; None when allowed."""
    if policy.kind in ("login", "bearer"):
        return None
    if policy.kind == "staff":
        return None if actor in STAFF else (403, None)
    if policy.kind == "teacher":
        return None if actor in TEACHERS else (404, None)
    if policy.kind == "admin":
        return None if actor == "admin" else (403, None)
    if policy.kind == "owner":
        return None if actor == "owner" else (404, None)
    if policy.kind == "member":
        if actor == "owner":
            return None
        return policy.host_ok if actor in HOSTS and method == "GET" else (404, None)
    if policy.kind == "host":
        return None if actor in HOSTS else (404, None)
    assert policy.kind == "participant", policy
    return None if actor in ("owner",) + HOSTS else (404, None)


def check(response, expected: tuple[int, str | None], world: World, attempt: int, what: str) -> None:
    status, where = expected
    assert response.status_code == status, f"{what}: {response.status_code}, expected {status}"
    if where is not None:
        pattern = where.format(module=MODULE, attempt=attempt, seminar=world.seminar, course_class=world.course_class)
        location = urlsplit(response.headers["Location"]).path
        assert re.fullmatch(pattern, location), f"{what}: went to {location}, expected {pattern}"


def attempt_state(app: Flask, attempt_id: int):
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        items = db.session.scalars(sa.select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)
                                   .order_by(AttemptItem.position)).all()
        return (attempt.user_id, attempt.submitted_at, attempt.score, attempt.last_saved_at,
                [(i.response, i.answered_at, i.fraction) for i in items])


# ---------------------------------------------------------------------------- the table itself


def test_every_endpoint_has_a_policy(app):
    """Fails when a route is added (or renamed) without an entry in POLICIES."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(POLICIES))
    assert not missing, f"endpoints without an access policy: {missing}; add them to POLICIES"
    stale = sorted(set(POLICIES) - endpoints)
    assert not stale, f"POLICIES names endpoints that no longer exist: {stale}"


def test_policy_methods_match_the_routes(app):
    """A route that starts answering another method (GET on a state change) must update the table."""
    for rule in rules(app):
        assert methods_of(rule) == POLICIES[rule.endpoint].methods, rule.rule
        if "POST" in methods_of(rule):
            assert rule.endpoint in ("auth.register", "auth.login") or "GET" not in methods_of(rule), (
                f"{rule.rule}: state changes are POST-only")


# ---------------------------------------------------------------------------- GET and 405, every actor


def test_every_route_answers_each_actor_exactly_as_the_table_says(world):
    app = world.app
    # a path two endpoints share, one for GET and one for POST (/reset/<token>): each is checked in its own row
    posted_paths = {rule.rule for rule in rules(app) if "POST" in methods_of(rule)}
    got_paths = {rule.rule for rule in rules(app) if "GET" in methods_of(rule)}
    for actor in ACTORS:
        client = world.clients[actor]
        for rule in rules(app):
            policy = POLICIES[rule.endpoint]
            for submitted, attempt in ((False, world.open_attempt), (True, world.submitted_attempt)):
                if "attempt_id" not in rule.arguments and submitted:
                    continue
                url = world.url(rule, attempt)
                if "GET" in policy.methods or rule.rule not in got_paths:
                    check(call(client, "GET", url), expected_get(policy, actor, submitted), world, attempt,
                          f"GET {url} as {actor}")
                if "POST" not in policy.methods and rule.rule not in posted_paths:
                    before = snapshot(app) if rule.arguments else None
                    assert call(client, "POST", url).status_code == 405, f"POST {url} as {actor}"
                    if before is not None:
                        assert snapshot(app) == before


def test_learner_b_cannot_read_or_change_learner_a_s_attempts(world):
    app, bob = world.app, world.clients["other"]
    before = snapshot(app)
    states = {a: attempt_state(app, a) for a in (world.open_attempt, world.submitted_attempt)}
    for attempt in states:
        form = correct_form(app, attempt)
        form["q0"] = "0"
        for method, url in (("get", f"/attempts/{attempt}"), ("get", f"/attempts/{attempt}/review"),
                            ("get", f"/attempts/{attempt}/review.csv"),
                            ("post", f"/attempts/{attempt}/save"), ("post", f"/attempts/{attempt}/submit")):
            for headers in ({}, {"X-Requested-With": "fetch"}):
                response = getattr(bob, method)(url, data=form if method == "post" else None, headers=headers)
                assert response.status_code == 404, (method, url, headers)
                assert "Ann" not in response.get_data(as_text=True)
        # starting "his" quiz gives Bob his own attempt, never Ann's
        started = bob.post(f"/modules/{MODULE}/quiz")
        assert started.status_code == 302
        own = int(started.headers["Location"].rsplit("/", 1)[1])
        assert own not in states
        with app.app_context():
            assert db.session.get(Attempt, own).user_id == world.ids["other"]
    listing = bob.get("/attempts").get_data(as_text=True)
    for attempt in states:
        assert f"/attempts/{attempt}" not in listing
    assert {a: attempt_state(app, a) for a in states} == states
    changed = diff(before, snapshot(app))
    assert set(changed) <= {"attempt", "attempt_item", "question_version"}  # only Bob's own new attempt
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)
                                 .where(Attempt.user_id == world.ids["owner"])) == 2


# ---------------------------------------------------------------------------- POST, every actor


def post_body(world: World, endpoint: str, actor: str, attempt: int) -> dict:
    if endpoint in ("quiz.save", "quiz.submit"):
        return correct_form(world.app, attempt)
    if endpoint == "auth.register":
        return {"username": f"new-{actor}", "display_name": "New", "password": "long enough pw",
                "confirm": "long enough pw"}
    if endpoint == "auth.login":
        return {"username": "ann", "password": PASSWORD}
    return {}


def post_order(app: Flask) -> list:
    """State changes in an order where each still has something to change: submit and log out last."""
    posts = [rule for rule in rules(app) if "POST" in methods_of(rule)]
    return sorted(posts, key=lambda r: (r.endpoint == "auth.logout", r.endpoint == "quiz.submit", r.endpoint))


def test_state_changes_answer_each_actor_exactly_as_the_table_says(world):
    app = world.app
    for actor in ("anonymous", "other", "stranger", "instructor", "co", "admin", "owner"):
        client = world.clients[actor]
        for rule in post_order(app):
            policy = POLICIES[rule.endpoint]
            for submitted, attempt in ((True, world.submitted_attempt), (False, world.open_attempt)):
                if "attempt_id" not in rule.arguments and submitted:
                    continue
                if policy.kind == "guest" and actor == "anonymous":
                    continue  # the forms themselves are tested in test_auth.py (and would log this client in)
                url, body = world.url(rule, attempt), post_body(world, rule.endpoint, actor, attempt)
                what = f"POST {url} as {actor}"
                before = snapshot(app)
                response = client.post(url, data=body)
                after = snapshot(app)
                if policy.kind == "guest":
                    check(response, (302, "/course"), world, attempt, what)
                    assert after == before, what
                elif actor == "anonymous" and policy.kind != "bearer":
                    check(response, (302, "/login"), world, attempt, what)
                    assert after == before, f"{what}: {diff(before, after)}"
                elif refusal(policy, actor, "POST"):
                    check(response, refusal(policy, actor, "POST"), world, attempt, what)
                    assert after == before, f"{what}: {diff(before, after)}"
                else:
                    expected = policy.ok_submitted if (submitted and policy.ok_submitted) else policy.ok
                    check(response, expected, world, attempt, what)
                    if policy.kind == "owner" and submitted:  # a graded attempt cannot change, even for its owner
                        assert after == before, f"{what}: {diff(before, after)}"
    # the owner's own save and submit did land
    with app.app_context():
        attempt = db.session.get(Attempt, world.open_attempt)
        assert attempt.submitted_at is not None and attempt.score == 100.0
    # and logging out did log out
    assert world.clients["owner"].get("/course").status_code == 302


# ---------------------------------------------------------------------------- CSRF


TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def page_token(client, path: str) -> str:
    match = TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, f"no csrf_token on {path}"
    return match.group(1)


def csrf_login(client, username: str) -> None:
    token = page_token(client, "/login")
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_every_post_is_refused_without_a_valid_csrf_token(make_app, make_user, catalog):
    app = make_app(WTF_CSRF_ENABLED=True)
    make_user("ann")
    make_user("bob")
    ann, bob, anonymous = app.test_client(), app.test_client(), app.test_client()
    csrf_login(ann, "ann")
    csrf_login(bob, "bob")
    token = page_token(ann, f"/modules/{MODULE}")
    attempt = int(ann.post(f"/modules/{MODULE}/quiz", data={"csrf_token": token}).headers["Location"].rsplit("/", 1)[1])
    world = World(app=app, clients={}, open_attempt=attempt, source=catalog.module(MODULE).source_ids[0])
    bobs_token = page_token(bob, "/course")
    posts = post_order(app)
    assert {r.endpoint for r in posts} >= {"quiz.save", "quiz.submit", "auth.logout"}
    for actor, client in (("anonymous", anonymous), ("owner", ann)):
        for rule in posts:
            url, body = world.url(rule), post_body(world, rule.endpoint, actor, attempt)
            for label, extra in (("missing", {}), ("forged", {"csrf_token": "x" * 40}),
                                 ("tampered", {"csrf_token": token[:-3] + "abc"}),
                                 ("another session's", {"csrf_token": bobs_token})):
                for headers in ({}, {"X-Requested-With": "fetch"}):
                    before = snapshot(app)
                    response = client.post(url, data={**body, **extra}, headers=headers)
                    what = f"POST {url} as {actor}, {label} token, {headers}"
                    assert response.status_code == 400, what
                    if headers:
                        assert response.is_json and response.json["ok"] is False, what
                    else:
                        assert "expired" in response.get_data(as_text=True), what
                    assert snapshot(app) == before, f"{what}: {diff(before, snapshot(app))}"
    # the same requests with the page's token are accepted (so the 400s above were the token)
    response = ann.post(f"/attempts/{attempt}/save", data={"q0-present": "1", "q0": "0", "csrf_token": token},
                        headers={"X-Requested-With": "fetch"})
    assert response.status_code == 200 and response.json["ok"]
    assert ann.post("/logout", data={"csrf_token": token}).status_code == 302


# ---------------------------------------------------------------------------- GETs are read-only


# The statistics pages keep their sums (app/instructor/kept.py): the first view of a scope writes them.
KEPT_STATISTICS = {"instructor.module_results", "instructor.module_answers", "instructor.module_results_csv",
                   "instructor.module_answers_csv"}


def test_no_get_changes_the_database(world):
    app = world.app
    app.config["STATISTICS_SETTLE_SECONDS"] = 0  # the world's attempts are folded into the kept statistics
    urls, kept = [], []
    for rule in rules(app):
        if "GET" in methods_of(rule):
            attempts = (world.open_attempt, world.submitted_attempt) if "attempt_id" in rule.arguments else (None,)
            urls += [world.url(rule, a) for a in attempts]
            kept += [world.url(rule, a) for a in attempts] if rule.endpoint in KEPT_STATISTICS else []
    urls += [f"/sources/{world.source}?hl=nonsense", "/modules/nope", "/attempts/999999",
             "/login?next=/course", "/logout", f"/modules/{MODULE}/quiz", f"/attempts/{world.open_attempt}/submit"]
    for actor in ACTORS:
        client = world.clients[actor]
        for url in kept:  # the one write these GETs may make, as /review's card sync (see missed_card)
            call(client, "GET", url)
        for url in urls:
            before = snapshot(app)
            for method in ("GET", "HEAD"):
                status = call(client, method, url).status_code
                assert status < 500, (url, actor, status)
            after = snapshot(app)
            assert after == before, f"GET {url} as {actor} changed {diff(before, after)}"


# ---------------------------------------------------------------------------- class-scoped results


def test_every_results_page_says_how_it_is_scoped_to_classes(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("instructor.")}
    endpoints -= SCOPED_BY_LEARNER
    listed = set(CLASS_SCOPED) | set(NOT_SCOPED)
    assert endpoints == listed, f"add {sorted(endpoints - listed)} to CLASS_SCOPED or NOT_SCOPED"


def test_class_scoped_pages_answer_each_class_role_as_the_table_says(app, make_user):
    """Prof owns the class, Cole co-teaches it, Ann is in it, Bob is not, Olga teaches another class."""
    users = {"class_owner": make_user("prof", role="instructor"), "co_instructor": make_user("cole", role="instructor"),
             "member": make_user("ann"), "non_member": make_user("bob"),
             "other_instructor": make_user("olga", role="instructor"), "admin": make_user("root", role="admin")}
    owner = logged_in(app, "ann")
    attempt = int(owner.post(f"/modules/{MODULE}/quiz").headers["Location"].rsplit("/", 1)[1])
    assert owner.post(f"/attempts/{attempt}/submit", data=correct_form(app, attempt)).status_code == 302
    class_id = make_class(app, users["class_owner"], members=[users["member"]], co=[users["co_instructor"]],
                          modules=[MODULE])
    make_class(app, users["other_instructor"], members=[users["non_member"]], name="Another class")
    clients = {role: logged_in(app, user.username) for role, user in users.items()}
    before = snapshot(app)
    for rule in rules(app):
        if rule.endpoint not in CLASS_SCOPED:
            continue
        path = rule.rule.replace("<module_id>", MODULE)
        for role in CLASS_ROLES:
            for query, table in ((f"class={class_id}", CLASS_SCOPED[rule.endpoint]), ("class=everyone", EVERYONE)):
                response = call(clients[role], "GET", f"{path}?{query}")
                assert response.status_code == table[role], f"GET {path}?{query} as {role}: {response.status_code}"
    assert snapshot(app) == before
