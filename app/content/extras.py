"""Reading annotations, glossary terms, chart data and the timeline."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from app.content.anchoring import Anchorer
from app.content.markup import render_inline, render_markdown
from app.content.model import Annotation, Chart, GlossaryTerm, TimelineEvent
from app.content.problems import Problems
from app.content.text import LineDict, YamlProblem, load_yaml, slugify

ANNOTATION_KINDS = ("context", "term", "caution", "crossref", "prompt")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def read_yaml(path: Path, problems: Problems, top_key: str) -> list[Any] | None:
    """Load a YAML file that must be a mapping with a list under `top_key`."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except YamlProblem as exc:
        problems.add(path, exc.line, str(exc))
        return None
    if not isinstance(data, dict) or not isinstance(data.get(top_key), list):
        problems.add(path, getattr(data, "line", 1), f"{top_key}: the file must be a mapping with a list '{top_key}:'")
        return None
    return data[top_key]


def _text(item: LineDict, field: str, path: Path, problems: Problems) -> str | None:
    value = item.get(field)
    if not isinstance(value, str) or not value.strip():
        problems.add(path, item.line_of(field), f"{field}: missing or empty")
        return None
    return value.strip()


def load_annotations(path: Path, module_ids: set[str], anchorer: Anchorer, seen_ids: set[str],
                     problems: Problems) -> list[Annotation]:
    items = read_yaml(path, problems, "annotations")
    if items is None:
        return []
    if path.stem not in module_ids:
        problems.add(path, 1, f"module: no lesson lessons/{path.stem}.md for this annotation file")
    found = []
    for item in items:
        if not isinstance(item, LineDict):
            problems.add(path, 1, "annotations: every item must be a mapping")
            continue
        ident, kind, note = (_text(item, f, path, problems) for f in ("id", "kind", "note"))
        if ident in seen_ids:
            problems.add(path, item.line_of("id"), f"id: duplicate annotation id {ident!r}")
        seen_ids.add(ident)
        if kind and kind not in ANNOTATION_KINDS:
            problems.add(path, item.line_of("kind"), f"kind: unknown kind {kind!r} (use {', '.join(ANNOTATION_KINDS)})")
            kind = None
        passage = anchorer.anchor(path, item.line_of("quote"), item.get("source"), item.get("quote"),
                                  item.get("occurrence"), source_line=item.line_of("source"))
        see = None
        if kind == "crossref":
            if "see" not in item:
                problems.add(path, item.line, "see: a crossref annotation needs see: {source, quote}")
            else:
                see = anchorer.anchor_ref(path, item["see"], "see")
        if ident and kind and note and passage:
            found.append(Annotation(ident, path.stem, kind, render_markdown(note), passage, see))
    return found


def load_glossary(path: Path, problems: Problems, known: dict[str, GlossaryTerm]) -> None:
    items = read_yaml(path, problems, "terms")
    for item in items or []:
        if not isinstance(item, LineDict):
            problems.add(path, 1, "terms: every item must be a mapping")
            continue
        term, definition = _text(item, "term", path, problems), _text(item, "definition", path, problems)
        also = item.get("also") or []
        if not isinstance(also, list) or not all(isinstance(a, str) for a in also):
            problems.add(path, item.line_of("also"), "also: must be a list of text")
            also = []
        if not term or not definition:
            continue
        entry = GlossaryTerm(term, slugify(term), tuple(also), render_inline(definition), path.stem)
        for name in dict.fromkeys(n.casefold() for n in (term, *also)):
            if name in known:
                problems.add(path, item.line_of("term"),
                             f"term: {name!r} is already defined in glossary/{known[name].module_id}.yaml")
            else:
                known[name] = entry


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def load_chart(path: Path, anchorer: Anchorer, problems: Problems) -> Chart | None:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except YamlProblem as exc:
        problems.add(path, exc.line, str(exc))
        return None
    if not isinstance(data, LineDict):
        problems.add(path, 1, "chart: the file must be a mapping")
        return None
    fields = {f: _text(data, f, path, problems) for f in ("id", "title", "unit", "caveat")}
    if fields["id"] and fields["id"] != path.stem:
        problems.add(path, data.line_of("id"), f"id: must match the file name ({path.stem!r})")
    values = []
    for item in data.get("values") or []:
        value = _number(item.get("value")) if isinstance(item, dict) else None
        if value is None or not str(item.get("label", "")).strip():
            problems.add(path, getattr(item, "line", data.line_of("values")), "values: each needs a label and a number")
            continue
        values.append((str(item["label"]), value))
    if not values:
        problems.add(path, data.line_of("values"), "values: list at least one {label, value}")
    total = _number(data.get("total")) if "total" in data else None
    if "total" in data and total is None:
        problems.add(path, data.line_of("total"), "total: must be a number")
    elif total is not None and values and abs(sum(v for _, v in values) - total) > 1e-9:
        problems.add(path, data.line_of("total"),
                     f"total: the values add up to {sum(v for _, v in values):g}, not {total:g}")
    passage = anchorer.anchor(path, data.line_of("quote"), data.get("source"), data.get("quote"),
                              data.get("occurrence"), source_line=data.line_of("source"))
    if None in fields.values() or not values or passage is None:
        return None
    source_short = anchorer.sources[passage.source_id].short
    return Chart(fields["id"], fields["title"], fields["unit"], fields["caveat"], tuple(values), total,
                 passage, source_short)


def load_timeline(path: Path, anchorer: Anchorer, problems: Problems) -> list[TimelineEvent]:
    events = []
    for item in read_yaml(path, problems, "events") or []:
        if not isinstance(item, LineDict):
            problems.add(path, 1, "events: every item must be a mapping")
            continue
        date, label = str(item.get("date", "")), _text(item, "label", path, problems)
        if not DATE.match(date):
            problems.add(path, item.line_of("date"), f"date: use YYYY, YYYY-MM or YYYY-MM-DD, not {date!r}")
            continue
        passage = anchorer.anchor(path, item.line_of("quote"), item.get("source"), item.get("quote"),
                                  item.get("occurrence"), source_line=item.line_of("source"))
        if label and passage:
            events.append(TimelineEvent(date, label, passage))
    return sorted(events, key=lambda e: e.date)
