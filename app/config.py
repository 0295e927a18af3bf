"""Configuration from the environment, with safe defaults for a single machine."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("GROUNDWORK_INSTANCE", PROJECT_ROOT / "instance"))


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{INSTANCE / 'groundwork.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def secret_key() -> str:
    """SECRET_KEY from the environment; otherwise one kept in instance/ so restarts keep sessions."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SECRET_KEY = None  # filled in by create_app, so importing this module writes nothing
    SQLALCHEMY_DATABASE_URI = None
    # Connections are recycled rather than pinged before each use (a round trip per request);
    # after a database restart the first request on a stale connection gets the 503 page.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": 300}
    CONTENT_DIR = Path(os.environ.get("GROUNDWORK_CONTENT", PROJECT_ROOT))
    SEEDS_DIR = Path(os.environ.get("GROUNDWORK_SEEDS", PROJECT_ROOT.parent / "shared" / "seeds"))
    SQLITE_BUSY_TIMEOUT_MS = 30_000
    # The kept statistics fold in attempts submitted at least this long ago (app/instructor/kept.py): longer
    # than any write waits for its lock (SQLITE_BUSY_TIMEOUT_MS), so every such attempt has committed.
    STATISTICS_SETTLE_SECONDS = 120
    # A quiz may stay open for hours: the CSRF token lives as long as the session does.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = os.environ.get("GROUNDWORK_HTTPS", "") == "1"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Registrations from one address: a class of 60 behind one NAT address registers within the
    # window with room for retries; a script making hundreds is refused (429) until the window ends.
    REGISTRATIONS_PER_ADDRESS = int(os.environ.get("GROUNDWORK_REGISTRATIONS_PER_ADDRESS", "") or 100)
    REGISTRATION_WINDOW_MINUTES = 10
    # Wrong seminar codes: a few typos per learner; a classroom's worth from one address.
    WRONG_JOIN_CODES_PER_LEARNER = 10
    WRONG_JOIN_CODES_PER_ADDRESS = 300
    JOIN_CODE_WINDOW_MINUTES = 10
    # How many reverse proxies stand in front of the app (their X-Forwarded-For is trusted).
    TRUSTED_PROXIES = int(os.environ.get("GROUNDWORK_PROXIES", "0") or 0)
