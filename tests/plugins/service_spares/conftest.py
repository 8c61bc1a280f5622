"""service_spares tests: service + spares (the link plugin is auto-installed); the service tests' builders."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "service"))

from helpers_service import Clock, make_world  # noqa: E402


@pytest.fixture
def enabled_plugins():
    return ["service", "spares"]


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def world(app, clock):
    """The service world plus two spare parts in head-office stock (DRV-1: 5, LED-5: 1) and a lamp."""
    from core.testing import make_category, make_product, make_user
    from core.toolkit import db
    from plugins.spares import services as spares

    w = make_world()
    elec = make_category("ELECTRONIC", warranty_months=36)
    drv = make_product("DRV-1", category=elec, is_spare_part=True, name="驱动电源")
    led = make_product("LED-5", category=elec, is_spare_part=True, name="灯珠板")
    admin = w["users"]["admin"]
    spares.move_stock(drv, 5, "receipt", actor=admin, reason="入库")
    spares.move_stock(led, 1, "receipt", actor=admin, reason="入库")
    w["users"]["stock"] = make_user("stock", roles=["order_dept"])
    db.session.commit()
    return w
