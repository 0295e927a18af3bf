"""Form validators the app shares between blueprints."""
from wtforms.validators import ValidationError


class WholeNumberRange:
    """Between `minimum` and `maximum` inclusive, compared as whole numbers.

    WTForms' NumberRange turns the number into a float first, which a long enough one
    overflows (a server error instead of a message).
    """

    def __init__(self, minimum: int, maximum: int):
        self.minimum, self.maximum = minimum, maximum

    def __call__(self, form, field) -> None:
        if field.data is not None and not self.minimum <= field.data <= self.maximum:
            raise ValidationError(f"Give a whole number from {self.minimum} to {self.maximum}.")
