"""Per-request work done once per process (issue 8): the session cookie's signing serializer and
the security headers' list, with what the client sees unchanged."""
from core.testing import make_user, session_login


def test_security_headers_once_and_a_views_own_kept(app, client):
    app.add_url_rule("/own-policy", "own_policy",
                     lambda: ("x", 200, {"Content-Security-Policy": "default-src 'none'", "X-Frame-Options": "DENY"}))
    r = client.get("/own-policy")
    assert r.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert r.headers.getlist("X-Frame-Options") == ["DENY"]
    assert r.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert r.headers.getlist("Referrer-Policy") == ["same-origin"]
    assert r.headers.getlist("Permissions-Policy") == ["camera=(), microphone=(), geolocation=()"]


def test_session_serializer_built_once_and_follows_the_key(app, client):
    session_login(client, make_user("signed", roles=("order_dept",)))
    assert client.get("/notifications").status_code == 200
    interface = app.session_interface
    assert interface.get_signing_serializer(app) is interface.get_signing_serializer(app)
    app.secret_key = "rotated"
    assert client.get("/notifications").status_code == 302  # a cookie signed with the old key is refused
    app.config["SECRET_KEY_FALLBACKS"] = ["test-secret"]
    assert client.get("/notifications").status_code == 200  # ... unless the old key is a fallback


def _shape(response) -> list:
    """A response's headers in order, a cookie by its name and attributes (its signed value carries
    a timestamp)."""
    return [(key, value.split("=", 1)[0] + ";" + value.split(";", 1)[-1] if key == "Set-Cookie" else value)
            for key, value in response.headers]


def test_session_shortcuts_answer_as_flask_does(app):
    """A request without a cookie opens an empty session and an empty untouched session sets no
    cookie without Flask's full work (core.web.SessionInterface): every header is the same as with
    Flask's own interface, for a Bearer call, a cookie session's page, a login and a logout."""
    from flask.sessions import SecureCookieSessionInterface

    from core.testing import api_headers, login_as

    user = make_user("shaped", roles=("order_dept",))
    headers = api_headers(user)
    ours = app.session_interface
    seen = {}
    for name, interface in (("ours", ours), ("flask", SecureCookieSessionInterface())):
        app.session_interface = interface
        client = app.test_client()
        calls = [client.get("/api/v1/me", headers=headers), client.get("/api/v1/nowhere", headers=headers),
                 client.get("/api/v1/me"), login_as(client, "shaped"), client.get("/notifications"),
                 client.get("/api/v1/me"), client.post("/logout"), client.get("/notifications")]
        # a page's body (its CSRF token) and so its length differ from one session to another
        seen[name] = [(r.status_code, [h for h in _shape(r) if h[0] != "Content-Length" or r.is_json],
                       r.get_data() if r.is_json else b"") for r in calls]
    app.session_interface = ours
    assert seen["ours"] == seen["flask"]
    assert "Set-Cookie" not in dict(seen["ours"][0][1]) and ("Vary", "Cookie") in seen["ours"][0][1]
    assert "Set-Cookie" in dict(seen["ours"][3][1])  # the login sets the cookie, the logout clears it
    assert "Set-Cookie" in dict(seen["ours"][6][1])


def test_plain_functions_run_as_they_are_and_coroutines_still_go_to_flask(app, monkeypatch):
    """``App.ensure_sync`` returns plain functions and methods without ``inspect``; everything
    else still goes through Flask (an ``async def`` is wrapped to run synchronously)."""
    import functools

    from flask import Flask

    def view():
        return "x"

    class Hooks:
        def after(self, response):
            return response

    async def coroutine():
        return "x"

    def marked():
        return "x"

    marked._is_coroutine_marker = object()  # what inspect.markcoroutinefunction sets (3.12)
    monkeypatch.setattr(app, "async_to_sync", lambda func: ("wrapped", func))
    bound, partial = Hooks().after, functools.partial(view)
    assert app.ensure_sync(view) is view and app.ensure_sync(bound) is bound
    assert app.ensure_sync(partial) is partial
    assert app.ensure_sync(coroutine) == ("wrapped", coroutine)
    assert app.ensure_sync(marked) is Flask.ensure_sync(app, marked)  # Flask decides (by the Python version)
