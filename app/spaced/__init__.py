"""Spaced review: every question a learner missed comes back on an FSRS schedule, with its passage."""
from flask import Blueprint

bp = Blueprint("spaced", __name__)

from app.spaced import routes  # noqa: E402,F401
