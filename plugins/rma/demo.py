"""Demo data: returns in several states, one of them from a distributor (returned to its agent)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from core.toolkit import db


def _user(ctx, username, role, display):
    from core.toolkit import DEMO_PASSWORD, User, create_user

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = create_user({"username": username, "password": DEMO_PASSWORD, "display_name": display,
                                  "roles": [role]})
        if not any(login[0] == username for login in ctx.logins):
            ctx.logins.append((username, DEMO_PASSWORD, role))
    ctx.users[username] = user
    return user


def load(ctx):
    from plugins.rma import services
    from plugins.rma.models import Rma

    if db.session.scalar(select(Rma.id).limit(1)) is not None:
        return
    needed = ("D001", "S001", "D002")
    if not all(code in ctx.dealers for code in needed) or "PNL-600" not in ctx.products:
        return
    order = _user(ctx, "order", "order_dept", "订单部")
    tech = _user(ctx, "tech", "technical", "技术部")
    rm_east, rm_south = ctx.users.get("rm_east"), ctx.users.get("rm_south")
    dealer1, dist1, dealer2 = ctx.users.get("dealer1"), ctx.users.get("distributor1"), ctx.users.get("dealer2")
    agent1 = ctx.users.get("agent1")
    if not all((rm_east, rm_south, dealer1, dist1, dealer2, agent1)):
        return
    today = date.today()
    produced = (today - timedelta(days=300)).isoformat()

    def line(sku, qty, issue="quality_defect", serial="", **kw):
        return {"sku": sku, "quantity": qty, "issue": issue, "serial": serial, "production_date": produced,
                "description": kw.pop("description", "客户反馈不亮"), **kw}

    def step(rma, action, actor, **payload):
        services.apply_action(rma, action, actor, rma.version, **payload)
        db.session.flush()

    # 1. submitted, waiting for the regional manager
    services.create_rma(ctx.dealers["D001"], [line("PNL-600", 2, serial="PNL24A0001"),
                                             line("DL-10W", 5, "doa", description="开箱不亮")], dealer1, submit=True)
    # 2. approved, to be shipped
    r = services.create_rma(ctx.dealers["D001"], [line("STRIP-1M", 10, "unpacking_damage", description="开箱变形")],
                            dealer1, submit=True)
    step(r, "review", rm_east)
    step(r, "approve", order)
    # 3. received at head office, waiting for inspection
    r = services.create_rma(ctx.dealers["D002"], [line("PNL-600", 3, serial="PNL24B0042")], dealer2, submit=True)
    step(r, "review", rm_south)
    step(r, "approve", order)
    step(r, "ship", dealer2, boxes=2, carrier="顺丰速运", tracking="SF1234567890")
    step(r, "receive", order, boxes_received=2,
         lines=[{"line_id": l.id, "received_quantity": l.quantity} for l in r.lines])
    # 4. a distributor's return, reviewed straight to its agent, shipped
    r = services.create_rma(ctx.dealers["S001"], [line("DL-10W", 4, "safety", description="外壳发烫")], dist1,
                            submit=True)
    step(r, "review", rm_east)
    step(r, "ship", dist1, boxes=1, carrier="德邦物流", tracking="DB20261123")
    # 5. human damage: penalty proposed
    r = services.create_rma(ctx.dealers["D001"], [line("PNL-600", 1, serial="PNL24A0099")], dealer1, submit=True)
    step(r, "review", rm_east)
    step(r, "approve", order)
    step(r, "ship", dealer1, boxes=1, carrier="顺丰速运", tracking="SF0000000001")
    step(r, "receive", order, boxes_received=1, lines=[{"line_id": r.lines[0].id, "received_quantity": 1}])
    step(r, "inspect", tech, lines=[{"line_id": r.lines[0].id, "verdict": "human_damage"}])
