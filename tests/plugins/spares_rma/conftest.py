from datetime import datetime, timedelta, timezone  # noqa: F401

import pytest


@pytest.fixture
def enabled_plugins():
    return ['spares', 'rma']


@pytest.fixture
def world(app):
    from core.extensions import db
    from core.testing import make_category, make_dealer, make_product, make_region, make_user
    from plugins.spares import services

    east = make_region("EAST")
    elec = make_category("ELECTRONIC", 36, 36)
    w = type("World", (), {})()
    w.drv = make_product("DRV", category=elec, unit_price="45.00", is_spare_part=True)
    w.cob = make_product("COB", category=elec, unit_price="22.50", is_spare_part=True)
    w.frame = make_product("FRAME", category=elec, unit_price="5.00", is_spare_part=True)
    w.lamp = make_product("LAMP", category=elec, unit_price="268.00", parts=[(w.drv, 1), (w.cob, 2)])
    w.d1 = make_dealer("D1", region=east)
    w.d2 = make_dealer("D2", region=east)
    w.admin = make_user("admin", roles=["admin"])
    w.order = make_user("order", roles=["order_dept"])
    w.service = make_user("service", roles=["customer_service"])
    w.u1 = make_user("u1", roles=["dealer"], dealer=w.d1)
    w.u2 = make_user("u2", roles=["dealer"], dealer=w.d2)
    services.create_obligation({"sku": "DRV", "quantity": 2}, actor=w.admin)
    db.session.commit()
    w.filed = datetime.now(timezone.utc) - timedelta(days=2)
    return w
