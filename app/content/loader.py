"""Loading the whole catalogue: every file validated, every problem reported at once."""
from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

from app.content.anchoring import Anchorer
from app.content.extras import load_annotations, load_chart, load_glossary, load_timeline
from app.content.lessons import load_lesson
from app.content.model import Catalog, GlossaryTerm, Module, Question
from app.content.problems import Problems
from app.content.questions import load_questions
from app.content.sources import load_source


def freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


def load_catalog(root: Path, seeds_dir: Path | None = None) -> Catalog:
    """Load and validate all content under `root` (the folder holding lessons/ and questions/).

    :raise ContentError: listing every problem as `file:line: field: what is wrong`.
    """
    root = Path(root)
    problems = Problems(root)
    lessons_dir, questions_dir = root / "lessons", root / "questions"
    if not (lessons_dir / "sources").is_dir():
        problems.add(lessons_dir / "sources", 1, "no sources folder")
        problems.raise_if_any()

    sources = {}
    for path in sorted((lessons_dir / "sources").glob("*.md")):
        source = load_source(path, seeds_dir, problems)
        if source and source.id in sources:
            problems.add(path, 1, f"id: duplicate source id {source.id!r}")
        elif source:
            sources[source.id] = source
    anchorer = Anchorer(sources, problems)

    glossary: dict[str, GlossaryTerm] = {}
    for path in sorted((lessons_dir / "glossary").glob("*.y*ml")):
        load_glossary(path, problems, glossary)
    charts = {}
    for path in sorted((lessons_dir / "data").glob("*.y*ml")):
        chart = load_chart(path, anchorer, problems)
        if chart:
            charts[chart.id] = chart

    drafts = {}
    for path in sorted(lessons_dir.glob("*.md")):
        draft = load_lesson(path, anchorer, glossary, charts, problems)
        if draft:
            drafts[draft.meta["id"]] = draft

    question_ids: set[str] = set()
    banks: dict[str, list[Question]] = {}
    for path in sorted(questions_dir.glob("*.y*ml")):
        if path.stem not in drafts and not (lessons_dir / f"{path.stem}.md").exists():
            problems.add(path, 1, f"module: no lesson lessons/{path.stem}.md for this question file")
        banks[path.stem] = load_questions(path, anchorer, question_ids, problems)

    annotations, annotation_ids = [], set()
    module_ids = {p.stem for p in lessons_dir.glob("*.md")}
    for path in sorted((lessons_dir / "annotations").glob("*.y*ml")):
        annotations += load_annotations(path, module_ids, anchorer, annotation_ids, problems)
    timeline_path = lessons_dir / "timeline.yaml"
    timeline = load_timeline(timeline_path, anchorer, problems) if timeline_path.exists() else []

    modules = [_module(draft, banks.get(mid, []), problems) for mid, draft in drafts.items()]
    _check_course(modules, drafts, problems)
    problems.raise_if_any()

    modules.sort(key=lambda m: m.order)
    by_source = {sid: tuple(a for a in annotations if a.passage.source_id == sid) for sid in sources}
    return Catalog(
        modules=tuple(modules),
        sources=MappingProxyType(sources),
        annotations=MappingProxyType(by_source),
        passages=MappingProxyType({sid: MappingProxyType(p) for sid, p in anchorer.passages.items()}),
        glossary=tuple(sorted({id(t): t for t in glossary.values()}.values(), key=lambda t: t.term.casefold())),
        charts=MappingProxyType(charts),
        timeline=tuple(timeline),
        questions=MappingProxyType({q.id: q for m in modules for q in m.questions}),
    )


def _module(draft, questions: list[Question], problems: Problems) -> Module:
    meta = draft.meta
    if not questions:
        problems.add(draft.path, 1, f"questions: no questions in questions/{meta['id']}.yaml")
    per_attempt = meta.get("questions_per_attempt")
    if per_attempt and questions and per_attempt > len(questions):
        problems.add(draft.path, meta.line_of("questions_per_attempt"),
                     f"questions_per_attempt: {per_attempt} is more than the {len(questions)} questions in the bank")
    frozen = tuple(Question(q.id, q.module_id, q.type, freeze(q.spec)) for q in questions)
    return Module(
        id=meta["id"], order=meta["order"], title=str(meta["title"]), summary=str(meta["summary"]),
        minutes=meta["minutes"], pass_mark=meta["pass_mark"], max_attempts=meta.get("max_attempts"),
        questions_per_attempt=per_attempt, requires=tuple(meta.get("requires") or ()),
        source_ids=tuple(meta["sources"]), objectives=tuple(meta["objectives"]),
        discussion=tuple(meta.get("discussion") or ()), lesson_html=draft.html, words=draft.words,
        questions=frozen, terms_used=draft.terms_used, confidence=meta.get("confidence", False),
    )


def _check_course(modules: list[Module], drafts: dict, problems: Problems) -> None:
    orders: dict[int, str] = {}
    for module in modules:
        path, meta = drafts[module.id].path, drafts[module.id].meta
        if module.order in orders:
            problems.add(path, meta.line_of("order"), f"order: {module.order} is also used by {orders[module.order]!r}")
        orders[module.order] = module.id
        for required in module.requires:
            if required not in drafts:
                problems.add(path, meta.line_of("requires"), f"requires: unknown module {required!r}")
