import pytest


@pytest.fixture
def enabled_plugins():
    return ['spares']


@pytest.fixture
def world(app):
    """Two regions, dealers of every kind and class, spare parts and staff."""
    from core.testing import make_category, make_dealer, make_product, make_region, make_user

    east, south = make_region("EAST"), make_region("SOUTH")
    elec = make_category("ELECTRONIC", 36, 36)
    strip = make_category("RIGID_STRIP", 24, 24)
    w = type("World", (), {})()
    w.east, w.south, w.elec, w.strip = east, south, elec, strip
    w.drv = make_product("DRV", category=elec, unit_price="45.00", is_spare_part=True)
    w.cob = make_product("COB", category=elec, unit_price="22.50", is_spare_part=True)
    w.lamp = make_product("LAMP", category=elec, unit_price="268.00", parts=[(w.drv, 1), (w.cob, 2)])
    w.d1 = make_dealer("D1", region=east, abc_class="A")
    w.d2 = make_dealer("D2", region=south, abc_class="B")
    w.agent = make_dealer("A1", kind="agent", region=east, abc_class="C")
    w.admin = make_user("admin", roles=["admin"])
    w.service = make_user("service", roles=["customer_service"])
    w.order = make_user("order", roles=["order_dept"])
    w.u1 = make_user("u1", roles=["dealer"], dealer=w.d1)
    w.u2 = make_user("u2", roles=["dealer"], dealer=w.d2)
    return w
