"""Test helpers: build an app with chosen plugins on a clean database, log in, count queries.

SQLite: each app gets its own in-memory database. PostgreSQL (``AFTERSALES_TEST_DATABASE_URL``
pointing at a server): the tables of the enabled plugins are created once and truncated
between tests, rebuilt only when the plugin set changes.
"""
from __future__ import annotations

import contextlib
import os
from datetime import date
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlalchemy.pool import StaticPool

from core import create_app
from core.extensions import db

TEST_PASSWORD = "test-password-1"
_pg_state = {"tables": None}


def database_url() -> str:
    return os.environ.get("AFTERSALES_TEST_DATABASE_URL") or "sqlite://"


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context (own ``g`` and DB session), as in production,
    even when the test itself holds an app context open for factories and assertions."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(plugins: list[str] | None = None, **config):
    url = database_url()
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "API_VALIDATE_RESPONSES": True,
        "SMTP_HOST": "",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # production hashes use scrypt
    }
    if url.startswith("sqlite"):
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    settings.update(config)
    app = create_app(settings, plugins=plugins)
    app.test_client_class = IsolatedClient
    with app.app_context():
        reset_database(app)
    return app


def owned_tables(app):
    from core.plugin_system import enabled_tables

    return enabled_tables(app, db.metadata)


def reset_database(app) -> None:
    from core.users.services import sync_roles_and_permissions

    tables = owned_tables(app)
    engine = db.engine
    if engine.dialect.name == "postgresql":
        key = tuple(t.name for t in tables)
        if _pg_state["tables"] == key:
            with engine.begin() as conn:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            db.metadata.create_all(engine, tables=tables)
            _pg_state["tables"] = key
    else:
        db.metadata.create_all(engine, tables=tables)
    sync_roles_and_permissions()
    db.session.commit()


# --- factories ------------------------------------------------------------------------

def make_user(username: str, roles=("admin",), dealer=None, password: str = TEST_PASSWORD, **kw):
    from core.users.services import create_user

    kw.setdefault("language", "en")  # tests read English copy; test_i18n checks the Chinese
    user = create_user({"username": username, "password": password, "roles": list(roles),
                        "dealer_code": dealer.code if dealer is not None else None,
                        "display_name": kw.pop("display_name", username), **kw})
    db.session.commit()
    return user


def make_region(code="EAST", managers=()):
    from core.dealers.services import create_region

    region = create_region({"code": code, "name": f"Region {code}", "manager_usernames": [m.username for m in managers]})
    db.session.commit()
    return region


def make_dealer(code="D1", kind="dealer", region=None, parent=None, **kw):
    from core.dealers.services import create_dealer

    dealer = create_dealer({"code": code, "name": kw.pop("name", f"Dealer {code}"), "kind": kind,
                            "region_code": region.code if region is not None else None,
                            "parent_code": parent.code if parent is not None else None, **kw})
    db.session.commit()
    return dealer


def make_category(code="LIGHTING", warranty_months=36, retention_months=36, whole_unit_returns=False):
    from core.products.services import create_category

    cat = create_category({"code": code, "name": code.title(), "warranty_months": warranty_months,
                           "retention_months": retention_months, "whole_unit_returns": whole_unit_returns})
    db.session.commit()
    return cat


def make_product(sku="P1", category=None, unit_price="100.00", parts=(), **kw):
    from core.products.services import create_product

    category = category or make_category()
    product = create_product({"sku": sku, "name": kw.pop("name", f"Product {sku}"), "category_code": category.code,
                              "unit_price": Decimal(unit_price), "parts": [{"sku": p.sku, "quantity": q} for p, q in parts],
                              **kw})
    db.session.commit()
    return product


# --- clients --------------------------------------------------------------------------

def token_for(user) -> str:
    from core.users.services import issue_token

    raw, _ = issue_token(user)
    db.session.commit()
    return raw


def api_headers(user) -> dict:
    return {"Authorization": f"Bearer {token_for(user)}"}


def login_as(client, username: str, password: str = TEST_PASSWORD):
    """Log in through the form, from a loopback address of the user's own, so the per-address
    login throttle (tested on its own) does not count a suite's many logins against one address."""
    import zlib

    n = zlib.crc32(username.encode()) & 0xFFFFFF
    addr = f"127.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255 or 1}"
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def session_login(client, user) -> None:
    """A logged-in browser session for ``user`` without hashing a password (fast, for wide tests):
    the same session keys the login view writes (user id, session generation, login/seen times)."""
    import time

    with client.session_transaction() as session:
        session["_user_id"] = str(user.get_id())
        session["_fresh"] = True
        session["_gen"] = user.session_generation or 0
        session["_auth_at"] = session["_seen_at"] = int(time.time())


@contextlib.contextmanager
def count_queries(app):
    """Count the SQL statements run inside the block: ``with count_queries(app) as q: ...; q.count``."""
    class Counter:
        count = 0
        statements: list = []

    counter = Counter()
    counter.statements = []
    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            return
        counter.count += 1
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


# what authenticating a request reads: the auth version, the user, its roles, their permissions
# (other statements may join core_user for names, so statements are told apart by how they begin)
AUTH_READS = ("SELECT core_user.", "SELECT core_user_role.", "SELECT core_role", "SELECT core_sequence",
              "SELECT (SELECT core_sequence")


def auth_statements(statements) -> list:
    """The statements (of ``count_queries``) that authenticated the request."""
    return [s for s in statements if s.lstrip().startswith(AUTH_READS)]


def warm_get_statements(app, client, path, headers=None):
    """``GET path`` twice, the statements of the second run (a running server's: the token, settings
    and Babel caches warm; SQLite's explicit BEGIN is not one of the request's), printed for ``-s``.
    Answers ``(response, statements)``."""
    assert client.get(path, headers=headers).status_code == 200
    with count_queries(app) as q:
        response = client.get(path, headers=headers)
    statements = [s for s in q.statements if not s.lstrip().upper().startswith("BEGIN")]
    print(f"\n== {path}: {len(statements)}")
    for s in statements:
        print("   ", " ".join(s.split())[:200])
    return response, statements


def warm_get_calls(client, path, headers=None):
    """``GET path`` three times, cProfile's count of the function calls of the third (the caches warm;
    deterministic for the same code and data, unlike a timing), printed for ``-s``. Answers
    ``(response, calls)``; tests compare the calls with a ceiling."""
    import cProfile
    import pstats

    for _ in range(2):
        assert client.get(path, headers=headers).status_code == 200
    profile = cProfile.Profile()
    profile.enable()
    response = client.get(path, headers=headers)
    profile.disable()
    calls = pstats.Stats(profile).total_calls
    print(f"\n== {path}: {calls} calls")
    return response, calls


def today() -> date:
    return date.today()


def chart_specs(html: str) -> dict:
    """``{element id: chart description}`` of every chart on a page (the JSON in ``data-chart``)."""
    import html as html_module
    import json
    import re

    found = {}
    for match in re.finditer(r'<div class="chart[^"]*" id="([^"]+)"[^>]*data-chart="([^"]*)"', html):
        found[match.group(1)] = json.loads(html_module.unescape(match.group(2)))
    return found


def status_bar(page: str, prefix: str = "act-") -> tuple[str, list[tuple[str, str, str]]]:
    """A record page's status bar (web/macros.html): the current step's label and its buttons as
    (class, action, label); asserts the bar is there and each button's form (``<prefix><action>``) is on the page."""
    import re

    found = re.search(r'<div class="status-bar.*?</ol>', page, re.S)
    assert found, "no status bar"
    html = found.group(0)
    step = re.search(r'<li class="status-step current[^"]*" aria-current="step">([^<]*)</li>', html)
    assert step, "no current step"
    buttons = re.findall(r'<(?:a|button) class="btn btn-sm ([\w-]+)"[^>]*?(?:href="#|form=")' + re.escape(prefix)
                         + r'(\w+)"[^>]*>([^<]*)<', html)
    for _, name, _ in buttons:
        assert f'id="{prefix}{name}"' in page, name
    return step.group(1), buttons


def record_status_bar(app, username: str, path: str, prefix: str = "act-") -> tuple[str, list[tuple[str, str]]]:
    """``status_bar`` of the page at ``path`` as ``username`` (a fresh logged-in client, whose language is
    Chinese: each button's label is): the current step's label and the buttons as (class, action)."""
    import re

    client = app.test_client()
    login_as(client, username)
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    step, buttons = status_bar(r.get_data(as_text=True), prefix)
    assert all(re.search(r"[\u4e00-\u9fff]", label) for _, _, label in buttons), buttons
    return step, [(cls, name) for cls, name, _ in buttons]
