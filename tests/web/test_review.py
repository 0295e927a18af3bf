"""The review as CSV: the learner's own attempt only, with formulas defused; and what each class's review
option lets a learner see of the key on the review page, its CSV and the attempts list."""
import csv
import io
import re
from datetime import datetime

import pytest

from app.classes.reviewing import SHOWN, Visibility, most_restrictive, option_rule
from app.csv_export import csv_safe
from app.extensions import db
from app.models import Attempt
from tests.helpers import logged_in, make_class, submit_mini_with_confidence, take_quiz


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_cells_are_defused(cell):
    assert csv_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", [
    "\nSUM(A1)", "\ttext", "\rtext",  # OWASP: tab, CR and LF start no cell, whatever follows
    "\uff1dHYPERLINK(\"x\")", "\uff0b1+1", "\uff0d2+3", "\uff20SUM(A1)",  # fullwidth = + - @
    " =1+1", "   +1", "\u00a0=1", "\u3000\uff1d1",  # whitespace before a trigger, unicode spaces too
    "\"=1+1", "'=1+1", "\" '@SUM(A1)",  # quotes before a trigger
])
def test_formulas_behind_fullwidth_signs_whitespace_or_quotes_are_defused(cell):
    assert csv_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Wickr", "1,422", 3, 2.5, -1, "", "a=b", " leading space", "'quoted'",
                                  "50%", "a|b", "e-mail"])
def test_ordinary_cells_pass_unchanged(cell):
    assert csv_safe(cell) == cell


def test_attempt_csv_lists_every_question_and_defuses_a_typed_formula(app, client, learner, start_quiz):
    attempt_id = start_quiz("amaq")
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        text_item = next(i for i in attempt.items if i.spec["type"] == "text")
        form = {f"q{text_item.position}": '=HYPERLINK("http://evil.example","x")', f"q{text_item.position}-present": "1"}
        count = len(attempt.items)
    client.post(f"/attempts/{attempt_id}/submit", data=form)
    response = client.get(f"/attempts/{attempt_id}/review.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode())))
    assert rows[0][0] == "question" and len(rows) == count + 1
    answers = [row[5] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in answers
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_attempt_csv_is_the_owners_only(app, client, make_user, auth, start_quiz):
    make_user("ann")
    make_user("bob")
    auth.login("ann")
    attempt_id = start_quiz("amaq")
    client.post(f"/attempts/{attempt_id}/submit")
    auth.logout()
    auth.login("bob")
    assert client.get(f"/attempts/{attempt_id}/review.csv").status_code == 404


# ---------------------------------------------------------------------------- review options

MODULE = "amaq"
NOW = datetime(2026, 12, 1, 12, 0)
FUTURE, PAST = datetime(2027, 3, 5, 14, 0), datetime(2026, 1, 10, 9, 30)
FAR_FUTURE = datetime(2099, 3, 5, 14, 0)  # the pages read the real clock
KEY_MARKS = ("Correct answer", 'class="explanation"', 'class="evidence"', "Evidence</h3>")


def test_each_option_s_rule():
    assert option_rule("immediately", None, False, NOW) == SHOWN
    assert option_rule("once_passed", None, True, NOW) == SHOWN
    before_passing = option_rule("once_passed", None, False, NOW)
    assert (before_passing.shows_key, before_passing.shows_verdicts) == (False, True)
    assert before_passing.message == "The key appears once you pass this module."
    assert option_rule("after_due", PAST, False, NOW) == SHOWN
    before_due = option_rule("after_due", FUTURE, True, NOW)
    assert (before_due.shows_key, before_due.shows_verdicts) == (False, False)
    assert before_due.message == "The key appears after the due date, 5 March 2027 14:00 UTC."
    assert "not set yet" in option_rule("after_due", None, True, NOW).message
    scores = option_rule("score_only", None, True, NOW)
    assert (scores.shows_key, scores.shows_verdicts) == (False, False)
    assert scores.message == "Your instructor shows scores only."


def test_several_classes_give_the_most_restrictive():
    passing, due = option_rule("once_passed", None, False, NOW), option_rule("after_due", FUTURE, False, NOW)
    later = option_rule("after_due", datetime(2027, 6, 1), False, NOW)
    scores = option_rule("score_only", None, False, NOW)
    assert most_restrictive([]) == SHOWN and most_restrictive([SHOWN, SHOWN]) == SHOWN
    assert most_restrictive([SHOWN, passing]) == passing
    combined = most_restrictive([passing, due])
    assert (combined.shows_verdicts, combined.message) == (False, due.message)
    assert most_restrictive([due, later, passing]).message == later.message  # the latest due date
    assert most_restrictive([later, scores, SHOWN]).message == scores.message
    assert isinstance(combined, Visibility)


@pytest.fixture
def in_class(app, make_user, client, learner):
    """Puts the logged-in learner in a new class of Prof's covering amaq with this review option (and due date)."""
    prof = make_user("prof", role="instructor")

    def join(option: str = "immediately", due_at=None, name: str = "Class A") -> int:
        return make_class(app, prof, members=[learner], modules={MODULE: {"review_option": option, "due_at": due_at}},
                          name=name)
    return join


def reviewed(client, attempt: int) -> tuple[str, list[dict], str]:
    """The review page, the CSV's rows and the attempts list."""
    page = client.get(f"/attempts/{attempt}/review")
    exported = client.get(f"/attempts/{attempt}/review.csv")
    assert page.status_code == 200 and exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    return page.get_data(as_text=True), rows, client.get("/attempts").get_data(as_text=True)


def assert_key_shown(client, attempt: int) -> None:
    page, rows, listing = reviewed(client, attempt)
    assert all(mark in page for mark in KEY_MARKS) and "key-withheld" not in page
    assert all(r["correct answer"] and r["result"] for r in rows)
    assert "The key appears" not in listing and "scores only" not in listing and "in the review" in listing


def assert_key_hidden(client, attempt: int, message: str, verdicts: bool) -> None:
    page, rows, listing = reviewed(client, attempt)
    assert not any(mark in page for mark in KEY_MARKS), [m for m in KEY_MARKS if m in page]
    assert message in page and "Your answer" in page and "%</strong>" in page  # the answers and the score
    assert ('class="verdict">incorrect' in page) is verdicts
    assert all(r["correct answer"] == message for r in rows) and all(r["your answer"] for r in rows)
    assert all(bool(r["result"]) is verdicts and bool(r["points earned"]) is verdicts for r in rows)
    assert message in listing


def test_a_learner_in_no_class_sees_the_key_at_once(app, client, learner):
    assert_key_shown(client, take_quiz(app, client, MODULE, correct=False))


def test_immediately_shows_the_key_at_once(app, client, in_class):
    in_class("immediately")
    assert_key_shown(client, take_quiz(app, client, MODULE, correct=False))


def test_once_passed_shows_verdicts_then_the_key_once_the_module_is_passed(app, client, in_class):
    in_class("once_passed")
    failed = take_quiz(app, client, MODULE, correct=False)
    assert_key_hidden(client, failed, "The key appears once you pass this module.", verdicts=True)
    passed = take_quiz(app, client, MODULE, correct=True)
    assert_key_shown(client, failed)  # every attempt at the module, the failed one too
    assert_key_shown(client, passed)


def test_after_due_shows_the_score_until_the_due_date(app, client, in_class):
    in_class("after_due", FAR_FUTURE)
    attempt = take_quiz(app, client, MODULE, correct=False)
    assert_key_hidden(client, attempt, "The key appears after the due date, 5 March 2099 14:00 UTC.", verdicts=False)


def test_after_a_past_due_date_the_key_is_shown(app, client, in_class):
    in_class("after_due", PAST)
    assert_key_shown(client, take_quiz(app, client, MODULE, correct=False))


def test_score_only_never_shows_the_key_even_once_passed(app, client, in_class):
    in_class("score_only")
    take_quiz(app, client, MODULE, correct=True)
    attempt = take_quiz(app, client, MODULE, correct=False)
    assert_key_hidden(client, attempt, "Your instructor shows scores only.", verdicts=False)


def test_the_most_restrictive_of_the_learner_s_classes_applies(app, client, in_class):
    in_class("immediately", name="Class A")
    in_class("after_due", PAST, name="Class B")
    in_class("once_passed", name="Class C")
    attempt = take_quiz(app, client, MODULE, correct=False)
    assert_key_hidden(client, attempt, "The key appears once you pass this module.", verdicts=True)
    in_class("after_due", FAR_FUTURE, name="Class D")
    assert_key_hidden(client, attempt, "The key appears after the due date, 5 March 2099 14:00 UTC.", verdicts=False)


def test_an_option_applies_to_its_module_only(app, client, in_class, catalog):
    in_class("score_only")
    other = next(m.id for m in catalog.modules if m.id != MODULE and not m.requires)
    assert_key_shown(client, take_quiz(app, client, other, correct=False))


def test_the_attempts_page_draws_the_learner_s_calibration_and_brier_score(make_app, make_user, mini_catalog):
    """The worked example of submit_mini_with_confidence, by hand:
    60 %: credits 1 and 0.72, mean 0.86; 80 %: 0.75; 100 %: 1.0.
    Brier = ((0.6 - 1)² + (0.6 - 0.72)² + (0.8 - 0.75)² + (1 - 1)²) / 4 = (0.16 + 0.0144 + 0.0025 + 0) / 4 = 0.044225.
    """
    from app.quiz.calibration import calibration
    app = make_app(CATALOG=mini_catalog)
    ann = make_user("ann")
    client = logged_in(app, "ann")
    assert "Brier" not in client.get("/attempts").get_data(as_text=True)  # nothing stated yet: no chart
    submit_mini_with_confidence(app, client)
    with app.app_context():
        figures = calibration(user_id=ann.id)
    assert figures.answers == 4
    assert figures.brier == pytest.approx(0.044225)
    assert [(level.confidence, level.answers, round(level.credit, 6)) for level in figures.levels] == [
        (60, 2, 0.86), (80, 1, 0.75), (100, 1, 1.0)]
    page = client.get("/attempts").get_data(as_text=True)
    assert '<strong class="brier">0.044</strong>' in page
    assert re.search(r"<th scope=\"row\">60%</th><td>2</td><td>86%</td><td>-26 points</td>", page)
    assert re.search(r"<th scope=\"row\">80%</th><td>1</td><td>75%</td><td>\+5 points</td>", page)
    svg = re.search(r"<svg class=\"calibration\".*?</svg>", page, re.S).group(0)
    # stated c % sits at x = 50 + (c - 50) * 5, a credit f at y = 220 - 200 f: (100, 48), (200, 70), (300, 20)
    assert re.findall(r'<circle cx="(\d+)" cy="([\d.]+)"', svg) == [("100", "48.0"), ("200", "70.0"), ("300", "20.0")]
    assert '<line class="ideal" x1="50" y1="120" x2="300" y2="20"/>' in svg  # 50 % stated, half right: on it
