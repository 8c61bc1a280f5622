"""Demo service requests and a co-signed visit (idempotent). Adds the technician ``technician1``."""
from __future__ import annotations

import base64
from datetime import timedelta

from sqlalchemy import func, select

from core.toolkit import Role, User, db, plugin_hook
from plugins.service.models import ServiceRequest

DEMO_PASSWORD = "demo12345"
# a 2x1 transparent PNG standing in for a drawn signature
SIGNATURE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR4nGNgYGD4z8DAwMAAAA0AAQNq5o8AAAAASUVORK5CYII=")


def _technician(ctx) -> User:
    user = db.session.scalar(select(User).where(User.username == "technician1"))
    if user is None:
        user = User(username="technician1", display_name="维修技师 陈刚", language="zh_CN")
        user.set_password(DEMO_PASSWORD)
        role = db.session.get(Role, "technician")
        if role is not None:
            user.roles.append(role)
        db.session.add(user)
        db.session.flush()
    ctx.users["technician1"] = user
    ctx.logins.append(("technician1", DEMO_PASSWORD, "technician"))
    return user


def _v(record) -> int:
    db.session.flush()
    return record.version


def load(ctx) -> None:
    from plugins.service import services

    tech = _technician(ctx)
    staff, dealer1 = ctx.users.get("service"), ctx.users.get("dealer1")
    if staff is None or db.session.scalar(select(func.count(ServiceRequest.id))):
        return
    now = services.now()
    sku = "PNL-600" if "PNL-600" in ctx.products else ""

    def make(actor, hours_back, channel, name, phone, problem, **extra):
        data = {"channel": channel, "received_at": now - timedelta(hours=hours_back), "customer_name": name,
                "customer_phone": phone, "customer_address": extra.pop("address", "湖南省株洲市天元区黄河南路 88 号"),
                "problem": problem, "sku": sku, **extra}
        return services.create_request(data, actor)

    # 1. fresh hotline call, reply due in ~22 hours
    make(staff, 2, "hotline", "刘女士", "13800138001", "面板灯通电后闪烁", production_date=(now - timedelta(days=200)).date())
    # 2. online request whose reply is overdue
    make(staff, 30, "online", "张先生", "0731-22881234", "筒灯不亮，驱动电源有焦味",
         purchase_date=(now - timedelta(days=400)).date())
    # 3. filed by a dealer for its customer, answered by phone and resolved
    if dealer1 is not None:
        r = make(dealer1, 50, "dealer", "王先生", "13907330022", "开关后延迟 3 秒才亮",
                 purchase_date=(now - timedelta(days=90)).date())
        services.reply(r, staff, _v(r), "已电话指导：更换墙壁开关后正常。", False)
        services.resolve(r, staff, _v(r))
    # 4. scheduled on-site visit for the technician
    r = make(staff, 20, "hotline", "李经理", "13607331234", "会议室 12 盏面板灯整排不亮",
             purchase_date=(now - timedelta(days=300)).date())
    services.assign(r, staff, _v(r), "service")
    services.reply(r, staff, _v(r), "需上门检查线路与驱动。", True)
    services.schedule(r, staff, _v(r), tech.username, now + timedelta(hours=20), now + timedelta(hours=22))
    # 5. a completed, co-signed visit (closed); its parts as typed: with a link plugin issuing parts
    # from stock (service_spares, whose demo shows that) a past visit lists none
    parts = [] if plugin_hook().service_visit_recorded.get_hookimpls() else [{"sku": "DRV-20W", "qty": 1}]
    r = make(staff, 72, "in_store", "陈女士", "13574120000", "灯条局部不亮",
             purchase_date=(now - timedelta(days=100)).date())
    services.reply(r, staff, _v(r), "安排技师上门。", True)
    services.schedule(r, staff, _v(r), tech.username, now - timedelta(hours=30), now - timedelta(hours=28))
    services.start_visit(r, tech, _v(r))
    visit = services.create_visit(r, {"arrived_at": now - timedelta(hours=29), "tools": ["万用表", "梯子"],
                                      "problem_confirmed": True, "actual_fault": "驱动电源输出端虚焊",
                                      "work_done": "更换驱动电源，测试 30 分钟正常",
                                      "parts_used": parts, "result": "solved"}, tech)
    services.add_signature(visit, SIGNATURE_PNG, "陈女士", "drawn", tech)
    services.complete_visit(visit, tech, _v(visit))
    services.resolve(r, tech, _v(r))
    services.close(r, staff, _v(r))
    db.session.flush()
