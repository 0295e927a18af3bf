"""The review as CSV: the learner's own attempt only, with formulas defused."""
import csv
import io

import pytest

from app.csv_export import csv_safe
from app.extensions import db
from app.models import Attempt


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
