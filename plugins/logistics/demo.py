"""Demo transport exception records for the core demo dealers and products (idempotent)."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, select

from core.toolkit import calendar, db


def _received(days_back: int):
    from plugins.logistics.services import today

    return today() - timedelta(days=days_back)


SIGNED_PDF = b"%PDF-1.4\n% demo: transport exception record signed by the carrier\n%%EOF\n"


def _v(record) -> int:
    db.session.flush()
    return record.version


def load(ctx) -> None:
    from plugins.logistics import services
    from plugins.logistics.models import LogisticsException

    if db.session.scalar(select(func.count(LogisticsException.id))):
        return
    dealer1, dealer2, order = ctx.users.get("dealer1"), ctx.users.get("dealer2"), ctx.users.get("order")
    if dealer1 is None or dealer2 is None or order is None or "PNL-600" not in ctx.products:
        return
    today = services.today()

    def make(actor, days_back, kind, party, lines, carrier="德邦物流", signer=None, unopened=False, note=""):
        received = _received(days_back)
        sig = None
        if signer:
            sig = {"signer": signer, "signed_at": datetime.combine(received, time(10, 30), tzinfo=timezone.utc)}
        return services.create_exception({
            "delivery_note": f"DN-{received:%Y%m%d}-{abs(hash((kind, days_back))) % 1000:03d}", "carrier": carrier,
            "waybill": f"WB{received:%m%d}{days_back:04d}", "shipped_on": received - timedelta(days=2),
            "received_on": received, "kind": kind, "responsible_party": party, "unopened": unopened,
            "description": note, "lines": lines, "carrier_signature": sig}, actor)

    # 1. a fresh draft, still within the filing deadline
    make(dealer1, 0, "lost", "unknown", [{"sku": "DL-10W", "expected_quantity": 20, "actual_quantity": 0,
                                          "description": "整箱未到"}], carrier="中通快运")
    # 2. a short delivery filed in time, waiting in the order department's queue
    r = make(dealer1, 1, "short", "unknown", [{"sku": "PNL-600", "expected_quantity": 10, "actual_quantity": 8,
                                               "description": "少 2 件"}])
    services.file_exception(r, dealer1, _v(r), on=max(r.received_on, today))
    # 3. damaged in transport, signed by the carrier, accepted and credited
    r = make(dealer2, 20, "damaged", "carrier", [{"sku": "PNL-600", "expected_quantity": 12, "actual_quantity": 12,
                                                  "damaged_quantity": 2,
                                                  "description": "2 件边框变形，灯板碎裂"}],
             carrier="顺丰速运", signer="顺丰司机 刘强")
    services.add_attachment(r, "签收单.pdf", SIGNED_PDF, "signed_document", dealer2)
    services.file_exception(r, dealer2, _v(r), on=r.received_on + timedelta(days=1))
    services.accept_exception(r, order, _v(r))
    # 4. mass breakage: claimed from the carrier, claim still open
    r = make(dealer2, 40, "mass_breakage", "carrier", [{"sku": "STRIP-1M", "expected_quantity": 200,
                                                         "actual_quantity": 200, "description": "整批硬灯条断裂"}],
             signer="德邦物流 站点主管 钱峰")
    services.file_exception(r, dealer2, _v(r), on=r.received_on + timedelta(days=1))
    services.accept_exception(r, order, _v(r))
    services.resolve_exception(r, order, _v(r), "carrier_claim", Decimal("7800.00"), "客户向托运公司理赔")
    # 5. a late filing with no responsible party: refused by the deadline rule, awaiting a decision
    r = make(dealer1, 15, "short", "unknown", [{"sku": "FR-600", "expected_quantity": 50, "actual_quantity": 45,
                                                "description": "少 5 件"}], carrier="中通快运")
    try:
        services.file_exception(r, dealer1, _v(r), on=calendar.add_working_days(r.received_on, 5))
    except services.LateFiling:
        pass
    # 6. the company's own mistake, unopened, reported the next day: exchanged unconditionally
    r = make(dealer1, 10, "wrong_goods", "company", [{"sku": "DL-10W", "expected_quantity": 30, "actual_quantity": 0,
                                                      "description": "发成 STRIP-1M"}], unopened=True,
             note="订单部录单错误，包装未拆")
    services.file_exception(r, dealer1, _v(r), on=r.received_on + timedelta(days=1))
    services.accept_exception(r, order, _v(r))
    services.resolve_exception(r, order, _v(r), "exchange", comment="无条件调换")
    db.session.flush()
