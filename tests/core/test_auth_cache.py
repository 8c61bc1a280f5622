"""Bearer-token authentication: one statement per request once cached, and every change to a
user, role, permission or token takes effect on the next request (core.users.authcache)."""
from sqlalchemy import text

from core.extensions import db
from core.testing import api_headers, auth_statements, count_queries, make_user
from core.users import services
from core.users.models import Role


def _me(client, headers):
    return client.get("/api/v1/me", headers=headers)


def test_cached_token_costs_one_statement(app, client):
    user = make_user("cachey", roles=("order_dept",))
    headers = api_headers(user)
    first = _me(client, headers)
    assert first.status_code == 200
    with count_queries(app) as q:
        again = _me(client, headers)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    # /me reads nothing else: the only statement is the auth-version check
    statements = [s for s in q.statements if not s.startswith("BEGIN")]  # SQLite's explicit BEGIN
    assert len(statements) == 1 and "core_sequence" in statements[0], q.statements


def test_changes_invalidate_the_cache(app, client):
    user = make_user("changing", roles=("order_dept",))
    headers = api_headers(user)
    assert "core.users.manage" not in _me(client, headers).get_json()["permissions"]
    role = db.session.get(Role, "order_dept")
    services.set_role_permissions(role, sorted(services.role_permission_ids(role) | {"core.users.manage"}))
    db.session.commit()
    assert "core.users.manage" in _me(client, headers).get_json()["permissions"]

    services.update_user(db.session.merge(user), {"display_name": "Renamed"})
    db.session.commit()
    assert _me(client, headers).get_json()["display_name"] == "Renamed"

    services.update_user(db.session.merge(user), {"active": False})
    db.session.commit()
    assert _me(client, headers).status_code == 401


def test_revoked_token_stops_at_once(app, client):
    user = make_user("revoker", roles=("order_dept",))
    headers = api_headers(user)
    assert _me(client, headers).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert _me(client, headers).status_code == 401


def test_the_version_decides_not_the_process(app, client):
    """A change made elsewhere (another host) is seen as soon as it raises the version; the cache
    really serves the entry while the version stands still."""
    user = make_user("elsewhere", roles=("order_dept",))
    headers = api_headers(user)
    assert _me(client, headers).get_json()["display_name"] == "elsewhere"
    db.session.execute(text("UPDATE core_user SET display_name = 'Other host' WHERE id = :id"), {"id": user.id})
    db.session.commit()  # a raw statement outside the ORM: the version is not raised
    assert _me(client, headers).get_json()["display_name"] == "elsewhere"
    db.session.execute(text("UPDATE core_sequence SET value = value + 1 WHERE name = 'core.auth' AND year = 0"))
    db.session.commit()
    assert _me(client, headers).get_json()["display_name"] == "Other host"


def test_issuing_a_token_keeps_the_cache(app, client):
    """A new token (an API login) is in no cache entry: the other tokens stay cached."""
    user = make_user("keeper", roles=("order_dept",))
    headers = api_headers(user)
    assert _me(client, headers).status_code == 200
    other = api_headers(make_user("newcomer", roles=("order_dept",)))
    with count_queries(app) as q:
        assert _me(client, headers).status_code == 200
    statements = [s for s in q.statements if not s.startswith("BEGIN")]
    assert len(statements) == 1, q.statements
    assert _me(client, other).get_json()["username"] == "newcomer"


def test_logins_and_logouts_keep_every_cache(app, client):
    """A login (right or wrong password) or a logout writes only login bookkeeping: the auth
    version stays, so other users' cached tokens cost no reload (it used to move on every login);
    a lockout still moves it and the locked user's token stops at once."""
    from datetime import timedelta

    import pytest

    from core.testing import TEST_PASSWORD
    from core.users import authcache
    from core.users.models import User

    other = make_user("bystander", roles=("order_dept",))
    other_headers = api_headers(other)
    busy = make_user("busy", roles=("order_dept",))
    busy_headers = api_headers(busy)
    assert _me(client, other_headers).status_code == 200 and _me(client, busy_headers).status_code == 200
    version = authcache.current_version()

    services.authenticate("busy", TEST_PASSWORD)
    db.session.commit()
    with pytest.raises(services.AuthError):
        services.authenticate("busy", "wrong password")
    db.session.commit()
    services.end_sessions(db.session.get(User, busy.id))
    db.session.commit()
    assert authcache.current_version() == version
    with count_queries(app) as q:
        assert _me(client, other_headers).status_code == 200
    assert len([s for s in q.statements if not s.startswith("BEGIN")]) == 1, q.statements
    # the bookkeeping a request reads is the database's, not the cached copy's
    with app.test_request_context(headers=busy_headers):
        me = services.user_for_token(busy_headers["Authorization"].split()[1])
        assert me.failed_logins == 1 and me.session_generation == 1

    services.lock_account(db.session.get(User, busy.id), timedelta(minutes=5))
    db.session.commit()
    assert authcache.current_version() > version
    assert _me(client, busy_headers).status_code == 401
    assert _me(client, other_headers).status_code == 200


# --- browser sessions (core.users.authcache.session_user) ------------------------------------

def test_a_session_page_runs_one_auth_statement(app, client):
    """A cookie session costs one statement (the auth version and the user's session generation
    together): before, four (the user with its dealer, its roles, the version, its permissions)."""
    from core.testing import session_login

    user = make_user("browser", roles=("order_dept",))
    session_login(client, user)
    assert client.get("/notifications").status_code == 200  # the cache is warm, as on a running server
    with count_queries(app) as q:
        page = client.get("/notifications")
    assert page.status_code == 200 and "browser" in page.get_data(as_text=True)
    auth = auth_statements(q.statements)
    assert len(auth) == 1 and "core_sequence" in auth[0] and "session_generation" in auth[0], q.statements


def test_a_logout_elsewhere_ends_the_session_at_once(app, client):
    """The session generation is read from the row on every request: a logout on another host
    (which raises no auth version) ends a copied session on the next request."""
    from core.testing import session_login

    user = make_user("twohosts", roles=("order_dept",))
    session_login(client, user)
    assert client.get("/notifications").status_code == 200
    db.session.execute(text("UPDATE core_user SET session_generation = session_generation + 1 WHERE id = :id"),
                       {"id": user.id})
    db.session.commit()  # raw SQL, as another host's logout: no version raised
    assert client.get("/notifications").status_code == 302


def test_a_session_sees_permission_changes_on_the_next_request(app, client):
    from core.testing import session_login

    user = make_user("granted", roles=("order_dept",))
    session_login(client, user)
    assert client.get("/admin/users/").status_code == 403
    role = db.session.get(Role, "order_dept")
    services.set_role_permissions(role, sorted(services.role_permission_ids(role) | {"core.users.manage"}))
    db.session.commit()
    assert client.get("/admin/users/").status_code == 200


def test_each_request_gets_its_own_attached_copy(app):
    """The cached user reaches each request as a copy of its own, persistent and clean in the
    request's session with copies of its roles (built without ``session.merge``: the session
    finds them by identity), its login bookkeeping read from the row; a change a request makes to
    its copy never reaches the cache. A session that already holds the user or a role gets them
    reconciled with those, as merge did."""
    from sqlalchemy import inspect

    from core.users.models import User

    user = make_user("copied", roles=("technical", "order_dept"))
    token, user_id = api_headers(user)["Authorization"].split()[1], user.id
    db.session.remove()
    services.user_for_token(token)  # fills the cache
    db.session.execute(text("UPDATE core_user SET failed_logins = 3 WHERE id = :id"), {"id": user_id})
    db.session.commit()  # raw bookkeeping, as a failed login elsewhere: no version raised
    db.session.remove()

    me = services.user_for_token(token)
    state = inspect(me)
    assert state.persistent and not state.modified and not db.session.dirty and not db.session.new
    assert db.session.get(User, me.id) is me
    assert [r.id for r in me.roles] == ["order_dept", "technical"]
    assert all(inspect(r).persistent and db.session.get(Role, r.id) is r for r in me.roles)
    assert not any(inspect(me).attrs[key].history.has_changes() for key in ("display_name", "roles"))
    assert me.failed_logins == 3 and me.can("rma.view") == ("rma.view" in me.permissions)
    me.display_name = "Changed in one request"
    role = me.roles[0]
    role.name = "Renamed in one request"
    db.session.rollback()
    db.session.remove()

    again = services.user_for_token(token)
    assert again is not me and again.display_name == "copied"
    assert again.roles[0] is not role and again.roles[0].name != "Renamed in one request"
    db.session.remove()

    loaded = db.session.get(User, user_id)  # the session holds the user: that one is the request's
    assert services.user_for_token(token) is loaded
    db.session.remove()
    role = db.session.get(Role, "order_dept")  # ... or one of its roles
    assert services.user_for_token(token).roles[0] is role
