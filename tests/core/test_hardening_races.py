"""Races the probe found: the first document number of a year, the lockout counter."""
import os
import threading

import pytest

from core import sequences
from core.extensions import db
from core.testing import make_app


@pytest.fixture
def threaded_app(tmp_path):
    config = {}
    if not os.environ.get("AFTERSALES_TEST_DATABASE_URL", "").startswith("postgresql"):
        # a file database, so each thread has its own connection as in production
        config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'race.db'}", "SQLALCHEMY_ENGINE_OPTIONS": {}}
    app = make_app(plugins=[], **config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def run_threads(n, target):
    barrier = threading.Barrier(n)
    errors = []

    def worker(i):
        try:
            barrier.wait()
            target(i)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_first_number_of_a_year_asked_twice_at_once(threaded_app):
    results = []
    for year in (2031, 2032, 2033):
        def take(i, year=year):
            with threaded_app.app_context():
                results.append(sequences.next_value("FIRST", year))
                db.session.commit()

        results.clear()
        errors = run_threads(6, take)
        assert not errors, errors  # before: IntegrityError (duplicate row) on PostgreSQL
        assert sorted(results) == list(range(1, 7))


def test_concurrent_wrong_passwords_stop_at_the_lockout_limit(threaded_app, monkeypatch):
    from core.testing import make_user
    from core.users import services
    from core.users.models import User

    with threaded_app.app_context():
        make_user("victim")
    checked = []
    real = User.check_password
    monkeypatch.setattr(User, "check_password", lambda self, pw: checked.append(1) or real(self, pw))

    def guess(i):
        with threaded_app.test_request_context("/api/v1/auth/token", method="POST"):  # as a request would
            try:
                services.authenticate("victim", f"guess-{i}")
            except services.AuthError:
                pass
            db.session.commit()

    errors = run_threads(24, guess)
    assert not errors, errors
    # before: 24 (or 16 when some lost the counter update) passwords were checked before the lock
    assert len(checked) == 5
    with threaded_app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "victim"))
        assert user.locked_until is not None and user.session_generation == 1
