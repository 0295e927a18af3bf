"""The gradebook: one row per learner in the chosen scope, one column per module (best score, attempts,
passed, late), sortable by any column on the server, with the scope's mean per module.

Three queries whatever the number of learners (the learners; the roster's `module_standings` and
`last_worked`), besides the scope's own. Late is the first pass after the module's due date in the
learner's classes in scope (the earliest, when several set one; with `?class=everyone`, any class).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_login import current_user

from app.auth.access import instructor_required
from app.classes.models import CourseClass
from app.classes.roster import last_worked, module_standings, stamp
from app.content import catalog
from app.content.model import Module
from app.csv_export import csv_download
from app.extensions import db
from app.instructor import bp
from app.instructor.scoping import ResultsScope, chosen_scope
from app.models import User

NAME, LAST = "name", "last"
DIRECTIONS = ("asc", "desc")


@dataclass(frozen=True)
class Cell:
    """One learner's standing in one module."""

    attempts: int  # graded
    best: float | None
    passed: bool
    late: bool

    @property
    def label(self) -> str:
        if self.passed:
            return "passed late" if self.late else "passed"
        return "not passed" if self.attempts else "not started"


EMPTY = Cell(0, None, False, False)


@dataclass(frozen=True)
class GradebookRow:
    user_id: int
    username: str
    display_name: str
    last_activity: datetime | None  # the latest quiz work, any module (as the roster's, without reading and seminars)
    cells: dict[str, Cell]


@dataclass(frozen=True)
class Gradebook:
    modules: list[Module]
    rows: list[GradebookRow]

    def mean(self, module_id: str) -> float | None:
        """The mean best score of the learners graded in this module."""
        bests = [row.cells[module_id].best for row in self.rows if row.cells[module_id].best is not None]
        return sum(bests) / len(bests) if bests else None

    def graded(self, module_id: str) -> int:
        return sum(1 for row in self.rows if row.cells[module_id].best is not None)


def gradebook_modules(scope: ResultsScope) -> list[Module]:
    """The chosen class's modules, or every module, in course order."""
    modules = catalog().modules
    if scope.course_class is None:
        return list(modules)
    covered = {m.module_id for m in scope.course_class.modules}
    return [m for m in modules if m.id in covered]


def gradebook(scope: ResultsScope, column: str = NAME, direction: str = "asc") -> Gradebook:
    """Every learner in scope with their standing in each module, sorted by `column` (see sort_rows)."""
    modules = gradebook_modules(scope)
    module_ids = [m.id for m in modules]
    people = db.session.execute(sa.select(User.id, User.username, User.display_name)
                                .where(User.id.in_(scope.learners))).tuples().all()
    if scope.course_class is not None:
        classes: int | sa.Select = scope.course_class.id
    else:
        classes = scope.class_ids if scope.class_ids is not None else sa.select(CourseClass.id)
    cells: dict[int, dict[str, Cell]] = {}
    for user_id, module_id, graded, best, passes, late in module_standings(scope.learners, module_ids, classes):
        cells.setdefault(user_id, {})[module_id] = Cell(graded, best, passes > 0, bool(late))
    last = dict(last_worked(scope.learners))
    rows = [GradebookRow(user_id, username, display_name, last.get(user_id),
                         {m: cells.get(user_id, {}).get(m, EMPTY) for m in module_ids})
            for user_id, username, display_name in people]
    return Gradebook(modules, sort_rows(rows, column, direction))


def sort_rows(rows: list[GradebookRow], column: str, direction: str) -> list[GradebookRow]:
    """By name, by last activity or by a module's best score; learners with nothing there come last
    either way, and ties go by name."""
    by_name = sorted(rows, key=lambda r: (r.display_name.casefold(), r.username.casefold(), r.user_id))
    if column == NAME:
        return by_name if direction == "asc" else by_name[::-1]
    value = (lambda r: r.last_activity) if column == LAST else (lambda r: r.cells[column].best)
    known = sorted((r for r in by_name if value(r) is not None), key=value, reverse=direction == "desc")
    return known + [r for r in by_name if value(r) is None]


def chosen_sort(modules: list[Module]) -> tuple[str, str]:
    """`?sort=<module id|name|last>&dir=asc|desc`, name ascending by default.

    :raise 400: for a column or direction the gradebook does not have.
    """
    column, direction = request.args.get("sort", NAME), request.args.get("dir", "asc")
    if column not in (NAME, LAST, *(m.id for m in modules)) or direction not in DIRECTIONS:
        abort(400, description="Sort by name, last activity or one of the gradebook's modules, "
                               "in ascending or descending order.")
    return column, direction


def gradebook_table(book: Gradebook):
    """The gradebook as CSV header and rows: one line per learner, four columns per module."""
    header = ["username", "name", "last activity"]
    for module in book.modules:
        header += [f"{module.title}: best score", f"{module.title}: attempts", f"{module.title}: passed",
                   f"{module.title}: late"]
    lines = []
    for row in book.rows:
        line = [row.username, row.display_name, stamp(row.last_activity)]
        for module in book.modules:
            cell = row.cells[module.id]
            line += ["" if cell.best is None else round(cell.best, 1), cell.attempts,
                     "yes" if cell.passed else "no", "yes" if cell.late else "no"]
        lines.append(line)
    return header, lines


@bp.route("/gradebook")
@instructor_required
def gradebook_page():
    """Every learner in scope against every module: best score, attempts, passed and late; sortable."""
    scope = chosen_scope(current_user)
    column, direction = chosen_sort(gradebook_modules(scope))
    book = gradebook(scope, column, direction)
    return render_template("instructor/gradebook.html", scope=scope, book=book, column=column,
                           direction=direction)


@bp.route("/gradebook.csv")
@instructor_required
def gradebook_csv():
    """The gradebook as CSV, one row per learner (cells defused against formula injection)."""
    scope = chosen_scope(current_user)
    header, rows = gradebook_table(gradebook(scope))
    return csv_download(header, rows, f"gradebook{scope.file_suffix}.csv")
