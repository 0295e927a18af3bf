"""Reading `lessons/sources/*.md`: front matter, verbatim paragraphs, anchors."""
from __future__ import annotations

import re
from pathlib import Path

from app.content.model import Paragraph, Source
from app.content.problems import Problems
from app.content.text import EMPHASIS, normalise, read_front_matter

REQUIRED = ("id", "seed", "title", "short", "publisher", "date", "date_basis", "date_note",
            "year", "kind", "reliability", "removed")
SOURCE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MARKERS = (("## ", "heading"), ("# ", "heading"), ("- ", "item"))


def display_text(raw: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Fold spaces and drop emphasis markers, remembering where the bold runs were."""
    out: list[str] = []
    length, bold_from, bold, pending_space = 0, None, [], False
    for match in re.finditer(r"\*\*|__|\s+|[^\s*_]+|[*_]", raw.strip()):
        token = match.group()
        if EMPHASIS.fullmatch(token):
            if bold_from is None:
                bold_from = length + (1 if pending_space and out else 0)
            else:
                if length > bold_from:
                    bold.append((bold_from, length))
                bold_from = None
            continue
        if token.isspace():
            pending_space = True
            continue
        if pending_space and out:
            out.append(" ")
            length += 1
        pending_space = False
        out.append(token)
        length += len(token)
    if bold_from is not None and length > bold_from:
        bold.append((bold_from, length))
    return "".join(out), tuple(bold)


def parse_paragraphs(body: str) -> tuple[Paragraph, ...]:
    paragraphs = []
    for block in re.split(r"\n\s*\n", body):
        if not block.strip():
            continue
        kind, raw = "text", block.strip()
        for marker, marker_kind in MARKERS:
            if raw.startswith(marker):
                kind, raw = marker_kind, raw[len(marker):]
                break
        text, bold = display_text(raw)
        paragraphs.append(Paragraph(len(paragraphs) + 1, kind, text, bold))
    return tuple(paragraphs)


def load_source(path: Path, seeds_dir: Path | None, problems: Problems) -> Source | None:
    parsed = read_front_matter(path, problems)
    if parsed is None:
        return None
    meta, body, body_line = parsed
    missing = [name for name in REQUIRED if name not in meta]
    for name in missing:
        problems.add(path, 1, f"{name}: missing field")
    if missing:
        return None
    if not SOURCE_ID.match(str(meta["id"])):
        problems.add(path, meta.line_of("id"), "id: use lowercase letters, digits and hyphens")
    if meta["date_basis"] not in ("stated", "inferred"):
        problems.add(path, meta.line_of("date_basis"), "date_basis: must be 'stated' or 'inferred'")
    paragraphs = parse_paragraphs(body)
    if not paragraphs:
        problems.add(path, body_line, "body: the source has no text")
    if seeds_dir is not None:
        _check_against_seed(path, meta, body, body_line, seeds_dir, problems)
    offsets, position = [], 0
    for paragraph in paragraphs:
        offsets.append(position)
        position += len(paragraph.text) + 1
    return Source(
        id=str(meta["id"]), seed=str(meta["seed"]), title=str(meta["title"]), short=str(meta["short"]),
        author=meta.get("author"), publisher=str(meta["publisher"]), date=str(meta["date"]),
        date_basis=str(meta["date_basis"]), date_note=str(meta["date_note"]), year=int(meta["year"]),
        kind=str(meta["kind"]), reliability=str(meta["reliability"]),
        removed=tuple(str(item) for item in meta["removed"] or ()),
        paragraphs=paragraphs, offsets=tuple(offsets),
        body=" ".join(p.normalised for p in paragraphs),
    )


def _check_against_seed(path, meta, body, body_line, seeds_dir: Path, problems: Problems) -> None:
    seed_path = seeds_dir / str(meta["seed"])
    if not seed_path.is_file():
        problems.add(path, meta.line_of("seed"), f"seed: {meta['seed']!r} not found in {seeds_dir}")
        return
    seed_text = normalise(seed_path.read_text(encoding="utf-8"))
    line = body_line
    for block in re.split(r"(\n\s*\n)", body):
        if block.strip():
            text = re.sub(r"^(#+|[-*]) ", "", normalise(block))
            if text and text not in seed_text:
                first_line = line + block[: len(block) - len(block.lstrip())].count("\n")
                problems.add(path, first_line, f"body: paragraph not in seed {meta['seed']}: {text[:60]!r}")
        line += block.count("\n")
