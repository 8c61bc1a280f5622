"""Demo: an on-site visit whose driver was issued from head-office stock (idempotent)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.toolkit import db
from plugins.service_spares.models import ServiceSparesIssue

PART = "DRV-20W"


def load(ctx) -> None:
    from plugins.service import public as services

    staff, tech = ctx.users.get("service"), ctx.users.get("technician1")
    if staff is None or tech is None or PART not in ctx.products or \
            db.session.scalar(select(ServiceSparesIssue.id).limit(1)) is not None:
        return
    now = services.now()
    r = services.create_request({"channel": "hotline", "received_at": now - timedelta(hours=26),
                                 "customer_name": "周先生", "customer_phone": "13973312345",
                                 "customer_address": "湖南省株洲市芦淞区建设中路 16 号",
                                 "problem": "LED 筒灯不亮，疑似驱动损坏"}, staff)

    def version(record):
        db.session.flush()
        return record.version

    services.reply(r, staff, version(r), "安排技师上门更换驱动。", True)
    services.schedule(r, staff, version(r), tech.username, now - timedelta(hours=5), now - timedelta(hours=3))
    services.start_visit(r, tech, version(r))
    services.create_visit(r, {"arrived_at": now - timedelta(hours=4), "tools": ["万用表", "梯子"],
                              "problem_confirmed": True, "actual_fault": "驱动电源损坏",
                              "work_done": "更换 20W 驱动电源，通电测试正常",
                              "parts_used": [{"sku": PART, "qty": 1}], "result": "solved"}, tech)
    db.session.flush()
