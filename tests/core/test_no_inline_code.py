"""No inline styles or scripts anywhere: the Content-Security-Policy (style-src 'self'; script-src 'self')
refuses them, so a photo thumbnail sized by style="" or a form wired by onclick="" breaks in the browser.

Two fast checks for the normal suite (the browser walk, tests/e2e/test_csp_walk_e2e.py, is the slow one):
every template and Python source that makes HTML, and every page the admin reaches, rendered.
"""
from pathlib import Path

from core.testing import make_app, session_login
from tests.page_walk import html_pages, inline_code

ROOT = Path(__file__).resolve().parents[2]


def _sources():
    for folder in ("core", "plugins"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".html", ".py") and ".venv" not in path.parts:
                yield path


def test_no_template_or_source_has_inline_styles_scripts_or_handlers():
    problems = []
    for path in _sources():
        for problem in inline_code(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(ROOT)}: {problem}")
    assert not problems, "\n".join(problems)


def test_the_checks_find_what_the_policy_refuses():
    assert inline_code('<img src="x" class="a" style="height:96px">')
    assert inline_code('<div\n  style="max-width: 32rem">')
    assert inline_code("<script>alert(1)</script>") and not inline_code('<script src="/static/app/app.js"></script>')
    assert inline_code('<button onclick="go()">') and inline_code('<a href="javascript:void(0)">')
    assert not inline_code('<p data-style="x" class="onboarding">{{ style }}</p><input name="onhand">')


def test_every_page_the_admin_reaches_renders_without_inline_code():
    from sqlalchemy import select

    from core.cli import load_demo_data
    from core.extensions import db
    from core.users.models import User

    app = make_app()
    with app.app_context():
        load_demo_data()
        db.session.commit()
        client = app.test_client()
        session_login(client, db.session.scalar(select(User).where(User.username == "admin")))
        # a record page read before the walk (its scoped statement kept by get_scoped) is still walked
        assert client.get("/rma/1").status_code == 200
        pages = html_pages(app, client)
        problems = []
        for url in pages:
            for problem in inline_code(client.get(url).get_data(as_text=True)):
                problems.append(f"{url}: {problem}")
        assert not problems, "\n".join(problems)
        # the walk reaches list pages and record pages of every kind (not only the dashboard)
        assert len(pages) > 60 and "/rma/1" in pages and "/account/password" in pages, pages
