"""Resolving `{source, quote, occurrence}` references against the loaded sources."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from app.content.model import Passage, QuoteNotFound, Source
from app.content.problems import Problems
from app.content.text import LineDict


class Anchorer:
    """Anchors quotes and remembers every passage so the reader can highlight any of them."""

    def __init__(self, sources: Mapping[str, Source], problems: Problems):
        self.sources = sources
        self.problems = problems
        self.passages: dict[str, dict[str, Passage]] = {sid: {} for sid in sources}

    def anchor(self, path: Path, line: int, source_id: object, quote: object,
               occurrence: object = None, field: str = "quote", source_line: int | None = None) -> Passage | None:
        if source_id not in self.sources:
            known = ", ".join(sorted(self.sources))
            self.problems.add(path, source_line or line, f"source: unknown source id {source_id!r} (known: {known})")
            return None
        if not isinstance(quote, str) or len(quote.split()) < 5:
            self.problems.add(path, line, f"{field}: must be at least five words: {quote!r}")
            return None
        if occurrence is not None and (isinstance(occurrence, bool) or not isinstance(occurrence, int)):
            self.problems.add(path, line, "occurrence: must be a whole number")
            return None
        if "..." in quote or "\u2026" in quote:
            self.problems.add(path, line, f"{field}: no ellipses inside a quote; cite two quotes instead")
            return None
        try:
            passage = self.sources[source_id].anchor(quote, occurrence)
        except QuoteNotFound as exc:
            self.problems.add(path, line, f"{field}: {exc}")
            return None
        self.passages[source_id][passage.key] = passage
        return passage

    def anchor_ref(self, path: Path, ref: object, field: str) -> Passage | None:
        """Anchor a `{source, quote, occurrence}` mapping."""
        if not isinstance(ref, dict):
            self.problems.add(path, getattr(ref, "line", None), f"{field}: must be a mapping with source and quote")
            return None
        line = ref.line_of("quote") if isinstance(ref, LineDict) else None
        source_line = ref.line_of("source") if isinstance(ref, LineDict) else None
        return self.anchor(path, line or 1, ref.get("source"), ref.get("quote"), ref.get("occurrence"), field,
                           source_line)
