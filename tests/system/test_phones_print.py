"""What axe cannot see, on phones and in print, in a real browser (the live server and Chromium of
tests/system/conftest.py): the header's menu, targets of at least 24 px, tables and charts on a
390-px screen, focus never under a sticky bar, glossary tooltips (Escape, taps), no time limit on a
self-paced quiz, a countdown announced at sensible moments, and printing to PDF. It also writes the
README's screenshots (SCREENSHOTS), so they show the pages as they are.
"""
from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from app.config import PROJECT_ROOT
from tests.helpers import ONCE

pytestmark = [pytest.mark.slow, ONCE]

# (file in docs/, user, device, path, what to centre and point at or None for the top): the README's
# pictures, rewritten by every run
SCREENSHOTS = [
    ("screenshot-lesson.png", "ann", "desktop", "/modules/amaq/lesson", ".lesson-body a.term"),
    ("screenshot-reader.png", "ann", "desktop", "/sources/orton-2017-amaq?hl=1c529b00c5#p-4", "mark.hl"),
    ("screenshot-quiz-phone.png", "ann", "phone", "/attempts/{open_attempt}", None),
    ("screenshot-projector.png", "prof", "desktop", "/seminars/{seminar}/screen", None),
    ("screenshot-question-analysis.png", "prof", "desktop", "/instructor/results/amaq/answers?order=worst", None),
]
ROOM_FOR_SCREENSHOTS = ("closed", 0)  # the projector after a question: the room's answers, the key and its passage

LEARNER_PAGES = ["/course", "/modules/amaq", "/modules/amaq/lesson", "/sources", "/sources/orton-2017-amaq",
                 "/glossary", "/timeline", "/attempts", "/attempts/{attempt}/review", "/review", "/join", "/account"]
INSTRUCTOR_PAGES = ["/instructor/results", "/instructor/results/amaq", "/classes", "/classes/{class}",
                    "/classes/{class}/roster", "/seminars"]
WIDE_TABLES = ["/instructor/results", "/instructor/results/amaq", "/instructor/results/cards",
               "/classes/{class}/roster", "/seminars"]

FITS = "document.scrollingElement.scrollWidth <= window.innerWidth"

# Every visible target on the page smaller than 24×24 CSS px that fails WCAG 2.5.8's spacing test (a
# 24-px circle on its centre touches another target, or another small target's circle), except links
# inline in running text (the inline exception); a control wrapped in its label counts the label's box.
SMALL_TARGETS = """() => {
  const targets = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (getComputedStyle(el).visibility === 'hidden' || el.closest('.visually-hidden')) continue;
    const own = el.getBoundingClientRect(), label = el.closest('label');
    const wrap = label ? label.getBoundingClientRect() : own;  // the label's box and the control's, together
    const left = Math.min(own.left, wrap.left), top = Math.min(own.top, wrap.top);
    const box = {left, top, right: Math.max(own.right, wrap.right), bottom: Math.max(own.bottom, wrap.bottom),
                 width: Math.max(own.right, wrap.right) - left, height: Math.max(own.bottom, wrap.bottom) - top};
    if (box.width === 0 && box.height === 0) continue;
    let inline = false;
    if (el.tagName === 'A') {
      const block = el.parentElement.closest('p, li, dd, td, th, blockquote, figcaption, h1, h2, h3');
      inline = !!block && block.textContent.trim().length > el.textContent.trim().length + 2;
    }
    targets.push({el, box, inline, small: box.width < 23.5 || box.height < 23.5,
                  x: box.left + box.width / 2, y: box.top + box.height / 2});
  }
  const gap = (t, b) => Math.hypot(Math.max(b.left - t.x, 0, t.x - b.right), Math.max(b.top - t.y, 0, t.y - b.bottom));
  return targets.filter(t => t.small && !t.inline).filter(t => targets.some(o => o !== t && o.el !== t.el &&
      !o.el.contains(t.el) && !t.el.contains(o.el) &&
      (gap(t, o.box) < 12 || (o.small && Math.hypot(o.x - t.x, o.y - t.y) < 24))))
    .map(t => `${t.el.tagName.toLowerCase()}.${t.el.className} "${(t.el.textContent || t.el.value || t.el.name).trim().slice(0, 30)}" ${Math.round(t.box.width)}×${Math.round(t.box.height)}`);
}"""

# Is the focused element at least partly visible, not under a sticky or fixed bar? (WCAG 2.4.11)
FOCUS_HIDDEN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const box = el.getBoundingClientRect();
  if (box.width === 0 && box.height === 0) return null;
  const bars = [...document.querySelectorAll('body *')].filter(b => ['sticky', 'fixed'].includes(getComputedStyle(b).position)
                                                               && !b.contains(el));
  const points = [[box.left + box.width / 2, box.top + box.height / 2], [box.left + 2, box.top + 2], [box.right - 2, box.bottom - 2]];
  const seen = points.some(([x, y]) => {
    if (y < 0 || y > innerHeight || x < 0 || x > innerWidth) return false;
    const hit = document.elementFromPoint(x, y);
    return hit && (hit === el || el.contains(hit) || hit.contains(el) || !bars.some(b => b.contains(hit)));
  });
  return seen ? null : (el.name || el.id || el.className || el.tagName) + ' ' + (el.textContent || '').trim().slice(0, 30);
}"""


def go(page, world, path: str, status: int = 200):
    response = page.goto(world.url + world.path(path))
    assert response.status == status, (path, response.status)
    return response


# --------------------------------------------------------------------------- the header on a phone

def test_on_a_phone_the_header_folds_into_a_menu_on_every_page_and_says_what_is_due(world, open_page):
    pages = [("ann", p) for p in LEARNER_PAGES] + [("prof", p) for p in INSTRUCTOR_PAGES] + [(None, "/login")]
    for user, path in pages:
        page = open_page(user, "phone")
        go(page, world, path)
        folded = page.evaluate("""() => { const header = document.querySelector('header.site');
            const nav = header.querySelector('nav'), button = header.querySelector('.menu-toggle');
            return {nav: nav.getClientRects().length, button: button.getClientRects().length,
                    expanded: button.getAttribute('aria-expanded'), height: header.getBoundingClientRect().height}; }""")
        # the links folded away, the button shown, and the header one line, not a fifth of the screen
        assert folded["nav"] == 0 and folded["button"] == 1 and folded["expanded"] == "false", (path, folded)
        assert folded["height"] <= 64, (path, folded)
        page.close()
    page = open_page("ann", "phone")
    go(page, world, "/course")
    nav, button = page.locator("header.site nav"), page.locator("header.site .menu-toggle")
    expect(button).to_contain_text("due")  # "Review: N due" without opening the menu
    button.click()
    expect(nav).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(nav.locator(".review-link")).to_be_visible()
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(button).to_be_focused()


def test_on_a_wide_screen_or_without_javascript_the_links_are_shown_and_there_is_no_menu_button(
        world, open_page, shared_browser):
    desktop = open_page("ann")
    go(desktop, world, "/course")
    expect(desktop.locator("header.site nav")).to_be_visible()
    expect(desktop.locator(".menu-toggle")).to_be_hidden()
    context = shared_browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    try:
        page = context.new_page()
        go(page, world, "/login")
        expect(page.locator("header.site nav")).to_be_visible()
        expect(page.locator(".menu-toggle")).to_be_hidden()
        assert page.locator("header.site nav").bounding_box()["width"] <= 390
    finally:
        context.close()


# --------------------------------------------------------------------------- sizes on a phone

def test_on_a_phone_every_target_is_at_least_24_px_except_links_in_running_text(world, open_page):
    found = {}
    for user, path in [("ann", p) for p in LEARNER_PAGES + ["/attempts/{open_attempt}"]] + \
                      [("prof", p) for p in INSTRUCTOR_PAGES]:
        page = open_page(user, "phone")
        go(page, world, path)
        page.locator(".menu-toggle").click()  # the menu's links count too
        small = page.evaluate(SMALL_TARGETS)
        if small:
            found[path] = small
        page.close()
    assert found == {}, "\n".join(f"{path}: {small}" for path, small in found.items())


def test_wide_tables_scroll_inside_their_box_and_never_the_page_on_a_phone(world, open_page):
    for path in WIDE_TABLES:
        page = open_page("prof", "phone")
        go(page, world, path)
        assert page.evaluate(FITS), (path, page.evaluate("document.scrollingElement.scrollWidth"))
        regions = page.locator(".table-scroll")
        assert regions.count() >= 1, path
        for i in range(regions.count()):
            expect(regions.nth(i)).to_have_attribute("role", "region")
            expect(regions.nth(i)).to_have_attribute("tabindex", "0")
            assert regions.nth(i).get_attribute("aria-label"), path
        page.close()
    roster = open_page("prof", "phone")
    go(roster, world, "/classes/{class}/roster")
    region = roster.locator(".table-scroll").first
    assert region.evaluate("r => r.scrollWidth > r.clientWidth")  # the roster is wider than a phone: it scrolls
    region.focus()
    roster.keyboard.press("ArrowRight")
    expect(region).to_have_js_property("scrollLeft", 40)


def test_chart_labels_stay_at_least_12_px_on_a_phone_and_inside_their_chart(world, open_page):
    page = open_page("ann", "phone")
    go(page, world, "/modules/provinces-alliances/lesson")
    texts = page.evaluate("""() => [...document.querySelectorAll('.chart svg text')].map(t => {
        const svg = t.ownerSVGElement.getBoundingClientRect(), box = t.getBoundingClientRect();
        return {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
                inside: box.left >= svg.left - 2 && box.right <= svg.right + 2};  // a glyph's overhang
    })""")
    assert len(texts) > 20
    assert [t for t in texts if t["px"] < 12] == []
    assert [t["text"] for t in texts if not t["inside"]] == []
    assert page.evaluate(FITS)


# --------------------------------------------------------------------------- focus and sticky bars

@pytest.mark.parametrize("user,device,path,state", [
    ("ann", "phone", "/attempts/{open_attempt}", None),
    ("ann", "phone", "/seminars/{seminar}", ("open", 2)),
    ("prof", "phone", "/seminars/{seminar}/host", ("open", 2)),
    ("ann", "phone", "/review", None),
], ids=["quiz", "seminar-phone", "seminar-host", "review"])
def test_tabbing_through_a_page_with_sticky_bars_never_hides_the_focused_control(world, open_page, user, device,
                                                                                  path, state):
    if state:
        world.seminar_at(*state)
    page = open_page(user, device)
    page.set_viewport_size({"width": 390, "height": 560})
    go(page, world, path)
    hidden, steps = [], 0
    for steps in range(1, 250):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        problem = page.evaluate(FOCUS_HIDDEN)
        if problem:
            hidden.append(problem)
    assert steps > 5 and hidden == [], (steps, hidden)


# --------------------------------------------------------------------------- glossary tooltips

def test_a_glossary_tooltip_closes_with_escape_and_never_covers_the_next_link(world, open_page):
    page = open_page("ann")
    go(page, world, "/modules/amaq/lesson")
    term = page.locator(".lesson-body a.term").first
    tip = page.locator("#" + term.get_attribute("aria-describedby"))
    term.focus()
    expect(tip).to_be_visible()
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    expect(term).to_be_focused()  # dismissed without moving the focus
    term.evaluate("el => el.blur()")
    term.hover()
    expect(tip).to_be_visible()  # hoverable
    tip.hover()
    expect(tip).to_be_visible()  # the pointer can move onto the definition
    term.focus()
    page.keyboard.press("Tab")  # on to the next link: the definition is gone, the link is uncovered
    page.mouse.move(0, 0)
    expect(tip).to_be_hidden()
    assert page.evaluate("""() => { const el = document.activeElement, b = el.getClientRects()[0];
        const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
        return hit === el || el.contains(hit); }""")


def test_on_a_phone_a_tap_on_a_term_shows_its_definition_and_stays_in_the_lesson(world, open_page, shared_browser):
    page = open_page("ann", "phone")
    go(page, world, "/modules/amaq/lesson")
    lesson_url = page.url
    term = page.locator(".lesson-body a.term").first
    tip = page.locator("#" + term.get_attribute("aria-describedby"))
    term.scroll_into_view_if_needed()
    term.tap()
    expect(tip).to_be_visible()
    assert page.url == lesson_url
    term.tap()  # a second tap hides it
    expect(tip).to_be_hidden()
    assert page.url == lesson_url
    term.tap()
    tip.get_by_role("link", name="Open in the glossary").tap()
    expect(page).to_have_url(re.compile(r"/glossary#term-"))

    context = shared_browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                         java_script_enabled=False)
    try:  # without JavaScript, a term is a plain link to the glossary
        plain = context.new_page()
        go(plain, world, "/login")
        plain.fill("#username", "ann")
        plain.fill("#password", "correct horse battery")
        plain.locator("main form [type=submit]").click()
        go(plain, world, "/modules/amaq/lesson")
        plain.locator(".lesson-body a.term").first.tap()
        expect(plain).to_have_url(re.compile(r"/glossary#term-"))
    finally:
        context.close()


# --------------------------------------------------------------------------- time limits

def test_a_self_paced_quiz_has_no_time_limit(world, open_page):
    page = open_page("ann")
    go(page, world, "/attempts/{open_attempt}")
    assert page.locator("[role=timer], [data-countdown], .countdown, meta[http-equiv=refresh i]").count() == 0
    assert not re.search(r"time (left|remaining|limit)|minutes? left|seconds? left", page.inner_text("main"), re.I)


def test_the_seminar_countdown_is_announced_at_30_and_10_seconds_and_at_the_end_not_every_second(world, open_page):
    world.seminar_at("open", 2)  # 60 s left
    page = open_page("ann", "phone")
    page.clock.install()
    go(page, world, "/seminars/{seminar}")
    page.evaluate("""() => { window.said = [];
        const region = document.querySelector('.countdown-say');
        new MutationObserver(() => window.said.push(region.textContent)).observe(region, {childList: true, characterData: true, subtree: true});
    }""")
    timer = page.locator(".countdown strong")
    expect(timer).to_have_text(re.compile(r"^(59|60)$"))
    for _ in range(64):
        page.clock.run_for(1000)
    expect(page.locator(".countdown")).to_have_text("Time is up.")
    assert page.locator(".countdown-say").get_attribute("aria-live") == "polite"
    assert page.evaluate("window.said") == ["30 seconds left.", "10 seconds left.", "Time is up."]
    expect(page.get_by_role("button", name="Send my answer")).to_be_disabled()


# --------------------------------------------------------------------------- print

def pdf_pages(page) -> list[str]:
    from pypdf import PdfReader
    page.emulate_media(media="print")
    data = page.pdf(format="A4", print_background=False)
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_a_printed_lesson_has_no_navigation_cites_as_in_a_paper_and_ends_with_its_terms(world, open_page):
    page = open_page("ann")
    go(page, world, "/modules/amaq/lesson")
    label = page.locator(".lesson-body .cite-label").first.inner_text()  # e.g. "Orton 2017, ¶4"
    terms = page.locator(".print-glossary dt").all_inner_texts()
    assert terms, "the lesson uses glossary terms"
    text = squash(" ".join(pdf_pages(page)))
    for hidden in ("Skip to content", "My attempts", "Log out", "Mark as read", "Go to the quiz"):
        assert hidden not in text
    assert re.search(r"\(Orton 2017, ¶\s?\d+\)", text), text[:500]
    assert f"({label})" in text
    end = text[text.index("Terms used in this lesson"):]
    assert all(term in end for term in terms)


def test_a_printed_source_keeps_its_notes_and_no_buttons(world, open_page):
    page = open_page("ann")
    go(page, world, "/sources/orton-2017-amaq")
    note = squash(page.locator(".note p:not(.note-head)").first.inner_text())[:40]
    text = squash(" ".join(pdf_pages(page)))
    assert note in text
    assert "Log out" not in text and "Skip to content" not in text


def test_a_printed_review_never_splits_a_question_across_pages(world, open_page):
    page = open_page("ann")
    go(page, world, "/attempts/{attempt}/review")
    heads = page.locator("article.review-item .qnum").all_inner_texts()
    pages = pdf_pages(page)
    assert len(pages) > 1
    text = squash(" ".join(pages))
    assert "Log out" not in text and "Download this review as CSV" not in text
    for head in heads:  # each question's number and its "Evidence" heading are on one page
        holding = [i for i, p in enumerate(pages) if re.search(re.escape(head) + r"\b", squash(p))]
        assert len(holding) == 1, (head, holding)
        after = squash(pages[holding[0]]).split(head, 1)[1]
        assert "Evidence" in after, head


# --------------------------------------------------------------------------- the README's screenshots

def test_the_readme_screenshots_are_taken_from_the_pages_as_they_are(world, open_page):
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    world.seminar_at(*ROOM_FOR_SCREENSHOTS)
    for name, user, device, path, show in SCREENSHOTS:
        page = open_page(user, device)
        go(page, world, path)
        if show:
            page.locator(show).first.evaluate("el => el.scrollIntoView({block: 'center'})")
            page.locator(show).first.hover()
        target = PROJECT_ROOT / "docs" / name
        page.screenshot(path=str(target), full_page=False)
        assert target.stat().st_size > 10_000, name
        assert f"docs/{name}" in readme, f"README.md does not show docs/{name}"
