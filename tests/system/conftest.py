"""One live server with a seeded world and one Chromium, shared by the accessibility, phone and print tests.

Browser tests are slow, so these files share what is costly: the app is served once per module on
the test database (SQLite, or PostgreSQL with TEST_DATABASE_URL), with a learner who has a submitted
attempt, review cards and a class, an instructor who teaches that class and hosts a timed seminar, an
admin, and a reset link; each test opens its own page in one browser context per user.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.accounts.resets import issue_reset
from app.auth.accounts import create_user
from app.database import db_write
from app.extensions import db
from app.models import ReviewCard, Seminar, User
from tests.helpers import (PASSWORD, database_url, form_for, logged_in, make_seminar, open_class, served,
                           take_quiz)

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright
except ImportError as exc:  # reported by the browser fixture as a failure, never a skip
    PLAYWRIGHT_IMPORT_ERROR: ImportError | None = exc
else:
    PLAYWRIGHT_IMPORT_ERROR = None

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 10_000
PHONE = {"width": 390, "height": 844}
USERS = {"ann": "learner", "prof": "instructor", "root": "admin"}


@dataclass
class World:
    """The served app, the ids the pages need, and how to put the seminar in a given state."""
    app: object
    url: str
    ids: dict = field(default_factory=dict)

    def path(self, template: str) -> str:
        return template.format(**self.ids)

    def seminar_at(self, phase: str, position: int) -> None:
        """Put the seminar in `phase` at `position` (what the host's buttons do), with 60 s left when open."""
        closes = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(seconds=60)
        with self.app.app_context():
            db.session.execute(sa.update(Seminar).where(Seminar.id == self.ids["seminar"]).values(
                phase=phase, position=position, step=Seminar.step + 1,
                closes_at=closes if phase == "open" else None))
            db.session.commit()


def seed(app, world: World) -> None:
    """Accounts, an attempt with its review cards, a class with the learner in it, a seminar he answered in."""
    with app.app_context():
        for username, role in USERS.items():
            create_user(username, PASSWORD, username.title() + " Example", role=role)
    ann, prof = logged_in(app, "ann"), logged_in(app, "prof")
    world.ids["attempt"] = take_quiz(app, ann, correct=False)
    world.ids["open_attempt"] = int(ann.post("/modules/amaq/quiz").headers["Location"].rsplit("/", 1)[1])
    world.ids["class"], world.ids["class_code"] = open_class(app, prof, members=[ann])
    seminar, code = make_seminar(app, prof, questions=3, title="Thursday seminar", members=[ann])
    world.ids["seminar"], world.ids["seminar_code"] = seminar, code
    with app.test_request_context(), db_write():
        db.session.execute(sa.update(Seminar).where(Seminar.id == seminar).values(seconds_per_question=60))
    for position in (0, 1):  # answered while open, so the phone has a waiting and a shown screen
        world.seminar_at("open", position)
        assert ann.post(f"/seminars/{seminar}/answer", data=form_for(app, seminar, position)).status_code == 302
    world.seminar_at("lobby", -1)
    assert ann.get("/review").status_code == 200  # syncs the review cards from the graded attempt
    with app.app_context():
        world.ids["card"] = db.session.scalar(sa.select(sa.func.min(ReviewCard.id)))
        world.ids["user"] = db.session.scalar(sa.select(User.id).where(User.username == "ann"))
    with app.test_request_context():
        world.ids["reset_token"] = issue_reset(world.ids["user"], None)


@pytest.fixture(scope="module")
def world(tmp_path_factory, catalog):
    """The real app, CSRF on, served on a free loopback port for one test module, on a seeded database.

    (Per module, not per session: on PostgreSQL every fixture shares one test database, and other
    modules' fixtures drop its tables.)"""
    tmp = tmp_path_factory.mktemp("world")
    url = database_url(tmp)
    base = {"SQLALCHEMY_DATABASE_URI": url, "CATALOG": catalog, "SECRET_KEY": "x",
            # the review queue's clock runs ahead, so the cards of the seeded attempt are due
            "REVIEW_CLOCK": lambda: datetime.now(timezone.utc) + timedelta(minutes=5)}
    app = create_app({**base, "WTF_CSRF_ENABLED": True})
    seeder = create_app({**base, "TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.drop_all()  # a leftover schema on a shared PostgreSQL test database
        db.create_all()
    world = World(app, "")
    seed(seeder, world)
    with seeder.app_context():
        db.session.remove()
        db.engine.dispose()
    with served(app) as url:
        world.url = url
        yield world


@pytest.fixture(scope="session")
def shared_browser():
    if PLAYWRIGHT_IMPORT_ERROR is not None:
        pytest.fail(f"The browser tests need the Python package playwright: {PLAYWRIGHT_IMPORT_ERROR}", pytrace=False)
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"The browser tests need Chromium at {CHROMIUM} (apt-get install chromium, or set "
                    f"CHROMIUM_PATH); never `playwright install`.", pytrace=False)
    manager = sync_playwright().start()
    try:
        try:
            chromium = manager.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                               timeout=WAIT_MS * 3)
        except PlaywrightError as exc:
            pytest.fail(f"Could not launch Chromium at {CHROMIUM}: {exc}", pytrace=False)
        expect.set_options(timeout=WAIT_MS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        manager.stop()


@pytest.fixture(scope="module")
def sessions(shared_browser, world):
    """Browser contexts by (user, device), each logged in once: user None is a visitor; device "phone" is 390 px."""
    made: dict = {}

    def get(user: str | None, device: str = "desktop"):
        key = (user, device)
        if key not in made:
            options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if device == "phone" else {}
            context = shared_browser.new_context(**options)
            context.set_default_timeout(WAIT_MS)
            context.set_default_navigation_timeout(WAIT_MS)
            if user:
                page = context.new_page()
                page.goto(world.url + "/login")
                page.fill("#username", user)
                page.fill("#password", PASSWORD)
                page.locator("main form [type=submit]").click()
                expect(page).to_have_url(world.url + "/course")
                page.close()
            made[key] = context
        return made[key]

    yield get
    for context in made.values():
        context.close()


@pytest.fixture
def open_page(sessions):
    """open_page(user, device): a new page in that user's context, closed after the test."""
    pages = []

    def new(user: str | None, device: str = "desktop"):
        page = sessions(user, device).new_page()
        pages.append(page)
        return page

    yield new
    for page in pages:
        page.close()
