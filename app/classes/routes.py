"""A class's pages: the instructor's list, the class page and roster, and enrolling with a code."""
from __future__ import annotations

import segno
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from app.auth.access import instructor_required
from app.auth.limits import TOO_MANY_CODES, count_class_code, look_up_code
from app.classes import bp
from app.classes.enrolment import (ClassDetails, EnrolmentRefused, add_instructor, class_by_code, classes_joined,
                                   classes_taught, create_class, enrol, instructors_of, members_of, regenerate_code,
                                   remove_member, set_enrolment_open, set_modules)
from app.classes.forms import ClassForm, EnrolForm, EnrolmentForm, InstructorForm, ModulesForm, modules_form
from app.classes.models import CourseClass
from app.classes.roster import roster, roster_table
from app.classes.scope import teaches
from app.content import catalog
from app.csv_export import csv_download
from app.extensions import db
from app.models import User
from app.seminar.live import normalise_code

NOT_FOUND = "There is no such class, or you do not teach it."


def taught_class(class_id: int) -> CourseClass:
    """:raise 404: unless the current user teaches the class: learners, other instructors and a guessed
    id all get the same answer, so nobody learns whether the class exists."""
    course_class = db.session.get(CourseClass, class_id)
    if course_class is None or not teaches(current_user, class_id):
        abort(404, description=NOT_FOUND)
    return course_class


def qr_svg(url: str) -> Markup:
    """The link as a QR code, drawn as inline SVG (no image is fetched)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, omitsize=False)
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="QR code of the enrolment link" ', 1))


def form_errors(form) -> str:
    return "; ".join(f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items())


def render_class(course_class: CourseClass, status: int = 200, **forms):
    """The class page, with any of its forms given (as posted, with their errors)."""
    link = url_for("classes.enrol_form", code=course_class.code, _external=True)
    due = {m.module_id: m.due_at for m in course_class.modules}
    edit = forms.get("modules_form") or modules_form(ModulesForm, catalog(), formdata=None, data={
        "modules": list(due), **{f"due_{m.order}": due[m.id].date() for m in catalog().modules if due.get(m.id)}})
    return render_template(
        "classes/class.html", course_class=course_class, link=link, qr=qr_svg(link),
        modules={m.id: m for m in catalog().modules}, instructors=instructors_of(course_class),
        members=members_of(course_class), modules_form=edit, enrolment_form=EnrolmentForm(formdata=None),
        instructor_form=forms.get("instructor_form") or InstructorForm(formdata=None)), status


@bp.route("/classes")
@instructor_required
def index():
    """The classes this instructor teaches, and the form that creates one."""
    form = modules_form(ClassForm, catalog(), data={"modules": [m.id for m in catalog().modules]})
    return render_template("classes/index.html", classes=classes_taught(current_user), form=form)


@bp.route("/classes/new", methods=["POST"])
@instructor_required
def create():
    """Create a class with its modules and due dates; the creator is its owner."""
    form = modules_form(ClassForm, catalog())
    if not form.validate_on_submit():
        flash("The class was not created: " + form_errors(form), "error")
        return render_template("classes/index.html", classes=classes_taught(current_user), form=form), 400
    course_class = create_class(current_user, ClassDetails(form.name.data, form.term.data or "",
                                                           form.description.data or ""), form.due_dates())
    flash(f"The class is open for enrolment with the code {course_class.code}.", "success")
    return redirect(url_for("classes.show", class_id=course_class.id))


@bp.route("/classes/<int(max=2147483647):class_id>")
@login_required
def show(class_id: int):
    """The class page: its code, link and QR code, its modules, instructors and learners."""
    return render_class(taught_class(class_id))


@bp.route("/classes/<int(max=2147483647):class_id>/enrolment", methods=["POST"])
@login_required
def enrolment(class_id: int):
    """Close or reopen enrolment."""
    course_class = taught_class(class_id)
    form = EnrolmentForm()
    if not form.validate_on_submit():
        flash("Choose whether to open or close enrolment.", "error")
        return render_class(course_class, 400)
    set_enrolment_open(course_class, form.action.data == "open")
    flash("Enrolment is open." if course_class.enrolment_open else "Enrolment is closed: the code takes no one new.",
          "success")
    return redirect(url_for("classes.show", class_id=class_id))


@bp.route("/classes/<int(max=2147483647):class_id>/code", methods=["POST"])
@login_required
def new_code(class_id: int):
    """Replace the enrolment code: the old one stops working."""
    course_class = taught_class(class_id)
    code = regenerate_code(course_class)
    flash(f"The new code is {code}; the old one no longer works.", "success")
    return redirect(url_for("classes.show", class_id=class_id))


@bp.route("/classes/<int(max=2147483647):class_id>/modules", methods=["POST"])
@login_required
def modules(class_id: int):
    """Change the modules the class covers and their due dates."""
    course_class = taught_class(class_id)
    form = modules_form(ModulesForm, catalog())
    if not form.validate_on_submit():
        flash("The modules were not changed: " + form_errors(form), "error")
        return render_class(course_class, 400, modules_form=form)
    set_modules(course_class, form.due_dates())
    flash("Modules and due dates saved.", "success")
    return redirect(url_for("classes.show", class_id=class_id))


@bp.route("/classes/<int(max=2147483647):class_id>/instructors", methods=["POST"])
@login_required
def add_co_instructor(class_id: int):
    """Add an instructor or admin account as a co-instructor."""
    course_class = taught_class(class_id)
    form = InstructorForm()
    if form.validate_on_submit():
        user = db.session.scalar(User.named(form.username.data))
        if user is None or not user.is_instructor or user.deleted_at is not None:
            form.username.errors.append("No instructor or admin account has that username.")
        else:
            added = add_instructor(course_class, user)
            flash(f"{user.display_name} now teaches this class." if added
                  else f"{user.display_name} already teaches this class.", "success" if added else "info")
            return redirect(url_for("classes.show", class_id=class_id))
    flash("No co-instructor was added: " + form_errors(form), "error")
    return render_class(course_class, 400, instructor_form=form)


@bp.route("/classes/<int(max=2147483647):class_id>/members/<int(max=2147483647):user_id>/remove",
          methods=["POST"])
@login_required
def remove(class_id: int, user_id: int):
    """Take a learner out of the class; their attempts stay theirs."""
    course_class = taught_class(class_id)
    removed = remove_member(course_class, user_id)
    flash("The learner was removed from the class." if removed else "That learner is not in the class.",
          "success" if removed else "info")
    return redirect(url_for("classes.show", class_id=class_id))


@bp.route("/classes/<int(max=2147483647):class_id>/roster")
@login_required
def roster_page(class_id: int):
    """Every learner's last activity and standing in each module, against its due date."""
    course_class = taught_class(class_id)
    return render_template("classes/roster.html", course_class=course_class, rows=roster(course_class),
                           modules={m.id: m for m in catalog().modules})


@bp.route("/classes/<int(max=2147483647):class_id>/roster.csv")
@login_required
def roster_csv(class_id: int):
    """The roster as a CSV, every cell defused."""
    course_class = taught_class(class_id)
    header, rows = roster_table(course_class, {m.id: m.title for m in catalog().modules}, roster(course_class))
    return csv_download(header, rows, f"class-{course_class.id}-roster.csv")


@bp.route("/enrol")
@login_required
def enrol_form():
    """Type a class's code (or follow its link, which fills it in); the classes joined are listed below."""
    form = EnrolForm(formdata=None, data={"code": normalise_code(request.args.get("code", ""))})
    return render_template("classes/enrol.html", form=form, joined=classes_joined(current_user))


@bp.route("/classes/enrol", methods=["POST"])
@login_required
def enrol_post():
    """Join the class whose code was typed."""
    form = EnrolForm()
    if form.validate_on_submit():
        course_class, wait = look_up_code(lambda: count_class_code(current_user.id, request.remote_addr or ""),
                                          lambda: class_by_code(form.code.data))
        if wait:
            flash(TOO_MANY_CODES.format(minutes=max(1, round(wait / 60))), "error")
            return render_template("classes/enrol.html", form=form, joined=classes_joined(current_user)), 429, {
                "Retry-After": str(wait)}
        if course_class is None:
            form.code.errors.append("No class has that code. It may have been replaced: ask your instructor "
                                    "for the current one.")
        elif teaches(current_user, course_class.id):
            return redirect(url_for("classes.show", class_id=course_class.id))
        else:
            try:
                added = enrol(course_class, current_user)
            except EnrolmentRefused as refused:
                form.code.errors.append(str(refused))
            else:
                flash(f"You are in the class “{course_class.name}”." if added
                      else f"You were already in the class “{course_class.name}”.", "success")
                return redirect(url_for("learning.dashboard") + f"#class-{course_class.id}")
    return render_template("classes/enrol.html", form=form, joined=classes_joined(current_user)), 400
