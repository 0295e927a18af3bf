"""Collecting content problems so that one run reports all of them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(click.ClickException):
    """Raised when content is broken; carries every problem found.

    A ClickException, so any `flask` command (the server included) stops with the list.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"the content has {len(self.problems)} problem(s); the app will not start:\n{lines}")


class Problems:
    """A collector: `add` never raises, `raise_if_any` raises once with all of them."""

    def __init__(self, root: Path):
        self.root = root
        self.items: list[Problem] = []

    def add(self, path: Path, line: int | None, message: str) -> None:
        try:
            shown = str(path.relative_to(self.root))
        except ValueError:
            shown = str(path)
        self.items.append(Problem(shown, line or 1, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ContentError(self.items)
