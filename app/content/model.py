"""Immutable content objects; built once by the loader, shared by every request."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Mapping

from app.content.text import QUOTE_MARKS, passage_key


@dataclass(frozen=True)
class Paragraph:
    number: int
    kind: str  # heading | item | text
    text: str  # as displayed: emphasis markers removed, spaces folded
    bold: tuple[tuple[int, int], ...] = ()

    @property
    def normalised(self) -> str:
        return self.text.translate(QUOTE_MARKS)


@dataclass(frozen=True)
class Passage:
    """A quote anchored to one place in a source."""

    source_id: str
    quote: str
    occurrence: int
    start: int
    end: int
    spans: tuple[tuple[int, int, int], ...]  # (paragraph number, start, end) within each paragraph

    @property
    def key(self) -> str:
        return passage_key(self.source_id, self.quote, self.occurrence)

    @property
    def paragraph(self) -> int:
        return self.spans[0][0]


class QuoteNotFound(ValueError):
    pass


@dataclass(frozen=True)
class Source:
    id: str
    seed: str
    title: str
    short: str
    author: str | None
    publisher: str
    date: str
    date_basis: str
    date_note: str
    year: int
    kind: str
    reliability: str
    removed: tuple[str, ...]
    paragraphs: tuple[Paragraph, ...]
    offsets: tuple[int, ...]  # where each paragraph starts in `body`
    body: str  # normalised paragraphs joined by one space

    def occurrences(self, quote: str) -> list[int]:
        from app.content.text import normalise

        needle, found, start = normalise(quote), [], 0
        while needle and (index := self.body.find(needle, start)) >= 0:
            found.append(index)
            start = index + 1
        return found

    def anchor(self, quote: str, occurrence: int | None = None) -> Passage:
        """Anchor a quote to one place.

        :raise QuoteNotFound: when it is absent, or ambiguous without an occurrence.
        """
        from app.content.text import normalise

        found = self.occurrences(quote)
        if not found:
            raise QuoteNotFound(f"quote not in {self.id}: {quote[:70]!r}")
        if occurrence is None and len(found) > 1:
            raise QuoteNotFound(
                f"quote occurs {len(found)} times in {self.id}; add occurrence: 1 to {len(found)}"
            )
        occurrence = occurrence or 1
        if not 1 <= occurrence <= len(found):
            raise QuoteNotFound(f"occurrence {occurrence} out of range: the quote occurs {len(found)} time(s)")
        start = found[occurrence - 1]
        end = start + len(normalise(quote))
        spans = []
        for paragraph, offset in zip(self.paragraphs, self.offsets):
            para_end = offset + len(paragraph.text)
            if offset < end and start < para_end:
                spans.append((paragraph.number, max(start, offset) - offset, min(end, para_end) - offset))
        return Passage(self.id, quote, occurrence, start, end, tuple(spans))


@dataclass(frozen=True)
class Annotation:
    id: str
    module_id: str
    kind: str
    note_html: str
    passage: Passage
    see: Passage | None = None


@dataclass(frozen=True)
class GlossaryTerm:
    term: str
    slug: str
    also: tuple[str, ...]
    definition_html: str
    module_id: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    unit: str
    caveat: str
    values: tuple[tuple[str, float], ...]
    total: float | None
    passage: Passage
    source_short: str

    @property
    def maximum(self) -> float:
        return max((value for _, value in self.values), default=0) or 1


@dataclass(frozen=True)
class TimelineEvent:
    date: str
    label: str
    passage: Passage


@dataclass(frozen=True)
class Question:
    """A question as content; `spec` is the JSON-able snapshot stored with attempts."""

    id: str
    module_id: str
    type: str
    spec: Mapping[str, Any]


@dataclass(frozen=True)
class Module:
    id: str
    order: int
    title: str
    summary: str
    minutes: int
    pass_mark: int
    max_attempts: int | None
    questions_per_attempt: int | None
    requires: tuple[str, ...]
    source_ids: tuple[str, ...]
    objectives: tuple[str, ...]
    discussion: tuple[str, ...]
    lesson_html: str
    words: int
    questions: tuple[Question, ...]
    terms_used: tuple[str, ...] = ()
    confidence: bool = False  # the quiz asks how sure the learner is of each answer (calibration)

    @property
    def quiz_length(self) -> int:
        return min(self.questions_per_attempt or len(self.questions), len(self.questions))


@dataclass(frozen=True, repr=False)
class Catalog:
    modules: tuple[Module, ...]
    sources: Mapping[str, Source]
    annotations: Mapping[str, tuple[Annotation, ...]]  # by source id
    passages: Mapping[str, Mapping[str, Passage]]  # source id -> key -> passage
    glossary: tuple[GlossaryTerm, ...]
    charts: Mapping[str, Chart]
    timeline: tuple[TimelineEvent, ...]
    questions: Mapping[str, Question] = field(default_factory=lambda: MappingProxyType({}))

    def module(self, module_id: str) -> Module | None:
        return next((m for m in self.modules if m.id == module_id), None)

    @cached_property
    def term_uses(self) -> Mapping[str, tuple[list[Module], list[Source]]]:
        """For each glossary term's slug: the lessons that use it and the sources that mention it.

        Worked out once (the catalogue never changes while the app runs): it reads every source.
        """
        bodies = {s.id: s.body.casefold() for s in self.sources.values()}
        uses = {}
        for term in self.glossary:
            names = [term.term.casefold(), *(a.casefold() for a in term.also)]
            in_sources = [s for s in self.sources.values() if any(n in bodies[s.id] for n in names)]
            in_lessons = [m for m in self.modules if term.slug in m.terms_used]
            uses[term.slug] = (in_lessons, in_sources)
        return MappingProxyType(uses)

    def __repr__(self) -> str:
        return f"Catalog({len(self.modules)} modules, {len(self.sources)} sources, {len(self.questions)} questions)"
