"""The instructor's view of their classes' quiz results, down to each question's statistics."""
from flask import abort, render_template, request
from flask_login import current_user
from markupsafe import Markup

from app.auth.access import instructor_required
from app.content import catalog
from app.csv_export import csv_download
from app.instructor import bp
from app.instructor.cards import card_stats
from app.instructor.analysis import learner_rows
from app.instructor.kept import kept_analysis, kept_figures
from app.instructor.chart import score_chart
from app.instructor.results import display_names, module_summaries
from app.instructor.scoping import ResultsScope, chosen_scope
from app.quiz.presenter import evidence_links
from app.lookups import get_module
from app.quiz.calibration import calibration, learner_briers
from app.spaced.clock import now as review_clock

BASES = {"all": "every graded attempt", "first": "each learner's first graded attempt"}
ORDERS = {"course": "in course order", "worst": "worst first"}


def chosen_basis() -> str:
    """:raise 400: for an `attempts` value other than all or first."""
    basis = request.args.get("attempts", "all")
    if basis not in BASES:
        abort(400, description="Choose attempts=all or attempts=first.")
    return basis


@bp.route("/results")
@instructor_required
def results():
    """Every module: how many learners started, were graded and passed, and their mean best score."""
    scope = chosen_scope(current_user)
    return render_template("instructor/results.html", scope=scope,
                           summaries=module_summaries(catalog(), scope.learners))


@bp.route("/results/<module_id>")
@instructor_required
def module_results(module_id: str):
    """One module's quiz statistics, score distribution, question statistics and each learner's best result."""
    scope = chosen_scope(current_user)
    module, basis = get_module(module_id), chosen_basis()
    figures = kept_figures(module.id, scope.learners, basis, scope.everyone)
    learners, learner_total = learner_rows(module.id, scope.learners)
    return render_template("instructor/module_results.html", module=module, basis=basis, bases=BASES,
                           quiz=figures.quiz, chart=score_chart(figures.scores),
                           questions=[(q, figures.questions.get(q.id)) for q in module.questions], learners=learners,
                           learner_total=learner_total, scope=scope)


@bp.route("/results/<module_id>/answers")
@instructor_required
def module_answers(module_id: str):
    """Each question's answers as given, with credit, key and evidence; `order=worst` puts the lowest facility first."""
    scope = chosen_scope(current_user)
    module, basis = get_module(module_id), chosen_basis()
    order = request.args.get("order", "course")
    if order not in ORDERS:
        abort(400, description="Choose order=course or order=worst.")
    analysis = kept_analysis(module, scope.learners, basis, scope.everyone)
    if order == "worst":
        analysis.sort(key=lambda r: (r.facility is None, r.facility or 0.0))
    return render_template("instructor/module_answers.html", module=module, basis=basis, bases=BASES,
                           order=order, orders=ORDERS, analysis=analysis, scope=scope,
                           evidence={r.question.id: evidence_links(r.question.spec) for r in analysis})


@bp.route("/results/<module_id>/questions.csv")
@instructor_required
def module_results_csv(module_id: str):
    """The question statistics as CSV (cells defused against formula injection)."""
    scope = chosen_scope(current_user)
    module, basis = get_module(module_id), chosen_basis()
    stats = kept_figures(module.id, scope.learners, basis, scope.everyone).questions
    header = ("question", "type", "skill", "prompt", "asked", "facility %", "standard deviation %",
              "discrimination index %", "discriminative efficiency %", "flags")
    rows = []
    for question in module.questions:
        s = stats.get(question.id)
        prompt = Markup(question.spec["prompt_html"]).striptags()
        rows.append([question.id, question.type, question.spec.get("skill", ""), prompt,
                     s.answered if s else 0, round(s.facility, 1) if s else "", rounded(s and s.spread),
                     rounded(s and s.discrimination), rounded(s and s.efficiency),
                     "; ".join(s.flags) if s else "not asked yet"])
    return csv_download(header, rows, f"{module.id}-question-statistics-{basis}{scope.file_suffix}.csv")


@bp.route("/results/<module_id>/answers.csv")
@instructor_required
def module_answers_csv(module_id: str):
    """The response analysis as CSV: one row per question and answer given (defused cells)."""
    scope = chosen_scope(current_user)
    module, basis = get_module(module_id), chosen_basis()
    header = ("question", "type", "answer", "count", "share of answers %", "credit %", "key")
    rows = []
    for r in kept_analysis(module, scope.learners, basis, scope.everyone):
        for a in r.answers:
            rows.append([r.question.id, r.question.type, a.text, a.count,
                         round(100 * a.count / r.given, 1) if r.given else "", round(100 * a.credit, 1),
                         "key" if a.key else ""])
        if r.others:
            rows.append([r.question.id, r.question.type, f"{r.other_kinds} other answers", r.others,
                         round(100 * r.others / r.given, 1) if r.given else "", "", ""])
    return csv_download(header, rows, f"{module.id}-answers-{basis}{scope.file_suffix}.csv")


def rounded(value: float | None, places: int = 1):
    return round(value, places) if value is not None else ""


@bp.route("/results/cards")
@instructor_required
def card_results():
    """For each question the cohort holds as a review card: how many hold it and their mean recall now."""
    scope = chosen_scope(current_user)
    return render_template("instructor/cards.html", scope=scope,
                           stats=card_stats(catalog(), review_clock(), scope.learners),
                           modules={m.id: m for m in catalog().modules})


@bp.route("/results/calibration")
@instructor_required
def calibration_results():
    """The cohort's stated confidence against how often it was right, pooled and learner by learner."""
    scope = chosen_scope(current_user)
    learners = learner_briers(scope.learners)
    return render_template("instructor/calibration.html", scope=scope, calibration=calibration(learners=scope.learners),
                           learners=learners, names=display_names(row.user_id for row in learners))
