"""Opening a seminar, joining one, the host's buttons and which question a phone answers."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.auth.forms import PRINTABLE
from app.seminar.live import ACTIONS, MAX_QUESTIONS
from app.validators import WholeNumberRange


class SeminarForm(FlaskForm):
    module = SelectField("Module", validators=[DataRequired()])
    title = StringField("Title shown to the room (optional)", validators=[Length(max=120), PRINTABLE])
    questions = IntegerField("Number of questions", default=8,
                             validators=[DataRequired(), WholeNumberRange(1, MAX_QUESTIONS)])
    seconds = IntegerField("Seconds per question (optional: empty means until you close it)",
                           validators=[Optional(), WholeNumberRange(5, 600)])
    # questions picked by the instructor (ids from the module's bank); none picked: a random draw
    chosen = SelectMultipleField("Questions", validate_choice=True)
    # the classes the host teaches (set by the view); empty: held for no class
    course_class = SelectField("Held for a class (optional)", default="", validate_choice=False)
    submit = SubmitField("Open the room")

    def validate_course_class(self, field) -> None:
        if field.data and field.data not in {value for value, _ in field.choices}:
            raise ValidationError("You do not teach that class; choose one of yours or none.")

    @property
    def class_id(self) -> int | None:
        return int(self.course_class.data) if self.course_class.data else None


class JoinForm(FlaskForm):
    code = StringField("Seminar code", validators=[DataRequired(), Length(max=20), PRINTABLE])
    submit = SubmitField("Join")


# The two below read fields of forms the room's pages post; CSRFProtect has checked their token already.

class AdvanceForm(Form):
    """A host's button: the action and the step the room was at when the page showed it."""
    action = SelectField(choices=ACTIONS, validators=[InputRequired()])
    step = IntegerField(validators=[InputRequired(), WholeNumberRange(0, 99_999_999)])
    confirm = BooleanField()  # "end" only: sent by the confirmation page


class LeaderboardForm(Form):
    """The host's switch for the projector's leaderboard of nicknames."""
    shown = SelectField(choices=("on", "off"), validators=[InputRequired()])


class AnswerForm(Form):
    """Which question a phone's answer is for; the answer's own fields belong to the question's type."""
    position = IntegerField(validators=[InputRequired(), WholeNumberRange(0, 999)])
