"""A class's forms: its details, its modules and due dates, enrolment, co-instructors, the enrolment code."""
from __future__ import annotations

from datetime import date, datetime, time

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.forms import PRINTABLE
from app.content.model import Catalog

# a description may run over lines; other control characters (NUL above all, which PostgreSQL refuses) may not
TEXT = Regexp(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$", message="Remove the control characters.")
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
DUE_TIME = time(23, 59)  # a due date means the end of that day (UTC)


def strip(value):
    return value.strip() if isinstance(value, str) else value


def sensible_date(_form, field) -> None:
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(f"Give a date from {EARLIEST.year} to {LATEST.year}.")


class ModulesForm(FlaskForm):
    """The modules a class covers, each with an optional due date (one field per module: see modules_form)."""

    modules = SelectMultipleField("Modules the class covers", option_widget=CheckboxInput(),
                                  widget=ListWidget(prefix_label=False))
    submit = SubmitField("Save modules and due dates")

    catalog: Catalog

    def due_fields(self):
        return [(module, self[f"due_{module.order}"]) for module in self.catalog.modules]

    def validate_modules(self, field) -> None:
        if not field.data:
            raise ValidationError("Choose at least one module.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        chosen = set(self.modules.data or ())
        for module, due in self.due_fields():
            if due.data is not None and module.id not in chosen:
                due.errors = [*due.errors, f"The class does not cover “{module.title}”: tick it or clear its due date."]
                valid = False
        return valid

    def due_dates(self) -> dict[str, datetime | None]:
        """Module id → due moment (or None), for the modules ticked, in course order."""
        chosen = set(self.modules.data or ())
        return {module.id: datetime.combine(due.data, DUE_TIME) if due.data else None
                for module, due in self.due_fields() if module.id in chosen}


class ClassForm(ModulesForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired("Give the class a name."),
                                                             Length(max=120), PRINTABLE])
    term = StringField("Term (optional)", filters=[strip], validators=[Length(max=60), PRINTABLE])
    description = TextAreaField("Short description (optional)", filters=[strip], validators=[Length(max=500), TEXT])
    submit = SubmitField("Create the class")


def with_due_fields(form_class: type[ModulesForm], catalog: Catalog) -> type[ModulesForm]:
    """The form class with a due-date field per module of the catalogue."""
    fields = {f"due_{m.order}": DateField(f"Due date for {m.title} (optional)", validators=[Optional(), sensible_date])
              for m in catalog.modules}
    return type(form_class.__name__, (form_class,), {"catalog": catalog, **fields})


def modules_form(form_class: type[ModulesForm], catalog: Catalog, **kwargs) -> ModulesForm:
    form = with_due_fields(form_class, catalog)(**kwargs)
    form.modules.choices = [(m.id, f"{m.order}. {m.title}") for m in catalog.modules]
    return form


class EnrolForm(FlaskForm):
    code = StringField("Class code", validators=[DataRequired("Type the code your instructor gave you."),
                                                 Length(max=20), PRINTABLE])
    submit = SubmitField("Join the class")


class EnrolmentForm(FlaskForm):
    action = SelectField(choices=("open", "close"),
                         validators=[InputRequired()])


class InstructorForm(FlaskForm):
    username = StringField("Username of the co-instructor", validators=[DataRequired(), Length(max=40), PRINTABLE])
    submit = SubmitField("Add co-instructor")

