"""API bodies and responses of the certification plugin (names are a contract)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from core.toolkit import ListQuery, OutSchema, Schema
from plugins.certification.models import DOCUMENT_KINDS

State = Literal["draft", "submitted", "approved"]
Level = Literal["not_compliant", "compliant", "three_star", "four_star", "five_star"]
DocumentKind = Literal[DOCUMENT_KINDS]  # type: ignore[valid-type]
Audience = Literal["staff", "customer", "dealer"]
Result = Literal["pass", "adjusted", "fail"]
Points = Field(None, ge=0, le=100, max_digits=4, decimal_places=1)
Name = Field(min_length=1, max_length=120)


# --- criteria ---------------------------------------------------------------------------

class CertificationCriterionOut(OutSchema):
    code: str
    area: str
    indicator: str
    title: str
    title_en: str
    max_points: float
    active: bool


class CertificationCriterionChange(Schema):
    code: str = Field(min_length=1, max_length=10)
    max_points: Decimal | None = Points
    active: bool | None = None


class CertificationCriteriaPatch(Schema):
    items: list[CertificationCriterionChange] = Field(min_length=1, max_length=200)


class CertificationCriteriaOut(OutSchema):
    items: list[CertificationCriterionOut]
    total: int
    page: int
    per_page: int
    pages: int
    total_points: float


# --- self-assessments -------------------------------------------------------------------

class SelfAssessmentIn(Schema):
    year: int = Field(ge=2000, le=2100)
    assessors: list[str] | None = Field(None, max_length=20)


class SelfAssessmentPatch(Schema):
    assessors: list[str] | None = Field(None, max_length=20)
    version: int | None = None


class SelfAssessmentCriterionPatch(Schema):
    points: Decimal | None = Points
    not_applicable: bool | None = None
    notes: str | None = Field(None, max_length=4000)
    evidence_links: list[str] | None = Field(None, max_length=20)
    version: int | None = None


class SelfAssessmentSpecialIn(Schema):
    kind: Literal["deduction", "bonus"]
    reason: str = Field(min_length=1, max_length=2000)
    rectification: str = Field("", max_length=2000)
    version: int | None = None


class SelfAssessmentActionIn(Schema):
    version: int
    comment: str = Field("", max_length=2000)


class EvidenceOut(OutSchema):
    label: str
    count: int
    url: str | None
    shortfall: bool = False


class SubtotalOut(OutSchema):
    code: str
    name: str
    name_en: str
    points: float
    max_points: float
    applicable_max: float
    percent: float | None


class IndicatorSubtotalOut(SubtotalOut):
    area: str


class AssessmentCriterionOut(OutSchema):
    code: str
    area: str
    indicator: str
    title: str
    title_en: str
    max_points: float
    points: float | None
    not_applicable: bool
    notes: str
    evidence_links: list[str]
    evidence: list[EvidenceOut]
    improvement_ref: str | None


class SpecialOut(OutSchema):
    id: int
    kind: Literal["deduction", "bonus"]
    reason: str
    rectification: str
    nonconformity_ref: str | None


class WarningOut(OutSchema):
    criterion_code: str
    code: str
    message: str


class SelfAssessmentOut(OutSchema):
    id: int
    year: int
    assessors: list[str]
    state: State
    score: float
    level: Level
    areas: list[SubtotalOut]
    indicators: list[IndicatorSubtotalOut]
    criteria: list[AssessmentCriterionOut]
    specials: list[SpecialOut]
    bonus: int
    deductions: int
    warnings: list[WarningOut]
    actions: list[str]
    submitted_at: str | None
    approved_at: str | None
    version: int
    created_at: str


class SelfAssessmentRowOut(OutSchema):
    id: int
    year: int
    assessors: list[str]
    state: State
    score: float
    level: Level
    bonus: int
    deductions: int
    version: int


class SelfAssessmentQuery(ListQuery):
    year: int | None = Field(None, ge=2000, le=2100)
    state: State | None = None
    level: Level | None = None
    sort: Literal["year", "-year", "score", "-score"] = "-year"


# --- documents ----------------------------------------------------------------------------

class DocumentIn(Schema):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    title: str = Field(min_length=1, max_length=200)
    kind: DocumentKind
    version: str = Field(min_length=1, max_length=20)
    effective_on: date
    approved_by: str = Name
    review_due_on: date | None = None


class DocumentVersionIn(Schema):
    version: str = Field(min_length=1, max_length=20)
    effective_on: date
    approved_by: str = Name
    title: str | None = Field(None, min_length=1, max_length=200)
    review_due_on: date | None = None


class DocumentPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    approved_by: str | None = Field(None, min_length=1, max_length=120)
    effective_on: date | None = None
    review_due_on: date | None = None


class DocumentFileOut(OutSchema):
    filename: str
    size: int
    url: str


class DocumentOut(OutSchema):
    id: int
    code: str
    title: str
    kind: str
    version: str
    effective_on: str
    approved_by: str
    review_due_on: str | None
    review_overdue: bool
    status: Literal["current", "superseded"]
    superseded_on: str | None
    previous_id: int | None
    file: DocumentFileOut | None
    created_at: str


class DocumentQuery(ListQuery):
    q: str | None = Field(None, max_length=100)
    kind: DocumentKind | None = None
    code: str | None = Field(None, max_length=40)
    status: Literal["current", "superseded"] | None = None
    review_due_before: date | None = None
    sort: Literal["code", "-code", "title", "-title", "effective_on", "-effective_on", "review_due_on",
                  "-review_due_on"] = "code"


# --- training, equipment, calibrations ----------------------------------------------------

class TrainingRecordIn(Schema):
    course: str = Field(min_length=1, max_length=200)
    held_on: date
    trainer: str = Name
    audience: Audience = "staff"
    attendees: list[str] = Field(min_length=1, max_length=500)
    result: str = Field("", max_length=4000)


class TrainingRecordPatch(Schema):
    course: str | None = Field(None, min_length=1, max_length=200)
    held_on: date | None = None
    trainer: str | None = Field(None, min_length=1, max_length=120)
    audience: Audience | None = None
    attendees: list[str] | None = Field(None, min_length=1, max_length=500)
    result: str | None = Field(None, max_length=4000)


class TrainingRecordOut(OutSchema):
    id: int
    course: str
    held_on: str
    trainer: str
    audience: Audience
    attendees: list[str]
    result: str


class TrainingRecordQuery(ListQuery):
    q: str | None = Field(None, max_length=100)
    year: int | None = Field(None, ge=2000, le=2100)
    audience: Audience | None = None
    sort: Literal["held_on", "-held_on", "course", "-course"] = "-held_on"


class EquipmentIn(Schema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    model: str = Field("", max_length=120)
    quantity: int = Field(1, ge=1, le=100_000)
    purpose: str = Field("", max_length=200)
    location: str = Field("", max_length=120)
    needs_calibration: bool = True
    calibration_interval_months: int = Field(12, ge=1, le=120)
    active: bool = True


class EquipmentPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=40)
    name: str | None = Field(None, min_length=1, max_length=200)
    model: str | None = Field(None, max_length=120)
    quantity: int | None = Field(None, ge=1, le=100_000)
    purpose: str | None = Field(None, max_length=200)
    location: str | None = Field(None, max_length=120)
    needs_calibration: bool | None = None
    calibration_interval_months: int | None = Field(None, ge=1, le=120)
    active: bool | None = None


class EquipmentOut(OutSchema):
    id: int
    code: str
    name: str
    model: str
    quantity: int
    purpose: str
    location: str
    needs_calibration: bool
    calibration_interval_months: int
    next_due_on: str | None
    overdue: bool
    active: bool


class EquipmentQuery(ListQuery):
    q: str | None = Field(None, max_length=100)
    overdue: bool | None = None
    active: bool | None = None
    sort: Literal["code", "-code", "name", "-name", "next_due_on", "-next_due_on"] = "code"


class CalibrationIn(Schema):
    equipment_code: str = Field(min_length=1, max_length=40)
    calibrated_on: date
    due_on: date | None = None
    result: Result = "pass"
    certificate_no: str = Field("", max_length=60)
    performed_by: str = Field("", max_length=120)
    notes: str = Field("", max_length=2000)


class CalibrationPatch(Schema):
    calibrated_on: date | None = None
    due_on: date | None = None
    result: Result | None = None
    certificate_no: str | None = Field(None, max_length=60)
    performed_by: str | None = Field(None, max_length=120)
    notes: str | None = Field(None, max_length=2000)


class CalibrationOut(OutSchema):
    id: int
    equipment_code: str
    equipment_name: str
    calibrated_on: str
    due_on: str
    result: Result
    certificate_no: str
    performed_by: str
    notes: str
    overdue: bool


class CalibrationQuery(ListQuery):
    equipment_code: str | None = Field(None, max_length=40)
    year: int | None = Field(None, ge=2000, le=2100)
    overdue: bool | None = None
    sort: Literal["calibrated_on", "-calibrated_on", "due_on", "-due_on"] = "-calibrated_on"


# --- evidence pack ------------------------------------------------------------------------

class EvidencePackQuery(Schema):
    year: int = Field(ge=2000, le=2100)


class EvidencePackItemOut(OutSchema):
    code: str
    title: str
    title_en: str
    status: Literal["present", "missing", "stale"]
    optional: bool
    evidence: list[EvidenceOut]


class EvidencePackCountsOut(OutSchema):
    present: int
    missing: int
    stale: int


class EvidencePackOut(OutSchema):
    year: int
    items: list[EvidencePackItemOut]
    counts: EvidencePackCountsOut
    complete: bool
