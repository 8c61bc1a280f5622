"""Error pages and words with several Chinese meanings read right in Chinese (issue 9, language)."""
from core.testing import login_as, make_user


def test_werkzeug_error_pages_in_the_users_language(app, client):
    make_user("clerk", roles=["order_dept"], language="zh_CN")
    login_as(client, "clerk")
    r = client.get("/no-such-page")
    assert r.status_code == 404 and "未找到" in r.get_data(as_text=True)
    assert "The requested URL was not found" not in r.get_data(as_text=True)
    r = client.get("/logout")  # POST only
    page = r.get_data(as_text=True)
    assert r.status_code == 405 and "The method is not allowed" not in page and "此地址不接受" in page


def test_login_failure_says_how_long_a_lockout_lasts(app, client):
    """One answer for unknown, wrong and locked (no enumeration, issue 10), which says how long a lock lasts."""
    from core import settings

    make_user("clerk", roles=["order_dept"], language="en")
    for _ in range(settings.get("core.login_max_failures")):
        r = client.post("/login", data={"username": "clerk", "password": "wrong"})
    page = r.get_data(as_text=True)
    assert r.status_code == 401 and "将被锁定 15 分钟" in page  # anonymous: the default language
    unknown = client.post("/login", data={"username": "nobody", "password": "wrong"}).get_data(as_text=True)
    assert "将被锁定 15 分钟" in unknown
