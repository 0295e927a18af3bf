"""Login and registration forms."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

USERNAME = Regexp(r"^[A-Za-z0-9_.-]+$", message="Use letters, digits, dots, hyphens or underscores.")
PRINTABLE = Regexp(r"^[^\x00-\x1f\x7f]*$", message="Remove the control characters.")
# shared with the account page (app/accounts/forms.py), so a name or password is judged alike everywhere
DISPLAY_NAME = [Length(max=80), PRINTABLE]
NEW_PASSWORD = [DataRequired(), Length(min=8, max=200)]


def repeat_of(field: str) -> list:
    return [DataRequired(), EqualTo(field, "The passwords differ.")]


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=40), PRINTABLE])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in on this device")
    submit = SubmitField("Log in")


class RegisterForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(min=3, max=40), USERNAME])
    display_name = StringField("Name shown to your instructor", validators=DISPLAY_NAME)
    password = PasswordField("Password (at least 8 characters)", validators=NEW_PASSWORD)
    confirm = PasswordField("Repeat the password", validators=repeat_of("password"))
    submit = SubmitField("Create account")
