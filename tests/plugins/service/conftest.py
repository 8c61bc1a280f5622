"""Fixtures for the service plugin tests: an app with only ``service`` enabled."""
import pytest

from helpers_service import CHINA, Clock, make_world  # noqa: F401  (CHINA for the tests)


@pytest.fixture
def enabled_plugins():
    return ["service"]


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def world(app, clock):
    return make_world()
