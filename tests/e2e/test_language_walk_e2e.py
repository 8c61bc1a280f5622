"""Each demo role in a browser, in both languages: log in, switch language from the user menu,
open the entries of its navigation bar; no English UI words in Chinese, no Chinese chrome in English
(the same word list and data rules as the page walk: tests/english_words.py, which opens every
page of every role). To stay lean a menu entry is opened once per language, by the first role
whose menu has it; every role's own landing page and navigation bar are checked.)"""
import pytest

from tests.e2e.conftest import LiveServer, login
from tests.english_words import chinese_chrome, english_words, stored_data_pattern, visible_text

pytestmark = pytest.mark.e2e

ROLES = ("admin", "order", "tech", "service", "service2", "technician1", "supervisor", "hr", "auditor", "boss",
         "rm_east", "dealer1", "agent1", "distributor1")
SWITCH = {"zh_CN": "中文", "en": "English"}
OPENED = {"zh_CN": set(), "en": set()}  # menu entries already opened in each language


@pytest.fixture(scope="module")
def walk_server(tmp_path_factory):
    """One server with the demo data for the whole walk (every test only reads)."""
    from core import settings
    from core.cli import load_demo_data
    from core.extensions import db
    from core.testing import make_app

    path = tmp_path_factory.mktemp("walk") / "walk.db"
    app = make_app(WTF_CSRF_ENABLED=True, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", SQLALCHEMY_ENGINE_OPTIONS={})
    with app.app_context():
        ctx = load_demo_data()
        for user in ctx.users.values():
            user.language = "zh_CN" if user.username in ("admin", "dealer1") else "en"  # each test switches
        # 28 logins from one address in well under a minute: above the login throttle (20/min),
        # which tests/core/test_hardening_auth.py covers; this walk checks words, not throttling.
        settings.set_value("core.login_throttle_per_minute", 1000)
        db.session.commit()
        data = stored_data_pattern(ctx.users)
    with LiveServer(app) as server:
        yield server, data
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("username", ROLES)
def test_every_menu_entry_reads_in_the_users_language(browser, walk_server, username, language):
    server, data = walk_server
    context = browser.new_context(base_url=server.url, locale="en-US")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login(page, username)
        page.click("a.dropdown-toggle:has(i.bi-person-circle)")
        page.click(f"nav form button:has-text('{SWITCH[language]}')")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang").replace("-", "_").startswith(language[:2])
        links = page.eval_on_selector_all(
            "nav a.nav-link[href], nav a.dropdown-item[href]",
            "els => [...new Set(els.map(e => e.getAttribute('href')).filter(h => h && h.startsWith('/')))]")
        assert len(links) >= 2, links
        check = english_words if language == "zh_CN" else chinese_chrome
        problems = []
        for href in [page.url] + [h for h in links if h not in OPENED[language]]:
            OPENED[language].add(href)
            response = page.goto(href, wait_until="domcontentloaded")
            assert response.status < 500, (href, response.status)
            for line in visible_text(page.content()).splitlines():
                found = check(line, data)
                if found:
                    problems.append(f"{href}: {', '.join(found)} in {line[:160]!r}")
        assert not problems, f"{username} in {language}:\n" + "\n".join(problems)
        assert not errors, f"JavaScript errors: {errors}"
    finally:
        context.close()
