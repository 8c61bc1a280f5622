"""Fixtures for the certification plugin tests: certification (and audit, its dependency) enabled."""
from datetime import date

import pytest

from core.testing import make_user


@pytest.fixture
def enabled_plugins():
    return ["certification"]


class Clock:
    """Fixes the plugin's idea of today."""

    def __init__(self, monkeypatch):
        self.value = date(2026, 11, 23)
        for target in ("plugins.certification.services.today", "plugins.certification.pack.today",
                       "plugins.certification.views.today"):
            monkeypatch.setattr(target, lambda: self.value)

    def set(self, value: date):
        self.value = value


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def users(app):
    return {
        "auditor": make_user("auditor", roles=["auditor"]),
        "admin": make_user("admin", roles=["admin"]),
        "service": make_user("service", roles=["customer_service"]),
        "dealer": None,
    }
