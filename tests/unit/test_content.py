"""The teaching content: the real catalogue, the loader's error reports, and `flask content check`.

Three groups of tests:

1. The real content under lessons/ and questions/ loads, has the shape the course
   promises, and obeys the grounding rule (checked by the loader, by direct
   re-anchoring, against the seeds and by the shared checker).
2. A minimal valid content tree (tests/fixtures/minimal/) loads cleanly; each
   copy of it with ONE thing broken is reported with the exact message, file and
   line; several breakages are all reported at once.
3. `flask content check` and create_app report broken content and refuse to run.
"""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app import create_app
from app.config import PROJECT_ROOT
from app.content import Catalog, ContentError, load_catalog
from app.content.anchoring import Anchorer
from app.content.extras import ANNOTATION_KINDS
from app.content.model import QuoteNotFound
from app.content.problems import Problem, Problems
from app.content.questions import SKILLS
from app.content.text import normalise
from app.quiz.types import QUESTION_TYPES

SHARED = PROJECT_ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
CHECKER = SHARED / "tools" / "check_grounding.py"
MINIMAL = Path(__file__).resolve().parent.parent / "fixtures" / "minimal"

MODULE_IDS = ["amaq", "breaking-the-walls", "provinces-alliances", "crypto-finance", "critical-reading", "review"]
ALL_TYPES = {"single", "multiple", "true_false", "numeric", "text", "order", "match", "source_grade", "probability",
             "ach"}
ALL_KINDS = {"context", "term", "caution", "crossref", "prompt"}
TYPE_LIST = "single, multiple, true_false, numeric, text, order, match, source_grade, probability, ach"

# A lesson citation as rendered by app.content.markup.citation_html.
CITATION = re.compile(
    r'<a class="cite" href="/sources/(?P<sid>[a-z0-9-]+)\?hl=(?P<key>[0-9a-f]{10})#p-(?P<para>\d+)">'
    r"<q>(?P<quote>.*?)</q>", re.S)
SOURCE_LINK = re.compile(r'href="(/sources/[^"]*)"')
SOURCE_LINK_SHAPE = re.compile(r"/sources/(?P<sid>[a-z0-9-]+)\?hl=(?P<key>[0-9a-f]{10})#p-(?P<para>\d+)")


def require_shared() -> None:
    """The shared folder is part of the contract and always present in CI: never skip, fail clearly."""
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: the shared contract (seeds and check_grounding.py) must sit beside "
                    f"the project at ../shared; it is always present in CI")
    if not SEEDS.is_dir():
        pytest.fail(f"{SEEDS} is missing: the source seeds are needed to check the source bodies")


def evidence_refs(catalog: Catalog):
    for question in catalog.questions.values():
        for ev in question.spec["evidence"]:
            yield question, ev


def one_word_changed(quote: str) -> str:
    words = quote.split()
    middle = len(words) // 2
    words[middle] = "zqxv" + words[middle]
    return " ".join(words)


# ---------------------------------------------------------------------------
# 1. The real content
# ---------------------------------------------------------------------------


def test_real_content_loads(catalog):
    assert isinstance(catalog, Catalog)
    assert len(catalog.sources) == 5
    assert catalog.questions and catalog.glossary and catalog.charts and catalog.timeline


def test_six_modules_in_course_order(catalog):
    assert [(m.order, m.id) for m in catalog.modules] == list(enumerate(MODULE_IDS, start=1))
    for module in catalog.modules:
        assert catalog.module(module.id) is module
        assert module.lesson_html.strip()
        assert set(module.source_ids) <= set(catalog.sources)


def test_question_bank_size_and_types(catalog):
    assert len(catalog.questions) >= 70
    # every module's questions are in the catalogue under a distinct id
    assert sum(len(m.questions) for m in catalog.modules) == len(catalog.questions)
    assert set(QUESTION_TYPES) == ALL_TYPES
    assert {q.type for q in catalog.questions.values()} == ALL_TYPES


@pytest.mark.parametrize("module_id", MODULE_IDS)
def test_each_module_has_a_varied_bank(catalog, module_id):
    module = catalog.module(module_id)
    assert len(module.questions) >= 12, f"{module_id} has {len(module.questions)} questions"
    types = {q.type for q in module.questions}
    assert len(types) >= 5, f"{module_id} uses only {sorted(types)}"
    assert all(q.module_id == module_id for q in module.questions)


@pytest.mark.parametrize("module_id", MODULE_IDS)
def test_each_module_tags_every_question_with_a_skill_and_at_most_30_percent_recall(catalog, module_id):
    """A quiz tests understanding more than recall: every question names the skill it tests, and at
    most 3 in 10 of a module's bank are recall (answered by finding one sentence)."""
    questions = catalog.module(module_id).questions
    untagged = [q.id for q in questions if q.spec.get("skill") not in SKILLS]
    assert not untagged, f"{module_id}: no skill tag on {untagged}"
    recall = [q.id for q in questions if q.spec["skill"] == "recall"]
    assert 10 * len(recall) <= 3 * len(questions), (
        f"{module_id}: {len(recall)} of {len(questions)} questions are recall: {recall}")


def test_annotations_per_module_and_kind(catalog):
    annotations = [a for per_source in catalog.annotations.values() for a in per_source]
    per_module = Counter(a.module_id for a in annotations)
    for module_id in MODULE_IDS:
        if module_id != "review":
            assert per_module[module_id] >= 10, f"{module_id} has {per_module[module_id]} annotations"
    assert set(ANNOTATION_KINDS) == ALL_KINDS
    assert {a.kind for a in annotations} == ALL_KINDS
    for annotation in annotations:
        assert annotation.note_html.strip()
        assert (annotation.see is not None) == (annotation.kind == "crossref"), annotation.id


def test_every_question_has_evidence_that_anchors_in_its_source(catalog):
    for question in catalog.questions.values():
        assert question.spec["evidence"], f"{question.id} has no evidence"
    for question, ev in evidence_refs(catalog):
        assert {"source", "quote", "key", "paragraph"} <= set(ev), question.id
        assert ev["quote"].strip(), question.id
        assert ev["source"] in catalog.sources, question.id
        source = catalog.sources[ev["source"]]
        recorded = catalog.passages[ev["source"]][ev["key"]]
        passage = source.anchor(ev["quote"], recorded.occurrence)
        assert passage.key == ev["key"], question.id
        assert passage.paragraph == ev["paragraph"], question.id
        assert source.body[passage.start:passage.end] == normalise(ev["quote"]), question.id


def test_every_passage_key_maps_back_to_its_quote(catalog):
    assert sum(len(p) for p in catalog.passages.values()) > 0
    for sid, passages in catalog.passages.items():
        source = catalog.sources[sid]
        paragraphs = {p.number: p for p in source.paragraphs}
        for key, passage in passages.items():
            assert passage.key == key and passage.source_id == sid
            assert passage.spans, key
            text = " ".join(paragraphs[n].text[start:end] for n, start, end in passage.spans)
            assert normalise(text) == normalise(passage.quote), (sid, key)
            assert source.body[passage.start:passage.end] == normalise(passage.quote), (sid, key)


def test_lesson_citations_link_to_anchored_passages(catalog):
    for module in catalog.modules:
        citations = list(CITATION.finditer(module.lesson_html))
        assert citations, f"{module.id}: the lesson cites no source"
        for match in citations:
            sid, key, para = match["sid"], match["key"], int(match["para"])
            assert sid in catalog.sources, (module.id, sid)
            assert key in catalog.passages[sid], (module.id, sid, key)
            passage = catalog.passages[sid][key]
            assert passage.paragraph == para, (module.id, key)
            assert normalise(html.unescape(match["quote"])) == normalise(passage.quote), (module.id, key)
        # every link into the reader (citations and chart references alike) has the same shape
        for href in SOURCE_LINK.findall(module.lesson_html):
            shape = SOURCE_LINK_SHAPE.fullmatch(href)
            assert shape, (module.id, href)
            assert shape["key"] in catalog.passages[shape["sid"]], (module.id, href)


def test_loader_rejects_a_quote_changed_by_one_word(catalog):
    """The grounding rule as the loader applies it: one changed word and the quote no longer anchors."""
    checked = 0
    for question, ev in evidence_refs(catalog):
        changed = one_word_changed(ev["quote"])
        with pytest.raises(QuoteNotFound, match=f"quote not in {ev['source']}"):
            catalog.sources[ev["source"]].anchor(changed)
        problems = Problems(PROJECT_ROOT)
        anchorer = Anchorer(catalog.sources, problems)
        assert anchorer.anchor_ref(PROJECT_ROOT / "questions" / f"{question.module_id}.yaml",
                                   {"source": ev["source"], "quote": ev["quote"],
                                    "occurrence": catalog.passages[ev["source"]][ev["key"]].occurrence},
                                   "evidence") is not None
        assert anchorer.anchor_ref(PROJECT_ROOT / "questions" / f"{question.module_id}.yaml",
                                   {"source": ev["source"], "quote": changed}, "evidence") is None
        assert [p.message for p in problems.items] == [f"evidence: quote not in {ev['source']}: {changed[:70]!r}"]
        assert problems.items[0].path == f"questions/{question.module_id}.yaml"
        checked += 1
    assert checked >= 70


def test_source_bodies_come_from_their_seeds():
    """Every paragraph of every source body is in the seed it names (the loader's check, plus our own)."""
    require_shared()
    try:
        catalog = load_catalog(PROJECT_ROOT, SEEDS)
    except ContentError as exc:  # pragma: no cover - only on broken content
        pytest.fail("the content does not match the seeds:\n" + "\n".join(map(str, exc.problems)))
    for source in catalog.sources.values():
        seed = SEEDS / source.seed
        assert seed.is_file(), f"{source.id}: seed {source.seed} missing"
        seed_text = normalise(seed.read_text(encoding="utf-8"))
        for paragraph in source.paragraphs:
            assert normalise(paragraph.text) in seed_text, (source.id, paragraph.number, paragraph.text[:60])


@pytest.mark.slow
def test_shared_grounding_checker_passes():
    require_shared()
    assert CHECKER.is_file(), f"{CHECKER} is missing from the shared contract"
    result = subprocess.run([sys.executable, "../shared/tools/check_grounding.py"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    output = result.stdout.strip()
    assert result.returncode == 0, output + result.stderr
    last = output.splitlines()[-1]
    assert last.endswith("0 problems"), output
    assert re.search(r"(^|\D)0 problems$", last), output  # zero, not 10 or 20


# ---------------------------------------------------------------------------
# 2. The minimal fixture, and one breakage at a time
# ---------------------------------------------------------------------------

QUESTIONS = "questions/mini.yaml"
LESSON = "lessons/mini.md"
ANNOTATIONS = "lessons/annotations/mini.yaml"
GLOSSARY = "lessons/glossary/mini.yaml"
CHART = "lessons/data/mini-crossings.yaml"
SOURCE = "lessons/sources/one-source.md"


def copy_minimal(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(MINIMAL, root)
    return root


def edit(root: Path, rel: str, old: str, new: str) -> str:
    """Replace the one occurrence of `old` in a file of the tree; return the new text."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur exactly once in {rel}"
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return text


def line_of(root: Path, rel: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth occurrence of `needle` in a file of the tree."""
    text = (root / rel).read_text(encoding="utf-8")
    start = -1
    for _ in range(nth):
        start = text.find(needle, start + 1)
        assert start >= 0, f"{needle!r} (occurrence {nth}) not in {rel}"
    return text.count("\n", 0, start) + 1


def problems_of(root: Path, seeds_dir: Path | None = None) -> list[Problem]:
    with pytest.raises(ContentError) as info:
        load_catalog(root, seeds_dir)
    problems = info.value.problems
    message = info.value.format_message()
    for problem in problems:  # the exception's text lists every problem as file:line: field: message
        assert str(problem) in message
    return problems


def test_minimal_fixture_loads_cleanly():
    catalog = load_catalog(MINIMAL)
    assert [m.id for m in catalog.modules] == ["mini"]
    module = catalog.modules[0]
    assert module.source_ids == ("one-source",)
    assert [q.id for q in module.questions] == ["mini-busiest-season", "mini-total-crossings", "mini-pier-repair",
                                                "mini-grade-survey", "mini-prob-market-days", "mini-ach-pier"]
    assert {q.type for q in module.questions} == {"single", "numeric", "true_false", "source_grade", "probability",
                                                  "ach"}
    assert [p.number for p in catalog.sources["one-source"].paragraphs] == [1, 2, 3]
    annotations = catalog.annotations["one-source"]
    assert [a.kind for a in annotations] == ["context", "caution", "crossref"]
    assert annotations[2].see is not None
    assert [t.term for t in catalog.glossary] == ["ferry", "quay"]
    assert set(module.terms_used) == {"ferry", "quay"}
    chart = catalog.charts["mini-crossings"]
    assert chart.total == 500 and sum(v for _, v in chart.values) == 500
    assert len(catalog.timeline) == 1
    # the repeated warning anchors to the second occurrence in the lesson, the first in the annotation
    pier = [p for p in catalog.passages["one-source"].values()
            if p.quote == "the old wooden pier needs repair before winter"]
    assert sorted(p.occurrence for p in pier) == [1, 2]
    assert len(CITATION.findall(module.lesson_html)) == 3


def test_a_graded_report_and_ach_evidence_rows_are_anchored_like_evidence_for_the_reader():
    """Their quotes are passages of the source (the reader highlights them) and the spec links to them."""
    catalog = load_catalog(MINIMAL)
    anchored = {p.quote: p for p in catalog.passages["one-source"].values()}
    report = catalog.questions["mini-grade-survey"].spec["data"]["report"]
    assert report["quote"] in anchored and report["short"] == "Lowmere 2019" and report["paragraph"] == 2
    assert report["key"] == anchored[report["quote"]].key
    rows = catalog.questions["mini-ach-pier"].spec["data"]["rows"]
    assert [(r["paragraph"], r["key"] == anchored[r["quote"]].key) for r in rows] == [(3, True), (1, True)]


@dataclass(frozen=True)
class Breakage:
    file: str       # the file to break, relative to the tree
    old: str        # text that occurs once in it
    new: str        # what it becomes
    at: str         # text on the offending line of the broken file
    message: str    # "field: what is wrong", exactly
    nth: int = 1    # which occurrence of `at` is the offending one
    also: tuple[tuple[str, str, str], ...] = field(default=())  # (file, at, message) of expected knock-on problems


BREAKAGES = {
    "bad-yaml-in-questions": Breakage(
        QUESTIONS, "prompt: How many crossings did", "prompt: Count: how many crossings did",
        "prompt: Count:", "YAML: mapping values are not allowed here",
        also=((LESSON, "---", "questions: no questions in questions/mini.yaml"),)),
    "bad-yaml-in-lesson-front-matter": Breakage(
        LESSON, "title: A minimal lesson", "title: A minimal: lesson",
        "title: A minimal: lesson", "YAML: mapping values are not allowed here"),
    "unknown-type": Breakage(
        QUESTIONS, "type: numeric", "type: essay", "type: essay",
        f"type: unknown type 'essay' (use {TYPE_LIST})"),
    "answer-out-of-range": Breakage(
        QUESTIONS, "answer: 2\n", "answer: 4\n", "answer: 4",
        "answer: answer out of range: 4 is not between 1 and 3"),
    "quote-not-in-source": Breakage(
        QUESTIONS, "quote: 80 in autumn, 500 crossings in all", "quote: 80 in autumn, 600 crossings in all",
        "600 crossings", "evidence: quote not in one-source: '80 in autumn, 600 crossings in all'"),
    "duplicate-question-id": Breakage(
        QUESTIONS, "id: mini-pier-repair", "id: mini-busiest-season", "id: mini-busiest-season",
        "id: duplicate question id 'mini-busiest-season'", nth=2),
    "unknown-source-in-lesson-citation": Breakage(
        LESSON, "[[one-source: between", "[[no-such-source: between", "[[no-such-source:",
        "source: unknown source id 'no-such-source' (known: one-source)"),
    "unknown-source-in-lesson-front-matter": Breakage(
        LESSON, "sources: [one-source]", "sources: [one-source, no-such-source]", "sources:",
        "sources: unknown source id 'no-such-source'"),
    "missing-explanation": Breakage(
        QUESTIONS, "    explanation: The three seasons add up to 500 crossings.\n", "",
        "- id: mini-total-crossings", "explanation: missing field"),
    "missing-evidence": Breakage(
        QUESTIONS, "    evidence:\n      - source: one-source\n        quote: 80 in autumn, 500 crossings in all\n",
        "", "- id: mini-total-crossings", "evidence: missing field"),
    "ambiguous-quote-in-annotation": Breakage(
        ANNOTATIONS, "    occurrence: 1\n", "", "quote: the old wooden pier",
        "quote: quote occurs 2 times in one-source; add occurrence: 1 to 2"),
    "ambiguous-quote-in-evidence": Breakage(
        QUESTIONS, "quote: The council noted that the old wooden pier", "quote: the old wooden pier",
        "quote: the old wooden pier", "evidence: quote occurs 2 times in one-source; add occurrence: 1 to 2"),
    "ambiguous-quote-in-lesson-citation": Breakage(
        LESSON, "[[one-source#2: the old wooden pier", "[[one-source: the old wooden pier", "[[one-source: the old",
        "citation: quote occurs 2 times in one-source; add occurrence: 1 to 2"),
    "occurrence-out-of-range": Breakage(
        ANNOTATIONS, "    occurrence: 1\n", "    occurrence: 3\n", "quote: the old wooden pier",
        "quote: occurrence 3 out of range: the quote occurs 2 time(s)"),
    "quote-shorter-than-five-words": Breakage(
        ANNOTATIONS, "quote: Most travellers crossed on market days", "quote: crossed on market days",
        "quote: crossed on market days", "quote: must be at least five words: 'crossed on market days'"),
    "ellipsis-in-quote": Breakage(
        ANNOTATIONS, "quote: published its annual ferry report in the spring of 2019",
        "quote: published its annual ferry report ... spring of 2019",
        "quote: published its", "quote: no ellipses inside a quote; cite two quotes instead"),
    "unknown-annotation-kind": Breakage(
        ANNOTATIONS, "kind: context", "kind: aside", "kind: aside",
        "kind: unknown kind 'aside' (use context, term, caution, crossref, prompt)"),
    "unknown-glossary-term-in-lesson": Breakage(
        LESSON, "{{ferry}}", "{{boat}}", "{{boat}}", "term: 'boat' is not in any glossary file"),
    "glossary-term-defined-twice": Breakage(
        GLOSSARY, "also: [ferries]", "also: [ferries, Quay]", "term: quay",
        "term: 'quay' is already defined in glossary/mini.yaml"),
    "chart-total-does-not-add-up": Breakage(
        CHART, "total: 500", "total: 510", "total: 510", "total: the values add up to 500, not 510"),
    "unknown-chart-in-lesson": Breakage(
        LESSON, "[[chart: mini-crossings]]", "[[chart: mini-crosings]]", "[[chart:",
        "chart: no chart 'mini-crosings' in lessons/data"),
    "source-grade-reliability-out-of-scale": Breakage(
        QUESTIONS, "reliability: B\n", "reliability: G\n", "reliability: G",
        "reliability: must be one of the letters A to F"),
    "source-grade-rationale-missing-an-axis": Breakage(
        QUESTIONS, "      credibility: The figures add up", "      credibility_: The figures add up", "reliability: The",
        "rationale.credibility: must be non-empty text"),
    "source-grade-report-not-in-source": Breakage(
        QUESTIONS, "quote: The survey counted 120 crossings in spring, 300 in summer and 80 in autumn\n    reliability",
        "quote: The survey counted 120 crossings in spring, 400 in summer and 80 in autumn\n    reliability",
        "400 in summer", "report: quote not in one-source: 'The survey counted 120 crossings in spring, 400 in summer"
        " and 80 in au'"),
    "probability-unknown-band": Breakage(
        QUESTIONS, "band: likely", "band: probable", "band: probable",
        "band: must be one of almost_no_chance, very_unlikely, unlikely, roughly_even, likely, very_likely, "
        "almost_certain"),
    "ach-row-with-a-cell-too-few": Breakage(
        QUESTIONS, "cells: [N, I]", "cells: [N]", "cells: [N]",
        "rows: row 2: cells must give C, I or N for each of the 2 hypotheses"),
    "ach-conclusion-out-of-range": Breakage(
        QUESTIONS, "conclusion: 1", "conclusion: 3", "conclusion: 3",
        "conclusion: answer out of range: 3 is not between 1 and 2"),
    "ach-row-quote-not-in-source": Breakage(
        QUESTIONS, "quote: The report describes the ferry service", "quote: The report praises the ferry service",
        "The report praises", "rows: quote not in one-source: 'The report praises the ferry service between the north "
        "quay and the is'"),
    "ach-row-quote-unknown-source": Breakage(
        QUESTIONS, "      - source: one-source\n        quote: It also noted",
        "      - source: other-source\n        quote: It also noted", "source: other-source",
        "source: unknown source id 'other-source' (known: one-source)"),
    "bad-timeline-date": Breakage(
        "lessons/timeline.yaml", 'date: "2019"', 'date: "spring 2019"', "date:",
        "date: use YYYY, YYYY-MM or YYYY-MM-DD, not 'spring 2019'"),
}


@pytest.mark.parametrize("name", list(BREAKAGES))
def test_one_breakage_is_reported_exactly(tmp_path, name):
    b = BREAKAGES[name]
    root = copy_minimal(tmp_path)
    edit(root, b.file, b.old, b.new)
    expected = [Problem(b.file, line_of(root, b.file, b.at, b.nth), b.message)]
    expected += [Problem(f, line_of(root, f, at), message) for f, at, message in b.also]
    assert problems_of(root) == sorted(expected)


def test_missing_front_matter_field_in_a_source(tmp_path):
    root = copy_minimal(tmp_path)
    edit(root, SOURCE, "publisher: Lowmere Harbour Council (an invented body; this text exists only for the tests)\n",
         "")
    problems = problems_of(root)
    # reported on the front matter's first line (the field is absent, so it has no line of its own)
    assert [p for p in problems if p.path == SOURCE] == [Problem(SOURCE, 1, "publisher: missing field")]
    # the source is then unknown, so its citations are reported too, each where it is
    assert Problem(LESSON, line_of(root, LESSON, "sources: [one-source]"), "sources: unknown source id 'one-source'") \
        in problems


def test_unknown_source_id_in_evidence(tmp_path):
    root = copy_minimal(tmp_path)
    edit(root, QUESTIONS, "      - source: one-source\n        quote: The council noted",
         "      - source: two-source\n        quote: The council noted")
    [problem] = problems_of(root)
    assert (problem.path, problem.message) == (QUESTIONS, "source: unknown source id 'two-source' (known: one-source)")
    assert problem.line == line_of(root, QUESTIONS, "source: two-source")


def test_unclosed_bracket_in_questions(tmp_path):
    root = copy_minimal(tmp_path)
    edit(root, QUESTIONS, "choices: [Spring, Summer, Autumn]", "choices: [Spring, Summer, Autumn")
    problems = problems_of(root)
    yaml_problems = [p for p in problems if p.path == QUESTIONS]
    bracket = line_of(root, QUESTIONS, "choices: [Spring")
    # reported where the bracket opened, naming where the parser gave up
    assert [p.message for p in yaml_problems] == [
        f"YAML: while parsing a flow sequence opened here: expected ',' or ']', but got ':' (line {bracket + 1})"]
    assert yaml_problems[0].line == bracket
    assert problems == sorted(yaml_problems + [Problem(LESSON, 1, "questions: no questions in questions/mini.yaml")])


def test_unknown_term_after_citations_points_at_its_line(tmp_path):
    root = copy_minimal(tmp_path)
    edit(root, LESSON, "{{quay|north quay}}", "{{jetty}}")
    assert problems_of(root) == [Problem(LESSON, line_of(root, LESSON, "{{jetty}}"),
                                         "term: 'jetty' is not in any glossary file")]


def test_seed_check_reports_a_paragraph_that_is_not_in_the_seed(tmp_path):
    root = copy_minimal(tmp_path)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    body = (root / SOURCE).read_text(encoding="utf-8").split("---\n", 2)[2]
    # the seed holds the same words, wrapped differently (the check compares normalised text)
    (seeds / "999_invented_for_tests.txt").write_text("Header\n\n" + body.replace(". ", ".\n"), encoding="utf-8")
    load_catalog(root, seeds)  # the fixture's body is verbatim
    edit(root, SOURCE, "Passenger numbers rose during the year.", "Passenger numbers fell during the year.")
    paragraph = next(p for p in body.replace("rose", "fell").split("\n\n") if "fell" in p)
    assert problems_of(root, seeds) == [
        Problem(SOURCE, line_of(root, SOURCE, "Passenger numbers fell"),
                f"body: paragraph not in seed 999_invented_for_tests.txt: {normalise(paragraph)[:60]!r}")]


def test_seed_check_reports_a_missing_seed(tmp_path):
    root = copy_minimal(tmp_path)
    (tmp_path / "seeds").mkdir()
    assert problems_of(root, tmp_path / "seeds") == [
        Problem(SOURCE, line_of(root, SOURCE, "seed:"),
                f"seed: '999_invented_for_tests.txt' not found in {tmp_path / 'seeds'}")]


def break_several(root: Path) -> list[Problem]:
    """Break five files at once; return the problems each breakage must produce."""
    edit(root, QUESTIONS, "type: numeric", "type: essay")
    edit(root, CHART, "total: 500", "total: 510")
    edit(root, LESSON, "{{ferry}}", "{{boat}}")
    edit(root, ANNOTATIONS, "kind: context", "kind: aside")
    edit(root, GLOSSARY, "also: [ferries]", "also: ferries")
    return sorted([
        Problem(QUESTIONS, line_of(root, QUESTIONS, "type: essay"), f"type: unknown type 'essay' (use {TYPE_LIST})"),
        Problem(CHART, line_of(root, CHART, "total: 510"), "total: the values add up to 500, not 510"),
        Problem(LESSON, line_of(root, LESSON, "{{boat}}"), "term: 'boat' is not in any glossary file"),
        Problem(ANNOTATIONS, line_of(root, ANNOTATIONS, "kind: aside"),
                "kind: unknown kind 'aside' (use context, term, caution, crossref, prompt)"),
        Problem(GLOSSARY, line_of(root, GLOSSARY, "also: ferries"), "also: must be a list of text"),
    ])


def test_every_problem_is_reported_at_once(tmp_path):
    """Nothing hides behind the first problem: five files broken, five problems in one ContentError."""
    root = copy_minimal(tmp_path)
    expected = break_several(root)
    assert problems_of(root) == expected
    assert len({p.path for p in expected}) == 5


# ---------------------------------------------------------------------------
# 3. `flask content check` and create_app
# ---------------------------------------------------------------------------


def test_content_check_command_on_the_real_content(runner, catalog):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    annotations = sum(len(a) for a in catalog.annotations.values())
    assert result.output.startswith(
        f"Content OK: {len(catalog.sources)} sources, {len(catalog.modules)} modules, "
        f"{len(catalog.questions)} questions (")
    assert f"{annotations} annotations, {len(catalog.glossary)} glossary terms, {len(catalog.charts)} charts" \
        in result.output
    assert "Content OK: 5 sources, 6 modules," in result.output


@pytest.mark.slow
def test_content_check_command_on_broken_content_exits_1(tmp_path):
    root = copy_minimal(tmp_path)
    expected = break_several(root)
    instance = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FLASK_RUN_FROM_CLI")}
    env.update(FLASK_APP="app", GROUNDWORK_CONTENT=str(root), GROUNDWORK_INSTANCE=str(instance),
               GROUNDWORK_SEEDS=str(tmp_path / "no-seeds"))
    result = subprocess.run([sys.executable, "-m", "flask", "content", "check"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Content OK" not in output
    assert f"the content has {len(expected)} problem(s)" in output
    for problem in expected:
        assert f"{problem.path}:{problem.line}: {problem.message}" in output.splitlines(), output


def test_create_app_refuses_broken_content(tmp_path):
    root = copy_minimal(tmp_path)
    expected = break_several(root)
    with pytest.raises(ContentError) as info:
        create_app({"CONTENT_DIR": str(root), "SEEDS_DIR": "/nonexistent",
                    "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "x.db"), "SECRET_KEY": "x"})
    assert info.value.problems == expected
    assert info.value.exit_code == 1
    for problem in expected:
        assert str(problem) in info.value.format_message()


def test_create_app_accepts_the_minimal_fixture(tmp_path):
    app = create_app({"CONTENT_DIR": str(MINIMAL), "SEEDS_DIR": "/nonexistent",
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "x.db"), "SECRET_KEY": "x"})
    assert [m.id for m in app.extensions["catalog"].modules] == ["mini"]
