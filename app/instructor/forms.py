"""The results pages' query: which cohort."""
from wtforms import Form, IntegerField
from wtforms.validators import AnyOf, InputRequired


class CohortForm(Form):
    """`?cohort=<seminar id>`, read from the query string (a GET changes nothing, so it carries no CSRF token)."""
    # AnyOf(range), not NumberRange, which turns the number into a float that a long enough one overflows
    cohort = IntegerField(validators=[InputRequired(), AnyOf(range(1_000_000_000), values_formatter=str)])
