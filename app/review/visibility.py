"""A reviewed question with what the class's review option hides taken out (app/classes/reviewing.py):
the template and the CSV get nothing they may not show."""
from __future__ import annotations

from typing import Any

from app.classes.reviewing import Visibility

KEY_FIELDS = {"key": None, "explanation_html": None, "evidence": [], "detail": None}  # a type's detail holds the key
VERDICT_FIELDS = {"verdict": None, "fraction": None, "earned": None}


def redacted(item: dict[str, Any], visibility: Visibility) -> dict[str, Any]:
    hidden = {**({} if visibility.shows_key else KEY_FIELDS), **({} if visibility.shows_verdicts else VERDICT_FIELDS)}
    return {**item, **hidden}
