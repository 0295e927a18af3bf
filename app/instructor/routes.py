"""The instructor's view of their classes' quiz results, down to each question's statistics."""
from flask import abort, render_template, request
from flask_login import current_user
from markupsafe import Markup

from app.auth.access import instructor_required
from app.content import catalog
from app.csv_export import csv_download
from app.instructor import bp
from app.instructor.cards import card_stats
from app.instructor.results import display_names, graded_attempts, module_summaries
from app.instructor.scoping import ResultsScope, chosen_scope
from app.instructor.statistics import first_attempts, learner_results, question_stats
from app.lookups import get_module
from app.quiz.calibration import calibration, learner_briers
from app.spaced.clock import now as review_clock

BASES = {"all": "every graded attempt", "first": "each learner's first graded attempt"}


def chosen_basis() -> str:
    """:raise 400: for an `attempts` value other than all or first."""
    basis = request.args.get("attempts", "all")
    if basis not in BASES:
        abort(400, description="Choose attempts=all or attempts=first.")
    return basis


def module_statistics(module_id: str, scope: ResultsScope):
    """The module, the basis, the scope's graded attempts, and each question's statistics on that basis."""
    module = get_module(module_id)
    basis = chosen_basis()
    attempts = graded_attempts(module.id, scope.learners)
    counted = first_attempts(attempts) if basis == "first" else attempts
    stats = question_stats(counted)
    return module, basis, attempts, len(counted), [(question, stats.get(question.id)) for question in module.questions]


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
    """One module's question statistics and each learner's best result."""
    scope = chosen_scope(current_user)
    module, basis, attempts, counted, questions = module_statistics(module_id, scope)
    learners = learner_results(attempts)
    names = display_names(learners)
    rows = sorted(learners.values(), key=lambda r: (names.get(r.user_id, "").casefold(), r.user_id))
    return render_template("instructor/module_results.html", module=module, basis=basis, bases=BASES,
                           counted=counted, questions=questions, learners=rows, names=names, scope=scope)


@bp.route("/results/<module_id>/questions.csv")
@instructor_required
def module_results_csv(module_id: str):
    """The question statistics as CSV (cells defused against formula injection)."""
    scope = chosen_scope(current_user)
    module, basis, _, _, questions = module_statistics(module_id, scope)
    header = ("question", "type", "skill", "prompt", "asked", "facility %", "standard deviation %",
              "discrimination", "flags")
    rows = []
    for question, s in questions:
        prompt = Markup(question.spec["prompt_html"]).striptags()
        rows.append([question.id, question.type, question.spec.get("skill", ""), prompt,
                     s.answered if s else 0, round(s.facility, 1) if s else "",
                     round(s.spread, 1) if s and s.spread is not None else "",
                     round(s.discrimination, 2) if s and s.discrimination is not None else "",
                     "; ".join(s.flags) if s else "not asked yet"])
    return csv_download(header, rows, f"{module.id}-question-statistics-{basis}{scope.file_suffix}.csv")


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
