"""Demo relationship data: classes with a reason, contacts (some overdue), a proposed status
change with evidence, and dealer1 as its dealer's login manager (idempotent)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.toolkit import Role, attachments, db, today, update_user
from plugins.dealers.models import Classification, Contact, StatusChange

EVIDENCE_PDF = b"%PDF-1.4\n% demo: customer complaint records about the dealer\n%%EOF\n"


def load(ctx) -> None:
    dealer1, rm_east, rm_south = ctx.users.get("dealer1"), ctx.users.get("rm_east"), ctx.users.get("rm_south")
    if dealer1 is None or rm_east is None or rm_south is None or "D002" not in ctx.dealers:
        return
    if "dealers_manager" not in dealer1.role_ids and db.session.get(Role, "dealers_manager") is not None:
        update_user(dealer1, {"roles": sorted(dealer1.role_ids | {"dealers_manager"})})
    if db.session.scalar(select(func.count(Contact.id))):
        return
    on = today()
    d = ctx.dealers
    # class A every 7 days: D001 last seen 10 days ago (3 days overdue), A001 3 days ago
    # class B every 30 days: S001 40 days ago (10 days overdue), D002 12 days ago
    contacts = [("D001", 10, "visit", rm_east, "季度拜访：检查展厅与备件库存", "下周电话确认备件补货"),
                ("A001", 3, "phone", rm_east, "电话回访分销商退货进度", ""),
                ("S001", 40, "card", rm_east, "寄送新年贺卡与新品目录", "安排上门拜访"),
                ("D002", 12, "meeting", rm_south, "区域经销商会议：讲解退货政策", "")]
    for code, days_back, kind, by, summary, next_steps in contacts:
        if code in d:
            db.session.add(Contact(dealer_id=d[code].id, contacted_on=on - timedelta(days=days_back), kind=kind,
                                   by_id=by.id, summary=summary, next_steps=next_steps, created_by_id=by.id))
    dealer2 = d["D002"]
    if not db.session.scalar(select(func.count(Classification.id))):
        db.session.add(Classification(dealer_id=dealer2.id, abc_class=dealer2.abc_class, previous_class="C",
                                      reason="年采购额超过 200 万元，升为 B 类", created_by_id=rm_south.id))
    if dealer2.status == "active" and not db.session.scalar(select(func.count(StatusChange.id))):
        change = StatusChange(dealer_id=dealer2.id, from_status="active", to_status="warned",
                              reason="三个月内两次人为损坏退货，提出警告", state="proposed", proposed_by_id=rm_south.id)
        db.session.add(change)
        db.session.flush()
        attachments.add("dealers_status_change", change.id, "complaints.pdf", EVIDENCE_PDF, actor=rm_south,
                        purpose="evidence")
    db.session.flush()
