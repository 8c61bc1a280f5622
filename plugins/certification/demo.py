"""Demo data: controlled documents, training records, equipment with calibrations, and one
self-assessment per year for the last two years (last year's approved). Idempotent."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.toolkit import db, today

PDF = b"%PDF-1.4\n% demo controlled document\n%%EOF\n"
DOCUMENTS = (
    ("SM-01", "售后服务管理手册", "service_manual", "B/0"),
    ("QP-01", "服务响应程序", "procedure_response", "A/1"),
    ("QP-02", "维修服务程序", "procedure_repair", "A/0"),
    ("QP-03", "退换货服务程序", "procedure_returns", "A/2"),
    ("QP-04", "培训服务程序", "procedure_training", "A/0"),
    ("QP-05", "回访服务程序", "procedure_callback", "A/0"),
    ("WI-01", "灯具维修作业指导书", "work_instruction", "A/0"),
    ("HR-01", "售后服务人员名单及资质", "staff_roster", "2026"),
    ("BL-01", "营业执照副本", "business_licence", "1"),
    ("CP-01", "企业简介", "company_profile", "1"),
    ("CT-01", "售后服务合同样本", "contract_customer", "A/0"),
)


def load(ctx) -> None:
    from plugins.certification import services
    from plugins.certification.models import Document, SelfAssessment

    if db.session.scalar(select(func.count(SelfAssessment.id))) or db.session.scalar(select(func.count(Document.id))):
        return
    auditor = ctx.users.get("auditor") or ctx.users.get("admin")
    admin = ctx.users.get("admin")
    if auditor is None or admin is None:
        return
    now = today()
    for code, title, kind, revision in DOCUMENTS:
        services.create_document({"code": code, "title": title, "kind": kind, "version": revision,
                                  "effective_on": date(now.year - 1, 3, 1), "approved_by": "总经理 王明",
                                  "review_due_on": date(now.year, 12, 31) if code != "WI-01" else now - timedelta(days=5)},
                                 f"{code}.pdf", PDF, auditor)
    manual = db.session.scalar(select(Document).where(Document.code == "SM-01"))
    services.new_version(manual, {"version": "C/0", "effective_on": date(now.year, 1, 15), "approved_by": "总经理 王明",
                                  "review_due_on": date(now.year + 1, 1, 15)}, "SM-01-C0.pdf", PDF, auditor)
    for year in (now.year - 1, now.year):
        services.create_training({"course": "GB/T 27922 售后服务标准培训", "held_on": date(year, 3, 10), "trainer": "内审员 吴磊",
                                  "audience": "staff", "attendees": ["客服 李娜", "技术 张伟", "订单 王芳"],
                                  "result": "全部考核合格"}, auditor)
    services.create_training({"course": "经销商安装与维修培训", "held_on": date(now.year - 1, 6, 20), "trainer": "技术 张伟",
                              "audience": "dealer", "attendees": ["经销商一", "经销商二"], "result": "合格"}, auditor)
    meter = services.create_equipment({"code": "EQ-001", "name": "数字万用表", "model": "FLUKE 17B+", "quantity": 4,
                                       "purpose": "维修检测", "location": "维修车间"}, auditor)
    services.create_equipment({"code": "EQ-002", "name": "照度计", "model": "TES-1330A", "quantity": 1,
                               "purpose": "光源检测", "location": "检测室"}, auditor)
    services.create_equipment({"code": "EQ-003", "name": "工具箱", "quantity": 10, "needs_calibration": False,
                               "purpose": "上门服务"}, auditor)
    services.create_calibration({"equipment_code": meter.code, "calibrated_on": now - timedelta(days=120),
                                 "certificate_no": "JL-2026-0318", "performed_by": "市计量检测院"}, auditor)
    services.create_calibration({"equipment_code": "EQ-002", "calibrated_on": now - timedelta(days=400),
                                 "certificate_no": "JL-2025-0101", "performed_by": "市计量检测院"}, auditor)
    last = services.create_assessment({"year": now.year - 1, "assessors": ["内审员 吴磊", "客服 李娜"]}, auditor)
    _score(last, Decimal("0.9"), auditor)
    services.add_special(last, {"kind": "bonus", "reason": "获得省级售后服务先进单位称号"}, auditor)
    services.add_special(last, {"kind": "deduction", "reason": "一批退货超过5个工作日处理",
                                "rectification": "订单部增加退货超期每日提醒"}, auditor)
    current = services.create_assessment({"year": now.year, "assessors": ["内审员 吴磊"]}, auditor)
    _score(current, Decimal("0.95"), auditor, only_first=20)
    db.session.flush()
    services.submit(last, auditor, last.version)
    db.session.flush()
    services.approve(last, admin, last.version)
    db.session.flush()


def _score(record, ratio: Decimal, actor, only_first: int | None = None) -> None:
    from plugins.certification import services

    for n, item in enumerate(list(record.items)):
        if only_first is not None and n >= only_first:
            break
        if item.code == "B6.2":
            services.score_criterion(record, item.code, {"not_applicable": True,
                                                         "notes": "灯具无废弃回收业务"}, actor)
            continue
        points = (item.max_points * ratio).quantize(Decimal("0.1"))
        if n % 3 == 0:
            points = item.max_points
        services.score_criterion(record, item.code, {"points": points, "notes": ""}, actor)
