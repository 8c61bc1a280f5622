"""The checklist templates every installation starts with (seeds 000/001/003, GB/T 27922-2011).

Kept as plain data so the migration, the demo and the tests seed the same rows.
"""
from __future__ import annotations

TEMPLATES = [
    {
        "name": "GB/T 27922-2011 售后服务评价指标",
        "description": "按 GB/T 27922-2011《商品售后服务评价体系》评价指标核查售后服务体系、商品服务与顾客服务（70 分达标，80/90/95 分为三/四/五星）。",
        "items": [
            ("是否建立售后服务组织机构并明确各部门职责？", "GB/T 27922 5.1 售后服务体系-组织"),
            ("售后服务人员配置与资质是否满足要求，是否有培训与考核记录？", "GB/T 27922 5.1 售后服务体系-人员"),
            ("是否制定售后服务管理制度、服务承诺与服务目标？", "GB/T 27922 5.1 售后服务体系-制度"),
            ("售后服务设施与设备是否齐备，计量器具是否按期校准？", "GB/T 27922 5.1 售后服务体系-资源"),
            ("是否向顾客提供准确的商品信息、使用说明与安装指导？", "GB/T 27922 5.2 商品服务-商品信息"),
            ("维修服务流程、质量控制与备件供应是否规范并按时完成？", "GB/T 27922 5.2 商品服务-维修"),
            ("退换货条件与流程是否明确并按规定执行？", "GB/T 27922 5.2 商品服务-退换货"),
            ("咨询、投诉、报修的响应时限是否明确并达到？", "GB/T 27922 5.3 顾客服务-响应"),
            ("投诉记录是否完整（受理时间、处理过程、结果、顾客反馈）？", "GB/T 27922 5.3 顾客服务-投诉处理"),
            ("是否按规定开展回访（时间、方式、内容）并保存记录？", "GB/T 27922 5.3 顾客服务-回访"),
            ("是否每月开展顾客满意度调查并分析、改进？", "GB/T 27922 5.3 顾客服务-满意度"),
            ("是否建立持续改进机制：内审每年至少两次、管理评审、改进记录及有效性评价？", "GB/T 27922 5.4 持续改进"),
        ],
    },
    {
        "name": "认证材料清单（售后服务完善程度认证）",
        "description": "售后服务完善程度认证文件清单（种子 001 第二部分），逐项核查文件与记录是否齐全、有效。",
        "items": [
            ("售后服务手册（方针、目标、承诺、组织与职责、流程与标准、资源）", "001 材料清单 1"),
            ("响应程序文件（咨询、投诉、报修的响应时限）", "001 材料清单 2"),
            ("维修程序文件（流程、质量控制、备件）", "001 材料清单 3"),
            ("退换货程序文件（条件、流程）", "001 材料清单 4"),
            ("培训程序文件（顾客与员工）及培训记录", "001 材料清单 5"),
            ("回访程序文件（时间、方式、内容）及回访记录", "001 材料清单 6"),
            ("作业指导书", "001 材料清单 7"),
            ("人员名册及资质证明、考核记录", "001 材料清单 8"),
            ("设施清单、设备清单及计量校准记录", "001 材料清单 9"),
            ("备件库存清单、采购及出入库记录", "001 材料清单 10"),
            ("顾客信息系统（顾客档案、服务记录、投诉记录）", "001 材料清单 11"),
            ("满意度调查记录、分析及改进", "001 材料清单 12"),
            ("投诉记录（受理时间、处理、结果、顾客反馈）", "001 材料清单 13"),
            ("与顾客、供应商的合同", "001 材料清单 14"),
            ("内部审核记录（计划、报告、不合格及其纠正）", "001 材料清单 15"),
            ("管理评审记录", "001 材料清单 16"),
            ("改进记录及其有效性评价", "001 材料清单 17"),
        ],
    },
]


def seed_templates(session) -> int:
    """Insert the seed templates that are missing (by name); returns how many were added."""
    from sqlalchemy import select

    from plugins.audit.models import AuditChecklistTemplate, AuditChecklistTemplateItem

    existing = set(session.scalars(select(AuditChecklistTemplate.name)))
    added = 0
    for t in TEMPLATES:
        if t["name"] in existing:
            continue
        tpl = AuditChecklistTemplate(name=t["name"], description=t["description"], active=True)
        tpl.items = [AuditChecklistTemplateItem(position=i, question=q, reference=r) for i, (q, r) in enumerate(t["items"])]
        session.add(tpl)
        added += 1
    session.flush()
    return added
