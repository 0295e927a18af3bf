"""Who may open a view, beyond being logged in."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def instructor_required(view):
    """Logged in as an instructor or an admin.

    :raise 403: for a learner.
    """
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_instructor:
            abort(403, description="Only instructors and admins can open this page.")
        return view(*args, **kwargs)
    return wrapped
