"""Reading `questions/<module-id>.yaml` through the question-type registry."""
from __future__ import annotations

import re
from pathlib import Path

from app.content.anchoring import Anchorer
from app.content.markup import render_markdown
from app.content.model import Question
from app.content.problems import Problems
from app.content.text import LineDict, YamlProblem, load_yaml
from app.quiz.types import QUESTION_TYPES, FieldProblem

QUESTION_ID = re.compile(r"^[a-z0-9]+([-_][a-z0-9]+)*$")
SKILLS = ("recall", "reasoning", "critical")


def load_questions(path: Path, anchorer: Anchorer, seen_ids: set[str], problems: Problems) -> list[Question]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except YamlProblem as exc:
        problems.add(path, exc.line, str(exc))
        return []
    if not isinstance(data, LineDict) or not isinstance(data.get("questions"), list):
        problems.add(path, 1, "questions: the file must be a mapping with 'module:' and a list 'questions:'")
        return []
    if data.get("module") != path.stem:
        problems.add(path, data.line_of("module"), f"module: must be {path.stem!r}, the file's name")
    found = []
    for raw in data["questions"]:
        if not isinstance(raw, LineDict):
            problems.add(path, data.line_of("questions"), "questions: every item must be a mapping")
            continue
        question = _load_one(path, path.stem, raw, anchorer, seen_ids, problems)
        if question:
            found.append(question)
    return found


def _load_one(path: Path, module_id: str, raw: LineDict, anchorer: Anchorer, seen_ids: set[str],
              problems: Problems) -> Question | None:
    ok = True

    def bad(field: str, message: str) -> None:
        nonlocal ok
        ok = False
        problems.add(path, raw.line_of(field), f"{field}: {message}")

    for field in ("id", "type", "prompt", "explanation", "evidence"):
        if raw.get(field) in (None, "", []):
            bad(field, "missing field")
    ident = raw.get("id")
    if ident is not None:
        if not isinstance(ident, str) or not QUESTION_ID.match(ident):
            bad("id", "use lowercase letters, digits, hyphens or underscores")
        elif ident in seen_ids:
            bad("id", f"duplicate question id {ident!r}")
        seen_ids.add(str(ident))
    qtype = QUESTION_TYPES.get(raw.get("type"))
    if raw.get("type") and qtype is None:
        bad("type", f"unknown type {raw.get('type')!r} (use {', '.join(QUESTION_TYPES)})")
    data = None
    if qtype:
        try:
            data = qtype.build(raw)
        except FieldProblem as exc:
            ok = False
            problems.add(path, exc.line or raw.line_of(exc.field), str(exc))
    if data is not None:  # the type's own quotes (a graded report, evidence rows) are anchored like evidence
        cited = [anchorer.anchor_ref(path, ref, field) for field, ref in qtype.quotes(raw)]
        if all(cited):
            data = qtype.cite(data, [_cited(anchorer, passage) for passage in cited])
        else:
            ok = False
    points = raw.get("points", 1)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
        bad("points", "must be a positive number")
    if raw.get("skill") is not None and raw.get("skill") not in SKILLS:
        bad("skill", f"use one of {', '.join(SKILLS)}")
    evidence = []
    if raw.get("evidence") is not None and not isinstance(raw.get("evidence"), list):
        bad("evidence", "must be a list of {source, quote}")
    for ref in raw.get("evidence") or [] if isinstance(raw.get("evidence"), list) else []:
        passage = anchorer.anchor_ref(path, ref, "evidence")
        if passage is None:
            ok = False
            continue
        evidence.append(_cited(anchorer, passage))
    if not ok or data is None:
        return None
    spec = {
        "id": ident, "module": module_id, "type": raw["type"], "points": points, "skill": raw.get("skill"),
        "prompt_html": render_markdown(str(raw["prompt"])),
        "explanation_html": render_markdown(str(raw["explanation"])),
        "evidence": evidence, "data": data,
    }
    return Question(ident, module_id, raw["type"], spec)


def _cited(anchorer: Anchorer, passage) -> dict:
    """An anchored quote as a spec stores it: enough to show it and link to its place in the reader."""
    return {"source": passage.source_id, "short": anchorer.sources[passage.source_id].short,
            "quote": passage.quote, "key": passage.key, "paragraph": passage.paragraph}
