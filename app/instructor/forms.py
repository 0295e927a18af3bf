"""The results pages' query: which cohort."""
from wtforms import Form, IntegerField
from wtforms.validators import InputRequired, NumberRange


class CohortForm(Form):
    """`?cohort=<seminar id>`, read from the query string (a GET changes nothing, so it carries no CSRF token)."""
    cohort = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=999_999_999)])
