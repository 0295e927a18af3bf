"""The bank outside the app, from the instructor's pages and from `flask content export`.

What the files hold is tested in tests/unit/test_export.py; here: who may download them, how they
arrive (type, file name, not cached), the handout's print view, and the command line.
"""
import html
import re

import pytest

from app.config import PROJECT_ROOT

MODULE = "amaq"


@pytest.fixture
def instructor(make_user, auth):
    make_user("prof", role="instructor")
    auth.login("prof")


def test_the_cohort_results_page_links_to_the_exports_page_which_links_every_module(instructor, client, catalog):
    assert 'href="/instructor/export"' in client.get("/instructor/results").get_data(as_text=True)
    page = client.get("/instructor/export").get_data(as_text=True)
    for module in catalog.modules:
        for link in ("moodle.xml", "gift.txt", "handout"):
            assert f'href="/instructor/export/{module.id}/{link}"' in page
    assert "GIFT: amaq-history-order (GIFT has no syntax for “Put in order” questions)" in page
    labels = {"source_grade": "Grade the source", "ach": "Weigh the hypotheses"}
    for question in catalog.module("critical-reading").questions:  # Cloze in Moodle, left out of GIFT
        if question.type in labels:
            assert f"GIFT: {question.id} (GIFT has no syntax for “{labels[question.type]}” questions)" in page
    assert "Moodle XML: crit-" not in page
    assert "answered with a term only" in page  # the percentage answer a probability question loses outside the app


@pytest.mark.parametrize("path, mimetype, filename", [
    ("moodle.xml", "application/xml", "groundwork-amaq-moodle.xml"),
    ("gift.txt", "text/plain", "groundwork-amaq-gift.txt"),
])
def test_a_download_is_an_attachment_of_the_right_type_and_never_cached(instructor, client, path, mimetype, filename):
    response = client.get(f"/instructor/export/{MODULE}/{path}")
    assert response.status_code == 200
    assert response.content_type == f"{mimetype}; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.headers["Cache-Control"] == "no-store"
    assert "amaq-ostensibly-independent" in response.get_data(as_text=True)


def test_the_handout_prints_the_questions_then_a_key_on_a_new_page_with_the_evidence(instructor, client, catalog):
    response = client.get(f"/instructor/export/{MODULE}/handout")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert '<link rel="stylesheet" href="/static/css/handout.css">' in page and "<style>" not in page
    questions, key = page.split('<section class="key" aria-label="Answer key">')
    assert questions.count('<section class="question">') == len(catalog.module(MODULE).questions)
    # the learner's part shows the items to order shuffled and no answer or explanation
    order = catalog.questions["amaq-history-order"].spec["data"]["items"]
    shown = [html.unescape(item) for item in re.findall(r'<li><span class="blank short"></span> (.*?)</li>', questions)]
    assert sorted(shown) == sorted(order) and shown != list(order)
    assert "Orton 2017, ¶" not in questions
    assert "“Amaq was created in late 2014 as an ostensibly-independent news agency” (Orton 2017, ¶8)" in key
    css = (PROJECT_ROOT / "static" / "css" / "handout.css").read_text(encoding="utf-8")
    assert re.search(r"\.key \{[^}]*break-before: page", css)
    assert re.search(r"\.question \{[^}]*break-inside: avoid", css)


def test_the_handout_gives_each_tradecraft_type_a_paper_form_and_its_reasoned_key(instructor, client, catalog):
    module = catalog.module("critical-reading")
    page = client.get(f"/instructor/export/{module.id}/handout").get_data(as_text=True)
    questions, key = page.split('<section class="key" aria-label="Answer key">')
    learner = html.unescape(questions)
    of_type = {t: [q.spec["data"] for q in module.questions if q.type == t] for t in ("source_grade", "probability", "ach")}
    assert all(of_type.values())
    # source grading: the report with its citation, and both scales to circle
    assert learner.count("Reliability of the source (circle one):") == len(of_type["source_grade"])
    assert "<li>A completely reliable</li>" in learner and "<li>6 truth cannot be judged</li>" in learner
    for data in of_type["source_grade"]:
        assert f"“{data['report']['quote']}” ({data['report']['short']}, ¶{data['report']['paragraph']})" in learner
        assert data["rationale"]["reliability"] not in questions
        assert data["rationale"]["reliability"] in key and data["rationale"]["credibility"] in key
    # probability: the seven terms to tick, or a percentage to write; the key band with its rationale
    assert learner.count("Or write a percentage from 1 to 99") == len(of_type["probability"])
    assert "almost no chance (1–5%)" in learner and "almost certain (95–99%)" in learner
    for data in of_type["probability"]:
        assert data["rationale"] not in questions and data["rationale"] in key
    # ACH: an empty cell per hypothesis and row, the conclusion to tick; the key matrix with each cell's reason
    assert questions.count('<td class="cell"></td>') == sum(len(d["rows"]) * len(d["hypotheses"]) for d in of_type["ach"])
    for data in of_type["ach"]:
        for row in data["rows"]:
            assert f"“{row['quote']}” ({row['short']}, ¶{row['paragraph']})" in learner
            assert all(reason in key and reason not in questions for reason in row["reasons"])
    assert key.count("<strong>inconsistent</strong>") == sum(r["cells"].count("I") for d in of_type["ach"] for r in d["rows"])


def test_an_unknown_module_is_a_404_for_each_export(instructor, client):
    for path in ("moodle.xml", "gift.txt", "handout"):
        assert client.get(f"/instructor/export/no-such-module/{path}").status_code == 404


def test_learners_are_refused_and_visitors_sent_to_log_in(make_user, auth, client):
    assert client.get(f"/instructor/export/{MODULE}/moodle.xml").status_code == 302
    make_user("ann")
    auth.login("ann")
    for path in ("/instructor/export", f"/instructor/export/{MODULE}/moodle.xml",
                 f"/instructor/export/{MODULE}/gift.txt", f"/instructor/export/{MODULE}/handout"):
        assert client.get(path).status_code == 403


def test_the_cli_writes_a_module_to_standard_output_and_reports_what_gift_left_out(runner):
    result = runner.invoke(args=["content", "export", MODULE, "--format", "gift"])
    assert result.exit_code == 0
    assert result.stdout.startswith("// Groundwork: The Amaq guided-attack model")
    assert "amaq: left out amaq-history-order: GIFT has no syntax for “Put in order” questions" in result.stderr
    xml = runner.invoke(args=["content", "export", MODULE])  # Moodle XML by default
    assert xml.exit_code == 0 and xml.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>')


def test_the_cli_writes_every_module_to_a_folder_and_a_self_contained_handout(runner, tmp_path, catalog):
    folder = tmp_path / "handouts"  # made by the command
    result = runner.invoke(args=["content", "export", "--all", "--format", "handout", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    files = sorted(path.name for path in folder.iterdir())
    assert files == sorted(f"groundwork-{m.id}-handout.html" for m in catalog.modules)
    handout = (folder / "groundwork-amaq-handout.html").read_text(encoding="utf-8")
    assert "<style>" in handout and "break-before: page" in handout and "/static/" not in handout
    one = tmp_path / "one.xml"
    assert runner.invoke(args=["content", "export", MODULE, "-o", str(one)]).exit_code == 0
    assert "<quiz>" in one.read_text(encoding="utf-8")


def test_the_cli_refuses_an_unknown_module_and_a_missing_one(runner):
    unknown = runner.invoke(args=["content", "export", "nope"])
    assert unknown.exit_code != 0 and "no module 'nope'" in unknown.output
    assert "name one MODULE or give --all" in runner.invoke(args=["content", "export"]).output
    assert "give the folder with -o" in runner.invoke(args=["content", "export", "--all"]).output
