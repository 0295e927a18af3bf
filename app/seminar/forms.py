"""Opening a seminar, joining one, the host's buttons and which question a phone answers."""
from flask_wtf import FlaskForm
from wtforms import Form, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from app.auth.forms import PRINTABLE
from app.seminar.live import ACTIONS, MAX_QUESTIONS


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


# The two below read fields of forms the room's pages post; CSRFProtect has checked their token already.
# AnyOf(range), not NumberRange: NumberRange turns the number into a float, which a long enough one
# overflows; the message names the range (str) rather than listing it.

class AdvanceForm(Form):
    """A host's button: the action and the step the room was at when the page showed it."""
    action = SelectField(choices=ACTIONS, validators=[InputRequired()])
    step = IntegerField(validators=[InputRequired(), AnyOf(range(100_000_000), values_formatter=str)])


class AnswerForm(Form):
    """Which question a phone's answer is for; the answer's own fields belong to the question's type."""
    position = IntegerField(validators=[InputRequired(), AnyOf(range(1000), values_formatter=str)])
