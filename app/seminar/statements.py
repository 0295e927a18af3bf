"""The statements of a seminar answer, built once per process (see app/quiz/statements.py for why)."""
from __future__ import annotations

import sqlalchemy as sa

from app.database import compiled_once, insert_ignoring_conflicts
from app.models import Seminar, SeminarAnswer, SeminarMember, SeminarQuestion

_answers, _rooms, _questions, _members = (SeminarAnswer.__table__, Seminar.__table__, SeminarQuestion.__table__,
                                          SeminarMember.__table__)
# the member's row, with the asked question's version and layout when it exists: one read per answer
READ_QUESTION = (
    sa.select(_members.c.user_id, _questions.c.question_version_id, _questions.c.layout)
    .select_from(_members)
    .outerjoin(_questions, sa.and_(_questions.c.seminar_id == _members.c.seminar_id,
                                   _questions.c.position == sa.bindparam("position")))
    .where(_members.c.seminar_id == sa.bindparam("seminar_id"), _members.c.user_id == sa.bindparam("user_id")))
_ANSWER_ROW = sa.select(
    sa.bindparam("b_seminar_id", type_=sa.Integer), sa.bindparam("b_position", type_=sa.Integer),
    sa.bindparam("b_user_id", type_=sa.Integer), sa.bindparam("b_response", type_=_answers.c.response.type),
    sa.bindparam("b_fraction", type_=sa.Float), sa.bindparam("b_now", type_=sa.DateTime),
).where(sa.exists().where(_rooms.c.id == sa.bindparam("b_seminar_id"), _rooms.c.phase == "open",
                          _rooms.c.position == sa.bindparam("b_position"),
                          sa.or_(_rooms.c.closes_at.is_(None), _rooms.c.closes_at >= sa.bindparam("b_now"))))
# INSERT ... SELECT the answer only while its question is the open one; a second answer conflicts
# and does nothing. One per dialect, as ON CONFLICT is spelt in the dialect's own construct.
# (RETURNING, not rowcount: psycopg reports no rowcount for an INSERT ... SELECT.) Compiled once: the
# dialects' ON CONFLICT constructs are left out of SQLAlchemy's statement cache.
STORE_ANSWER = {dialect: compiled_once(insert_ignoring_conflicts(
    _answers, (["seminar_id", "position", "user_id", "response", "fraction", "answered_at"], _ANSWER_ROW),
    _dialect=dialect).returning(_answers.c.user_id), dialect) for dialect in ("sqlite", "postgresql")}
