"""Classes: class lists, enrolment, rosters, due dates, review options, password resets."""
from flask import Blueprint

bp = Blueprint("classes", __name__)

from app.classes import routes  # noqa: E402,F401
