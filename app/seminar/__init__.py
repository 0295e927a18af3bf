"""Live seminars: an instructor's room, joined with a code, answered on phones."""
from flask import Blueprint

bp = Blueprint("seminar", __name__)

from app.seminar import routes, screen  # noqa: E402,F401
