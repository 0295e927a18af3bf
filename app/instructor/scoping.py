"""Whose results an instructor's pages count: a class picker (`?class=all|<id>|everyone`) and a seminar
picker (`?cohort=<seminar id>`), combined into one subquery of learner ids.

`all` (the default for an instructor) is every class they teach; `<id>` one of them (404 unless they teach
it); `everyone` every learner, whether in a class or not, for admins only (404 for anyone else; their
default). A seminar narrows the scope further to its members: the cohort is always the class scope's
learners who joined it, so no seminar widens what an instructor sees. An instructor may pick a seminar they
host, or one held for a class they teach (a co-instructor's).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, request

from app.classes.models import CourseClass
from app.classes.scope import one_class, taught_class_ids, taught_classes, teaches
from app.extensions import db
from app.instructor.forms import ClassForm, CohortForm
from app.instructor.results import cohort as cohort_learners
from app.models import Seminar, User
from app.seminar.live import may_host

EVERYONE, ALL_MINE = "everyone", "all"
NO_CLASS = "There is no such class among yours."
NO_SEMINAR = "There is no such seminar among yours."


@dataclass(frozen=True)
class ResultsScope:
    choice: str  # EVERYONE, ALL_MINE or the class id as text
    course_class: CourseClass | None  # the one class chosen
    cohort: Seminar | None  # the seminar whose members narrow it
    class_ids: sa.Select | None  # None: every learner
    classes: list[CourseClass]  # what the class picker offers
    seminars: list[Seminar]  # what the seminar picker offers
    may_see_everyone: bool  # an admin: the picker offers every learner

    @property
    def learners(self) -> sa.Select:
        """The ids of the learners counted, as a subquery every results query narrows by."""
        return cohort_learners(self.class_ids, self.cohort.id if self.cohort else None)

    @property
    def everyone(self) -> bool:
        """Every learner, with no seminar narrowing them."""
        return self.choice == EVERYONE and self.cohort is None

    @property
    def args(self) -> dict[str, str | int]:
        """The query string that keeps this choice on every link."""
        return {"class": self.choice, **({"cohort": self.cohort.id} if self.cohort else {})}

    @property
    def who(self) -> str:
        if self.choice == EVERYONE:
            who = "every learner"
        elif self.course_class is None:
            who = "the learners in your classes"
        else:
            who = f"the learners in the class “{self.course_class.name}”"
        return who + (f" who joined the seminar “{self.cohort.title}”" if self.cohort else "")

    @property
    def file_suffix(self) -> str:
        part = {EVERYONE: "-everyone", ALL_MINE: "-my-classes"}.get(self.choice, f"-class-{self.choice}")
        return part + (f"-seminar-{self.cohort.code}" if self.cohort else "")


def may_pick_seminar(user: User, seminar: Seminar) -> bool:
    """Its host (or an admin), or an instructor of the class it was held for."""
    return may_host(user, seminar) or (seminar.class_id is not None and teaches(user, seminar.class_id))


def picker_seminars(user: User, class_ids: sa.Select | None) -> list[Seminar]:
    """The seminars this user hosts and those held for the classes in scope, newest first (an admin: all)."""
    query = sa.select(Seminar).order_by(Seminar.created_at.desc(), Seminar.id.desc())
    if user.role != "admin":
        held_for = Seminar.class_id.in_(class_ids if class_ids is not None else taught_class_ids(user))
        query = query.where(sa.or_(Seminar.host_id == user.id, held_for))
    return list(db.session.scalars(query))


def chosen_class(user: User) -> tuple[str, CourseClass | None, sa.Select | None]:
    """The class choice, the class chosen, and the ids of the classes in scope (None: every learner).

    :raise 400: for a value that is not all, everyone or a class id.
    :raise 404: for `everyone` asked by anyone but an admin, and for a class the user does not teach.
    """
    choice = request.args.get("class", EVERYONE if user.role == "admin" else ALL_MINE)
    if choice == EVERYONE:
        if user.role != "admin":
            abort(404, description="Only an admin sees every learner; choose one of your classes.")
        return choice, None, None
    if choice == ALL_MINE:
        return choice, None, taught_class_ids(user)
    form = ClassForm(request.args)
    if not form.validate():
        abort(400, description="Choose a class from the list.")
    class_id = form.class_id.data
    if not teaches(user, class_id):
        abort(404, description=NO_CLASS)
    return str(class_id), db.session.get(CourseClass, class_id), one_class(class_id)


def chosen_cohort(user: User) -> Seminar | None:
    """The seminar whose members narrow the scope (`?cohort=<seminar id>`); None for no seminar.

    :raise 400: for a value that is not a seminar id.
    :raise 404: for a seminar the user may not pick.
    """
    if request.args.get("cohort", "all") == "all":
        return None
    form = CohortForm(request.args)
    if not form.validate():
        abort(400, description="Choose a cohort from the list.")
    seminar = db.session.get(Seminar, form.cohort.data)
    if seminar is None or not may_pick_seminar(user, seminar):
        abort(404, description=NO_SEMINAR)
    return seminar


def chosen_scope(user: User) -> ResultsScope:
    """The scope the query string asks for (see the module's docstring for the 400s and 404s)."""
    choice, course_class, class_ids = chosen_class(user)
    seminar = chosen_cohort(user)
    return ResultsScope(choice, course_class, seminar, class_ids, taught_classes(user),
                        picker_seminars(user, class_ids), user.role == "admin")
