"""The review clock: real UTC time, or the one a test fixes with the REVIEW_CLOCK setting."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app, has_app_context


def now() -> datetime:
    """Timezone-aware UTC, as fsrs requires."""
    clock = current_app.config.get("REVIEW_CLOCK") if has_app_context() else None
    return clock() if clock else datetime.now(timezone.utc)


def naive_now() -> datetime:
    """The same moment as the database stores times: naive UTC."""
    return now().replace(tzinfo=None)


def aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc)


def naive(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)
