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
