"""Fixtures for the logistics plugin tests: an app with only ``logistics`` enabled (no RMA)."""
from datetime import date

import pytest

from core.testing import make_category, make_dealer, make_product, make_region, make_user


@pytest.fixture
def enabled_plugins():
    return ['logistics']



class Clock:
    """Fixes the plugin's idea of today (deadlines are counted in local dates)."""

    def __init__(self, monkeypatch):
        self.value = date(2026, 11, 23)
        monkeypatch.setattr("plugins.logistics.services.today", lambda: self.value)

    def set(self, value: date):
        self.value = value


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def world(app):
    """Two dealers in two regions, an agent with a distributor, staff, two products."""
    east, south = make_region("EAST"), make_region("SOUTH")
    d1 = make_dealer("D1", region=east)
    d2 = make_dealer("D2", region=south)
    agent = make_dealer("A1", kind="agent", region=east)
    dist = make_dealer("S1", kind="distributor", parent=agent, region=east)
    cat = make_category("LIGHTING")
    make_product("PNL-600", category=cat, unit_price="268.00")
    make_product("DL-10W", category=cat, unit_price="89.00")
    users = {
        "dealer1": make_user("dealer1", roles=["dealer"], dealer=d1),
        "dealer2": make_user("dealer2", roles=["dealer"], dealer=d2),
        "agent": make_user("agentuser", roles=["dealer"], dealer=agent),
        "dist": make_user("distuser", roles=["dealer"], dealer=dist),
        "order": make_user("order", roles=["order_dept"]),
        "admin": make_user("admin", roles=["admin"]),
        "tech": make_user("tech", roles=["technical"]),
    }
    return {"dealers": {"D1": d1, "D2": d2, "A1": agent, "S1": dist}, "users": users}
