"""Demo data: six months of follow-up forms, complaints and assessments, a secret inspector
with two inspections, a checklist, customer visits and public suggestions (idempotent)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from core.toolkit import User, business_zone, create_user, db, utcnow
from plugins.supervision import services
from plugins.supervision.models import ServiceJob

DEMO_PASSWORD = "demo12345"
GRADE_WEIGHTS = ("A", "A", "A", "B", "B", "B", "C", "C", "D", "E")


def _user(ctx, username, display_name, roles):
    user = ctx.users.get(username) or db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = create_user({"username": username, "password": DEMO_PASSWORD, "display_name": display_name,
                            "roles": roles, "language": "zh_CN"})
    if not any(login[0] == username for login in ctx.logins):  # listed on every run, like the core's
        ctx.logins.append((username, DEMO_PASSWORD, ", ".join(roles)))
    ctx.users[username] = user
    return user


def load(ctx):
    sup = _user(ctx, "supervisor", "监督部 孙伟", ["supervision"])
    hr = _user(ctx, "hr", "人力资源部 周洁", ["hr"])
    head = _user(ctx, "service", "客户服务部 赵敏", ["customer_service"])
    staff = _user(ctx, "service2", "客户服务部 钱进", ["customer_service"])
    db.session.flush()
    if db.session.scalar(select(ServiceJob.id).where(ServiceJob.reference.like("DEMO-%")).limit(1)):
        return
    rng = random.Random(12)
    zone = business_zone()
    this_month = services.month_of(utcnow())
    months = [services.shift_month(this_month, -i) for i in range(6, 0, -1)]
    dealer_codes = [code for code in (getattr(d, "code", None) for d in ctx.dealers.values()) if code]
    for m_index, month in enumerate(months):
        year, mon = services.parse_month(month)
        for n in range(rng.randint(8, 12)):
            at = datetime(year, mon, rng.randint(1, 27), rng.randint(9, 17), 0, tzinfo=zone)
            job = services.create_job({"reference": f"DEMO-{month}-{n + 1:02d}", "department": "customer_service",
                                       "completed_at": at, "customer_name": rng.choice(["王先生", "李女士", "张经理",
                                                                                        "陈工", "刘女士"]),
                                       "customer_phone": f"138{rng.randint(10000000, 99999999)}",
                                       "dealer_code": rng.choice(dealer_codes) if dealer_codes else None}, sup)
            if rng.random() < 0.85:
                form = services.create_form({"service_job_id": job.id, "channel": rng.choice(
                    ("phone_followup", "customer_form", "visit")), "timeliness": rng.choice(GRADE_WEIGHTS),
                    "repair_quality": rng.choice(GRADE_WEIGHTS), "attitude": rng.choice(GRADE_WEIGHTS)}, sup)
                services.verify_form(form, sup)
        for n in range(rng.randint(2, 9) if m_index != 3 else 12):
            at = datetime(year, mon, rng.randint(1, 27), rng.randint(8, 20), 0, tzinfo=zone)
            complaint = services.create_complaint({
                "channel": rng.choice(("hotline", "online", "letter", "visit")), "received_at": at,
                "customer_name": rng.choice(["赵女士", "孙先生", "周经理"]),
                "customer_phone": f"139{rng.randint(10000000, 99999999)}",
                "department": rng.choice(("customer_service", "customer_service", "technical")),
                "description": rng.choice(["维修等待时间过长", "上门服务迟到", "维修后灯具仍闪烁", "客服电话无人接听"]),
                "severity": rng.choice(("low", "medium", "high"))}, sup)
            steps = len(services.STEPS) if m_index < 5 else rng.randint(0, 3)
            for step in services.STEPS[:steps]:
                services.record_step(complaint, step, sup, note="" if step == "thanked" else "已记录",
                                     amount=100 if step == "compensated" else None)
            if steps == len(services.STEPS):
                services.resolve_complaint(complaint, sup, None)
                services.close_complaint(complaint, sup, None, rng.choice(("satisfied", "satisfied", "unsatisfied")))
        db.session.flush()
        record, _created = services.create_assessment(month, "customer_service", sup)
        if m_index < 5:
            services.submit_assessment(record, sup, None)
            services.confirm_assessment(record, hr, None, "warning" if record.sanction_proposed else None)
            if m_index < 4:
                net = record.net_amount
                half = services.money(net / 2)
                services.distribute_assessment(record, head, None, [{"username": head.username, "amount": half},
                                                                    {"username": staff.username,
                                                                     "amount": net - half}])
    # secret inspections: a trusted member of the service department, known to supervision only
    services.designate_inspector(staff.username, sup)
    template = services.create_template("服务大厅检查表", [
        {"text": "一分钟内接待客户", "weight": 3}, {"text": "着装整齐、佩戴工牌", "weight": 1},
        {"text": "向客户说明维修方案和费用", "weight": 4}, {"text": "按约定时间完成", "weight": 2}], sup)
    for k, answers in enumerate((("yes", "yes", "no", "yes"), ("yes", "n_a", "yes", "yes"))):
        visited = utcnow() - timedelta(days=40 - 20 * k)
        inspection = services.create_inspection({
            "subject_department": "customer_service", "visited_at": visited, "place": "服务大厅",
            "template_id": template.id, "observations": "客户等候区整洁；一名员工未说明费用。" if k == 0 else "整体良好。",
            "answers": [{"position": i, "answer": a} for i, a in enumerate(answers)]}, staff)
        services.submit_inspection(inspection, staff, None)
        services.review_inspection(inspection, sup, None)
        if k == 0:
            services.publish_inspection(inspection, sup, None)
    for name, cls, opinion in (("华东大酒店", "A", "走廊筒灯有个别闪烁，希望加快备件供应"),
                               ("市第一中学", "B", "对上门服务满意")):
        services.save_visit({"customer_name": name, "customer_class": cls,
                             "visited_on": (utcnow() - timedelta(days=15)).date(), "participants": "监督部 孙伟",
                             "opinions": opinion, "follow_up": "通知客户服务部跟进"}, sup)
    for text in ("服务网点周末能否延长营业时间？", "维修师傅很专业，点赞！"):
        services.submit_suggestion({"text": text, "place": "万达广场"}, "demo")
