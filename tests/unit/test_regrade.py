"""`flask regrade`: after a key is corrected in the content, graded attempts are graded again by the new key,
the learner's response and the question as asked kept, the original grade kept on record, once only."""
from __future__ import annotations

import re

import pytest
from markupsafe import escape
import sqlalchemy as sa

from app.extensions import db
from app.models import Attempt, AttemptItem, QuestionVersion, Regrade, RegradeItem
from app.quiz.regrade import apply_regrade, plan_regrade
from app.quiz.types import QUESTION_TYPES, answer_form
from tests.helpers import at_once, attempt_id_from, corrected_catalog, logged_in, make_class, take_quiz

MODULE = "amaq"


def first_single_item(app, attempt_id: int) -> tuple[int, str, dict, float]:
    """(position, question id, spec, points) of the attempt's first single-choice item."""
    with app.app_context():
        for item in db.session.get(Attempt, attempt_id).items:
            if item.spec["type"] == "single":
                return item.position, item.spec["id"], item.spec, item.points
    raise AssertionError("no single-choice question in the attempt")


def submit_with(app, client, question_id: str, response) -> int:
    """A graded attempt with every answer right except `question_id`, answered with `response`."""
    attempt = attempt_id_from(client.post(f"/modules/{MODULE}/quiz"))
    form = {}
    with app.app_context():
        for item in db.session.get(Attempt, attempt).items:
            custom = item.spec["id"] == question_id
            form.update(answer_form(item.position, item.spec, item.layout, response if custom else None,
                                    correct=not custom))
    assert client.post(f"/attempts/{attempt}/submit", data=form).status_code == 302
    return attempt


@pytest.fixture
def corrected(make_app, make_user, catalog):
    """Ann answered every question by the old key; Bob answered one single-choice question by what the
    corrected key says. Returns the app with the corrected content, on the same database."""
    app = make_app()
    instructor = make_user("prof", role="instructor")
    ann, bob = make_user("ann"), make_user("bob")
    make_class(app, instructor, members=[ann, bob], modules=[MODULE])
    ann_attempt = take_quiz(app, logged_in(app, "ann"))
    position, question_id, spec, points = first_single_item(app, ann_attempt)
    new_key = (spec["data"]["answer"] + 1) % len(spec["data"]["choices"])
    bob_attempt = submit_with(app, logged_in(app, "bob"), question_id, new_key)
    fixed = make_app(CATALOG=corrected_catalog(catalog, question_id, answer=new_key))
    return fixed, {"ann": ann_attempt, "bob": bob_attempt, "question": question_id, "position": position,
                   "key": spec["data"]["choices"][new_key], "points": points}


def grades(app) -> dict[int, tuple]:
    with app.app_context():
        attempts = db.session.execute(sa.select(Attempt.id, Attempt.score, Attempt.earned, Attempt.passed)).all()
        items = db.session.execute(sa.select(AttemptItem.attempt_id, AttemptItem.position, AttemptItem.fraction,
                                             AttemptItem.question_version_id, AttemptItem.response)).all()
        return {"attempts": sorted(map(tuple, attempts)), "items": sorted(map(tuple, items)),
                "regrades": db.session.scalar(sa.select(sa.func.count()).select_from(Regrade)),
                "versions": db.session.scalar(sa.select(sa.func.count()).select_from(QuestionVersion))}


def possible(app, attempt_id: int) -> float:
    with app.app_context():
        return db.session.get(Attempt, attempt_id).possible


def test_a_dry_run_lists_each_changed_attempt_old_and_new_score_and_passing_and_writes_nothing(corrected):
    app, seen = corrected
    before = grades(app)
    result = app.test_cli_runner().invoke(args=["regrade", MODULE, "--dry-run"])
    assert result.exit_code == 0, result.output
    total = possible(app, seen["ann"])
    lowered = round(100 * (total - seen["points"]) / total, 2)
    assert "Would regrade 2 graded attempt(s) at amaq (dry run: nothing written)." in result.output
    assert f"ann, attempt 1 (id {seen['ann']}): 100% → {lowered:g}%, passed → " in result.output
    assert f"bob, attempt 1 (id {seen['bob']}): {lowered:g}% → 100%, " in result.output
    assert f"[{seen['question']}]" in result.output
    assert grades(app) == before


def test_regrading_changes_only_the_key_keeps_the_original_grade_on_record_and_happens_once(corrected):
    app, seen = corrected
    before = grades(app)
    result = app.test_cli_runner().invoke(args=["regrade", MODULE])
    assert result.exit_code == 0 and "Regraded 2 graded attempt(s)" in result.output, result.output
    total = possible(app, seen["ann"])
    with app.app_context():
        ann = db.session.get(Attempt, seen["ann"])
        assert ann.score == round(100 * (total - seen["points"]) / total, 2) and ann.earned == total - seen["points"]
        assert db.session.get(Attempt, seen["bob"]).score == 100.0
        record = db.session.scalar(sa.select(Regrade).where(Regrade.attempt_id == seen["ann"]))
        assert (record.old_score, record.old_earned, record.old_passed) == (100.0, total, True)
        assert record.new_score == ann.score and record.new_passed == ann.passed
        (item,) = record.items
        assert (item.position, item.old_fraction, item.new_fraction) == (seen["position"], 1.0, 0.0)
        key_version = db.session.get(QuestionVersion, item.key_version_id)
        assert key_version.question_id == seen["question"]
        assert key_version.spec["data"]["choices"][key_version.spec["data"]["answer"]] == seen["key"]
    after = grades(app)
    # what was asked and answered stays: the same version and response for every item
    strip = lambda items: [(a, p, version, response) for a, p, _, version, response in items]
    assert strip(after["items"]) == strip(before["items"])
    again = app.test_cli_runner().invoke(args=["regrade", MODULE])
    assert "Regraded 0 graded attempt(s)" in again.output
    assert grades(app) == after


def test_two_regrades_at_once_regrade_each_attempt_once(corrected):
    app, seen = corrected

    def regrade(_):
        with app.app_context():
            module = app.extensions["catalog"].module(MODULE)
            plan = apply_regrade(module, plan_regrade(module))
            return len(plan.changes), len(plan.lost)

    results = at_once(regrade, [1, 2])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Regrade)) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RegradeItem)) == 2
        assert db.session.get(Attempt, seen["bob"]).score == 100.0
    assert sum(applied for applied, _ in results) == 2, results


def test_the_learner_and_the_instructor_see_the_regrade_and_the_corrected_key(corrected):
    app, seen = corrected
    app.test_cli_runner().invoke(args=["regrade", MODULE])
    total = possible(app, seen["ann"])
    lowered = round(100 * (total - seen["points"]) / total, 2)
    own = logged_in(app, "ann").get(f"/attempts/{seen['ann']}/review").get_data(as_text=True)
    assert re.search(rf"Regraded on \d\d \w+ \d{{4}}: 100% → {lowered:g}%", own)
    corrected_key = f"<dt>Correct answer (corrected)</dt><dd>{escape(seen['key'])}</dd>"
    assert own.count("(corrected)") == 1 and corrected_key in own
    with app.app_context():
        ann_id = db.session.get(Attempt, seen["ann"]).user_id
    instructors = logged_in(app, "prof").get(f"/instructor/learners/{ann_id}/attempts/{seen['ann']}")
    text = instructors.get_data(as_text=True)
    assert instructors.status_code == 200 and f"100% → {lowered:g}%" in text and corrected_key in text


def test_a_change_to_what_the_learner_was_shown_is_skipped_with_its_reason(make_app, make_user, catalog):
    app = make_app()
    make_user("ann")
    attempt = take_quiz(app, logged_in(app, "ann"))
    _, question_id, spec, _ = first_single_item(app, attempt)
    choices = ["A different first choice", *spec["data"]["choices"][1:]]
    fixed = make_app(CATALOG=corrected_catalog(catalog, question_id, choices=choices, answer=0))
    before = grades(fixed)
    result = fixed.test_cli_runner().invoke(args=["regrade", MODULE])
    assert "Regraded 0 graded attempt(s)" in result.output
    assert (f"Skipped {question_id}: what it shows the learner changed (not only its key); "
            "1 graded attempt(s) that asked it keep their grade.") in result.output
    after = grades(fixed)
    assert after["attempts"] == before["attempts"] and after["regrades"] == 0


def test_only_the_named_question_is_regraded_and_unknown_names_are_refused(corrected):
    app, seen = corrected
    runner = app.test_cli_runner()
    other = next(q.id for q in app.extensions["catalog"].module(MODULE).questions if q.id != seen["question"])
    assert "Would regrade 0" in runner.invoke(args=["regrade", MODULE, "--question", other, "--dry-run"]).output
    assert "Would regrade 2" in runner.invoke(args=["regrade", MODULE, "--question", seen["question"],
                                                    "--dry-run"]).output
    assert "no module 'nope'" in runner.invoke(args=["regrade", "nope"]).output
    assert "has no question 'nope'" in runner.invoke(args=["regrade", MODULE, "--question", "nope"]).output


# ---------------------------------------------------------------------------- what the types say is the same question


def test_a_key_change_is_the_same_question_and_a_shown_change_is_not():
    single, numeric, text = QUESTION_TYPES["single"], QUESTION_TYPES["numeric"], QUESTION_TYPES["text"]
    choices = {"choices": ["a", "b", "c"], "answer": 0, "shuffle": True}
    assert single.same_question(choices, {**choices, "answer": 2})
    assert not single.same_question(choices, {**choices, "choices": ["a", "b", "d"]})
    number = {"answer": 2014, "tolerance": 0, "unit": None}
    assert numeric.same_question(number, {**number, "answer": 2015, "tolerance": 1})
    assert not numeric.same_question(number, {**number, "unit": "km"})
    accepted = {"accept": ["Amaq"], "case_sensitive": False}
    assert text.same_question(accepted, {"accept": ["Amaq", "A'maq"], "case_sensitive": False})


def test_a_reordered_or_repaired_key_carries_the_response_by_text():
    order, match = QUESTION_TYPES["order"], QUESTION_TYPES["match"]
    old = {"items": ["first", "second", "third"]}
    new = {"items": ["second", "first", "third"]}  # the corrected order
    assert order.same_question(old, new) and not order.same_question(old, {"items": ["first", "second", "fourth"]})
    given = [1, 0, 2]  # the learner put "second", "first", "third": wrong before, right now
    assert order.grade(old, given) < 1.0
    assert order.grade(new, order.carried_response(old, new, given)) == 1.0
    pairs = {"lefts": ["L1", "L2"], "rights": ["R1", "R2"], "distractors": ["R3"]}
    repaired = {"lefts": ["L1", "L2"], "rights": ["R2", "R1"], "distractors": ["R3"]}
    assert match.same_question(pairs, repaired)
    assert not match.same_question(pairs, {**repaired, "distractors": ["R4"]})
    swapped = {"0": 1, "1": 0}  # L1 → R2, L2 → R1
    assert match.grade(pairs, swapped) == 0.0
    assert match.grade(repaired, match.carried_response(pairs, repaired, swapped)) == 1.0


def test_a_regrade_forgets_the_module_s_kept_statistics_so_the_page_shows_the_new_marks(corrected):
    """The statistics page keeps its sums (app/instructor/kept.py); after a regrade it counts the corrected marks."""
    app, seen = corrected
    app.config["STATISTICS_SETTLE_SECONDS"] = 0  # the two attempts are kept at once, not counted per view
    prof = logged_in(app, "prof")
    assert prof.get(f"/instructor/results/{MODULE}").status_code == 200
    with app.app_context():
        kept = sa.text("SELECT count(*) FROM statistics_cache WHERE module_id = :m")
        assert db.session.scalar(kept, {"m": MODULE}) > 0
    assert app.test_cli_runner().invoke(args=["regrade", MODULE]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(kept, {"m": MODULE}) == 0
    page = prof.get(f"/instructor/results/{MODULE}").get_data(as_text=True)
    question_row = page.split(f">{seen['question']}<", 1)[1].split("</tr>", 1)[0]
    assert ">50.0%<" in question_row or ">50%<" in question_row, question_row  # Ann wrong now, Bob right
