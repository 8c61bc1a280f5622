"""Fixtures for the service plugin tests: an app with only ``service`` enabled."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.testing import make_category, make_dealer, make_product, make_region, make_user

CHINA = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def enabled_plugins():
    return ["service"]


class Clock:
    """Fixes the plugin's idea of now (Beijing time)."""

    def __init__(self, monkeypatch):
        self.value = datetime(2026, 11, 20, 17, 0, tzinfo=CHINA)
        monkeypatch.setattr("plugins.service.services.now", lambda: self.value)

    def set(self, value: datetime):
        self.value = value if value.tzinfo else value.replace(tzinfo=CHINA)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def world(app, clock):
    east, south = make_region("EAST"), make_region("SOUTH")
    d1 = make_dealer("D1", region=east)
    d2 = make_dealer("D2", region=south)
    lighting = make_category("LIGHTING", warranty_months=36)
    strips = make_category("STRIP", warranty_months=24)
    make_product("PNL-600", category=lighting)
    make_product("STRIP-1M", category=strips)
    users = {
        "service": make_user("cs", roles=["customer_service"]),
        "service2": make_user("cs2", roles=["customer_service"]),
        "tech1": make_user("technician1", roles=["technician"]),
        "tech2": make_user("technician2", roles=["technician"]),
        "technical": make_user("techdept", roles=["technical"]),
        "dealer1": make_user("dealer1", roles=["dealer"], dealer=d1),
        "dealer2": make_user("dealer2", roles=["dealer"], dealer=d2),
        "admin": make_user("admin", roles=["admin"]),
        "order": make_user("order", roles=["order_dept"]),
    }
    return {"dealers": {"D1": d1, "D2": d2}, "users": users, "today": date(2026, 11, 20)}
