"""A submitted attempt as spreadsheet rows: question, result, points, both answers."""
from __future__ import annotations

from typing import Any


def attempt_rows(items: list[dict[str, Any]]) -> list[list[Any]]:
    return [[q["number"], q["label"], q["verdict"], q["earned"], q["points"], q["given"], q["key"]] for q in items]


ATTEMPT_HEADER = ("question", "type", "result", "points earned", "points possible", "your answer", "correct answer")
