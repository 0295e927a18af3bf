"""The seminar a request names, and whether the current user hosts it (shared by the seminar's views)."""
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort
from flask_login import current_user

from app.extensions import db
from app.models import Seminar
from app.seminar.live import may_host

NOT_FOUND = "There is no such seminar, or you have not joined it."
ROOM_WITH_HOST = sa.select(Seminar).options(so.joinedload(Seminar.host)).where(Seminar.id == sa.bindparam("id"))


def get_seminar(seminar_id: int) -> Seminar:
    """The seminar with its host loaded in the same query (a phone's page names the host).

    :raise 404: when no seminar has this id."""
    return db.session.scalar(ROOM_WITH_HOST, {"id": seminar_id}) or abort(404, description=NOT_FOUND)


def hosts(seminar: Seminar) -> bool:
    return may_host(current_user, seminar)


def hosted_seminar(seminar_id: int) -> Seminar:
    """:raise 404: unless the current user hosts it (anyone else learns nothing about it)."""
    seminar = get_seminar(seminar_id)
    if not hosts(seminar):
        abort(404, description=NOT_FOUND)
    return seminar
