"""A user's own account: a new password, a new display name, deletion (the account is anonymised)."""
from __future__ import annotations

from werkzeug.security import generate_password_hash

from app.accounts.resets import spend_open_links
from app.database import db_write
from app.models import User, utcnow

DELETED_NAME = "Deleted learner"
# No username typed at registration has a '#' (app.auth.forms.USERNAME), so these names stay free.
UNUSABLE_PASSWORD = "!"  # no hash method is named '!': every check of it fails


def change_password(user: User, password: str) -> None:
    """Set a new password and replace the session token: the user's other sessions end (committed)."""
    new_hash = generate_password_hash(password, method="scrypt")  # slow: outside the write lock
    with db_write():
        user.password_hash = new_hash
        user.rotate_session_token()


def rename(user: User, display_name: str) -> None:
    with db_write():
        user.display_name = display_name.strip()


def delete_account(user: User) -> None:
    """Anonymise the account; its attempts, seminar answers and review cards stay for the class's
    statistics, under no name. It can never log in again (committed)."""
    with db_write():
        user.display_name = DELETED_NAME
        user.username = f"deleted#{user.id}"
        user.password_hash = UNUSABLE_PASSWORD
        user.rotate_session_token()
        user.deleted_at = utcnow()
        spend_open_links(user.id)
