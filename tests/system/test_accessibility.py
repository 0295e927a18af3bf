"""axe-core (the npm package pinned in package.json, installed by ./test) on every page type and every
seminar state: zero critical, serious and moderate violations of WCAG 2.2 A/AA and axe's best practices.

A guard walks the app's GET routes: each endpoint is either checked here (PAGES, SEMINAR_VIEWS) or
exempt with a reason (EXEMPT), so a new page without an axe check fails the suite. Adding a page is
one line in PAGES: (endpoint, user, path; the path may name the seeded ids in tests/system/conftest.py).
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from app import create_app
from app.config import PROJECT_ROOT
from tests.helpers import ONCE

pytestmark = pytest.mark.slow

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("critical", "serious", "moderate")

# (endpoint, who is logged in: None, "ann" the learner, "prof" the instructor, "root" the admin; path)
PAGES = [
    ("learning.home", None, "/"),
    ("auth.login", None, "/login"),
    ("auth.register", None, "/register"),
    ("accounts.reset_form", None, "/reset/{reset_token}"),
    ("learning.dashboard", "ann", "/course"),
    ("learning.module", "ann", "/modules/amaq"),
    ("learning.module", "ann", "/modules/review"),  # a locked module
    ("learning.lesson", "ann", "/modules/amaq/lesson"),
    ("learning.lesson", "ann", "/modules/provinces-alliances/lesson"),  # charts
    ("learning.sources", "ann", "/sources"),
    ("learning.reader", "ann", "/sources/orton-2017-amaq"),
    ("learning.glossary", "ann", "/glossary"),
    ("learning.timeline", "ann", "/timeline"),
    ("quiz.take", "ann", "/attempts/{open_attempt}"),
    ("review.attempt", "ann", "/attempts/{attempt}/review"),
    ("review.attempts", "ann", "/attempts"),
    ("spaced.queue", "ann", "/review"),
    ("spaced.card_history", "ann", "/review/cards/{card}"),
    ("spaced.result", "ann", "/review/cards/{card}/reviews/1"),
    ("seminar.join_form", "ann", "/join"),
    ("classes.enrol_form", "ann", "/enrol?code={class_code}"),
    ("accounts.account", "ann", "/account"),
    ("instructor.results", "prof", "/instructor/results"),
    ("instructor.module_results", "prof", "/instructor/results/amaq"),
    ("instructor.module_answers", "prof", "/instructor/results/amaq/answers?order=worst"),
    ("instructor.card_results", "prof", "/instructor/results/cards"),
    ("instructor.calibration_results", "prof", "/instructor/results/calibration"),
    ("instructor.gradebook_page", "prof", "/instructor/gradebook"),
    ("instructor.learner", "prof", "/instructor/learners/{user}"),
    ("instructor.learner_attempt", "prof", "/instructor/learners/{user}/attempts/{attempt}"),
    ("instructor.exports", "prof", "/instructor/export"),
    ("instructor.export_handout", "prof", "/instructor/export/critical-reading/handout"),
    ("classes.index", "prof", "/classes"),
    ("classes.show", "prof", "/classes/{class}"),
    ("classes.roster_page", "prof", "/classes/{class}/roster"),
    ("seminar.index", "prof", "/seminars"),
    ("seminar.pick", "prof", "/seminars/pick/amaq"),
    ("seminar.confirm_end", "prof", "/seminars/{seminar}/end"),
    ("accounts.users", "root", "/accounts"),
    ("errors.404", "ann", "/no/such/page"),
    ("errors.403", "ann", "/instructor/results"),
]

# The seminar's three views, checked in each state: (endpoint, user, device, path)
SEMINAR_VIEWS = [
    ("seminar.host", "prof", "desktop", "/seminars/{seminar}/host"),
    ("seminar.screen", "prof", "desktop", "/seminars/{seminar}/screen"),
    ("seminar.live", "ann", "phone", "/seminars/{seminar}"),
]
# (name, phase, position): the seeded learner answered questions 1 and 2, not 3
SEMINAR_STATES = [("lobby", "lobby", -1), ("open", "open", 2), ("answered", "open", 1),
                  ("closed", "closed", 0), ("ended", "ended", 2)]

# GET endpoints that are not pages of their own, with the reason.
EXEMPT = {
    "static": "files: CSS, scripts, the icon",
    "review.attempt_csv": "a CSV download",
    "classes.roster_csv": "a CSV download",
    "instructor.module_results_csv": "a CSV download",
    "instructor.module_answers_csv": "a CSV download",
    "instructor.gradebook_csv": "a CSV download",
    "instructor.export_moodle_xml": "a Moodle XML download",
    "instructor.export_gift": "a GIFT download",
    "seminar.results_csv": "a CSV download",
    "seminar.state": "JSON polled by the seminar's pages",
    "seminar.member_step": "JSON polled by the phones (the signed polling address)",
    "quiz.token": "JSON: a fresh CSRF token for the quiz page",
}

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
}"""


def axe_violations(page) -> list[dict]:
    """The page's violations that block: critical, serious and moderate."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: ./test installs it (npm ci)", pytrace=False)
    # evaluate rather than add_script_tag: the app's CSP refuses inline scripts, which is right
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    return [v for v in page.evaluate(RUN_AXE, AXE_TAGS) if v["impact"] in BLOCKING]


def report(where: str, violations: list[dict]) -> str:
    return f"{where}: " + "\n".join(
        f"  {v['impact']} {v['id']}: {v['help']} — {', '.join(v['targets'])}" for v in violations)


def endpoint_of(app, url: str) -> str:
    return app.url_map.bind("localhost").match(urlsplit(url).path)[0]


@ONCE
@pytest.mark.parametrize("endpoint,user,path", PAGES, ids=[f"{e}-{u}-{p}" for e, u, p in PAGES])
def test_page_has_no_accessibility_violations(world, open_page, endpoint, user, path):
    page = open_page(user)
    response = page.goto(world.url + world.path(path))
    if endpoint.startswith("errors."):
        assert response.status == int(endpoint.split(".")[1])
    else:
        assert response.status == 200, (path, response.status)
        assert endpoint_of(world.app, page.url) == endpoint, (page.url, endpoint)
    violations = axe_violations(page)
    assert violations == [], report(path, violations)


@ONCE
@pytest.mark.parametrize("state,phase,position", SEMINAR_STATES, ids=[s[0] for s in SEMINAR_STATES])
def test_every_seminar_view_has_no_accessibility_violations_in_every_state(world, open_page, state, phase, position):
    world.seminar_at(phase, position)
    found = []
    for endpoint, user, device, path in SEMINAR_VIEWS:
        page = open_page(user, device)
        assert page.goto(world.url + world.path(path)).status == 200, path
        assert endpoint_of(world.app, page.url) == endpoint
        violations = axe_violations(page)
        if violations:
            found.append(report(f"{endpoint} ({state})", violations))
    assert found == [], "\n".join(found)


def test_every_page_of_the_app_has_an_axe_check_or_a_reason_not_to(catalog):
    """A GET route added without a line in PAGES or SEMINAR_VIEWS (or EXEMPT, with its reason) fails here."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "CATALOG": catalog, "SECRET_KEY": "x"})  # routes only
    checked = {endpoint for endpoint, *_ in PAGES} | {endpoint for endpoint, *_ in SEMINAR_VIEWS}
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    unchecked = sorted(routes - checked - set(EXEMPT))
    assert unchecked == [], f"pages without an axe check (add them to PAGES, or to EXEMPT with a reason): {unchecked}"
    assert not set(EXEMPT) & checked, "an endpoint is both checked and exempt"
    assert all(reason.strip() for reason in EXEMPT.values())
    stale = sorted((checked | set(EXEMPT)) - routes - {e for e in checked if e.startswith("errors.")})
    assert stale == [], f"listed endpoints the app no longer has: {stale}"
