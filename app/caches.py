"""The app's per-process caches, one typed field each, made with the app in create_app.

Each holds only what cannot change while the process runs, so no entry is ever stale and none
is ever dropped: content is loaded once at start-up into immutable objects, and a stored
question version never changes. They are per app, not per module, because each app has its own
database and catalogue (the tests build many).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from markupsafe import Markup


@dataclass
class Caches:
    # a question spec's digest -> the id of its stored version; only once that row is committed
    question_versions: dict[str, int] = field(default_factory=dict)
    # a stored version's id -> its spec (every version is kept, unchanged, for ever)
    version_specs: dict[int, dict[str, Any]] = field(default_factory=dict)
    # (template, script root, what else it depends on) -> a page part that is the same for every learner
    fragments: dict[tuple, Markup] = field(default_factory=dict)
    # the spaced-review scheduler (its settings come from the app's config)
    review_scheduler: Any = None
    # whether this process has marked the cards of questions no longer in the bank (the bank never changes)
    retired_cards_checked: bool = False


def caches() -> Caches:
    """The current app's caches."""
    return current_app.extensions["groundwork_caches"]


def init_app(app: Flask) -> None:
    app.extensions["groundwork_caches"] = Caches()
