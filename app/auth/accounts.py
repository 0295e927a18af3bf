"""Accounts: creating a user, for the registration page and the command line alike."""
from app.database import db_write
from app.extensions import db
from app.models import User


def create_user(username: str, password: str, display_name: str = "", role: str = "learner") -> User:
    """A new account with a hashed password, committed.

    :raise IntegrityError: when the username is taken (the unique username key decides).
    """
    user = User(username=username.strip(), display_name=(display_name or username).strip(), role=role)
    user.set_password(password)
    with db_write():
        db.session.add(user)
    return user
