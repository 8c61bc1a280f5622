"""Every HTML page a user can reach: read from the URL map, so a new page is walked the day it is added.

Used by the fast page test (``tests/core/test_no_inline_code.py``: rendered HTML greps) and by
the browser walk (``tests/e2e/test_csp_walk_e2e.py``: console errors and CSP violations).
"""
from __future__ import annotations

import re
from contextlib import contextmanager

ID_PARAM = re.compile(r"<int:([a-z_]+)>")

# Inline code the Content-Security-Policy (style-src 'self'; script-src 'self') refuses.
INLINE_STYLE = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.S)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.S)
JS_URL = re.compile(r"""\s(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def inline_code(html: str) -> list[str]:
    """The inline styles, inline scripts, event-handler attributes and javascript: URLs in ``html``."""
    found = []
    for name, pattern in (("style attribute", INLINE_STYLE), ("inline <script>", INLINE_SCRIPT),
                          ("on* handler", INLINE_HANDLER), ("javascript: URL", JS_URL)):
        for m in pattern.finditer(html):
            start = max(0, m.start() - 40)
            found.append(f"{name}: …{html[start:m.end() + 40]!s}…".replace("\n", " "))
    return found


@contextmanager
def _watching_models():
    """Record which models a request scopes (the first one is the record a detail page loads). The
    statements ``get_scoped`` keeps are not used meanwhile: a kept one is not scoped again, so a page
    already visited in this process would show no model and be left out of the walk."""
    import core.security as security

    seen, real, kept = [], security.scope_clause, security._GET_STATEMENTS

    def watching(model, user):
        seen.append(model)
        return real(model, user)

    security.scope_clause = watching
    security._GET_STATEMENTS = NothingKept()
    try:
        yield seen
    finally:
        security.scope_clause, security._GET_STATEMENTS = real, kept


class NothingKept(dict):
    """A statement store that keeps nothing: put in place of ``core.security._GET_STATEMENTS`` while
    watching what requests scope (see ``_watching_models``)."""

    def __setitem__(self, key, value):
        pass


def _first_id(model):
    from sqlalchemy import select

    from core.extensions import db

    pk = model.__mapper__.primary_key[0]
    return db.session.scalar(select(pk).order_by(pk).limit(1))


def html_pages(app, client) -> list[str]:
    """URLs of the HTML pages ``client`` (logged in) gets with 200: every GET route without
    parameters, and one record page per route with a single id (the first record of the model
    the page loads). Call inside an app context."""
    pages = []
    with _watching_models() as seen:
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.rule.startswith("/api/") or rule.endpoint.endswith("static"):
                continue
            params = list(rule.arguments)
            if len(params) > 1 or (params and f"<int:{params[0]}>" not in rule.rule):
                continue
            url = rule.rule
            if params:
                seen.clear()
                client.get(ID_PARAM.sub("0", rule.rule))
                record_id = _first_id(seen[0]) if seen else None
                if record_id is None:
                    continue
                url = ID_PARAM.sub(str(record_id), rule.rule)
            r = client.get(url)
            if r.status_code == 200 and r.mimetype == "text/html":
                pages.append(url)
    return pages
