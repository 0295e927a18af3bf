"""The account page's forms and the reset link's; names and passwords are judged as at registration."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.auth.forms import DISPLAY_NAME, NEW_PASSWORD, repeat_of

CURRENT_PASSWORD = [DataRequired(), Length(max=200)]


class NewPasswordForm(FlaskForm):
    """The reset link's form: the new password, twice."""

    password = PasswordField("New password (at least 8 characters)", validators=NEW_PASSWORD)
    confirm = PasswordField("Repeat the new password", validators=repeat_of("password"))
    submit = SubmitField("Set the password")


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=CURRENT_PASSWORD)
    password = PasswordField("New password (at least 8 characters)", validators=NEW_PASSWORD)
    confirm = PasswordField("Repeat the new password", validators=repeat_of("password"))
    submit = SubmitField("Change the password")


class DisplayNameForm(FlaskForm):
    display_name = StringField("Name shown to your instructor", validators=[DataRequired(), *DISPLAY_NAME])
    submit = SubmitField("Change the name")


class DeleteAccountForm(FlaskForm):
    confirm_password = PasswordField("Your password, to confirm", validators=CURRENT_PASSWORD)
    submit = SubmitField("Delete my account")
