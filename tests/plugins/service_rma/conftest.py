"""service_rma tests: service + rma (the link plugin is auto-installed); the service tests' builders."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "service"))

from helpers_service import Clock, make_world  # noqa: E402


@pytest.fixture
def enabled_plugins():
    return ["service", "rma"]


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def world(app, clock):
    return make_world()
