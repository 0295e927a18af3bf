"""Register, log in, log out."""
import hmac
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from app.auth import bp, devices, limits
from app.auth.accounts import create_user
from app.auth.forms import LoginForm, RegisterForm
from app.database import db_write
from app.extensions import db, login_manager
from app.models import User, username_key


# A plain SELECT: cheaper per request than Session.get, whose identity-map path rebuilds its
# statement on every call (and each request's session starts empty, so the map never hits).
# For a page it also counts the user's due review cards and lists the lessons read, for the header;
# a POST mostly redirects, so it leaves them deferred (loaded on first use if it shows a page).
USER_BY_ID = sa.select(User).where(User.id == sa.bindparam("user_id"))
USER_FOR_A_PAGE = USER_BY_ID.options(so.undefer(User.lessons_read_joined), so.undefer(User.cards_due))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user whose id and current session token match the cookie's."""
    user_id, _, token = session_id.partition(".")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 12 and token):
        return None
    user = db.session.scalar(USER_FOR_A_PAGE if request.method == "GET" else USER_BY_ID, {"user_id": int(user_id)})
    if user is None or not user.session_token or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login; anything else goes to the course."""
    fallback = url_for("learning.dashboard")
    if not target or not target.isprintable() or "\\" in target or not target.startswith("/") or target.startswith("//"):
        return fallback
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. "Invalid IPv6 URL"
        return fallback
    return fallback if parts.scheme or parts.netloc else target


def too_many_attempts(template: str, form, wait: int, message: str):
    """The form again with a 429 that says how long to wait."""
    flash(f"{message} Please wait {max(1, round(wait / 60))} minute(s) and try again.", "error")
    return render_template(template, form=form), 429, {"Retry-After": str(wait)}


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a learner account and log in."""
    if current_user.is_authenticated:
        return redirect(url_for("learning.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        with db_write():
            wait = limits.count_registration(request.remote_addr or "").refused_for
        if wait:
            return too_many_attempts("auth/register.html", form, wait, "Too many accounts were made from this network.")
        try:  # the unique username key decides, so two registrations at once cannot both take a name
            user = create_user(form.username.data, form.password.data, form.display_name.data or "")
        except IntegrityError:
            form.username.errors.append("That username is taken.")
        else:
            session.clear()
            with db_write():  # login_user calls get_id, which may create a session token
                login_user(user)
            flash("Welcome to Groundwork. Start with module 1, or pick any module below.", "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/register.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("learning.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        key = username_key(form.username.data)
        # counted before the password is checked, so parallel guesses cannot overtake the limit
        with db_write():
            attempt = limits.begin_login(key, request.remote_addr or "", devices.device_nonce(key))
        if attempt.refused_for:
            return too_many_attempts("auth/login.html", form, attempt.refused_for, "Too many failed attempts.")
        # read outside any write: the slow password check must not hold the write lock
        user = db.session.scalar(User.named(form.username.data))
        right = User.password_matches(user, form.password.data)
        db.session.rollback()
        if not right:
            flash("Wrong username or password.", "error")
            return render_template("auth/login.html", form=form), 401
        session.clear()  # a fresh session at login
        with db_write():
            attempt.succeeded()
            login_user(user, remember=form.remember.data)  # keeps a session token created by get_id
        response = redirect(safe_next(request.args.get("next")))
        devices.remember_device(response, key)
        return response
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out and drop the whole session."""
    user = current_user._get_current_object()
    with db_write():
        user.rotate_session_token()  # copies of this session or its remember cookie stop working
    session.clear()
    logout_user()  # after clear(): it leaves the mark that deletes the remember cookie
    flash("You are logged out.", "info")
    return redirect(url_for("learning.home"))
