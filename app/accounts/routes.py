"""The user's own account page, and one-time reset links: issued by an instructor or admin, used by the learner."""
import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE

from app.accounts import bp, profile, resets
from app.accounts.forms import ChangePasswordForm, DeleteAccountForm, DisplayNameForm, NewPasswordForm
from app.auth import limits
from app.database import db_write
from app.extensions import db
from app.models import User


def account_page(password=None, name=None, delete=None, status=200):
    """The account page with its three forms; the one that was sent keeps its data and errors."""
    user = current_user._get_current_object()
    forms = {"password_form": password or ChangePasswordForm(formdata=None),
             "name_form": name or DisplayNameForm(formdata=None, display_name=user.display_name),
             "delete_form": delete or DeleteAccountForm(formdata=None)}
    return render_template("accounts/account.html", **forms), status


def relogin(user: User, remember: bool = False) -> None:
    """Log this browser in under the user's new session token."""
    with db_write():
        login_user(user, remember=remember)


def has_remember_cookie() -> bool:
    return current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE) in request.cookies


def current_password_refused(form, field) -> tuple | None:
    """Check the logged-in user's password, counted first like a login; the page again when it is
    wrong (400) or too many were wrong (429), None when it is right."""
    user = current_user._get_current_object()
    with db_write():
        counted = limits.count_current_password(user.id)
    if counted.refused_for:
        field.errors.append(f"Too many wrong passwords. Please wait {max(1, round(counted.refused_for / 60))} "
                            "minute(s) and try again.")
        body, _ = account_page(**form)
        return body, 429, {"Retry-After": str(counted.refused_for)}
    if not user.check_password(field.data):
        field.errors.append("That is not your current password; nothing was changed.")
        return account_page(**form, status=400)
    with db_write():
        limits.refund([counted])
    return None


@bp.route("/account")
@login_required
def account():
    """Change the password or display name, or delete the account."""
    return account_page()


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    """A new password, given the current one; other sessions end, this one stays."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return account_page(password=form, status=400)
    refused = current_password_refused({"password": form}, form.current)
    if refused:
        return refused
    user = current_user._get_current_object()
    profile.change_password(user, form.password.data)
    relogin(user, remember=has_remember_cookie())  # "keep me logged in" stays kept, under the new token
    flash("Your password is changed. Any other device you were logged in on is logged out.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/name", methods=["POST"])
@login_required
def change_name():
    """A new display name, judged as at registration."""
    form = DisplayNameForm()
    if not form.validate_on_submit():
        return account_page(name=form, status=400)
    profile.rename(current_user._get_current_object(), form.display_name.data)
    flash("Your name is changed.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/delete", methods=["POST"])
@login_required
def delete_account():
    """Delete (anonymise) the account, confirmed with the password, and log out."""
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return account_page(delete=form, status=400)
    refused = current_password_refused({"delete": form}, form.confirm_password)
    if refused:
        return refused
    user = current_user._get_current_object()
    profile.delete_account(user)
    session.clear()
    logout_user()
    flash("Your account is deleted. Your answers stay in your class's statistics without your name.", "info")
    return redirect(url_for("learning.home"))


@bp.route("/accounts")
@login_required
def users():
    """Every account, for an admin, each with its reset-link button.

    :raise 403: for anyone but an admin.
    """
    if current_user.role != "admin":
        abort(403, description="Only admins can list every account.")
    accounts = db.session.scalars(sa.select(User).where(User.deleted_at.is_(None)).order_by(User.username_key))
    return render_template("accounts/users.html", accounts=accounts)


@bp.route("/accounts/<int:user_id>/reset-link", methods=["POST"])
@login_required
def reset_link(user_id: int):
    """Issue a one-time link that sets the learner's password, to hand over in person.

    :raise 404: unless the current user teaches the learner (see resets.may_issue_reset).
    """
    learner = db.session.get(User, user_id) if user_id < 2**31 else None
    if not resets.may_issue_reset(current_user, learner):
        abort(404)
    token = resets.issue_reset(learner.id, current_user.id)
    return render_template("accounts/reset_issued.html", learner=learner,
                           hours=int(resets.LIFETIME.total_seconds() // 3600),
                           link=url_for("accounts.reset_form", token=token, _external=True))


def spent_link(state: resets.LinkState):
    """Count a link that cannot be used against the address, and say why it cannot."""
    with db_write():
        limits.count_wrong_reset_link(request.remote_addr or "")
    return render_template("accounts/reset_spent.html", state=state), state.value


def refused_address():
    wait = limits.reset_links_refused_for(request.remote_addr or "")
    if wait:
        return render_template("errors/error.html", status=429, message=(
            f"Too many reset links that do not work were opened from this network. Please wait "
            f"{max(1, round(wait / 60))} minute(s) and try again.")), 429, {"Retry-After": str(wait)}
    return None


@bp.after_request
def no_referrer(response):
    """A reset link's token must not travel on in a Referer header, even to this site's own files."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/reset/<token>")
def reset_form(token: str):
    """The form for a new password, if the link can still be used."""
    refused = refused_address()
    if refused:
        return refused
    state = resets.link_state(token)
    if state is not resets.LinkState.USABLE:
        return spent_link(state)
    return render_template("accounts/reset.html", form=NewPasswordForm())


@bp.route("/reset/<token>", methods=["POST"])
def reset_password(token: str):
    """Set the new password through the link, spend the link, and log the learner in."""
    refused = refused_address()
    if refused:
        return refused
    state = resets.link_state(token)
    if state is not resets.LinkState.USABLE:
        return spent_link(state)
    form = NewPasswordForm()
    if not form.validate_on_submit():
        return render_template("accounts/reset.html", form=form), 400
    user = resets.use_reset(token, form.password.data)
    if user is None:  # another use of the same link got there first
        return spent_link(resets.LinkState.SPENT)
    session.clear()
    relogin(user)
    flash("Your new password is set, and you are logged in. Other devices were logged out.", "success")
    return redirect(url_for("learning.dashboard"))
