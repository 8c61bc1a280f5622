"""The admin, every plugin enabled, opens every page in Chromium: no CSP violation, no JavaScript error.

The pages come from the URL map (tests/page_walk.py): every GET page without parameters and one
record page per record type of the demo data. Chromium reports a refused inline style or
script as a console error ("Refused to apply inline style because it violates the following
Content Security Policy directive ..."); the page's own ``securitypolicyviolation`` events are
collected too, so a violation is caught even when it is not logged.
"""
import pytest

from tests.e2e.conftest import login
from tests.page_walk import html_pages

pytestmark = pytest.mark.e2e

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""


def _png() -> bytes:
    """A 1x1 PNG: the return's page shows photo thumbnails, which inline sizes used to break."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00\x00")) + chunk(b"IEND", b""))


def _pages(live_app):
    from sqlalchemy import select

    from core import attachments
    from core.extensions import db
    from core.testing import session_login
    from core.users.models import User

    app = live_app.app
    with app.app_context():
        attachments.add("rma", 1, "photo.png", _png())
        db.session.commit()
        client = app.test_client()
        session_login(client, db.session.scalar(select(User).where(User.username == "admin")))
        return html_pages(app, client)


def test_every_page_loads_without_csp_violations_or_console_errors(browser, live_app):
    urls = _pages(live_app)
    assert len(urls) > 60 and "/rma/1" in urls, urls
    context = browser.new_context(base_url=live_app.url, locale="en-US")
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    problems, current = [], {"url": "/login"}
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"{current['url']}: console: {msg.text}"))
    page.on("pageerror", lambda exc: problems.append(f"{current['url']}: JavaScript error: {exc}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{current['url']}: {r.status} {r.url}"))
    try:
        login(page, "admin")
        for url in urls:
            current["url"] = url
            response = page.goto(url, wait_until="load")
            assert response is not None and response.status == 200, (url, response and response.status)
            for violation in page.evaluate("window.__cspViolations || []"):
                problems.append(f"{url}: CSP violation: {violation}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
