"""One learner, for an instructor of one of their classes (an admin: any learner): their standing in each
module, every attempt, and each graded attempt's review, read-only."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template
from flask_login import current_user, login_required

from app.classes.roster import module_standings
from app.classes.scope import taught_class_ids, teaches_learner
from app.content import catalog
from app.extensions import db
from app.instructor import bp
from app.models import Attempt, LessonRead, User
from app.review.regraded import regrades_of, review_items

NO_LEARNER = "There is no such learner among your classes."


def taught_learner(user_id: int) -> User:
    """A learner in one of the current user's classes (any user, for an admin).

    :raise 404: for anyone else, for a learner (even the learner herself: this is the instructors' copy),
        and for an unknown id.
    """
    if not current_user.is_instructor or not teaches_learner(current_user, user_id):
        abort(404, description=NO_LEARNER)
    return db.get_or_404(User, user_id, description=NO_LEARNER)


@bp.route("/learners/<int(max=2147483647):user_id>")
@login_required
def learner(user_id: int):
    """A learner's lesson reads, attempts, best score, passed and late per module, and every attempt."""
    person = taught_learner(user_id)
    modules = catalog().modules
    # late against the due dates of the learner's classes that the viewer teaches (every class, for an admin)
    standings = {module_id: rest for _, module_id, *rest in module_standings(
        sa.select(User.id).where(User.id == user_id), [m.id for m in modules], taught_class_ids(current_user))}
    read = set(db.session.scalars(sa.select(LessonRead.module_id).where(LessonRead.user_id == user_id)))
    attempts = db.session.scalars(sa.select(Attempt).where(Attempt.user_id == user_id)
                                  .order_by(Attempt.started_at.desc(), Attempt.id.desc())).all()
    return render_template("instructor/learner.html", person=person, modules=modules, standings=standings,
                           read=read, attempts=attempts, titles={m.id: m.title for m in modules})


@bp.route("/learners/<int(max=2147483647):user_id>/attempts/<int(max=2147483647):attempt_id>")
@login_required
def learner_attempt(user_id: int, attempt_id: int):
    """One of the learner's graded attempts, read-only, with everything the review can show.

    :raise 404: for an open attempt too: there is no review until it is submitted.
    """
    person = taught_learner(user_id)
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != person.id:
        abort(404, description="There is no such attempt.")
    if attempt.is_open:
        abort(404, description="This attempt is still open: it can be reviewed once the learner submits it.")
    regrades = regrades_of(attempt.id)
    # Deliberately not app/review/visibility.redacted(): the class's review option decides what the learner
    # sees and when; their instructor sees the key, the explanation and the evidence at once, to discuss them.
    items = review_items(attempt, regrades)
    return render_template("instructor/learner_attempt.html", person=person, attempt=attempt, items=items,
                           regrades=regrades, module=catalog().module(attempt.module_id))
