"""Sessions and login (OWASP ASVS L2, chapters 2 and 3), as the issue's probe found them."""
import re
import time

import pytest
from sqlalchemy import select

from core.extensions import db
from core.testing import TEST_PASSWORD, api_headers, login_as, make_app, make_user
from core.users.models import User


def fresh_client(app, cookie):
    other = app.test_client()
    other.set_cookie("session", cookie.value)
    return other


def logged_in(client):
    return client.get("/").status_code == 200


def test_a_copied_session_cookie_stops_working_after_logout(app, client):
    make_user("alice")
    login_as(client, "alice")
    stolen = client.get_cookie("session")
    assert logged_in(fresh_client(app, stolen))
    client.post("/logout")
    assert not logged_in(fresh_client(app, stolen))  # before: 200 for 31 days


def test_password_change_ends_other_sessions_but_not_this_one(app, client):
    make_user("alice")
    login_as(client, "alice")
    other = app.test_client()
    login_as(other, "alice")
    r = client.post("/account/password", data={"current_password": TEST_PASSWORD,
                                               "new_password": "a-new-long-one-7", "confirm": "a-new-long-one-7"})
    assert r.status_code == 302
    assert logged_in(client)
    assert not logged_in(other)


def test_deactivation_and_lock_end_sessions(app, client):
    make_user("admin")
    bob = make_user("bob", roles=["order_dept"])
    login_as(client, "bob")
    assert logged_in(client)
    r = client.patch(f"/api/v1/users/{bob.id}", json={"active": False}, headers=api_headers(make_user("root")))
    assert r.status_code == 200
    assert not logged_in(client)

    make_user("carol", roles=["order_dept"])
    login_as(client, "carol")
    attacker = app.test_client()
    for _ in range(5):
        attacker.post("/login", data={"username": "carol", "password": "nope-nope"})
    assert not logged_in(client)  # locked: its sessions end too


def test_idle_timeout_and_absolute_lifetime(app, client, monkeypatch):
    make_user("alice")
    login_as(client, "alice")
    start = time.time()
    monkeypatch.setattr(time, "time", lambda: start + 7 * 3600)
    assert logged_in(client)  # used within 8 hours
    monkeypatch.setattr(time, "time", lambda: start + 7 * 3600 + 8 * 3600 + 60)
    assert not logged_in(client)  # idle for more than 8 hours

    login_as(client, "alice")
    start = time.time()
    for hour in range(1, 24):
        monkeypatch.setattr(time, "time", lambda hour=hour: start + hour * 3600)
        assert logged_in(client)
    monkeypatch.setattr(time, "time", lambda: start + 24 * 3600 + 60)
    assert not logged_in(client)  # active all day, but older than the absolute lifetime


def test_a_token_stops_working_while_its_account_is_locked(app, client):
    user = make_user("alice")
    h = api_headers(user)
    assert client.get("/api/v1/me", headers=h).status_code == 200
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"username": "alice", "password": "wrong-wrong"})
    assert client.get("/api/v1/me", headers=h).status_code == 401


def test_unknown_wrong_and_locked_answer_alike_and_all_hash(app, client, monkeypatch):
    import werkzeug.security

    make_user("alice")
    calls = []
    real = werkzeug.security.check_password_hash
    monkeypatch.setattr(werkzeug.security, "check_password_hash", lambda h, p: calls.append(1) or real(h, p))
    import core.users.models as models
    monkeypatch.setattr(models, "check_password_hash", werkzeug.security.check_password_hash)

    def attempt(username, password="wrong-wrong"):
        calls.clear()
        r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        return r.status_code, r.json, len(calls)

    unknown = attempt("nobody")
    wrong = attempt("alice")
    assert unknown == wrong and unknown[2] == 1  # before: the unknown user answered without hashing
    for _ in range(4):
        attempt("alice")
    locked = attempt("alice", TEST_PASSWORD)
    assert locked == wrong  # before: "account_locked" told the account exists
    page_unknown = client.post("/login", data={"username": "nobody", "password": "x-wrong-x"})
    page_locked = client.post("/login", data={"username": "alice", "password": "x-wrong-x"})
    assert page_unknown.status_code == page_locked.status_code == 401
    # the CSRF token carries a timestamp: two pages a second apart differ in it and nothing else may
    def same(page):
        return re.sub(rb'(name="csrf_token"[^>]*value="|name="csrf-token" content=")[^"]+', rb"\1", page)
    assert same(page_unknown.get_data().replace(b"nobody", b"alice")) == same(page_locked.get_data())


@pytest.mark.parametrize("password", ["aaaaaaaa", "12345678", "password", "Password1", "qwertyuiop",
                                      "iloveyou!", "password2026", "87654321", "alice-the-great"])
def test_common_and_username_passwords_are_refused(app, client, password):
    admin = make_user("admin")
    r = client.post("/api/v1/users", json={"username": "alice-the-great", "password": password, "roles": ["order_dept"]},
                    headers=api_headers(admin))
    assert r.status_code == 422, password  # before: 201
    assert "password" in r.json["error"]["fields"]


def test_the_common_password_list_is_shipped_and_large():
    from core.users.passwords import common_passwords

    common = common_passwords()
    assert len(common) >= 9_900 and {"123456", "password", "qwerty", "dragon"} <= common


def test_the_last_active_admin_keeps_its_role_and_activity(app, client):
    admin = make_user("admin")
    h = api_headers(admin)
    r = client.patch(f"/api/v1/users/{admin.id}", json={"roles": ["order_dept"]}, headers=h)
    assert r.status_code == 409 and r.json["error"]["code"] == "last_admin"  # before: 200
    r = client.patch(f"/api/v1/users/{admin.id}", json={"active": False}, headers=h)
    assert r.status_code == 409
    make_user("second")
    r = client.patch(f"/api/v1/users/{admin.id}", json={"roles": ["order_dept"]}, headers=h)
    assert r.status_code == 200


def test_login_and_token_are_throttled_per_address(app, client):
    make_user("alice")
    statuses = [client.post("/api/v1/auth/token", json={"username": "alice", "password": f"wrong-{i}"}).status_code
                for i in range(20)]
    assert set(statuses) == {401}
    r = client.post("/api/v1/auth/token", json={"username": "alice", "password": TEST_PASSWORD})
    assert r.status_code == 429 and r.headers["Retry-After"]  # before: 401, then 200 after the lock
    assert client.post("/login", data={"username": "alice", "password": "x"}).status_code == 429
    other = client.post("/api/v1/auth/token", json={"username": "alice", "password": TEST_PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 401  # another address is not throttled (alice is locked by now)
    from core.users.models import ThrottleCounter

    assert db.session.scalar(select(ThrottleCounter.hits).where(ThrottleCounter.key == "login:127.0.0.1")) == 22


def test_no_store_on_authenticated_pages_and_the_api(app, client):
    user = make_user("alice")
    assert client.get("/api/v1/me", headers=api_headers(user)).headers["Cache-Control"] == "no-store"
    login_as(client, "alice")
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/" + _a_static_file(app)).headers.get("Cache-Control", "")


def _a_static_file(app):
    import os

    for root, _dirs, files in os.walk(app.static_folder):
        for f in files:
            return os.path.relpath(os.path.join(root, f), app.static_folder)


def test_https_behind_the_proxy_gets_secure_cookies_and_hsts():
    app = make_app(plugins=[], PROXY_HOPS=1)
    with app.app_context():
        make_user("alice")
        client = app.test_client()
        plain = client.post("/login", data={"username": "alice", "password": TEST_PASSWORD})
        assert "Secure" not in plain.headers["Set-Cookie"] and "Strict-Transport-Security" not in plain.headers
        client = app.test_client()
        r = client.post("/login", data={"username": "alice", "password": TEST_PASSWORD},
                        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"})
        assert "; Secure" in r.headers["Set-Cookie"]
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
        db.session.remove()
        db.engine.dispose()


def test_gunicorn_announces_no_version():
    import gunicorn

    assert gunicorn.SERVER == "gunicorn"  # the Server header it sends (README, Production)
