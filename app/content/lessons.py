"""Reading `lessons/<module-id>.md`: front matter and lesson Markdown with citations, terms, charts."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from app.content.anchoring import Anchorer
from app.content.markup import chart_html, citation_html, render_markdown, term_html
from app.content.model import Chart, GlossaryTerm
from app.content.problems import Problems
from app.content.text import read_front_matter

MODULE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DIRECTIVE = re.compile(r"\[\[(?P<sid>[a-z0-9-]+)(?:#(?P<occ>\d+))?:\s*(?P<body>.+?)\]\]", re.S)
TERM = re.compile(r"\{\{(?P<term>[^{}|]+?)(?:\|(?P<shown>[^{}]+?))?\}\}")


@dataclass
class LessonDraft:
    """What the loader needs from a lesson before questions are attached."""

    meta: dict[str, Any]
    html: str
    words: int
    terms_used: tuple[str, ...]
    path: Path


def _check_meta(path: Path, meta: Mapping, problems: Problems) -> bool:
    ok = True

    def bad(field: str, message: str) -> None:
        nonlocal ok
        ok = False
        problems.add(path, meta.line_of(field) if hasattr(meta, "line_of") else 1, f"{field}: {message}")

    for field in ("id", "order", "title", "summary", "minutes", "pass_mark", "objectives", "sources"):
        if field not in meta:
            bad(field, "missing field")
    if not ok:
        return False
    if not isinstance(meta["id"], str) or not MODULE_ID.match(meta["id"]):
        bad("id", "use lowercase letters, digits and hyphens")
    elif meta["id"] != path.stem:
        bad("id", f"must match the file name ({path.stem!r})")
    for field, low, high in (("order", 1, 999), ("minutes", 1, 600), ("pass_mark", 0, 100)):
        value = meta[field]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            bad(field, f"must be a whole number from {low} to {high}")
    for field in ("max_attempts", "questions_per_attempt"):
        value = meta.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            bad(field, "must be null or a whole number of at least 1")
    for field in ("objectives", "sources", "requires", "discussion"):
        value = meta.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            bad(field, "must be a list of text")
    if not isinstance(meta.get("confidence", False), bool):
        bad("confidence", "must be true or false")
    if isinstance(meta.get("objectives"), list) and not meta["objectives"]:
        bad("objectives", "list at least one learning objective")
    return ok


def load_lesson(path: Path, anchorer: Anchorer, glossary: Mapping[str, GlossaryTerm],
                charts: Mapping[str, Chart], problems: Problems) -> LessonDraft | None:
    parsed = read_front_matter(path, problems)
    if parsed is None:
        return None
    meta, body, body_line = parsed
    if not _check_meta(path, meta, problems):
        return None
    for source_id in meta["sources"]:
        if source_id not in anchorer.sources:
            problems.add(path, meta.line_of("sources"), f"sources: unknown source id {source_id!r}")

    fragments: list[str] = []
    used_terms: list[str] = []

    def token(html: str, replaced: str = "") -> str:
        """A placeholder for HTML added after Markdown; it keeps the replaced text's line breaks."""
        fragments.append(html)
        return f"GWTOKEN{len(fragments) - 1}X" + "\n" * replaced.count("\n")

    def line_at(offset: int) -> int:
        return body_line + body.count("\n", 0, offset)

    def directive(match: re.Match) -> str:
        sid, body_text = match.group("sid"), " ".join(match.group("body").split())
        if sid == "chart":
            chart = charts.get(body_text)
            if chart is None:
                problems.add(path, line_at(match.start()), f"chart: no chart {body_text!r} in lessons/data")
                return "\n" * match.group(0).count("\n")
            return token(chart_html(chart), match.group(0))
        occurrence = int(match.group("occ")) if match.group("occ") else None
        passage = anchorer.anchor(path, line_at(match.start()), sid, body_text, occurrence, "citation")
        if passage is None:
            return ""
        source = anchorer.sources[sid]
        return token(citation_html(source.short, sid, passage.key, passage.paragraph, body_text))

    def term(match: re.Match) -> str:
        name = match.group("term").strip()
        entry = glossary.get(name.casefold())
        if entry is None:
            problems.add(path, line_at(match.start()), f"term: {name!r} is not in any glossary file")
            return match.group("shown") or name
        used_terms.append(entry.slug)
        return token(term_html(entry.slug, (match.group("shown") or name).strip(), entry.definition_html,
                               len(used_terms)))

    body = DIRECTIVE.sub(directive, body)  # line numbers still hold: placeholders keep line breaks
    text = TERM.sub(term, body)
    html = render_markdown(text)
    for index, fragment in enumerate(fragments):
        html = html.replace(f"<p>GWTOKEN{index}X</p>", fragment).replace(f"GWTOKEN{index}X", fragment)
    words = len(re.sub(r"\[\[[^\]]*\]\]", " ", body).split())
    return LessonDraft(meta=meta, html=html, words=words, terms_used=tuple(dict.fromkeys(used_terms)), path=path)
