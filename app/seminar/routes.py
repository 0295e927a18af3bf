"""The seminar's pages: the host's room and controls, joining by code, the learner's live page."""
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from app.auth.access import instructor_required
from app.auth.limits import TOO_MANY_CODES, count_join_code, look_up_code
from app.classes.scope import taught_classes
from app.content import catalog
from app.csv_export import csv_download
from app.lookups import get_module
from app.models import Seminar
from app.quiz.presenter import public_view, review_view
from app.quiz.types import QUESTION_TYPES
from app.seminar import bp
from app.seminar.forms import AdvanceForm, AnswerForm, JoinForm, SeminarForm
from app.seminar.live import (MAX_QUESTIONS, AnswerRefused, MalformedAnswer, NotAMember, SeminarMoved,
                              advance, answer, create_seminar, hosted_seminars, is_member, join, joined_seminars,
                              live_item, normalise_code, seconds_left,
                              seminar_by_code)
from app.seminar.leaderboard import nicknames
from app.seminar.lookup import NOT_FOUND, get_seminar, hosted_seminar, hosts
from app.seminar.results import member_count, my_answers, results_table, scoreboard, tallies, verdict_counts
from app.seminar.room_state import room_steps, room_token



def seminar_form() -> SeminarForm:
    """The form, with the modules to choose from and the posted module's questions to pick from."""
    form = SeminarForm()
    form.module.choices = [(m.id, f"Module {m.order}: {m.title}") for m in catalog().modules]
    posted = catalog().module(form.module.data or "")
    form.chosen.choices = [(q.id, q.id) for q in posted.questions] if posted else []
    form.course_class.choices = [("", "No class")] + [
        (str(c.id), f"{c.name} ({c.term})" if c.term else c.name) for c in taught_classes(current_user)]
    return form


@bp.route("/seminars")
@instructor_required
def index():
    """The instructor's seminars, and the form that opens a new one."""
    return render_template("seminar/index.html", seminars=hosted_seminars(current_user), form=seminar_form(),
                           modules={m.id: m for m in catalog().modules})


@bp.route("/seminars/new", methods=["POST"])
@instructor_required
def create():
    """Open a room with some of a module's questions, held for one of the host's classes or none."""
    form = seminar_form()
    if not form.validate_on_submit():
        flash("The seminar was not opened: " + "; ".join(
            f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items()), "error")
        return redirect(url_for("seminar.index"))
    module = get_module(form.module.data)
    seminar = create_seminar(current_user, module, form.title.data or "", form.questions.data, form.chosen.data,
                             form.seconds.data, form.class_id)
    flash(f"The room is open. Learners join at {url_for('seminar.join_form', _external=True)} "
          f"with the code {seminar.code}.", "success")
    return redirect(url_for("seminar.host", seminar_id=seminar.id))


@bp.route("/seminars/pick/<module_id>")
@instructor_required
def pick(module_id: str):
    """One module's question bank, to pick the questions of a new room one by one."""
    module = get_module(module_id)
    questions = [(q, Markup(q.spec["prompt_html"]).striptags(), QUESTION_TYPES[q.type].label) for q in module.questions]
    return render_template("seminar/pick.html", module=module, questions=questions, form=seminar_form(),
                           max_questions=MAX_QUESTIONS)


@bp.route("/join")
@login_required
def join_form():
    """Type the code shown in the room; the seminars this learner has joined are listed below."""
    form = JoinForm(data={"code": normalise_code(request.args.get("code", ""))})
    return render_template("seminar/join.html", form=form, joined=joined_seminars(current_user))


@bp.route("/seminars/join", methods=["POST"])
@login_required
def join_room():
    """Join the seminar whose code was typed."""
    form = JoinForm()
    if form.validate_on_submit():
        seminar, wait = look_up_code(lambda: count_join_code(current_user.id, request.remote_addr or ""),
                                     lambda: seminar_by_code(form.code.data))
        if wait:
            flash(TOO_MANY_CODES.format(minutes=max(1, round(wait / 60))), "error")
            return render_template("seminar/join.html", form=form, joined=joined_seminars(current_user)), 429, {
                "Retry-After": str(wait)}
        if seminar is None:
            form.code.errors.append("No seminar has that code. Check it against the screen and try again.")
        elif seminar.phase == "ended":
            form.code.errors.append("That seminar has ended.")
        elif hosts(seminar):
            return redirect(url_for("seminar.host", seminar_id=seminar.id))
        else:
            join(seminar, current_user)
            return redirect(url_for("seminar.live", seminar_id=seminar.id))
    return render_template("seminar/join.html", form=form, joined=joined_seminars(current_user)), 400


@bp.route("/seminars/<int(max=2147483647):seminar_id>")
@login_required
def live(seminar_id: int):
    """The learner's screen: waiting, the open question, its answer once closed, or the final score."""
    seminar = get_seminar(seminar_id)
    mine = my_answers(seminar.id, current_user.id)
    if mine is None:
        if hosts(seminar):
            return redirect(url_for("seminar.host", seminar_id=seminar.id))
        abort(404, description=NOT_FOUND)
    steps = room_steps()
    questions = steps.room_questions(seminar)
    question = questions[seminar.position] if seminar.position >= 0 else None
    context = {"seminar": seminar, "module": catalog().module(seminar.module_id), "mine": mine,
               "total": len(questions), "left": seconds_left(seminar),
               "step_url": url_for("seminar.member_step", seminar_id=seminar.id, token=room_token(seminar.id))}
    if seminar.phase == "open" and question.position not in mine:
        context["ask"] = public_view(live_item(question))
    elif seminar.phase == "open":  # answered: nothing about the key until the host closes the question
        context["waiting"] = review_view(live_item(question, mine[question.position]))
    elif seminar.phase == "closed":
        context["shown"] = review_view(live_item(question, mine.get(question.position)))
        context["tally"] = steps.closed_tally(seminar.id, seminar.step,
                                              lambda: verdict_counts(seminar.id, question.position))
    elif seminar.phase == "ended":
        context["reviews"] = [review_view(live_item(q, mine.get(q.position))) for q in questions]
        context["earned"] = sum((a.fraction * questions[p].points) for p, a in mine.items())
        context["possible"] = sum(q.points for q in questions)
        context["nickname"] = nicknames(seminar.id).get(current_user.id) if seminar.leaderboard else None
    return render_template("seminar/live.html", **context), 200, {"Cache-Control": "no-store"}


@bp.route("/seminars/<int(max=2147483647):seminar_id>/state")
@login_required
def state(seminar_id: int):
    """What the room's pages poll: its step (a change means: show the next screen) and live counts."""
    seminar = get_seminar(seminar_id)
    if not (hosts(seminar) or is_member(seminar.id, current_user.id)):
        abort(404, description=NOT_FOUND)
    body = {"step": seminar.step, "phase": seminar.phase, "position": seminar.position}
    if hosts(seminar):
        body["members"] = member_count(seminar.id)
        body["answered"] = verdict_counts(seminar.id, seminar.position).answered if seminar.position >= 0 else 0
    return jsonify(body), 200, {"Cache-Control": "no-store"}


@bp.route("/seminars/<int(max=2147483647):seminar_id>/answer", methods=["POST"])
@login_required
def answer_question(seminar_id: int):
    """Store the learner's one answer to the open question."""
    form = AnswerForm(request.form)
    position = form.position.data if form.validate() else None
    try:
        answer(seminar_id, current_user.id, position, request.form)
    except NotAMember:
        abort(404, description=NOT_FOUND)
    except MalformedAnswer as exc:
        abort(400, description=str(exc))
    except AnswerRefused as exc:
        flash(str(exc), "error")
    else:
        flash("Answer received.", "success")
    return redirect(url_for("seminar.live", seminar_id=seminar_id))


@bp.route("/seminars/<int(max=2147483647):seminar_id>/host")
@login_required
def host(seminar_id: int):
    """The host's screen: the code, the room, the question on screen, the controls and the results so far."""
    return host_page(hosted_seminar(seminar_id))


def host_page(seminar: Seminar):
    question = seminar.questions[seminar.position] if seminar.position >= 0 else None
    counts = tallies(seminar)
    return render_template(
        "seminar/host.html", seminar=seminar, module=catalog().module(seminar.module_id),
        left=seconds_left(seminar),
        question=public_view(live_item(question)) if question else None,
        revealed=review_view(live_item(question)) if question and seminar.phase != "open" else None,
        tally=counts[question.position] if question else None, tallies=counts,
        members=member_count(seminar.id), board=scoreboard(seminar),
        possible=sum(q.points for q in seminar.questions),
        join_url=url_for("seminar.join_form", _external=True)), 200, {"Cache-Control": "no-store"}


@bp.route("/seminars/<int(max=2147483647):seminar_id>/advance", methods=["POST"])
@login_required
def advance_room(seminar_id: int):
    """Open the next question, close the open one, or end the seminar."""
    seminar = hosted_seminar(seminar_id)
    form = AdvanceForm(request.form)
    if not form.validate():
        abort(400, description="Choose one of the room's buttons.")
    if form.action.data == "end" and not form.confirm.data:  # ending cannot be undone: asked first
        return redirect(url_for("seminar.confirm_end", seminar_id=seminar.id))
    try:
        advance(seminar, form.action.data, form.step.data)
    except SeminarMoved as exc:
        flash(str(exc), "info")
    room_steps().forget(seminar.id)  # this process's phones see the new step at their next poll
    return redirect(url_for("seminar.host", seminar_id=seminar.id))


@bp.route("/seminars/<int(max=2147483647):seminar_id>/results.csv")
@login_required
def results_csv(seminar_id: int):
    """Each member's answer and points on every question, for the host (cells defused)."""
    seminar = hosted_seminar(seminar_id)
    header, rows = results_table(seminar)
    return csv_download(header, rows, f"seminar-{seminar.code}-results.csv")
