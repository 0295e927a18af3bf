"""Course overview and progress, lessons, the source reader, glossary and timeline."""
import re

from markupsafe import escape

from app.extensions import db
from app.learning.progress import course_progress
from app.models import LessonRead, User
from tests.helpers import PASSWORD, correct_form, count, statements_of


def test_dashboard_lists_modules_in_order_with_objectives_and_next_step(client, learner, catalog):
    html = client.get("/course").data.decode()
    positions = [html.index(m.title) for m in catalog.modules]
    assert positions == sorted(positions)
    assert str(escape(catalog.modules[0].objectives[0])) in html
    assert "Read the lesson" in html and "<progress" in html


def test_marking_a_lesson_read_is_recorded_once(app, client, learner):
    assert client.post("/modules/amaq/lesson/read").status_code == 302
    assert client.post("/modules/amaq/lesson/read").status_code == 302
    assert count(app, LessonRead) == 1
    assert "Take the quiz" in client.get("/course").data.decode()


def test_a_learners_read_lessons_are_a_set_of_module_ids(app, client, learner):
    with app.app_context():
        assert db.session.get(User, learner.id).lessons_read == frozenset()
    for module_id in ("amaq", "crypto-finance"):
        client.post(f"/modules/{module_id}/lesson/read")
    with app.app_context():
        assert db.session.get(User, learner.id).lessons_read == {"amaq", "crypto-finance"}


def test_lesson_page_shows_each_learner_their_own_name_and_read_state(app, client, learner, make_user, catalog):
    # The lesson's text is rendered once per process; the learner's part of the page is not.
    client.post("/modules/amaq/lesson/read")
    first = client.get("/modules/amaq/lesson").data.decode()
    make_user("other", display_name="Other Learner")
    other = app.test_client()
    other.post("/login", data={"username": "other", "password": PASSWORD})
    second = other.get("/modules/amaq/lesson").data.decode()
    assert "You marked this lesson as read" in first and "Mark as read" not in first
    assert "Mark as read" in second and "You marked this lesson as read" not in second
    assert "Other Learner" in second and "Other Learner" not in first
    body = str(escape(catalog.module("amaq").title))
    assert body in first and body in second
    assert first.split('<div class="lesson-body">')[1].split("</article>")[0].split("<footer")[0] == \
        second.split('<div class="lesson-body">')[1].split("</article>")[0].split("<footer")[0]


def test_lesson_and_reader_pages_make_one_query_each(app, client, learner):
    """The login lookup brings the lesson's read state along; nothing else on these pages queries."""
    client.post("/modules/amaq/lesson/read")
    pages = {}
    for path in ("/modules/amaq/lesson", "/modules/crypto-finance/lesson", "/sources/orton-2017-amaq"):
        response, statements = statements_of(app, lambda: client.get(path))
        pages[path] = response.data.decode()
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 1, (path, selects)
    assert "You marked this lesson as read" in pages["/modules/amaq/lesson"]
    assert "Mark as read" in pages["/modules/crypto-finance/lesson"]


def test_progress_counts_attempts_best_score_and_pass(app, client, learner, start_quiz, catalog):
    client.post("/modules/amaq/lesson/read")
    failed = start_quiz("amaq")
    client.post(f"/attempts/{failed}/submit")
    passed = start_quiz("amaq")
    client.post(f"/attempts/{passed}/submit", data=correct_form(app, passed))
    with app.app_context():
        progress = course_progress(db.session.merge(learner), catalog)
    amaq = progress.modules[0]
    assert (amaq.read, amaq.submitted, amaq.best, amaq.passed) == (True, 2, 100.0, True)
    assert progress.passed == 1 and progress.percent == round(100 / len(catalog.modules))
    assert "Breaking the Walls" in progress.next_step()[0] or progress.next_step()[1].module.order == 2
    html = client.get("/course").data.decode()
    assert "1 of 6" in html and "passed" in html


def test_resume_is_the_next_step_while_an_attempt_is_open(client, learner, start_quiz):
    start_quiz("amaq")
    assert "Resume your quiz" in client.get("/course").data.decode()


def test_review_module_is_locked_until_the_others_are_passed(client, learner):
    html = client.get("/course").data.decode()
    assert "opens after you pass" in html


def test_lesson_shows_objectives_citations_and_keyboard_reachable_terms(client, learner, catalog):
    html = client.get("/modules/amaq/lesson").data.decode()
    module = catalog.module("amaq")
    assert str(escape(module.objectives[0])) in html
    citations = re.findall(r'<a class="cite" href="(/sources/[^"]+)">', html)
    assert len(citations) >= 10
    # a term is a real link (focusable) described by its tooltip
    term = re.search(r'<a class="term" href="/glossary#term-([a-z0-9-]+)" aria-describedby="([^"]+)"', html)
    assert term and f'id="{term.group(2)}"' in html
    target = client.get(citations[0].replace("&amp;", "&"))
    assert target.status_code == 200 and '<mark class="hl" id="passage"' in target.data.decode()


def test_citation_highlights_exactly_the_quoted_words(client, learner, catalog):
    source = catalog.sources["orton-2017-amaq"]
    passage = source.anchor("Amaq was created in late 2014 as an ostensibly-independent news agency")
    html = client.get(f"/sources/{source.id}?hl={passage.key}").data.decode()
    marked = "".join(re.findall(r'<mark class="hl"[^>]*>(.*?)</mark>', html))
    assert re.sub("<[^>]+>", "", marked) == "Amaq was created in late 2014 as an ostensibly-independent news agency"


def test_reader_shows_the_card_numbered_paragraphs_and_margin_notes(client, learner, catalog):
    source = catalog.sources["orton-2017-amaq"]
    html = client.get(f"/sources/{source.id}").data.decode()
    for text in (source.title, source.publisher, source.date_note, source.reliability, source.removed[0]):
        assert str(escape(text)) in html
    assert all(f'id="p-{p.number}"' in html for p in source.paragraphs)
    notes = catalog.annotations[source.id]
    assert html.count('<aside class="note') == len(notes)
    for kind in ("context", "caution", "crossref", "prompt"):
        assert f"note k-{kind}" in html
    # every note's marker in the text points at its note, and back
    for note in notes:
        assert f'href="#note-{note.id}"' in html and f'href="#ref-{note.id}"' in html


def test_unknown_highlight_key_is_ignored(client, learner):
    response = client.get("/sources/orton-2017-amaq?hl=<script>")
    assert response.status_code == 200 and 'class="hl"' not in response.data.decode()


def test_glossary_lists_every_term_with_where_it_appears(client, learner, catalog):
    html = client.get("/glossary").data.decode()
    for term in catalog.glossary:
        assert f'id="term-{term.slug}"' in html
    assert "Used in the lessons" in html and "Mentioned in" in html


def test_timeline_links_each_event_to_its_passage(client, learner, catalog):
    html = client.get("/timeline").data.decode()
    links = re.findall(r'href="(/sources/[^"]+)"', html)
    assert len(links) == len(catalog.timeline) >= 20
    dates = re.findall(r'<time datetime="([^"]+)"', html)
    assert dates == sorted(dates)


def test_provinces_lesson_draws_the_charts_from_data(client, learner, catalog):
    html = client.get("/modules/provinces-alliances/lesson").data.decode()
    for chart in catalog.charts.values():
        assert f'id="chart-{chart.id}"' in html
    assert html.count("<svg") == len(catalog.charts)


def test_every_module_page_and_lesson_renders(client, learner, catalog):
    for module in catalog.modules:
        assert client.get(f"/modules/{module.id}").status_code == 200
        assert client.get(f"/modules/{module.id}/lesson").status_code == 200
    for source in catalog.sources:
        assert client.get(f"/sources/{source}").status_code == 200


def test_unknown_module_and_source_are_404(client, learner):
    assert client.get("/modules/nope").status_code == 404
    assert client.get("/modules/nope/lesson").status_code == 404
    assert client.post("/modules/nope/lesson/read").status_code == 404
    assert client.get("/sources/nope").status_code == 404
