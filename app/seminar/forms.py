"""Opening a seminar, and joining one."""
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.auth.forms import PRINTABLE
from app.seminar.live import MAX_QUESTIONS


class SeminarForm(FlaskForm):
    module = SelectField("Module", validators=[DataRequired()])
    title = StringField("Title shown to the room (optional)", validators=[Length(max=120), PRINTABLE])
    questions = IntegerField("Number of questions", default=8,
                             validators=[DataRequired(), NumberRange(min=1, max=MAX_QUESTIONS)])
    seconds = IntegerField("Seconds per question (optional: empty means until you close it)",
                           validators=[Optional(), NumberRange(min=5, max=600)])
    # questions picked by the instructor (ids from the module's bank); none picked: a random draw
    chosen = SelectMultipleField("Questions", validate_choice=True)
    submit = SubmitField("Open the room")


class JoinForm(FlaskForm):
    code = StringField("Seminar code", validators=[DataRequired(), Length(max=20), PRINTABLE])
    submit = SubmitField("Join")
