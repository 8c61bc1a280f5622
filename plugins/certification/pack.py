"""The certifier's evidence pack: seed 001's checklist (材料清单), each item present / missing / stale,
and its download (an index PDF in Chinese, the current documents and generated record exports).
"""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.toolkit import attachments, db, safe_cell, settings, today
from plugins.certification import services
from plugins.certification.models import Calibration, Document, Equipment, SelfAssessment, TrainingRecord

# (code, Chinese title, English title, source, optional). Sources: ("documents", kinds),
# ("records", name), ("evidence", criterion codes), or a tuple of sources (any present counts).
CHECKLIST = (
    ("1.1", "企业营业执照副本复印件", "Business licence copy", ("documents", ("business_licence",)), False),
    ("1.2", "组织机构代码证复印件(若有)", "Organisation code certificate (if any)", ("documents", ("org_code",)), True),
    ("1.3", "税务登记证复印件(若有)", "Tax registration certificate (if any)", ("documents", ("tax_registration",)), True),
    ("1.4", "企业简介", "Company profile", ("documents", ("company_profile",)), False),
    ("2.1", "售后服务管理手册(方针、目标、承诺、组织与职责、流程和标准、资源)",
     "Service manual (policy, objectives, commitments, organisation and duties, processes, resources)",
     ("documents", ("service_manual",)), False),
    ("2.2", "服务响应程序", "Response procedure", ("documents", ("procedure_response",)), False),
    ("2.3", "维修服务程序", "Repair procedure", ("documents", ("procedure_repair",)), False),
    ("2.4", "退换货服务程序", "Returns and exchanges procedure", ("documents", ("procedure_returns",)), False),
    ("2.5", "培训服务程序", "Training procedure", ("documents", ("procedure_training",)), False),
    ("2.6", "回访服务程序", "Callback procedure", ("documents", ("procedure_callback",)), False),
    ("2.7", "售后服务作业指导书", "Work instructions", ("documents", ("work_instruction",)), False),
    ("3.1", "售后服务人员名单及资质", "Staff roster with qualifications", ("documents", ("staff_roster",)), False),
    ("3.2", "售后服务人员培训记录", "Training records", ("records", "training"), False),
    ("3.3", "绩效考核制度及考核记录", "Appraisal rules and records",
     (("documents", ("appraisal",)), ("evidence", ("A5.3",))), False),
    ("4.1", "售后服务场所证明材料", "Service premises", ("documents", ("premises",)), False),
    ("4.2", "售后服务设备清单", "Equipment list", ("records", "equipment"), False),
    ("4.3", "维修工具和检测设备校准记录", "Calibration records", ("records", "calibrations"), False),
    ("4.4", "备品备件管理材料(库存清单、采购、出入库)", "Spare parts: stock lists, purchases, in/out",
     ("evidence", ("A3.3", "B4.2")), False),
    ("5.1", "客户信息管理系统记录(客户档案、服务记录)", "Customer information: files and service records",
     ("evidence", ("C1.1", "B4.3", "B5.1")), False),
    ("5.2", "客户满意度调查记录及分析改进", "Satisfaction surveys with analysis and improvements",
     (("documents", ("satisfaction_survey",)), ("evidence", ("C1.2",))), False),
    ("5.3", "客户投诉处理记录", "Complaint records", ("evidence", ("C2.2",)), False),
    ("5.4", "客户回访记录", "Callback records", ("evidence", ("C1.3", "A5.2")), False),
    ("6.1", "与客户签订的售后服务合同样本", "Service contract with customers", ("documents", ("contract_customer",)), False),
    ("6.2", "与供应商签订的合作协议", "Agreements with suppliers", ("documents", ("contract_supplier",)), False),
    ("7.1", "内部审核制度和审核记录", "Internal audit records", ("evidence", ("A6.1",)), False),
    ("7.2", "管理评审记录", "Management review records", ("evidence", ("A6.2",)), False),
    ("7.3", "改进措施实施记录及效果评估", "Improvement records with effectiveness evaluation",
     ("evidence", ("A6.3",)), False),
    ("8.1", "相关荣誉证书、奖项(若有)", "Honours and awards (if any)", ("documents", ("honour",)), True),
    ("8.2", "第三方评价报告(若有)", "Third-party evaluation reports (if any)", ("documents", ("third_party_report",)), True),
    ("8.3", "社会公益活动证明(若有)", "Public-welfare activities (if any)", ("documents", ("public_welfare",)), True),
)
STATUSES = ("present", "missing", "stale")


def _sources(source):
    return source if isinstance(source[0], tuple) else (source,)


class _Facts:
    """Everything the checklist needs, read with a fixed number of queries."""

    def __init__(self, year: int):
        self.year = year
        self.on = min(today(), date(year, 12, 31))
        start, end = services.period(year)
        self.documents: dict[str, list[Document]] = {}
        for doc in db.session.scalars(select(Document).where(services.in_force_on(self.on)).order_by(Document.code)):
            self.documents.setdefault(doc.kind, []).append(doc)
        self.training_year = db.session.scalar(select(func.count(TrainingRecord.id)).where(
            TrainingRecord.held_on >= start, TrainingRecord.held_on <= end)) or 0
        self.training_before = db.session.scalar(select(func.count(TrainingRecord.id)).where(
            TrainingRecord.held_on < start)) or 0
        self.equipment = db.session.scalar(select(func.count(Equipment.id)).where(Equipment.active.is_(True))) or 0
        self.calibrations = db.session.scalar(select(func.count(Calibration.id)).where(
            Calibration.calibrated_on <= end)) or 0
        self.overdue = services.overdue_equipment_count(today())
        self.start, self.end = start, end


def _document_status(facts: _Facts, kinds) -> tuple[str, list[dict]]:
    docs = [d for k in kinds for d in facts.documents.get(k, [])]
    evidence = [{"label": f"{d.code} {d.title} ({d.revision})", "count": 1,
                 "url": services._link("certification.view_document", document_id=d.id) or None} for d in docs]
    if not docs:
        return "missing", evidence
    if all(d.review_due_on is not None and d.review_due_on < today() for d in docs):
        return "stale", evidence
    return "present", evidence


def _records_status(facts: _Facts, name: str) -> tuple[str, list[dict]]:
    if name == "training":
        evidence = [{"label": _("Training records in %(year)d", year=facts.year), "count": facts.training_year,
                     "url": services._link("certification.list_training") or None}]
        if facts.training_year:
            return "present", evidence
        return ("stale" if facts.training_before else "missing"), evidence
    if name == "equipment":
        evidence = [{"label": _("Equipment in use"), "count": facts.equipment,
                     "url": services._link("certification.list_equipment") or None}]
        return ("present" if facts.equipment else "missing"), evidence
    evidence = [{"label": _("Calibration records"), "count": facts.calibrations,
                 "url": services._link("certification.list_calibrations") or None},
                {"label": _("Equipment overdue for calibration"), "count": facts.overdue,
                 "url": services._link("certification.list_equipment") or None}]
    if not facts.calibrations:
        return "missing", evidence
    return ("stale" if facts.overdue else "present"), evidence


def _evidence_status(facts: _Facts, codes) -> tuple[str, list[dict]]:
    evidence = [e for code in codes for e in services.evidence_for(code, facts.start, facts.end)]
    return ("present" if any(e["count"] for e in evidence if not e.get("shortfall")) else "missing"), evidence


RANK = {"present": 2, "stale": 1, "missing": 0}


def build(year: int) -> dict:
    facts = _Facts(year)
    items = []
    for code, title, title_en, source, optional in CHECKLIST:
        status, evidence = "missing", []
        for kind, arg in _sources(source):
            s, e = {"documents": _document_status, "records": _records_status,
                    "evidence": _evidence_status}[kind](facts, arg)
            evidence.extend(e)
            if RANK[s] > RANK[status]:
                status = s
        items.append({"code": code, "title": title, "title_en": title_en, "status": status,
                      "optional": optional, "evidence": evidence})
    counts = {s: sum(1 for i in items if i["status"] == s and not (i["optional"] and s == "missing"))
              for s in STATUSES}
    required = [i for i in items if not i["optional"]]
    complete = all(i["status"] == "present" for i in required)
    return {"year": year, "items": items, "counts": counts, "complete": complete}


# --- the download -------------------------------------------------------------------------


def _csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell("" if c is None else str(c)) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _exports(year: int) -> dict[str, bytes]:
    start, end = services.period(year)
    training = db.session.scalars(select(TrainingRecord).where(TrainingRecord.held_on >= start,
                                                               TrainingRecord.held_on <= end)
                                  .order_by(TrainingRecord.held_on))
    equipment = db.session.scalars(select(Equipment).order_by(Equipment.code))
    calibrations = db.session.scalars(select(Calibration).where(Calibration.calibrated_on <= end)
                                      .order_by(Calibration.calibrated_on))
    files = {
        "records/training_records.csv": _csv(
            ["课程 course", "日期 date", "讲师 trainer", "对象 audience", "参加人员 attendees", "结果 result"],
            ([t.course, t.held_on, t.trainer, t.audience, "、".join(t.attendees or []), t.result] for t in training)),
        "records/equipment.csv": _csv(
            ["编号 code", "名称 name", "型号 model", "数量 quantity", "用途 purpose", "下次校准 next due", "在用 active"],
            ([e.code, e.name, e.model, e.quantity, e.purpose, e.next_due_on, e.active] for e in equipment)),
        "records/calibrations.csv": _csv(
            ["设备 equipment", "校准日期 calibrated on", "有效期至 due on", "结果 result", "证书 certificate",
             "校准单位 performed by"],
            ([c.equipment.code, c.calibrated_on, c.due_on, c.result, c.certificate_no, c.performed_by]
             for c in calibrations)),
    }
    assessment = db.session.scalar(select(SelfAssessment).where(SelfAssessment.year == year))
    if assessment is not None:
        files["records/self_assessment.csv"] = _csv(
            ["编号 code", "指标 indicator", "检查项 criterion", "满分 max", "得分 points", "不适用 n/a", "说明 notes"],
            ([i.code, i.indicator, i.title, i.max_points, i.points, i.not_applicable, i.notes]
             for i in assessment.items))
    return files


def index_lines(pack: dict, included: list[str], omitted: list[str], assessment) -> list[tuple[str, float, int]]:
    """The index's lines (text, font size, indent level), in Chinese: ``pack`` is built under the zh_CN locale."""
    status_zh = {"present": "齐全", "missing": "缺失", "stale": "过期"}
    lines = [(f"GB/T 27922-2011 售后服务认证材料清单 {pack['year']} 年", 14, 0), (f"生成日期 {today().isoformat()}", 9, 0)]
    if assessment is not None:
        level_zh = {"not_compliant": "未达标", "compliant": "达标", "three_star": "三星级", "four_star": "四星级",
                    "five_star": "五星级"}
        lines.append((f"自评得分 {assessment.score} · {level_zh.get(assessment.level, assessment.level)}", 11, 0))
    lines.append(("", 10, 0))
    for item in pack["items"]:
        mark = status_zh[item["status"]] + ("(可选)" if item["optional"] else "")
        lines.append((f"{item['code']}  {item['title']}  [{mark}]", 10, 0))
        lines.extend((f"- {e['label']}: {e['count']}", 8, 2) for e in item["evidence"][:8])
    lines += [("", 10, 0), ("包含文件", 12, 0)] + [(name, 8, 1) for name in included]
    if omitted:
        lines += [("因大小限制未包含的文件", 12, 0)] + [(name, 8, 1) for name in omitted]
    return lines


def _index_pdf(lines: list[tuple[str, float, int]]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle("GB/T 27922")
    width, height = A4
    y = height - 20 * mm
    for text, size, level in lines:
        indent = 20 * mm + level * 4 * mm
        for part in simpleSplit(text, font, size, width - indent - 20 * mm) or [""]:  # long lines wrap
            if y < 20 * mm:
                c.showPage()
                y = height - 20 * mm
            c.setFont(font, size)
            c.drawString(indent, y, part)
            y -= size * 1.6
    c.showPage()
    c.save()
    return buf.getvalue()


def build_zip(year: int) -> bytes:
    """The pack as a ZIP, at most ``certification.pack_max_mb`` of documents (the rest listed as omitted);
    its index is in Chinese, whatever the requester's language (the certifier's file)."""
    from flask_babel import force_locale

    with force_locale("zh_CN"):
        pack = build(year)
    limit = settings.get("certification.pack_max_mb") * 1024 * 1024
    files = _exports(year)
    used = sum(len(v) for v in files.values())
    included, omitted = list(files), []
    on = min(today(), date(year, 12, 31))
    docs = list(db.session.scalars(select(Document).where(services.in_force_on(on)).order_by(Document.code)))
    chosen = []
    for d in docs:
        if not d.attachment_id:
            continue
        size = d.file_size
        name = f"documents/{d.code}_{d.revision}_{d.filename}".replace("/", "_").replace("documents_", "documents/", 1)
        if used + size > limit:
            omitted.append(name)
            continue
        used += size
        chosen.append((name, d.attachment_id))
        included.append(name)
    assessment = db.session.scalar(select(SelfAssessment).where(SelfAssessment.year == year))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("00_index.pdf", _index_pdf(index_lines(pack, included, omitted, assessment)))
        for name, data in files.items():
            zf.writestr(name, data)
        for name, att_id in chosen:
            zf.writestr(name, db.session.get(attachments.Attachment, att_id).data)
    return out.getvalue()
