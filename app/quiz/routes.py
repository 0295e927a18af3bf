"""Taking a quiz: start or resume, save as you go, submit once."""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from app.content import catalog
from app.errors import wants_json
from app.extensions import db, login_manager
from app.learning.progress import module_progress
from app.lookups import get_module, get_own_attempt
from app.quiz.attempts import (AttemptBusy, AttemptNotFound, AttemptRefused, SubmissionRefused, record_answers,
                               start_attempt)
from app.quiz.presenter import ShownQuestion, public_view

bp = Blueprint("quiz", __name__)


def already_submitted(attempt_id: int):
    """The answer to a save or submit that arrives after grading: nothing changes."""
    db.session.rollback()
    if wants_json():
        return jsonify(ok=False, error="This attempt was already submitted."), 409
    flash("This attempt was already submitted; here is its review.", "info")
    return redirect(url_for("review.attempt", attempt_id=attempt_id))


@bp.route("/modules/<module_id>/quiz", methods=["POST"])
@login_required
def start(module_id: str):
    """Start the module's quiz, or resume the attempt already open."""
    module = get_module(module_id)
    progress = module_progress(current_user, catalog(), module.id)
    if progress.locked:
        flash("Pass " + ", ".join(progress.missing) + " first to open this quiz.", "error")
        return redirect(url_for("learning.module", module_id=module.id))
    try:
        attempt = start_attempt(current_user, module)
    except AttemptRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("learning.module", module_id=module.id))
    return redirect(url_for("quiz.take", attempt_id=attempt.id))


@bp.route("/attempts/<int(max=2147483647):attempt_id>")
@login_required
def take(attempt_id: int):
    """The quiz form of an open attempt, with every saved answer filled in."""
    attempt = get_own_attempt(attempt_id)
    if not attempt.is_open:
        return redirect(url_for("review.attempt", attempt_id=attempt.id))
    module = get_module(attempt.module_id)
    questions = [public_view(ShownQuestion.of_attempt(item, module.confidence)) for item in attempt.items]
    page = render_template("quiz/take.html", attempt=attempt, module=module, questions=questions)
    # never from the browser's cache: Back after submitting must ask the server (which shows the review)
    return page, 200, {"Cache-Control": "no-store"}


@bp.route("/attempts/<int(max=2147483647):attempt_id>/token")
def token(attempt_id: int):
    """A CSRF token for the open quiz page, whose own token died with its session; polled after a logout."""
    if not current_user.is_authenticated:
        if wants_json():
            return jsonify(ok=False, reason="session", error="You are not logged in."), 401
        return login_manager.unauthorized()
    get_own_attempt(attempt_id)
    return jsonify(ok=True, csrf_token=generate_csrf()), 200, {"Cache-Control": "no-store"}


def question_anchor(answers) -> str | None:
    """Where the learner was: the first refused question, else the last one this form changed."""
    if answers.refused:
        return f"q{min(answers.refused)}"
    return f"q{max(c['b_position'] for c in answers.changed)}" if answers.changed else None


@bp.errorhandler(AttemptBusy)
def attempt_busy(exc: AttemptBusy):
    """Nothing was written: the learner, or the page's autosave (which keeps the answers), tries again."""
    if wants_json():
        return jsonify(ok=False, error=str(exc)), 503, {"Retry-After": "1"}
    flash(str(exc), "error")
    return redirect(url_for("quiz.take", attempt_id=request.view_args["attempt_id"]))


def record(attempt_id: int, close: bool):
    """Store the form's answers on the learner's attempt (see record_answers).

    :raise 404: when it does not exist or belongs to someone else.
    """
    try:
        return record_answers(attempt_id, current_user.id, request.form, close=close)
    except AttemptNotFound:
        abort(404, description="There is no such attempt.")


@bp.route("/attempts/<int(max=2147483647):attempt_id>/save", methods=["POST"])
@login_required
def save(attempt_id: int):
    """Save answers; called by the page as the learner goes, and by the Save button."""
    answers = record(attempt_id, close=False)
    if answers is None:
        return already_submitted(attempt_id)
    refused = {f"q{position}": why for position, why in answers.refused.items()}
    if wants_json():
        return jsonify(ok=True, changed=len(answers.changed), saved_at=answers.saved_at.isoformat() + "Z",
                       refused=refused)
    for position, why in sorted(answers.refused.items()):
        flash(f"Question {position + 1} was not saved: {why}", "error")
    flash("Your answers are saved. You can come back to this quiz at any time."
          if not refused else "Your other answers are saved.", "success")
    return redirect(url_for("quiz.take", attempt_id=attempt_id, _anchor=question_anchor(answers)))


@bp.route("/attempts/<int(max=2147483647):attempt_id>/submit", methods=["POST"])
@login_required
def submit(attempt_id: int):
    """Save the last answers and grade the attempt, exactly once."""
    try:
        answers = record(attempt_id, close=True)
    except SubmissionRefused as exc:
        flash(f"Nothing was submitted. {exc}", "error")
        return redirect(url_for("quiz.take", attempt_id=attempt_id, _anchor=f"q{min(exc.refused)}"))
    if answers is None:
        return already_submitted(attempt_id)
    result, pass_mark = answers.score, answers.pass_mark
    passed = result.passes(pass_mark)
    flash(f"Submitted: {result.percent:g}% — {'passed' if passed else 'not passed yet'} (pass mark {pass_mark}%).",
          "success" if passed else "info")
    return redirect(url_for("review.attempt", attempt_id=attempt_id))
