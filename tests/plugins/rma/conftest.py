"""Fixtures for the RMA plugin: an app with rma enabled and a small world of users and dealers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from core.extensions import db
from core.testing import api_headers, make_category, make_dealer, make_product, make_region, make_user


@pytest.fixture
def enabled_plugins():
    return ['rma']



@dataclass
class World:
    east: object
    south: object
    dealer: object
    other: object
    agent: object
    dist: object
    lamp: object
    strip: object
    users: dict
    h: dict  # username -> API headers


@pytest.fixture
def world(app):
    rm = make_user("rm_east", roles=["regional_manager"])
    rm_south = make_user("rm_south", roles=["regional_manager"])
    east = make_region("EAST", managers=[rm])
    south = make_region("SOUTH", managers=[rm_south])
    dealer = make_dealer("D1", region=east, name="东方照明")
    other = make_dealer("D2", region=south)
    agent = make_dealer("A1", kind="agent", region=east, name="华东代理")
    dist = make_dealer("S1", kind="distributor", region=east, parent=agent)
    lighting = make_category("LIGHTING", warranty_months=36)
    strips = make_category("RIGID_STRIP", warranty_months=24)
    lamp = make_product("PNL-600", category=lighting, unit_price="268.00")
    strip = make_product("STRIP-1M", category=strips, unit_price="39.00")
    users = {
        "d1": make_user("d1", roles=["dealer"], dealer=dealer),
        "d2": make_user("d2", roles=["dealer"], dealer=other),
        "a1": make_user("a1", roles=["dealer"], dealer=agent),
        "s1": make_user("s1", roles=["dealer"], dealer=dist),
        "rm_east": rm, "rm_south": rm_south,
        "order": make_user("order", roles=["order_dept"]),
        "order2": make_user("order2", roles=["order_dept"]),
        "tech": make_user("tech", roles=["technical"]),
        "admin": make_user("admin", roles=["admin"]),
        "cs": make_user("cs", roles=["customer_service"]),
    }
    h = {name: api_headers(u) for name, u in users.items()}
    return World(east, south, dealer, other, agent, dist, lamp, strip, users, h)


def recent(days=30) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


def line(**kw) -> dict:
    data = {"sku": "PNL-600", "quantity": 2, "issue": "quality_defect", "production_date": recent(200),
            "serial": "SN-1"}
    data.update(kw)
    return data
