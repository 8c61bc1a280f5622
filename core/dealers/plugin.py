"""Regions and dealers as an internal plugin of the core."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.declarations import MenuItem, Permission
from core.plugin_system import hookimpl
from core.users.plugin import ALL_STAFF, DEMO_PASSWORD


@hookimpl
def aftersales_permissions():
    return [
        Permission("core.dealers.view", _l("See dealers"), ALL_STAFF + ("dealer",)),
        Permission("core.dealers.manage", _l("Manage dealers"), ("admin",)),
        Permission("core.regions.view", _l("See regions"), ALL_STAFF),
        Permission("core.regions.manage", _l("Manage regions"), ("admin",)),
    ]


@hookimpl
def aftersales_blueprints():
    from core.dealers.views import bp

    return [bp]


@hookimpl
def aftersales_api_blueprints():
    from core.dealers.api import bp

    return [bp]


@hookimpl
def aftersales_menu_items():
    return [
        MenuItem("core.dealers", _l("Dealers"), "core_dealers.list_dealers", "core.dealers.view", section="master", order=10, icon="shop"),
        MenuItem("core.regions", _l("Regions"), "core_dealers.list_regions", "core.regions.view", section="master", order=11, icon="map"),
    ]


DEMO_REGIONS = [("EAST", "华东区", "rm_east", "华东区域负责人 陈刚"), ("SOUTH", "华南区", "rm_south", "华南区域负责人 林静")]
DEMO_DEALERS = [
    # code, name, kind, parent, region, abc, contact, phone, address, user
    ("D001", "上海明亮照明有限公司", "dealer", None, "EAST", "A", "张伟", "021-5555-0101", "上海市浦东新区张江路 88 号", "dealer1"),
    ("A001", "杭州光源代理有限公司", "agent", None, "EAST", "A", "刘洋", "0571-5555-0202", "杭州市西湖区文三路 18 号", "agent1"),
    ("S001", "宁波星光灯饰分销部", "distributor", "A001", "EAST", "B", "黄磊", "0574-5555-0303", "宁波市海曙区中山路 6 号", "distributor1"),
    ("D002", "广州南方灯具有限公司", "dealer", None, "SOUTH", "B", "何静", "020-5555-0404", "广州市天河区体育西路 9 号", "dealer2"),
]


@hookimpl
def aftersales_load_demo(ctx):
    from sqlalchemy import select

    from core.dealers import services
    from core.dealers.models import Dealer, Region
    from core.extensions import db
    from core.users import services as users
    from core.users.models import User

    for code, name, manager, manager_name in DEMO_REGIONS:
        user = db.session.scalar(select(User).where(User.username == manager))
        if user is None:
            user = users.create_user({"username": manager, "password": DEMO_PASSWORD, "display_name": manager_name,
                                      "roles": ["regional_manager"]})
        ctx.users[manager] = user
        ctx.logins.append((manager, DEMO_PASSWORD, "regional_manager"))
        if db.session.scalar(select(Region).where(Region.code == code)) is None:
            services.create_region({"code": code, "name": name, "manager_usernames": [manager]})
    for code, name, kind, parent, region, abc, contact, phone, address, username in DEMO_DEALERS:
        dealer = services.get_dealer_by_code(code)
        if dealer is None:
            dealer = services.create_dealer({"code": code, "name": name, "kind": kind, "parent_code": parent,
                                             "region_code": region, "abc_class": abc, "contact": contact,
                                             "phone": phone, "address": address})
        ctx.dealers[code] = dealer
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = users.create_user({"username": username, "password": DEMO_PASSWORD, "display_name": contact,
                                      "roles": ["dealer"], "dealer_code": code})
        ctx.users[username] = user
        ctx.logins.append((username, DEMO_PASSWORD, f"dealer ({kind} {code})"))
    db.session.flush()


def _dealers_widget():
    from flask import render_template, url_for
    from markupsafe import Markup
    from sqlalchemy import func, select

    from core.dealers.models import Dealer
    from core.dealers.views import STATUS_LABELS
    from core.extensions import db
    from core.security import scoped

    rows = db.session.execute(scoped(select(Dealer.status, func.count()), Dealer).group_by(Dealer.status)).all()
    counts = dict(rows)
    return Markup(render_template("web/widgets/counts.html", rows=[
        (STATUS_LABELS[s], counts.get(s, 0), url_for("core_dealers.list_dealers", status=s))
        for s in ("active", "warned", "suspended", "disqualified") if counts.get(s) or s == "active"]))


@hookimpl
def aftersales_dashboard_widgets():
    from core.declarations import Widget

    return [Widget("core.dealers", _l("Dealers by status"), _dealers_widget, "core.dealers.manage", order=900, width=4)]
