"""The source reader: paragraphs with the highlighted passage and margin annotations."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from app.content.markup import reader_href
from app.content.model import Annotation, Catalog, Paragraph, Source

KIND_LABELS = {"context": "Context", "term": "Term", "caution": "Caution", "crossref": "Cross-reference",
               "prompt": "Discuss"}


@dataclass(frozen=True)
class MarginNote:
    number: int
    annotation: Annotation
    see_label: str | None
    see_href: str | None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.annotation.kind]


@dataclass(frozen=True)
class ReaderRow:
    paragraph: Paragraph
    html: Markup
    notes: tuple[MarginNote, ...]


def render_paragraph(paragraph: Paragraph, highlight: tuple[int, int] | None,
                     anchors: list[tuple[int, int, MarginNote]]) -> Markup:
    """Wrap bold runs, the highlighted passage and annotated passages, however they overlap."""
    text = paragraph.text
    bounds = {0, len(text)}
    for start, end in paragraph.bold:
        bounds |= {start, end}
    if highlight:
        bounds |= set(highlight)
    for start, end, _ in anchors:
        bounds |= {start, end}
    cuts = sorted(b for b in bounds if 0 <= b <= len(text))
    out, first_highlight = [], True
    for a, b in zip(cuts, cuts[1:]):
        piece = str(escape(text[a:b]))
        notes = [n for s, e, n in anchors if s <= a and b <= e]
        if notes:
            kinds = " ".join(sorted({f"k-{n.annotation.kind}" for n in notes}))
            piece = f'<span class="anchored {kinds}">{piece}</span>'
        if highlight and highlight[0] <= a and b <= highlight[1]:
            marker = ' id="passage" tabindex="-1"' if first_highlight else ""
            first_highlight = False
            piece = f'<mark class="hl"{marker}>{piece}</mark>'
        if any(s <= a and b <= e for s, e in paragraph.bold):
            piece = f"<strong>{piece}</strong>"
        out.append(piece)
        for s, e, note in anchors:
            if e == b:
                out.append(f'<a class="note-ref k-{note.annotation.kind}" href="#note-{note.annotation.id}" '
                           f'id="ref-{note.annotation.id}" aria-label="Note {note.number}">{note.number}</a>')
    return Markup("".join(out))


def reader_rows(catalog: Catalog, source: Source, highlight_key: str | None) -> list[ReaderRow]:
    passage = catalog.passages[source.id].get(highlight_key or "")
    annotations = sorted(catalog.annotations.get(source.id, ()), key=lambda a: (a.passage.start, a.id))
    notes = []
    for number, annotation in enumerate(annotations, 1):
        see_label = see_href = None
        if annotation.see:
            target = catalog.sources[annotation.see.source_id]
            see_label = f"{target.short}, ¶{annotation.see.paragraph}"
            see_href = reader_href(target.id, annotation.see.key, annotation.see.paragraph)
        notes.append(MarginNote(number, annotation, see_label, see_href))
    rows = []
    for paragraph in source.paragraphs:
        anchors = [(s, e, note) for note in notes for (n, s, e) in note.annotation.passage.spans
                   if n == paragraph.number]
        highlight = next(((s, e) for n, s, e in passage.spans if n == paragraph.number), None) if passage else None
        margin = tuple(note for note in notes if note.annotation.passage.paragraph == paragraph.number)
        rows.append(ReaderRow(paragraph, render_paragraph(paragraph, highlight, anchors), margin))
    return rows
