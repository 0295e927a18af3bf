"""One friendly page per error status; the session is rolled back on server errors."""
from flask import Blueprint, current_app, g, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.extensions import db, login_manager

bp = Blueprint("errors", __name__)

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have access to this page.",
    404: "There is nothing at this address.",
    405: "That action is not allowed here.",
    413: "That was too much data to send at once.",
    429: "Too many attempts. Please wait a little and try again.",
    500: "Something went wrong on our side. Nothing you saved before is lost.",
    503: "The database is briefly unavailable. Nothing was changed; please try again in a moment.",
}


def wants_json() -> bool:
    """The quiz page's autosave asks with this header and reads JSON back."""
    return request.headers.get("X-Requested-With") == "fetch"


def error_response(status: int, message: str):
    if wants_json():
        return jsonify(ok=False, error=message), status
    return render_template("errors/error.html", status=status, message=message), status


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    message = ("Your form had expired or came from another page, so it was not accepted. "
               "Answers saved before are kept: reload the page and try again.")
    if wants_json():
        # the quiz page tells an ended session (log in again) from a stale token (fetch a fresh one)
        reason = "token" if current_user.is_authenticated else "session"
        return jsonify(ok=False, reason=reason, error=message), 400
    return error_response(400, message)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.code and error.code >= 500:
        db.session.rollback()
    default = MESSAGES.get(error.code or 500, error.name)
    description = error.description if error.description and not error.description.startswith(
        ("The requested URL", "The server", "The browser", "The method", "You don't")) else default
    return error_response(error.code or 500, description)


@bp.app_errorhandler(OperationalError)
def database_unavailable(error):
    db.session.rollback()
    g._login_user = login_manager.anonymous_user()  # the page must not ask the database who is logged in
    body, status = error_response(503, MESSAGES[503])
    return body, status, {"Retry-After": "5"}  # seconds: an outage is usually a restart or a failover


@bp.app_errorhandler(Exception)
def server_error(error):
    db.session.rollback()
    current_app.logger.exception("Unhandled error")
    return error_response(500, MESSAGES[500])
