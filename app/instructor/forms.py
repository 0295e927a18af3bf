"""The results pages' query: which cohort."""
from wtforms import Form, IntegerField
from wtforms.validators import InputRequired

from app.validators import WholeNumberRange


class CohortForm(Form):
    """`?cohort=<seminar id>`, read from the query string (a GET changes nothing, so it carries no CSRF token)."""
    cohort = IntegerField(validators=[InputRequired(), WholeNumberRange(0, 999_999_999)])
