"""Fixtures for the audit plugin tests: an app with only ``audit`` enabled (its dependency closure is core)."""
from datetime import date

import pytest

from core.extensions import db
from core.testing import make_dealer, make_region, make_user


@pytest.fixture
def enabled_plugins():
    return ["audit"]


class Clock:
    """Fixes the plugin's idea of today."""

    def __init__(self, monkeypatch):
        self.value = date(2026, 3, 2)
        monkeypatch.setattr("plugins.audit.services.today", lambda: self.value)

    def set(self, value: date):
        self.value = value


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def world(app, clock):
    from plugins.audit.seed_data import seed_templates

    east = make_region("EAST")
    d1, d2 = make_dealer("D1", region=east), make_dealer("D2", region=east)
    users = {
        "auditor": make_user("auditor", roles=["auditor"]),
        "auditor2": make_user("auditor2", roles=["auditor"]),
        "tech": make_user("tech", roles=["technical"]),
        "cs": make_user("cs", roles=["customer_service"]),
        "order": make_user("order", roles=["order_dept"]),
        "boss": make_user("boss", roles=["management"]),
        "admin": make_user("admin", roles=["admin"]),
        "dealer1": make_user("dealer1", roles=["dealer"], dealer=d1),
        "dealer2": make_user("dealer2", roles=["dealer"], dealer=d2),
    }
    seed_templates(db.session)
    db.session.commit()
    return {"users": users, "dealers": {"D1": d1, "D2": d2}}
