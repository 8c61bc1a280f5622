"""Every page each demo role may open, in Chinese, shows no English UI words; in English, no Chinese
chrome (issues 7 and 9, "no English in the Chinese UI").

The all-plugins app with its demo data; pages come from the URL map (list pages, new-record forms,
and for each record page the first record the role may see, found by watching which model the
view scopes). What a person reads (text, title, placeholder, aria-label, button values; see
``tests/english_words.py``, shared with the browser walk) is checked against the English UI's word
list, after taking out data: every stored text value except raw ids, usernames, codes, numbers,
e-mails and paths.
"""
from __future__ import annotations

import pytest
from tests.english_words import chinese_chrome, data_pattern, english_words, stored_data_pattern, visible_text
from tests.page_walk import NothingKept

# One login per distinct set of roles the demo creates (test_every_demo_role_is_walked checks it).
ROLES_WALKED = ("admin", "order", "tech", "service", "service2", "technician1", "supervisor", "hr", "auditor",
                "boss", "rm_east", "dealer1", "agent1", "distributor1")
# The English UI's chrome is the same for every role: the roles that see the most pages between them.
ENGLISH_WALKED = ("admin", "dealer1", "supervisor", "service")
# Identifiers a page must show as they are, outside <code> (a form label naming a file's columns).
PAGE_IDENTIFIERS = {"/spares/reports/new": {"sku", "quantity"}}
SKIPPED = {"static", "core_web.logout", "core_web.set_language"}


def _permissions(app, endpoint):
    perms = getattr(app.view_functions[endpoint], "required_permissions", None)
    return tuple(perms) if perms else ()


@pytest.fixture(scope="module")
def walk():
    import core.security as security
    from core.cli import load_demo_data
    from core.extensions import db
    from core.testing import make_app, session_login

    app = make_app()
    ctx = app.app_context()
    ctx.push()
    demo = load_demo_data()
    db.session.commit()
    data = stored_data_pattern(u.username for u in demo.users.values())
    # Which model each one-record page shows: watch what the view scopes when the admin opens it.
    seen = []
    real, kept = security.scope_clause, security._GET_STATEMENTS
    security.scope_clause = lambda model, user: (seen.append(model), real(model, user))[1]
    security._GET_STATEMENTS = NothingKept()  # a kept statement is not scoped again
    admin = app.test_client()
    session_login(admin, demo.users["admin"])
    pages, models = [], {}
    try:
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.rule.startswith("/api/") or rule.endpoint in SKIPPED \
                    or rule.endpoint.endswith(".static"):
                continue
            params = list(rule.arguments)
            if len(params) > 1 or (params and f"<int:{params[0]}>" not in rule.rule):
                continue  # attachments (binary) and pages keyed by text (a serial, a dealer code)
            seen.clear()
            response = admin.get(rule.rule.replace(f"<int:{params[0]}>", "1") if params else rule.rule)
            if params:
                if not seen:
                    continue
                models[rule.endpoint] = seen[0]
            elif response.status_code == 200 and response.mimetype != "text/html":
                continue  # exports, PDFs
            pages.append(rule)
    finally:
        security.scope_clause, security._GET_STATEMENTS = real, kept
    yield app, demo, pages, models, data
    ctx.pop()


def _urls(app, pages, models, user):
    from sqlalchemy import select

    from core.extensions import db
    from core.security import scoped

    for rule in pages:
        if not all(user.can(p) for p in _permissions(app, rule.endpoint)):
            continue
        model = models.get(rule.endpoint)
        if model is None:
            yield rule.rule
            continue
        pk = model.__mapper__.primary_key[0]
        record_id = db.session.scalar(scoped(select(pk).order_by(pk).limit(1), model, user))
        if record_id is not None:
            yield rule.rule.replace(f"<int:{list(rule.arguments)[0]}>", str(record_id))


def _walk(walk, username, language, check):
    from core.extensions import db
    from core.testing import session_login

    app, demo, pages, models, data = walk
    user = demo.users[username]
    user.language = language
    db.session.commit()
    client = app.test_client()
    session_login(client, user)
    problems, opened = [], 0
    for url in _urls(app, pages, models, user):
        response = client.get(url)
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        opened += 1
        text = visible_text(response.get_data(as_text=True))
        for line in text.splitlines():
            found = [w for w in check(line, data) if w.lower() not in PAGE_IDENTIFIERS.get(url, ())]
            if found:
                problems.append(f"{url}: {', '.join(found)} in {line[:160]!r}")
    return problems, opened


@pytest.mark.parametrize("username", ROLES_WALKED)
def test_no_english_on_any_page_in_chinese(walk, username):
    problems, opened = _walk(walk, username, "zh_CN", english_words)
    assert opened >= 5, (username, opened)
    assert not problems, f"{username} reads English in the Chinese UI:\n" + "\n".join(problems)


@pytest.mark.parametrize("username", ENGLISH_WALKED)
def test_no_chinese_chrome_on_any_page_in_english(walk, username):
    problems, opened = _walk(walk, username, "en", chinese_chrome)
    assert opened >= 5, (username, opened)
    assert not problems, f"{username} reads Chinese chrome in the English UI:\n" + "\n".join(problems)


def test_every_demo_role_is_walked(walk):
    _app, demo, _pages, _models, _data = walk
    walked = {frozenset(demo.users[u].role_ids) for u in ROLES_WALKED}
    missing = {u for u, user in demo.users.items() if frozenset(user.role_ids) not in walked}
    assert not missing, f"demo logins whose roles no walked login has: {sorted(missing)}"


def test_the_word_check_sees_raw_ids_and_chrome_but_not_data():
    html = ('<h1 title="Edit">退货</h1><script>var Save = 1</script><button value="x">提交</button>'
            '<input type="submit" value="Submit"><p>状态：draft · LED-PANEL-600 · a@b.cn · /api/v1/rmas</p>'
            '<code>rma.approve</code><span aria-label="Next page">›</span>')
    assert english_words(visible_text(html)) == ["Edit", "Next", "Submit", "draft", "page"]
    assert english_words("Product LED 1", allowed=data_pattern(["Product LED 1"])) == []
    assert chinese_chrome("中文 | 退货 张三", allowed=data_pattern(["张三"])) == ["退货"]
