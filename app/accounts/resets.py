"""One-time password-reset links: issued by a learner's instructor or an admin, stored only as a hash,
valid for a day, used once."""
from __future__ import annotations

import enum
import hashlib
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from app.classes.models import PasswordReset
from app.classes.scope import teaches_learner
from app.database import db_write
from app.extensions import db
from app.models import User, utcnow

LIFETIME = timedelta(hours=24)
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) gives


class LinkState(enum.Enum):
    USABLE = 200
    UNKNOWN = 404  # never issued, or not even shaped like a link
    SPENT = 410  # used, expired, or its account deleted


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_issue_reset(issuer: User, learner: User | None) -> bool:
    """An instructor of one of the learner's classes, or an admin; an instructor's or admin's
    own account only by an admin; never a deleted account."""
    if learner is None or learner.deleted_at is not None or not teaches_learner(issuer, learner.id):
        return False
    return learner.role == "learner" or issuer.role == "admin"


def issue_reset(user_id: int, issued_by: int | None) -> str:
    """A new link's token for the user (committed); only its hash is stored."""
    token = secrets.token_urlsafe(32)
    with db_write():
        db.session.add(PasswordReset(user_id=user_id, token_hash=token_hash(token), issued_by=issued_by,
                                     expires_at=utcnow() + LIFETIME))
    return token


def link_state(token: str) -> LinkState:
    """Whether this token is a link that may still set a password (reads only)."""
    if not TOKEN_SHAPE.fullmatch(token):
        return LinkState.UNKNOWN
    row = db.session.execute(sa.select(PasswordReset.used_at, PasswordReset.expires_at, User.deleted_at)
                             .join(User, User.id == PasswordReset.user_id)
                             .where(PasswordReset.token_hash == token_hash(token))).one_or_none()
    if row is None:
        return LinkState.UNKNOWN
    used_at, expires_at, deleted_at = row
    return LinkState.SPENT if used_at or deleted_at or expires_at <= utcnow() else LinkState.USABLE


def use_reset(token: str, password: str) -> User | None:
    """Set the password through the link and spend it (committed); None when it was already spent.

    The link is spent by one conditional UPDATE, so of two uses at once exactly one wins. The
    user's session token is replaced: every other session and remember cookie of theirs ends.
    """
    new_hash = generate_password_hash(password, method="scrypt")  # slow: outside the write lock
    now = utcnow()
    with db_write():
        user_id = db.session.scalar(
            sa.update(PasswordReset)
            .where(PasswordReset.token_hash == token_hash(token), PasswordReset.used_at.is_(None),
                   PasswordReset.expires_at > now)
            .values(used_at=now).returning(PasswordReset.user_id)
            .execution_options(synchronize_session=False))
        user = db.session.get(User, user_id) if user_id is not None else None
        if user is None or user.deleted_at is not None:
            return None  # leaving the block commits: a link of a deleted account stays spent
        user.password_hash = new_hash
        user.rotate_session_token()
    return user


def spend_open_links(user_id: int) -> None:
    """Spend every link of this user's not yet used (the caller is inside db_write)."""
    db.session.execute(sa.update(PasswordReset).where(PasswordReset.user_id == user_id,
                                                      PasswordReset.used_at.is_(None))
                       .values(used_at=utcnow()).execution_options(synchronize_session=False))
