"""The GB/T 27922-2011 indicator model: 3 areas, 15 indicators, their check items (seeds 000, 001).

Seeded into ``certification_criterion`` on first use; an administrator then changes the
points (the applicable maxima must add up to 100). Areas and indicators are fixed by the
standard, so their names live here (translated through Babel); the check items' titles
are data, kept in Chinese (the standard's language) with an English rendering.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

AREAS = (
    ("A", "售后服务体系", _l("After-sales service system")),
    ("B", "商品服务", _l("Product service")),
    ("C", "顾客服务", _l("Customer service")),
)

INDICATORS = (
    ("A1", "A", "组织架构", _l("Organisation")),
    ("A2", "A", "人员配置", _l("Staffing")),
    ("A3", "A", "资源配置", _l("Resources")),
    ("A4", "A", "规范要求", _l("Rules and standards")),
    ("A5", "A", "监督", _l("Supervision")),
    ("A6", "A", "改进", _l("Improvement")),
    ("A7", "A", "服务文化", _l("Service culture")),
    ("B1", "B", "商品信息", _l("Product information")),
    ("B2", "B", "技术支持", _l("Technical support")),
    ("B3", "B", "配送", _l("Delivery")),
    ("B4", "B", "维修", _l("Repair")),
    ("B5", "B", "质量保证", _l("Quality guarantee")),
    ("B6", "B", "废弃商品回收", _l("Take-back of discarded products")),
    ("C1", "C", "顾客关系", _l("Customer relationship")),
    ("C2", "C", "投诉处理", _l("Complaint handling")),
)

# (code, indicator, max points, Chinese title, English title); the maxima add up to 100.
CRITERIA = (
    ("A1.1", "A1", 3, "设立独立的售后服务管理部门,组织架构图及各部门职责文件化", "An after-sales department with an organisation chart and documented duties"),
    ("A1.2", "A1", 3, "监督部门独立于执行部门,售后服务负责人及岗位职责明确", "Supervision independent of execution; head of service and job duties named"),
    ("A2.1", "A2", 3, "售后服务人员名单,含岗位、职责及资质证书", "Staff roster with posts, duties and qualifications"),
    ("A2.2", "A2", 3, "人员培训计划、培训内容及考核结果记录", "Training plan, content and assessment results on record"),
    ("A3.1", "A3", 2, "售后服务场所及设施满足服务需要", "Service premises and facilities fit for the service"),
    ("A3.2", "A3", 2, "服务设备清单,维修工具和检测设备按期校准", "Equipment list; repair tools and test equipment calibrated on time"),
    ("A3.3", "A3", 2, "备品备件库存清单、采购及出入库记录", "Spare-part stock lists, purchases and in/out records"),
    ("A4.1", "A4", 3, "售后服务管理手册:方针、目标、承诺、流程和标准", "Service manual: policy, objectives, commitments, processes and standards"),
    ("A4.2", "A4", 3, "程序文件:服务响应、维修、退换货、培训、回访", "Procedures: response, repair, returns and exchanges, training, callbacks"),
    ("A4.3", "A4", 2, "售后服务作业指导书(安装、维修等)", "Work instructions (installation, repair, ...)"),
    ("A5.1", "A5", 2, "投诉热线由监督部门受理,秘密监察有记录", "Complaint hotline answered by supervision; secret inspections recorded"),
    ("A5.2", "A5", 2, "服务后回访并填写服务反馈表", "Follow-up calls after each service with the feedback form"),
    ("A5.3", "A5", 2, "月度考核及奖惩记录", "Monthly assessment with rewards and penalties on record"),
    ("A6.1", "A6", 3, "每年至少两次内部审核,不符合项已整改", "Internal audits at least twice a year; nonconformities corrected"),
    ("A6.2", "A6", 2, "管理评审按期召开并有记录", "Management reviews held and recorded"),
    ("A6.3", "A6", 3, "改进措施实施记录及有效性评价", "Improvement records with their effectiveness evaluated"),
    ("A7.1", "A7", 2, "服务理念和服务承诺对内对外宣传", "Service philosophy and commitments made known inside and out"),
    ("A7.2", "A7", 2, "员工服务意识培训及激励机制", "Staff service-mindedness training and incentives"),
    ("B1.1", "B1", 3, "产品说明书及使用、安装说明准确完整", "Accurate, complete manuals and installation instructions"),
    ("B1.2", "B1", 3, "服务政策公示:服务范围、响应时间、保修期", "Service policy published: scope, response time, warranty period"),
    ("B2.1", "B2", 2, "24小时服务热线", "24-hour service hotline"),
    ("B2.2", "B2", 2, "热线无法解决的问题24小时内答复并安排上门服务", "Questions the hotline cannot answer replied within 24 h, on-site service scheduled"),
    ("B2.3", "B2", 2, "对客户和经销商的技术培训", "Technical training for customers and dealers"),
    ("B3.1", "B3", 3, "运输异常有记录并在时限内处理", "Transport exceptions recorded and handled in time"),
    ("B3.2", "B3", 3, "承运人责任明确,运输损坏索赔有结果", "Carrier responsibility identified; transport damage claims settled"),
    ("B4.1", "B4", 3, "维修流程与质量控制,维修达到新品标准", "Repair process and quality control; repairs to the new-product standard"),
    ("B4.2", "B4", 3, "停产后按保修期保留备件,经销商备件周转", "Spare parts kept for the warranty period after discontinuation; dealer turnover stock"),
    ("B4.3", "B4", 2, "上门服务记录由客户签字确认", "On-site service records co-signed by the customer"),
    ("B5.1", "B5", 3, "保修及退换货条件和流程明确", "Warranty, return and exchange conditions and process defined"),
    ("B5.2", "B5", 3, "退货在规定工作日内处理完毕", "Returns processed within the set working days"),
    ("B5.3", "B5", 2, "与顾客及供应商的合同明确双方权利义务", "Contracts with customers and suppliers state both sides' duties"),
    ("B6.1", "B6", 2, "废弃商品回收制度", "Take-back policy for discarded products"),
    ("B6.2", "B6", 2, "废弃商品回收及处理记录", "Take-back and disposal records"),
    ("C1.1", "C1", 3, "顾客档案及分级联系(A类每周、B类每月、C类每半年)", "Customer files and contact by class (A weekly, B monthly, C half-yearly)"),
    ("C1.2", "C1", 3, "满意度调查记录、结果分析及改进措施", "Satisfaction surveys with analysis and improvements"),
    ("C1.3", "C1", 2, "回访记录:时间、方式、内容及顾客意见", "Callback records: when, how, what, the customer's view"),
    ("C2.1", "C2", 3, "投诉处理程序及响应时限", "Complaint procedure and response times"),
    ("C2.2", "C2", 4, "投诉记录:受理时间、处理过程、处理结果及顾客反馈", "Complaint records: time received, handling, result, customer feedback"),
    ("C2.3", "C2", 3, "投诉统计分析并用于改进", "Complaints analysed and used for improvement"),
)

AREA_OF = {code: area for code, area, _zh, _en in INDICATORS}
INDICATOR_NAMES = {code: (zh, en) for code, _area, zh, en in INDICATORS}
AREA_NAMES = {code: (zh, en) for code, zh, en in AREAS}


def area_label(code: str) -> str:
    return str(AREA_NAMES[code][1])


def indicator_label(code: str) -> str:
    return str(INDICATOR_NAMES[code][1])
