"""What a URL names, looked up for any blueprint: the object, or a 404."""
from flask import abort
from flask_login import current_user

from app.content import catalog
from app.content.model import Module
from app.extensions import db
from app.models import Attempt


def get_module(module_id: str) -> Module:
    """:raise 404: when no module has this id."""
    return catalog().module(module_id) or abort(404, description="There is no such module.")


def get_own_attempt(attempt_id: int) -> Attempt:
    """The current learner's attempt.

    :raise 404: when it does not exist or belongs to someone else.
    """
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404, description="There is no such attempt.")
    return attempt
