"""End-to-end tests: a real server on 127.0.0.1 and Debian's Chromium driven by Playwright.

CI installs Chromium (.ci/run) and sets AFTERSALES_E2E=required, so a missing browser fails
there; on a machine without Chromium these tests say so and are skipped.
"""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("AFTERSALES_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("AFTERSALES_E2E") == "required":
            pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"Chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_app(tmp_path):
    """The all-plugins app with CSRF on, on a file database, with the demo data loaded."""
    from core.cli import load_demo_data
    from core.extensions import db
    from core.testing import make_app

    # The browser tests check what a person sees; their server always runs on its own SQLite file
    # (the database layer is exercised on PostgreSQL by the rest of the suite).
    config = {"WTF_CSRF_ENABLED": True, "API_VALIDATE_RESPONSES": True,
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.db'}", "SQLALCHEMY_ENGINE_OPTIONS": {}}
    app = make_app(**config)
    with app.app_context():
        ctx = load_demo_data()
        for user in ctx.users.values():
            user.language = "en"
        db.session.commit()
    with LiveServer(app) as server:
        yield server
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def page(browser, live_app):
    context = browser.new_context(base_url=live_app.url, locale="en-US")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


SHOTS = os.environ.get("AFTERSALES_E2E_SHOTS")  # a folder: the walks save their screenshots there


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def as_user(page, username):
    """Log out whoever is in the browser and log in as ``username``."""
    page.context.clear_cookies()
    login(page, username)


def login(page, username, password="demo12345"):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button.btn-primary")
    page.wait_for_url(lambda url: "/login" not in url)  # staff land on the dashboard, dealers on /portal
