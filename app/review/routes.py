from app.review import bp
"""Reviewing one's own attempts."""
import sqlalchemy as sa
from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.classes.reviewing import key_visibility, review_visibility
from app.content import catalog
from app.csv_export import csv_download
from app.extensions import db
from app.lookups import get_own_attempt
from app.models import Attempt
from app.quiz.calibration import calibration
from app.review.export import ATTEMPT_HEADER, attempt_rows
from app.review.regraded import regrades_of, review_items
from app.review.visibility import redacted


def get_submitted_attempt(attempt_id: int) -> Attempt:
    """The current learner's graded attempt.

    :raise 404: when it does not exist or is someone else's.
    :raise 302: to the quiz page while it is still open.
    """
    attempt = get_own_attempt(attempt_id)
    if attempt.is_open:
        abort(redirect(url_for("quiz.take", attempt_id=attempt.id)))
    return attempt


@bp.route("/attempts")
@login_required
def attempts():
    """Every attempt the learner has made, newest first, and how well their stated confidence matched their results."""
    rows = db.session.scalars(sa.select(Attempt).where(Attempt.user_id == current_user.id)
                              .order_by(Attempt.started_at.desc(), Attempt.id.desc())).all()
    modules = {m.id: m for m in catalog().modules}
    return render_template("review/attempts.html", attempts=rows, modules=modules,
                           visibility=review_visibility(current_user, {a.module_id for a in rows}),
                           calibration=calibration(user_id=current_user.id))


@bp.route("/attempts/<int(max=2147483647):attempt_id>/review")
@login_required
def attempt(attempt_id: int):
    """One submitted attempt, question by question, exactly as it was taken (the key as the class allows)."""
    attempt = get_submitted_attempt(attempt_id)
    module = catalog().module(attempt.module_id)
    visibility = key_visibility(current_user, attempt.module_id)
    regrades = regrades_of(attempt.id)
    items = [redacted(view, visibility) for view in review_items(attempt, regrades)]
    others = db.session.scalars(sa.select(Attempt).where(
        Attempt.user_id == current_user.id, Attempt.module_id == attempt.module_id,
        Attempt.submitted_at.is_not(None)).order_by(Attempt.number)).all()
    return render_template("review/attempt.html", attempt=attempt, module=module, items=items, others=others,
                           visibility=visibility, regrades=regrades)


@bp.route("/attempts/<int(max=2147483647):attempt_id>/review.csv")
@login_required
def attempt_csv(attempt_id: int):
    """One submitted attempt as a spreadsheet: question, result, points, both answers (the key as the class allows)."""
    attempt = get_submitted_attempt(attempt_id)
    visibility = key_visibility(current_user, attempt.module_id)
    reviews = [redacted(view, visibility) for view in review_items(attempt, regrades_of(attempt.id))]
    return csv_download(ATTEMPT_HEADER, attempt_rows(reviews, visibility.message),
                        f"groundwork-{attempt.module_id}-attempt-{attempt.number}.csv")
