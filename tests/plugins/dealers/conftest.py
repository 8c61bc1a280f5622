"""Fixtures for the dealers plugin tests: the plugin alone unless a test module overrides ``enabled_plugins``."""
from datetime import date

import pytest

from core.testing import make_dealer, make_region, make_user


@pytest.fixture
def enabled_plugins():
    return ["dealers"]


class Clock:
    """Fixes the plugin's idea of today (the schedule counts business-zone dates)."""

    def __init__(self, monkeypatch):
        self.value = date(2026, 11, 2)
        monkeypatch.setattr("plugins.dealers.services.today", lambda: self.value)

    def set(self, value: date):
        self.value = value


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def world(app):
    """Two regions with a manager each, dealers (an agent with a distributor), head-office staff."""
    rm_east = make_user("rm_east", roles=["regional_manager"])
    rm_south = make_user("rm_south", roles=["regional_manager"])
    east, south = make_region("EAST", managers=[rm_east]), make_region("SOUTH", managers=[rm_south])
    d1 = make_dealer("D1", region=east, abc_class="A")
    d2 = make_dealer("D2", region=south, abc_class="B")
    agent = make_dealer("A1", kind="agent", region=east, abc_class="C")
    dist = make_dealer("S1", kind="distributor", parent=agent, region=east, abc_class="C")
    users = {
        "rm_east": rm_east, "rm_south": rm_south,
        "dealer1": make_user("dealer1", roles=["dealer", "dealers_manager"], dealer=d1),
        "clerk1": make_user("clerk1", roles=["dealer"], dealer=d1),
        "dealer2": make_user("dealer2", roles=["dealer"], dealer=d2),
        "agent": make_user("agentuser", roles=["dealer"], dealer=agent),
        "dist": make_user("distuser", roles=["dealer"], dealer=dist),
        "order": make_user("order", roles=["order_dept"]),
        "admin": make_user("admin", roles=["admin"]),
        "tech": make_user("tech", roles=["technical"]),
    }
    return {"dealers": {"D1": d1, "D2": d2, "A1": agent, "S1": dist}, "users": users,
            "regions": {"EAST": east, "SOUTH": south}}
