"""The review as CSV: the learner's own attempt only, with formulas defused."""
import csv
import io

import pytest

from app.extensions import db
from app.models import Attempt
from app.review.export import csv_safe


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_cells_are_defused(cell):
    assert csv_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Wickr", "1,422", 3, 2.5, "", "a=b"])
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
