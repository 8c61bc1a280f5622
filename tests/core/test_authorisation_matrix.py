"""Every route of the all-plugins app is guarded: anonymous callers never reach a view.

Routes are read from the running app's URL map, so a plugin's new route is covered the day
it is added. Public endpoints are listed here on purpose.
"""
import re

from core.testing import api_headers, login_as, make_app, make_dealer, make_user

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
