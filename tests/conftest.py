import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def pytest_configure(config):
    from core.i18n_build import compile_all

    compile_all()
    base_url = os.environ.get("AFTERSALES_TEST_DATABASE_BASE_URL") or os.environ.get("AFTERSALES_TEST_DATABASE_URL")
    if base_url and base_url.startswith("postgresql"):
        # One throwaway database per test process (the xdist controller and each worker), dropped at the end.
        os.environ["AFTERSALES_TEST_DATABASE_BASE_URL"] = base_url
        base = make_url(base_url)
        name = f"aftersales_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        os.environ["AFTERSALES_TEST_DATABASE_URL"] = base.set(database=name).render_as_string(hide_password=False)
        config._aftersales_pg = (base, name)


def pytest_unconfigure(config):
    info = getattr(config, "_aftersales_pg", None)
    if info:
        base, name = info
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def enabled_plugins():
    """The plugins the ``app`` fixture enables (None: every built-in one); a plugin's conftest overrides it."""
    return None


@pytest.fixture
def app(enabled_plugins):
    from core.testing import make_app

    app = make_app(plugins=enabled_plugins)
    with app.app_context():
        yield app
    _dispose(app)


def _dispose(app):
    from core.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()
