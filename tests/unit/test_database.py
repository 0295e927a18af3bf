"""db_write(), the one way to write; SQLite: WAL, the busy timeout, and writers that take the lock up front and queue in turn.

On PostgreSQL the same tests check that writes commit and roll back cleanly (no gate there).
"""
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.database import NestedWrite, WriteOutsideBlock, db_write
from app.extensions import db
from app.models import User
from tests.helpers import correct_form, count


def gate_of(app):
    """The SQLite writer gate, or None on another database."""
    return app.extensions.get("sqlite_writer_gate")


def statements_during(app, request):
    """What `request()` returned, and each SQL statement's verb while it ran with whether the writer
    gate was held for it."""
    gate = gate_of(app)
    with app.app_context():
        engine = db.engine
    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append((statement.split()[0].upper(), gate is not None and gate.locked()))

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        reply = request()
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return reply, statements


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            assert gate_of(app) is None
            return
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


def test_the_gate_is_free_after_a_commit_a_rollback_and_an_error(app, make_user):
    make_user("ann")
    gate = gate_of(app)
    with app.app_context():
        with db_write():
            db.session.add(User(username="bob", display_name="Bob", password_hash="x"))
        assert gate is None or not gate.locked()
        with db_write():
            db.session.execute(sa.select(User.id)).all()
            db.session.rollback()
            assert gate is None or not gate.locked()
        with pytest.raises(IntegrityError), db_write():
            db.session.add(User(username="ann", display_name="Duplicate", password_hash="x"))
        assert gate is None or not gate.locked()
        with db_write():
            db.session.execute(sa.select(User.id)).all()
            db.session.close()  # returned to the pool without commit or rollback
            assert gate is None or not gate.locked()
    assert count(app, User) == 2


def test_a_write_block_rolls_back_on_an_error_and_does_not_nest(app, make_user):
    with app.app_context():
        with pytest.raises(ZeroDivisionError), db_write():
            db.session.add(User(username="bob", display_name="Bob", password_hash="x"))
            db.session.flush()
            1 / 0
        with db_write(), pytest.raises(NestedWrite), db_write():
            pass
    assert count(app, User) == 0


def test_a_write_outside_a_write_block_raises_in_tests(app, make_user):
    """Every change goes through db_write(): a flush or an INSERT, UPDATE or DELETE outside it fails loudly."""
    ann = make_user("ann")
    with app.app_context():
        assert app.config["CHECK_WRITES"]
        db.session.add(User(username="bob", display_name="Bob", password_hash="x"))
        with pytest.raises(WriteOutsideBlock):
            db.session.flush()
        db.session.rollback()
        db.session.get(User, ann.id).display_name = "Changed"
        with pytest.raises(WriteOutsideBlock):
            db.session.commit()
        db.session.rollback()
        for statement in (sa.update(User).values(role="admin"), sa.delete(User),
                          sa.insert(User).values(username="eve", username_key="eve", display_name="E",
                                                 password_hash="x", role="learner")):
            with pytest.raises(WriteOutsideBlock):
                db.session.execute(statement)
            db.session.rollback()
        db.session.execute(sa.select(User.id)).all()  # reading needs no block
        db.session.get(User, ann.id).display_name = "Ann"  # set to what it was: nothing to write
        db.session.commit()
    assert count(app, User) == 1 and count(app, User, User.role == "admin") == 0


def test_writes_are_not_checked_outside_tests_by_default(make_app):
    assert make_app(TESTING=False).config["CHECK_WRITES"] is False


def test_reads_do_not_take_the_gate(app):
    gate = gate_of(app)
    with app.app_context():
        db.session.execute(sa.select(User.id)).all()
        assert gate is None or not gate.locked()
        db.session.rollback()


def test_many_concurrent_writers_all_succeed_and_leave_the_gate_free(app):
    errors = []

    def write(index):
        try:
            with app.app_context(), db_write():
                db.session.add(User(username=f"user{index}", display_name="U", password_hash="x"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and count(app, User) == 24
    gate = gate_of(app)
    assert gate is None or not gate.locked()


def test_the_writer_lock_file_is_held_during_a_write_and_free_after(app):
    """Other processes' writers wait on the lock file; it must be free once the write ends."""
    import fcntl
    import os

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        lock_path = db.engine.url.database + ".writers"

        def free() -> bool:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return False
            finally:
                os.close(fd)

        with db_write():
            db.session.add(User(username="writer", display_name="W", password_hash="x"))
            db.session.flush()  # the write transaction is open now
            assert not free()
        assert free()


def test_on_postgresql_pages_read_without_a_transaction_and_posts_keep_theirs(app):
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    for _ in range(2):  # the second round reuses the pooled connection: its settings were reset
        with app.test_request_context("/course"):
            app.preprocess_request()
            options = db.session.connection().get_execution_options()
            assert (options.get("isolation_level") == "AUTOCOMMIT") is postgres
        with app.test_request_context("/logout", method="POST"):
            app.preprocess_request()
            connection = db.session.connection()
            assert "isolation_level" not in connection.get_execution_options()
            if postgres:  # a real transaction: its statements commit or roll back together
                assert connection.connection.dbapi_connection.autocommit is False


def test_a_submission_takes_the_sqlite_writer_gate_for_its_writes_alone(app, client, learner, start_quiz):
    """Reading, parsing and grading happen before the gate is taken; every write happens under it."""
    attempt_id = start_quiz("amaq")
    form = correct_form(app, attempt_id)
    gate = gate_of(app)
    reply, statements = statements_during(app, lambda: client.post(f"/attempts/{attempt_id}/submit", data=form))
    assert reply.status_code == 302
    reads = [locked for verb, locked in statements if verb == "SELECT"]
    writes = [locked for verb, locked in statements if verb == "UPDATE"]
    assert reads and len(writes) == 3  # the attempt, the new answers (one executemany), every grade at once
    assert not any(reads)  # the user, the attempt and its items: read without the gate
    assert all(writes) is (gate is not None)  # SQLite: written under it (PostgreSQL has none)


def test_a_plain_post_begins_as_a_reader_and_writes_under_the_gate(app, client, learner):
    """Marking a lesson read: the login lookup reads without the gate; its INSERT is written under it."""
    gate = gate_of(app)
    reply, statements = statements_during(app, lambda: client.post("/modules/amaq/lesson/read"))
    assert reply.status_code == 302
    verbs = [verb for verb, _ in statements]
    assert verbs.count("INSERT") == 1
    assert next(locked for verb, locked in statements if verb == "SELECT") is False  # the login lookup, as a reader
    assert all(locked is (gate is not None) for verb, locked in statements if verb == "INSERT")
