"""Helpers shared by the tests: plain functions, no fixtures (those are in conftest.py)."""
from __future__ import annotations

import os
import re
import secrets
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from werkzeug.serving import WSGIRequestHandler, make_server

from app.extensions import db
from app.models import Attempt, Seminar
from app.quiz.grading import grade_response
from app.quiz.types import QUESTION_TYPES, answer_form

PASSWORD = "correct horse battery"
MINIMAL_CONTENT = Path(__file__).resolve().parent / "fixtures" / "minimal"
# values some answer field of some type takes: a wrong answer is sought among the key with one field changed to these
OTHER_FIELD_VALUES = ("A", "F", "1", "6", "almost_no_chance", "almost_certain", "C", "I", "N", "0", "1", "")

# The browser's page checks (tests/system/test_accessibility.py, test_phones_print.py, the projector and
# phone fits) look at markup, CSS, scripts, layout and print, and the slow-client test of bare gunicorn
# reads no data: none depends on the database, and they are among the slowest tests. ./test runs them in
# its SQLite run and leaves them out of its PostgreSQL run (-m "not pages"), so none is skipped;
# `pytest -m pages` with TEST_DATABASE_URL set runs them on PostgreSQL too.
ONCE = pytest.mark.pages


def database_url(tmp_path: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"


def attempt_id_from(response) -> int:
    match = re.search(r"/attempts/(\d+)", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def statements_of(app, call) -> tuple:
    """What `call()` returned, and the SQL of each statement the app's engine ran meanwhile."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        return call(), seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def at_once(call, items: list) -> list:
    """call(item) for every item, each in its own thread, all released together; the results, in item order."""
    barrier, results = threading.Barrier(len(items)), [None] * len(items)

    def run(index, item):
        barrier.wait()
        results[index] = call(item)

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(items)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def make_seminar(app, host, module: str = "amaq", questions: int = 3, title: str = "", members=()) -> tuple[int, str]:
    """A seminar opened through the host's client and joined by each member's client: (its id, its code)."""
    response = host.post("/seminars/new", data={"module": module, "title": title, "questions": str(questions)})
    match = re.fullmatch(r".*/seminars/(\d+)/host", response.headers.get("Location", ""))
    assert response.status_code == 302 and match, (response.status_code, response.get_data(as_text=True)[:300])
    seminar_id = int(match.group(1))
    with app.app_context():
        code = db.session.get(Seminar, seminar_id).code
    for member in members:
        assert member.post("/seminars/join", data={"code": code}).status_code == 302
    return seminar_id, code


def correct_form(app, attempt_id: int) -> dict:
    """The form a learner who knows every answer would send (built from the stored key)."""
    form = {}
    with app.app_context():
        for item in db.session.get(Attempt, attempt_id).items:
            form.update(answer_form(item.position, item.spec, item.layout, correct=True))
    return form


def form_for(app, seminar_id: int, position: int, correct: bool = True) -> dict:
    """What a phone sends: the key, or (correct=False) the lowest-scoring answer among some plausible ones."""
    with app.app_context():
        question = db.session.get(Seminar, seminar_id).questions[position]
        spec, layout = question.spec, question.layout
    fields = answer_form(position, spec, layout, correct=True)
    if not correct:
        qtype, name = QUESTION_TYPES[spec["type"]], f"q{position}"
        shown = [key for key in fields if key.startswith(name + "-") and key != name + "-present"]
        values = [fields[key] for key in shown]
        candidates = [{name: str(i)} for i in range(len(layout.get("choices", [])))] + [
            {name: "true"}, {name: "false"}, {name: "999999"}, {name: "no such answer"},
            dict(zip(shown, values[1:] + values[:1]))] + [  # order and match: every answer moved one place
            {**dict(zip(shown, values)), key: other} for key in shown for other in OTHER_FIELD_VALUES]
        graded = []
        for candidate in candidates:
            wrong = {name + "-present": "1", **candidate}
            response = qtype.parse(MultiDict(wrong), name, spec["data"], layout)
            if response not in (None, "", [], {}):
                graded.append((grade_response(spec, response), len(graded), wrong))
        fraction, _, fields = min(graded)  # the lowest-scoring answer the page could send
        assert fraction < 1.0, f"no wrong answer found for {spec['type']}"
    return {"position": str(position), **fields}


def make_class(app, owner, members=(), modules=(), co=(), name: str = "Seminar group A") -> int:
    """A class owned by `owner` (a user), with co-instructors, members and modules, written directly (not
    through the class pages): its id. `modules` is module ids, or a mapping of module id to ClassModule
    fields (`review_option`, `due_at`)."""
    from app.classes.models import ClassInstructor, ClassMember, ClassModule, CourseClass
    from app.database import db_write
    settings = modules if isinstance(modules, dict) else {module: {} for module in modules}
    with app.test_request_context():
        with db_write():
            course = CourseClass(name=name, code=secrets.token_hex(4).upper(), created_by=owner.id)
            db.session.add(course)
            db.session.flush()
            class_id = course.id
            db.session.add(ClassInstructor(class_id=course.id, user_id=owner.id, role="owner"))
            db.session.add_all(ClassInstructor(class_id=course.id, user_id=user.id, role="co") for user in co)
            db.session.add_all(ClassMember(class_id=course.id, user_id=user.id) for user in members)
            db.session.add_all(ClassModule(class_id=course.id, module_id=module, **fields)
                               for module, fields in settings.items())
        return class_id


def logged_in(app, username: str):
    """A new test client logged in as `username`."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, (username, response.status_code)
    return client


def take_quiz(app, client, module: str = "amaq", correct: bool = True) -> int:
    """A graded attempt of the client's learner: every answer right, or none given; its id."""
    attempt = attempt_id_from(client.post(f"/modules/{module}/quiz"))
    form = correct_form(app, attempt) if correct else {}
    assert client.post(f"/attempts/{attempt}/submit", data=form).status_code == 302
    return attempt


def open_class(app, instructor, name: str = "Counter-terrorism 101", members=(), **form) -> tuple[int, str]:
    """A class created through the instructor's client (every module, no due dates unless `form` says)
    and joined by each member's client: (its id, its code)."""
    from app.classes.models import CourseClass

    data = {"name": name, "term": "Spring", "description": "", "modules": [m.id for m in app.extensions["catalog"].modules]}
    data.update(form)
    response = instructor.post("/classes/new", data=data)
    match = re.fullmatch(r".*/classes/(\d+)", response.headers.get("Location", ""))
    assert response.status_code == 302 and match, (response.status_code, response.get_data(as_text=True)[:500])
    class_id = int(match.group(1))
    with app.app_context():
        code = db.session.get(CourseClass, class_id).code
    for member in members:
        assert member.post("/classes/enrol", data={"code": code}).status_code == 302
    return class_id, code


def submit_mini_with_confidence(app, client) -> int:
    """Take the minimal content's `mini` quiz with the stated confidences of a worked example; the attempt's id.

    Graded answers with a confidence: the single choice right at 60 %; the ACH matrix 3 of 5 weight with the
    right conclusion (0.7 * 0.6 + 0.3 = 0.72) at 60 %; the source graded C2 against the key's B2 (0.75) at 80 %;
    the probability as 55 %, on the key's band (1.0), at 100 %. The numeric and true-or-false answers are right,
    with no confidence stated.
    """
    attempt = attempt_id_from(client.post("/modules/mini/quiz"))
    form = correct_form(app, attempt)
    with app.app_context():
        at = {item.spec["type"]: f"q{item.position}" for item in db.session.get(Attempt, attempt).items}
    g, p, a, s = at["source_grade"], at["probability"], at["ach"], at["single"]
    form.update({f"{s}-confidence": "60", f"{g}-reliability": "C", f"{g}-confidence": "80",
                 f"{p}-term": "percent", f"{p}-percent": "55", f"{p}-confidence": "100",
                 f"{a}-r0-h0": "C", f"{a}-r0-h1": "N", f"{a}-r1-h0": "N", f"{a}-r1-h1": "", f"{a}-conclusion": "0",
                 f"{a}-confidence": "60"})
    assert client.post(f"/attempts/{attempt}/submit", data=form).status_code == 302
    return attempt


def corrected_catalog(catalog, question_id: str, **data):
    """The catalog with some of one question's `data` fields changed, as when a key is corrected in the content."""
    import dataclasses
    from types import MappingProxyType

    old = catalog.questions[question_id]
    question = dataclasses.replace(old, spec={**old.spec, "data": {**old.spec["data"], **data}})
    modules = tuple(dataclasses.replace(m, questions=tuple(question if q.id == question_id else q for q in m.questions))
                    if m.id == old.module_id else m for m in catalog.modules)
    return dataclasses.replace(catalog, modules=modules,
                               questions=MappingProxyType({**catalog.questions, question_id: question}))


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # no access log in the test output
        pass


@contextmanager
def served(app):
    """`app` on werkzeug's threaded server on a free loopback port, its base URL; afterwards the server
    stops and the app's tables are dropped (a shared PostgreSQL test database keeps nothing)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
