"""The results pages' query: which class and which cohort."""
from wtforms import Form, IntegerField
from wtforms.validators import InputRequired

from app.validators import WholeNumberRange


class CohortForm(Form):
    """`?cohort=<seminar id>`, read from the query string (a GET changes nothing, so it carries no CSRF token)."""
    cohort = IntegerField(validators=[InputRequired(), WholeNumberRange(0, 999_999_999)])


class ClassForm(Form):
    """`?class=<class id>`, read from the query string like the cohort."""
    class_id = IntegerField(name="class", validators=[InputRequired(), WholeNumberRange(0, 999_999_999)])
