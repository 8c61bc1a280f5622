"""Every route of the all-plugins app is guarded: anonymous callers never reach a view.

Routes are read from the running app's URL map, so a plugin's new route is covered the day
it is added. Public endpoints are listed here on purpose.
"""
import re

from core.testing import api_headers, login_as, make_app, make_dealer, make_user, session_login
from tests.page_walk import NothingKept

PUBLIC = {"static", "core_web.login", "core_web.set_language", "core_web.logout", "api.core_api.openapi",
          "api.core_users_api.create_token", "supervision_public.suggest"}


def _url(rule):
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "1", rule.rule)


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_anonymous_callers_are_sent_to_login_or_get_401():
    app = make_app()
    client = app.test_client()
    seen = 0
    for rule, method in _routes(app):
        r = client.open(_url(rule), method=method, json={} if rule.rule.startswith("/api/") else None)
        seen += 1
        if rule.rule.startswith("/api/"):
            assert r.status_code == 401, (method, rule.rule, r.status_code)
        else:
            assert r.status_code == 302 and "/login" in r.headers["Location"], (method, rule.rule, r.status_code)
    assert seen > 30


def test_admin_area_is_forbidden_to_dealers_and_staff_without_the_permission():
    app = make_app()
    with app.app_context():
        shop = make_user("shop", roles=["dealer"], dealer=make_dealer("D1"))
        make_user("clerk", roles=["technical"])
        for username in ("shop", "clerk"):
            client = app.test_client()
            login_as(client, username)
            for rule, method in _routes(app):
                if rule.rule.startswith("/admin/") and method == "GET":
                    assert client.get(_url(rule)).status_code in (403, 404), (username, rule.rule)
        h = api_headers(shop)
        client = app.test_client()
        for path in ("/api/v1/users", "/api/v1/users/1"):
            assert client.get(path, headers=h).status_code == 403


# --- the whole matrix: every route x every role x own/other dealer -----------------------
#
# Generated from the running all-plugins app with its demo data: the URL map gives the
# routes, each view's declaration gives its permission (``require(...)`` on pages,
# ``route(..., permission=...)`` in the API) and the record rules give the scope. A record
# route's model is found by watching which model the view scopes when the admin opens it;
# dealer users then open one record of their own dealer (never 404) and one of another
# dealer (always 404). Mutating routes are called only by roles lacking their permission:
# 403 or 404, never 2xx or 5xx (nothing is changed).

import pytest  # noqa: E402

MATRIX_USERS = ("admin", "order", "tech", "service", "supervisor", "hr", "auditor", "rm_east", "dealer1", "agent1",
                "distributor1", "dealer2")
ID_PARAM = re.compile(r"<int:([a-z_]+)>")


def _declared_permissions(app, endpoint) -> tuple[str, ...] | None:
    """The permissions a route declares, or None when it declares none (checked inside the view)."""
    view = app.view_functions[endpoint]
    meta = getattr(view, "_api_meta", None)
    if meta is not None:
        return (meta.permission,) if meta.permission else None
    perms = getattr(view, "required_permissions", None)
    return tuple(perms) if perms else None


@pytest.fixture(scope="module")
def matrix():
    from core.cli import load_demo_data
    from core.extensions import db
    from core.users.models import User
    from sqlalchemy import select

    app = make_app()
    ctx = app.app_context()
    ctx.push()
    demo = load_demo_data()
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(MATRIX_USERS)))}
    clients = {}
    for name, user in users.items():
        page_client = app.test_client()
        session_login(page_client, user)  # a logged-in session without hashing a password
        clients[name] = (page_client, api_headers(user))
    yield app, users, clients, demo
    ctx.pop()


def _watch_models(monkeypatch):
    """Record which models the request scopes (the first one is the route's record)."""
    import core.security as security

    seen = []
    real = security.scope_clause

    def watching(model, user):
        seen.append(model)
        return real(model, user)

    monkeypatch.setattr(security, "scope_clause", watching)
    monkeypatch.setattr(security, "_GET_STATEMENTS", NothingKept())  # a kept statement is not scoped again
    return seen


def _call(clients, name, method, url, is_api):
    client, headers = clients[name]
    if is_api:
        return client.open(url, method=method, headers=headers, json={})
    return client.open(url, method=method, data={})


def _record_ids(model, dealers):
    """(own id, other id) of ``model`` rows for dealer1 (D001) against D002, or None."""
    from core.extensions import db
    from core.security import dealer_column, model_scope
    from sqlalchemy import select

    if model_scope(model) != "dealer":
        return None
    column, pk = dealer_column(model), model.__mapper__.primary_key[0]
    own = db.session.scalar(select(pk).where(column == dealers["D001"].id).order_by(pk).limit(1))
    other = db.session.scalar(select(pk).where(column == dealers["D002"].id).order_by(pk).limit(1))
    return (own, other) if own is not None and other is not None else None


def test_every_get_route_for_every_role_and_own_or_other_dealer(matrix, monkeypatch):
    app, users, clients, demo = matrix
    seen = _watch_models(monkeypatch)
    problems, checked, scoped_checked = [], 0, 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in PUBLIC or rule.endpoint.endswith("static"):
            continue
        params = list(rule.arguments)
        if params and not all(ID_PARAM.search(rule.rule) and f"<int:{p}>" in rule.rule for p in params):
            continue  # free-text parameters (a serial, an action) are checked with the placeholder below
        is_api = rule.rule.startswith("/api/")
        perms = _declared_permissions(app, rule.endpoint)
        ids = None
        if len(params) == 1:
            # Find the route's model as the admin sees it, then one own and one other record.
            seen.clear()
            _call(clients, "admin", "GET", _url(rule), is_api)
            ids = _record_ids(seen[0], demo.dealers) if seen else None
        for name, user in users.items():
            allowed = perms is None or all(user.can(p) for p in perms)
            cases = [(_url(rule), None)]
            if ids and user.scope == "dealer" and name == "dealer1":
                cases = [(rule.rule.replace(f"<int:{params[0]}>", str(ids[0])), "own"),
                         (rule.rule.replace(f"<int:{params[0]}>", str(ids[1])), "other")]
            own_status = None
            for url, whose in cases:
                status = _call(clients, name, "GET", url, is_api).status_code
                own_status = status if whose == "own" else own_status
                checked += 1
                if status >= 500:
                    problems.append(f"{name} GET {url}: {status}")
                elif not allowed and status not in (403, 404):
                    problems.append(f"{name} GET {url}: {status}, expected 403 (lacks {perms})")
                elif allowed and whose == "other":
                    scoped_checked += 1
                    # 403 only when the view refuses the role its own record too (a permission it checks inside)
                    if status != 404 and not (status == 403 and own_status == 403):
                        problems.append(f"{name} GET {url} (another dealer's record): {status}, expected 404")
                elif allowed and whose == "own" and status in (401, 404):
                    problems.append(f"{name} GET {url} (its own record): {status}")
    assert not problems, "\n".join(problems)
    assert checked > 500 and scoped_checked >= 5, (checked, scoped_checked)


def test_every_mutating_route_refuses_roles_lacking_its_permission(matrix):
    app, users, clients, _demo = matrix
    problems, checked = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in PUBLIC:
            continue
        perms = _declared_permissions(app, rule.endpoint)
        if perms is None:
            continue
        is_api = rule.rule.startswith("/api/")
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            for name, user in users.items():
                if all(user.can(p) for p in perms):
                    continue
                status = _call(clients, name, method, _url(rule), is_api).status_code
                checked += 1
                if status not in (403, 404):
                    problems.append(f"{name} {method} {_url(rule)}: {status}, expected 403/404 (lacks {perms})")
    assert not problems, "\n".join(problems)
    assert checked > 100, checked
