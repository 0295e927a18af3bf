"""A submitted attempt as spreadsheet rows: question, result, points, both answers."""
from __future__ import annotations

from typing import Any


def attempt_rows(items: list[dict[str, Any]], key_note: str = "") -> list[list[Any]]:
    """One row per question; what the review option hides is empty, and the key's cell says when it appears."""
    return [[q["number"], q["label"], q["verdict"] or "", "" if q["earned"] is None else q["earned"], q["points"],
             q["given"], key_note if q["key"] is None else q["key"]] for q in items]


ATTEMPT_HEADER = ("question", "type", "result", "points earned", "points possible", "your answer", "correct answer")
