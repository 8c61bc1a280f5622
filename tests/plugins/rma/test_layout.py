"""The layout every page shares (web/base.html), at a fixed cost (issue 8: a list page within 2 ms of
its API twin). The navigation menu is rendered once per menu, language, page and script root
(``core.web.nav_menu``), the base template's fixed strings and addresses once per language
(``core.web.layout``), templates' ``_()`` take the request's translations directly
(``core.web.i18n.request_translations``), and the bell's count and the saved filters are read by
Core statements built once. The menu itself is still worked out per request from the user's
permissions, so a role or permission change shows at the next request."""
import re

from flask import template_rendered

from core.extensions import db
from core.testing import session_login, warm_get_calls
from core.users.models import Role

from .test_queries import seed

# cProfile's function calls of the empty returns list page (the order department, no closed
# returns) with the session warm, about 10 % above what was measured. SQLite / PostgreSQL:
# 6,899 / 7,379; before the layout's fixed parts were kept, 12,102 / 12,605 (the API's empty
# page, ``GET /api/v1/rmas?per_page=1&state=closed``: 2,904 on SQLite).
EMPTY_LIST_PAGE_CALLS = 8_100


def _menu(html: str) -> str:
    found = re.search(r'<ul class="navbar-nav me-auto">.*?\n      </ul>', html, re.S)
    assert found, "no menu"
    return found.group(0)


def test_empty_list_page_stays_within_its_function_call_budget(app, client, world):
    seed(world, 5)
    session_login(client, world.users["order"])
    r, calls = warm_get_calls(client, "/rma/?state=closed")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Returns" in _menu(html) and 'href="/rma/1"' not in html
    assert calls <= EMPTY_LIST_PAGE_CALLS, calls


def test_a_role_or_permission_change_shows_in_the_menu_at_the_next_request(app, client, world):
    from core.users.models import role_permissions

    user = world.users["order"]
    session_login(client, user)
    menu = _menu(client.get("/rma/?state=closed").get_data(as_text=True))
    assert 'href="/rma/new"' not in menu and "Administration" not in menu and "Returns" in menu
    client.get("/rma/?state=closed")  # the menu kept

    db.session.execute(role_permissions.insert().values(role_id="order_dept", permission_id="rma.file"))
    db.session.commit()
    assert 'href="/rma/new"' in _menu(client.get("/rma/?state=closed").get_data(as_text=True))

    user = db.session.get(type(user), user.id)
    user.roles.append(db.session.get(Role, "admin"))
    db.session.commit()
    menu = _menu(client.get("/rma/?state=closed").get_data(as_text=True))
    assert "Administration" in menu and 'href="/rma/new"' in menu

    db.session.execute(role_permissions.delete().where(role_permissions.c.role_id == "order_dept",
                                                       role_permissions.c.permission_id == "rma.file"))
    user.roles = [r for r in user.roles if r.id != "admin"]
    db.session.commit()
    menu = _menu(client.get("/rma/?state=closed").get_data(as_text=True))
    assert 'href="/rma/new"' not in menu and "Administration" not in menu


def test_the_menu_is_rendered_once_per_language_and_page(app, client, world):
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    user = world.users["order"]
    session_login(client, user)
    template_rendered.connect(record, app)
    try:
        pages = {}
        for path in ("/rma/?state=closed", "/rma/queue/approve", "/rma/?state=closed", "/rma/queue/approve"):
            pages.setdefault(path, []).append(_menu(client.get(path).get_data(as_text=True)))
        assert rendered.count("web/_nav_menu.html") == 2
        # the same on every request of a page; the page's own entry is the active one
        assert all(len(set(menus)) == 1 for menus in pages.values())
        assert 'class="dropdown-item active" href="/rma/queue/approve"' in pages["/rma/queue/approve"][0]
        assert 'class="dropdown-item active" href="/rma/queue/approve"' not in pages["/rma/?state=closed"][0]

        user = db.session.get(type(user), user.id)
        user.language = "zh_CN"
        db.session.commit()
        menu = _menu(client.get("/rma/?state=closed").get_data(as_text=True))
        assert rendered.count("web/_nav_menu.html") == 3
        assert "退货" in menu and "Returns" not in menu
    finally:
        template_rendered.disconnect(record, app)
