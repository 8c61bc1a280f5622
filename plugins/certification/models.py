"""Criteria, self-assessments, controlled documents, training records, equipment and calibrations."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import Timestamped, UTCDateTime, Versioned, db

STATES = ("draft", "submitted", "approved")
LEVELS = ("not_compliant", "compliant", "three_star", "four_star", "five_star")
SPECIAL_KINDS = ("deduction", "bonus")
DOCUMENT_KINDS = (
    "service_manual", "procedure_response", "procedure_repair", "procedure_returns", "procedure_training",
    "procedure_callback", "work_instruction", "staff_roster", "appraisal", "premises", "contract_customer",
    "contract_supplier", "business_licence", "org_code", "tax_registration", "company_profile",
    "satisfaction_survey", "honour", "third_party_report", "public_welfare", "other",
)
DOCUMENT_STATUSES = ("current", "superseded")
AUDIENCES = ("staff", "customer", "dealer")
CALIBRATION_RESULTS = ("pass", "adjusted", "fail")
POINTS = Numeric(5, 1)


class Criterion(db.Model):
    """One check item of the indicator model; ``max_points`` is set by an administrator."""
    __tablename__ = "certification_criterion"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    area: Mapped[str] = mapped_column(String(2))
    indicator: Mapped[str] = mapped_column(String(4), index=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    max_points: Mapped[Decimal] = mapped_column(POINTS)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class SelfAssessment(Timestamped, Versioned, db.Model):
    __tablename__ = "certification_assessment"
    __activity_model__ = "certification_assessment"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    assessors: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    score: Mapped[Decimal] = mapped_column(POINTS, default=Decimal("0"))
    level: Mapped[str] = mapped_column(String(16), default="not_compliant")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    items: Mapped[list["AssessmentItem"]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", lazy="selectin", order_by="AssessmentItem.position")
    specials: Mapped[list["AssessmentSpecial"]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", lazy="selectin", order_by="AssessmentSpecial.id")


class AssessmentItem(db.Model):
    """A criterion as scored in one assessment (code, indicator and maximum copied when opened)."""
    __tablename__ = "certification_assessment_item"
    __table_args__ = (UniqueConstraint("assessment_id", "code", name="uq_certification_item_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("certification_assessment.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    area: Mapped[str] = mapped_column(String(2))
    indicator: Mapped[str] = mapped_column(String(4))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    max_points: Mapped[Decimal] = mapped_column(POINTS)
    points: Mapped[Decimal | None] = mapped_column(POINTS)
    not_applicable: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    evidence_links: Mapped[list] = mapped_column(JSON, default=list)
    improvement_ref: Mapped[str | None] = mapped_column(String(40))

    assessment: Mapped[SelfAssessment] = relationship(back_populates="items")


class AssessmentSpecial(db.Model):
    """A special deduction (-1, names a rectification) or the one special bonus (+1)."""
    __tablename__ = "certification_assessment_special"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("certification_assessment.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    rectification: Mapped[str] = mapped_column(Text, default="")
    nonconformity_ref: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assessment: Mapped[SelfAssessment] = relationship(back_populates="specials")


class Document(Timestamped, db.Model):
    """One version (``revision``, the API's ``version``) of a controlled document.

    A new version is a new row with the same ``code``; the old row becomes ``superseded``
    and stays readable (to the document keepers).
    """
    __tablename__ = "certification_document"
    __activity_model__ = "certification_document"
    __table_args__ = (UniqueConstraint("code", "revision", name="uq_certification_document_revision"),
                      Index("ix_certification_document_code_status", "code", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24), index=True)
    revision: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[date] = mapped_column(Date)
    approved_by: Mapped[str] = mapped_column(String(120))
    review_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), default="current", index=True)
    superseded_on: Mapped[date | None] = mapped_column(Date)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("certification_document.id"))
    attachment_id: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200), default="")
    file_size: Mapped[int] = mapped_column(Integer, default=0)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))


class TrainingRecord(Timestamped, db.Model):
    __tablename__ = "certification_training"
    __activity_model__ = "certification_training"
    id: Mapped[int] = mapped_column(primary_key=True)
    course: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    trainer: Mapped[str] = mapped_column(String(120))
    audience: Mapped[str] = mapped_column(String(10), default="staff")
    attendees: Mapped[list] = mapped_column(JSON, default=list)
    result: Mapped[str] = mapped_column(Text, default="")


class Equipment(Timestamped, db.Model):
    __tablename__ = "certification_equipment"
    __activity_model__ = "certification_equipment"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(120), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    purpose: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(120), default="")
    needs_calibration: Mapped[bool] = mapped_column(Boolean, default=True)
    calibration_interval_months: Mapped[int] = mapped_column(Integer, default=12)
    next_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Calibration(Timestamped, db.Model):
    __tablename__ = "certification_calibration"
    __activity_model__ = "certification_calibration"
    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("certification_equipment.id", ondelete="CASCADE"), index=True)
    calibrated_on: Mapped[date] = mapped_column(Date, index=True)
    due_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(10), default="pass")
    certificate_no: Mapped[str] = mapped_column(String(60), default="")
    performed_by: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    equipment: Mapped[Equipment] = relationship(lazy="joined", innerjoin=True)
