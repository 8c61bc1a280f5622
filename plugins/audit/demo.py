"""Demo data: a year with two audits and their findings, a closed and a reopened nonconformity, a dealer's
nonconformity, improvements and one management review. Idempotent (skipped once an audit exists)."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from sqlalchemy import func, select

from core.toolkit import Role, User, db

DEMO_PASSWORD = "demo12345"
DEMO_USERS = [("boss", "总经理 郑国强", ["management"])]


@contextmanager
def _on(day: date):
    """Run the services as if it were ``day`` (the demo tells a year's story in one go)."""
    from plugins.audit import services

    saved = services.today
    services.today = lambda: day
    try:
        yield
    finally:
        services.today = saved


def _user(ctx, username, display_name, roles):
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=display_name, language="zh_CN", active=True,
                    roles=[db.session.get(Role, r) for r in roles])
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.flush()
    ctx.users[username] = user
    ctx.logins.append((username, DEMO_PASSWORD, ", ".join(roles)))
    return user


def load(ctx) -> None:
    from plugins.audit import services
    from plugins.audit.models import Audit
    from plugins.audit.seed_data import seed_templates

    seed_templates(db.session)
    for username, name, roles in DEMO_USERS:
        _user(ctx, username, name, roles)
    if db.session.scalar(select(func.count(Audit.id))):
        db.session.commit()
        return
    users = {name: db.session.scalar(select(User).where(User.username == name))
             for name in ("admin", "auditor", "tech", "service", "order", "hr", "boss")}
    if any(u is None for u in users.values()):
        db.session.commit()
        return
    auditor, tech, service, order, boss = (users[k] for k in ("auditor", "tech", "service", "order", "boss"))
    year = services.today().year
    templates = {t.name: t for t in services.db.session.scalars(select(services.AuditChecklistTemplate))}
    gbt = next(t for n, t in templates.items() if n.startswith("GB/T"))
    docs = next(t for n, t in templates.items() if n.startswith("认证材料"))

    # 1. the first audit of the year: two nonconformities and an observation
    with _on(date(year, 3, 10)):
        a1 = services.create_audit({"title": f"{year} 年上半年内部审核", "planned_on": date(year, 3, 10),
                                    "departments": ["technical", "customer_service"], "lead_auditor": "auditor",
                                    "auditees": ["tech", "service"], "template_id": gbt.id,
                                    "scope": "技术部、客户服务部的售后服务过程"}, auditor)
        services.audit_action(a1, "start", auditor, a1.version)
        for item in a1.items:
            result = {5: "nonconform", 8: "nonconform", 10: "observation"}.get(item.position, "conform")
            services.update_item(a1, item.id, {"result": result, "evidence": "查阅记录并现场询问"}, auditor)
        nc1 = services.create_nonconformity({
            "title": "维修记录未记录所用备件批次", "severity": "minor", "department": "technical", "source": "audit",
            "audit_id": a1.id, "audit_item_id": a1.items[5].id, "owner": "tech", "due_on": date(year, 4, 30),
            "description": "抽查 20 份维修记录，6 份未记录备件批次，无法追溯。"}, auditor)
        nc2 = services.create_nonconformity({
            "title": "投诉记录缺少顾客反馈", "severity": "major", "department": "customer_service", "source": "audit",
            "audit_id": a1.id, "audit_item_id": a1.items[8].id, "owner": "service", "due_on": date(year, 4, 30),
            "description": "3 月份 15 条投诉中 9 条未记录处理结果的顾客反馈。"}, auditor)
        db.session.flush()
        services.audit_action(a1, "report", auditor, a1.version,
                              report="审核发现 2 项不符合、1 项观察项；维修与投诉处理过程基本受控。")
        services.audit_action(a1, "close", auditor, a1.version)
    with _on(date(year, 3, 12)):
        services.analyse(nc1, tech, nc1.version, "维修单模板没有备件批次栏", "补录 6 份记录的批次")
        act1 = services.add_action(nc1, {"kind": "corrective", "description": "修改维修单模板，增加备件批次栏",
                                         "owner": "tech", "due_on": date(year, 3, 31)}, tech)
        services.plan(nc1, tech, nc1.version)
        services.analyse(nc2, service, nc2.version, "回访不在投诉处理流程中", "逐一回访 9 位顾客")
        act2 = services.add_action(nc2, {"kind": "corrective", "description": "投诉结案前必须回访并记录反馈",
                                         "owner": "service", "due_on": date(year, 3, 31)}, service)
        services.plan(nc2, service, nc2.version)
    with _on(date(year, 3, 25)):
        services.action_done(act1, tech, act1.version, "新模板已启用", "维修单模板 V2")
        services.action_done(act2, service, act2.version, "流程已修订", "投诉处理流程 V3")
    with _on(date(year, 4, 30)):
        services.verify(nc1, auditor, nc1.version, "effective", "抽查 4 月 15 份维修记录，批次均已记录")
        services.verify(nc2, auditor, nc2.version, "not_effective", "4 月仍有 3 条投诉未记录反馈")
    with _on(date(year, 5, 6)):
        services.add_action(nc2, {"kind": "preventive", "description": "系统中反馈未填不能结案",
                                  "owner": "service", "due_on": date(year, 6, 30)}, service)
        services.plan(nc2, service, nc2.version)
        imp1 = services.create_improvement({
            "title": "维修记录电子化，自动带出备件批次", "origin": "nonconformity", "link": nc1.number, "owner": "tech",
            "indicator": "维修记录可追溯率", "baseline": "70%", "target": "100%", "due_on": date(year, 8, 31)}, auditor)
        services.improvement_action(imp1, "approve", boss, imp1.version)
    # 2. the management review of the first half-year
    with _on(date(year, 7, 5)):
        review = services.create_review({"period_from": date(year, 1, 1), "period_to": date(year, 6, 30),
                                         "chair": "boss", "participants": ["auditor", "tech", "service", "order"]},
                                        boss)
        services.hold_review(review, boss, review.version, date(year, 7, 5), [
            {"text": "将投诉回访纳入客服考核", "owner": "service", "due_on": date(year, 9, 30), "kind": "improvement"},
            {"text": "补齐检测设备校准记录", "owner": "tech", "due_on": date(year, 8, 31), "kind": "corrective"}])
        services.close_review(review, boss, review.version)
    with _on(date(year, 8, 20)):
        services.improvement_action(imp1, "implement", tech, imp1.version, result="可追溯率 99%")
    with _on(date(year, 9, 1)):
        services.improvement_action(imp1, "evaluate", auditor, imp1.version, effectiveness="effective",
                                    text="连续两月抽查均可追溯")
        imp2 = services.create_improvement({"title": "回访话术标准化", "origin": "suggestion", "owner": "service",
                                            "indicator": "回访满意度", "baseline": "85%", "target": "92%",
                                            "due_on": date(year, 12, 31)}, service)
        services.improvement_action(imp2, "approve", boss, imp2.version)
    # 3. the second audit: the certification documents; a dealer's nonconformity
    second = date(year, 9, 15)
    with _on(min(second, services.today())):
        a2 = services.create_audit({"title": f"{year} 年下半年内部审核（认证材料）", "planned_on": second,
                                    "departments": ["order_dept", "hr"], "dealer_codes": ["D001"],
                                    "lead_auditor": "auditor", "auditees": ["order", "hr"], "template_id": docs.id},
                                   auditor)
    if services.today() >= second:
        with _on(second):
            services.audit_action(a2, "start", auditor, a2.version)
            for item in a2.items:
                services.update_item(a2, item.id, {"result": "observation" if item.position == 9 else "conform",
                                                   "evidence": "文件齐全"}, auditor)
            services.audit_action(a2, "report", auditor, a2.version, report="认证材料基本齐全，1 项观察项。")
            services.create_nonconformity({
                "title": "经销商备件出入库记录不全", "severity": "minor", "dealer_code": "D001", "source": "audit",
                "audit_id": a2.id, "owner": "order", "due_on": date(year, 12, 31),
                "description": "D001 8 月份出入库单缺 3 张。"}, auditor)
    db.session.commit()
