from flask import Blueprint

bp = Blueprint("instructor", __name__, url_prefix="/instructor")

from app.instructor import exports, gradebook, learners, routes  # noqa: E402,F401
