"""The review page's form fields the app reads itself (the answer's own fields belong to its type)."""
from wtforms import Form, IntegerField
from wtforms.validators import InputRequired

from app.validators import WholeNumberRange


class ReviewForm(Form):
    """How many reviews the card had when the page showed it: a replayed or second tab's post no longer matches."""
    reps = IntegerField(validators=[InputRequired(), WholeNumberRange(0, 99_999_999)])
