"""Demo data: obligations, stock reports, applications, head-office stock, a discontinued product."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.toolkit import db

DEMO_OBLIGATIONS = [
    # sku, quantity, scope key, scope value
    ("DRV-20W", 2, None, None),
    ("DRV-40W", 2, None, None),
    ("DRV-40W", 5, "dealer_kind", "agent"),
    ("FR-600", 3, "abc_class", "A"),
    ("LS-COB-10", 4, "region_code", "SOUTH"),
    ("DRV-20W", 6, "dealer_code", "D001"),
]
DEMO_STOCK = [("DRV-20W", 40), ("DRV-40W", 25), ("LS-COB-10", 60)]  # FR-600 deliberately at zero


def load(ctx):
    from core.toolkit import create_product, get_product_by_sku
    from plugins.spares import services
    from plugins.spares.models import Application, Movement, Obligation, StockReport
    from plugins.spares.schemas import ApplicationIn, MovementIn

    admin = ctx.users.get("service") or ctx.users.get("admin")
    if db.session.scalar(select(Obligation.id).limit(1)) is None:
        for sku, qty, key, value in DEMO_OBLIGATIONS:
            services.create_obligation({"sku": sku, "quantity": qty, **({key: value} if key else {})}, actor=admin)
    if db.session.scalar(select(Movement.id).limit(1)) is None:
        for sku, qty in DEMO_STOCK:
            part = get_product_by_sku(sku)
            services.move_stock(part, qty, "receipt", actor=admin, reason="演示入库")
        services.move_stock(get_product_by_sku("DRV-20W"), 3, "repaired_return", actor=admin, pool="repaired",
                            reason="维修合格件")
    today = date.today()
    if db.session.scalar(select(StockReport.id).limit(1)) is None:
        reports = {
            "D001": (today - timedelta(days=5), [("DRV-20W", 6), ("DRV-40W", 3), ("FR-600", 3)]),
            "A001": (today - timedelta(days=12), [("DRV-20W", 2), ("DRV-40W", 4)]),
            "D002": (today - timedelta(days=45), [("DRV-20W", 1), ("LS-COB-10", 4)]),
        }
        for code, (on, lines) in reports.items():
            user = next((u for u in ctx.users.values() if u.dealer_id == ctx.dealers[code].id), admin)
            services.create_stock_report(ctx.dealers[code], on, lines, actor=user)
    if db.session.scalar(select(Application.id).limit(1)) is None:
        dealer2 = ctx.users.get("dealer2")
        services.create_application(ApplicationIn(lines=[{"sku": "DRV-20W", "quantity": 2}, {"sku": "LS-COB-10", "quantity": 2}],
                                                  reason="终端客户筒灯驱动损坏，需补充周转库存"), dealer2)
        agent = ctx.users.get("agent1")
        app = services.create_application(ApplicationIn(lines=[{"sku": "DRV-40W", "quantity": 1}],
                                                        reason="平板灯驱动周转库存不足"), agent)
        services.act(app, "approve", admin)
        services.act(app, "ship", admin)
    if get_product_by_sku("DL-8W-OLD") is None:
        create_product({"sku": "DL-8W-OLD", "name": "LED 筒灯 8W（已停产）", "category_code": "LIGHTING",
                        "unit_price": Decimal("69.00"), "status": "discontinued",
                        "discontinued_on": today - timedelta(days=400),
                        "parts": [{"sku": "DRV-20W", "quantity": 1}, {"sku": "FR-600", "quantity": 1}]},
                       actor=admin)
    db.session.flush()
    from plugins.spares.summary import rebuild

    rebuild()  # also right for a demo database filled before the summary existed
