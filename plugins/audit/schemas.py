"""API bodies and responses of the audit plugin (names are a contract; all prefixed ``Audit``)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from core.toolkit import ListQuery, OutSchema, Schema

Department = Literal["order_dept", "technical", "customer_service", "supervision", "hr"]
AuditState = Literal["planned", "in_progress", "reported", "closed", "cancelled"]
Result = Literal["conform", "nonconform", "observation", "not_applicable"]
Severity = Literal["major", "minor", "observation"]
Source = Literal["audit", "complaint", "inspection", "rma", "management_review", "self_assessment", "other"]
NcState = Literal["open", "analysed", "actions_planned", "verifying", "closed", "cancelled"]
ActionKind = Literal["containment", "corrective", "preventive"]
ActionState = Literal["open", "done"]
Verdict = Literal["effective", "not_effective"]
Origin = Literal["nonconformity", "management_review", "complaint_trend", "suggestion", "self_assessment", "other"]
ImpState = Literal["proposed", "approved", "implemented", "evaluated", "closed"]
Effectiveness = Literal["effective", "partly", "not_effective"]
ReviewState = Literal["draft", "held", "closed"]
DecisionKind = Literal["improvement", "corrective"]
Username = Field(min_length=1, max_length=64)
Text = Field("", max_length=5000)


# --- checklist templates --------------------------------------------------------------------

class AuditTemplateItemIn(Schema):
    question: str = Field(min_length=1, max_length=1000)
    reference: str = Field("", max_length=200)


class AuditTemplateIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    active: bool = True
    items: list[AuditTemplateItemIn] = Field(min_length=1, max_length=300)


class AuditTemplatePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    active: bool | None = None
    items: list[AuditTemplateItemIn] | None = Field(None, min_length=1, max_length=300)
    version: int | None = None


class AuditTemplateItemOut(OutSchema):
    position: int
    question: str
    reference: str


class AuditTemplateOut(OutSchema):
    id: int
    name: str
    description: str
    active: bool
    items: list[AuditTemplateItemOut]
    version: int


class AuditTemplateQuery(ListQuery):
    q: str | None = Field(None, max_length=100)
    active: bool | None = None


# --- audits ---------------------------------------------------------------------------------

class AuditIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    scope: str = Field("", max_length=5000)
    criteria: str | None = Field(None, max_length=2000)
    departments: list[Department] = Field(default_factory=list, max_length=5)
    dealer_codes: list[str] = Field(default_factory=list, max_length=100)
    planned_on: date
    lead_auditor: str = Username
    auditors: list[str] = Field(default_factory=list, max_length=20)
    auditees: list[str] = Field(default_factory=list, max_length=50)
    template_id: int | None = None
    items: list[AuditTemplateItemIn] = Field(default_factory=list, max_length=300)


class AuditPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    scope: str | None = Field(None, max_length=5000)
    criteria: str | None = Field(None, max_length=2000)
    departments: list[Department] | None = Field(None, max_length=5)
    dealer_codes: list[str] | None = Field(None, max_length=100)
    planned_on: date | None = None
    lead_auditor: str | None = Field(None, min_length=1, max_length=64)
    auditors: list[str] | None = Field(None, max_length=20)
    auditees: list[str] | None = Field(None, max_length=50)
    version: int | None = None


class AuditItemPatch(Schema):
    result: Result | None = None
    evidence: str | None = Field(None, max_length=5000)
    version: int | None = Field(None, description="the audit's version (optional)")


class AuditActionIn(Schema):
    version: int


class AuditReportIn(AuditActionIn):
    report: str = Field(min_length=1, max_length=20000)


class AuditCancelIn(AuditActionIn):
    reason: str = Field(min_length=1, max_length=2000)


class AuditAttachmentOut(OutSchema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class AuditItemOut(OutSchema):
    id: int
    position: int
    question: str
    reference: str
    result: Result | None
    evidence: str
    nonconformities: list[str]
    attachments: list[AuditAttachmentOut]


class AuditOut(OutSchema):
    id: int
    number: str
    title: str
    scope: str
    criteria: str
    departments: list[str]
    dealer_codes: list[str]
    planned_on: str
    lead_auditor: str
    auditors: list[str]
    auditees: list[str]
    state: AuditState
    report: str
    cancel_reason: str
    items: list[AuditItemOut]
    actions: list[str]
    version: int
    created_at: str


class AuditQuery(ListQuery):
    q: str | None = Field(None, max_length=100)
    state: AuditState | None = None
    year: int | None = Field(None, ge=2000, le=2100)
    lead_auditor: str | None = Field(None, max_length=64)
    sort: Literal["planned_on", "-planned_on", "number", "-number", "state", "-state"] = "-planned_on"


class AuditProgrammeQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


class AuditProgrammeItemOut(OutSchema):
    id: int
    number: str
    title: str
    planned_on: str
    state: AuditState
    lead_auditor: str


class AuditProgrammeOut(OutSchema):
    year: int
    minimum: int
    planned_or_done: int
    done: int
    met: bool
    audits: list[AuditProgrammeItemOut]


# --- nonconformities and actions ------------------------------------------------------------

class AuditNonconformityIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    severity: Severity
    department: str | None = Field(None, max_length=40, description="a department role id or a dealer code")
    dealer_code: str | None = Field(None, max_length=32)
    source: Source = "other"
    source_model: str | None = Field(None, max_length=64)
    source_id: int | None = Field(None, ge=1)
    audit_id: int | None = None
    audit_item_id: int | None = None
    owner: str | None = Field(None, max_length=64)
    due_on: date | None = None


class AuditAnalyseIn(AuditActionIn):
    root_cause: str = Field(min_length=1, max_length=5000)
    containment: str = Field(min_length=1, max_length=5000)


class AuditVerifyIn(AuditActionIn):
    verdict: Verdict
    evidence: str = Field(min_length=1, max_length=5000)
    early_reason: str | None = Field(None, max_length=2000)


class AuditCorrectiveActionIn(Schema):
    nonconformity_id: int
    kind: ActionKind
    description: str = Field(min_length=1, max_length=2000)
    owner: str = Username
    due_on: date


class AuditActionDoneIn(AuditActionIn):
    note: str = Field(min_length=1, max_length=5000)
    evidence: str = Field("", max_length=5000)


class AuditCorrectiveActionOut(OutSchema):
    id: int
    nonconformity_id: int
    nonconformity_number: str
    kind: ActionKind
    description: str
    owner: str
    due_on: str
    state: ActionState
    overdue: bool
    done_on: str | None
    note: str
    evidence: str
    round: int
    version: int


class AuditCheckOut(OutSchema):
    verdict: Verdict
    evidence: str
    early_reason: str
    verifier: str
    checked_on: str
    due_on: str | None


class AuditNonconformityOut(OutSchema):
    id: int
    number: str
    title: str
    description: str
    severity: Severity
    department: str
    dealer_code: str | None
    source: Source
    source_model: str | None
    source_id: int | None
    source_title: str
    source_url: str
    audit_number: str | None
    audit_item_id: int | None
    owner: str | None
    raised_by: str
    due_on: str | None
    overdue: bool
    root_cause: str
    containment: str
    state: NcState
    cancel_reason: str
    verification_due_on: str | None
    reopened: int
    actions: list[AuditCorrectiveActionOut]
    checks: list[AuditCheckOut]
    allowed_actions: list[str]
    version: int
    created_at: str


class AuditNonconformityQuery(ListQuery):
    q: str | None = Field(None, max_length=100)
    state: NcState | None = None
    severity: Severity | None = None
    department: str | None = Field(None, max_length=40)
    source: Source | None = None
    owner: str | None = Field(None, max_length=64)
    audit_id: int | None = None
    overdue: bool | None = None
    sort: Literal["number", "-number", "due_on", "-due_on", "state", "-state", "severity", "-severity"] = "-number"


class AuditCorrectiveActionQuery(ListQuery):
    state: ActionState | None = None
    kind: ActionKind | None = None
    owner: str | None = Field(None, max_length=64)
    nonconformity_id: int | None = None
    overdue: bool | None = None
    sort: Literal["due_on", "-due_on", "id", "-id"] = "due_on"


# --- improvements ---------------------------------------------------------------------------

class AuditImprovementIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    origin: Origin
    link: str = Field("", max_length=300)
    description: str = Field("", max_length=5000)
    owner: str | None = Field(None, max_length=64)
    indicator: str = Field("", max_length=200)
    baseline: str = Field("", max_length=200)
    target: str = Field("", max_length=200)
    due_on: date | None = None


class AuditImprovementPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    link: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=5000)
    owner: str | None = Field(None, max_length=64)
    indicator: str | None = Field(None, max_length=200)
    baseline: str | None = Field(None, max_length=200)
    target: str | None = Field(None, max_length=200)
    due_on: date | None = None
    version: int | None = None


class AuditImplementIn(AuditActionIn):
    result: str = Field(min_length=1, max_length=5000)


class AuditEvaluateIn(AuditActionIn):
    effectiveness: Effectiveness
    text: str = Field(min_length=1, max_length=5000)


class AuditImprovementOut(OutSchema):
    id: int
    number: str
    title: str
    origin: Origin
    link: str
    description: str
    owner: str
    indicator: str
    baseline: str
    target: str
    result: str
    due_on: str | None
    overdue: bool
    state: ImpState
    effectiveness: Effectiveness | None
    evaluation_text: str
    evaluated_by: str | None
    actions: list[str]
    version: int
    created_at: str


class AuditImprovementQuery(ListQuery):
    q: str | None = Field(None, max_length=100)
    state: ImpState | None = None
    origin: Origin | None = None
    owner: str | None = Field(None, max_length=64)
    overdue: bool | None = None
    sort: Literal["number", "-number", "due_on", "-due_on", "state", "-state"] = "-number"


class AuditImprovementExportQuery(AuditImprovementQuery):
    format: Literal["xlsx", "csv"] = "xlsx"


# --- management reviews ---------------------------------------------------------------------

class AuditReviewIn(Schema):
    period_from: date
    period_to: date
    chair: str = Username
    participants: list[str] = Field(default_factory=list, max_length=50)


class AuditDecisionIn(Schema):
    text: str = Field(min_length=1, max_length=2000)
    owner: str = Username
    due_on: date
    kind: DecisionKind


class AuditHoldIn(AuditActionIn):
    held_on: date
    decisions: list[AuditDecisionIn] = Field(default_factory=list, max_length=50)


class AuditFigureOut(OutSchema):
    label: str
    value: str | int | float


class AuditSectionOut(OutSchema):
    title: str
    figures: list[AuditFigureOut]


class AuditDecisionOut(OutSchema):
    text: str
    owner: str
    due_on: str
    kind: DecisionKind
    record: str | None


class AuditReviewOut(OutSchema):
    id: int
    number: str
    period_from: str
    period_to: str
    held_on: str | None
    chair: str
    participants: list[str]
    state: ReviewState
    inputs: list[AuditSectionOut]
    inputs_frozen_at: str
    decisions: list[AuditDecisionOut]
    actions: list[str]
    version: int
    created_at: str


class AuditReviewQuery(ListQuery):
    q: str | None = Field(None, max_length=100)
    state: ReviewState | None = None
    sort: Literal["period_to", "-period_to", "number", "-number"] = "-period_to"
