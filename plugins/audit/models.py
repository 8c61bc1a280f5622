"""Audits, checklist templates, nonconformities, corrective actions, effectiveness checks,
improvement records and management reviews. Users are stored as foreign keys (or, for the
member lists of an audit or review, as JSON lists of usernames) and named by username."""
from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import Timestamped, Versioned, db

DEPARTMENTS = ("order_dept", "technical", "customer_service", "supervision", "hr")
AUDIT_STATES = ("planned", "in_progress", "reported", "closed", "cancelled")
RESULTS = ("conform", "nonconform", "observation", "not_applicable")
SEVERITIES = ("major", "minor", "observation")
SOURCES = ("audit", "complaint", "inspection", "rma", "management_review", "self_assessment", "other")
NC_STATES = ("open", "analysed", "actions_planned", "verifying", "closed", "cancelled")
ACTION_KINDS = ("containment", "corrective", "preventive")
ACTION_STATES = ("open", "done")
VERDICTS = ("effective", "not_effective")
ORIGINS = ("nonconformity", "management_review", "complaint_trend", "suggestion", "self_assessment", "other")
IMP_STATES = ("proposed", "approved", "implemented", "evaluated", "closed")
EFFECTIVENESS = ("effective", "partly", "not_effective")
REVIEW_STATES = ("draft", "held", "closed")
DECISION_KINDS = ("improvement", "corrective")


class AuditChecklistTemplate(Timestamped, Versioned, db.Model):
    __tablename__ = "audit_checklist_template"
    __activity_model__ = "audit_checklist_template"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    items: Mapped[list["AuditChecklistTemplateItem"]] = relationship(
        back_populates="template", cascade="all, delete-orphan", lazy="selectin",
        order_by="AuditChecklistTemplateItem.position")


class AuditChecklistTemplateItem(db.Model):
    __tablename__ = "audit_checklist_template_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("audit_checklist_template.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    question: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(200), default="")
    template: Mapped[AuditChecklistTemplate] = relationship(back_populates="items")


class Audit(Timestamped, Versioned, db.Model):
    __tablename__ = "audit_audit"
    __activity_model__ = "audit_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(Text, default="")
    criteria: Mapped[str] = mapped_column(Text, default="")
    departments: Mapped[list] = mapped_column(JSON, default=list)
    dealer_codes: Mapped[list] = mapped_column(JSON, default=list)
    planned_on: Mapped[date] = mapped_column(Date, index=True)
    lead_auditor_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    auditors: Mapped[list] = mapped_column(JSON, default=list)
    auditees: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(12), default="planned", index=True)
    report: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    started_on: Mapped[date | None] = mapped_column(Date)
    reported_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    lead_auditor = relationship("User", foreign_keys=[lead_auditor_id], lazy="joined", innerjoin=True)
    items: Mapped[list["AuditItem"]] = relationship(back_populates="audit", cascade="all, delete-orphan",
                                                     lazy="selectin", order_by="AuditItem.position")


class AuditItem(db.Model):
    __tablename__ = "audit_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit_audit.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    question: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[str | None] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(Text, default="")
    audit: Mapped[Audit] = relationship(back_populates="items")


class Nonconformity(Timestamped, Versioned, db.Model):
    __tablename__ = "audit_nonconformity"
    __activity_model__ = "audit_nonconformity"
    __table_args__ = (Index("ix_audit_nonconformity_state_department", "state", "department"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(12))
    department: Mapped[str] = mapped_column(String(40), default="")
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("core_dealer.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    source_model: Mapped[str | None] = mapped_column(String(64))
    source_id: Mapped[int | None] = mapped_column(Integer)
    source_title: Mapped[str] = mapped_column(String(200), default="")
    source_url: Mapped[str] = mapped_column(String(300), default="")
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audit_audit.id"), index=True)
    audit_item_id: Mapped[int | None] = mapped_column(ForeignKey("audit_item.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), index=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    raised_on: Mapped[date] = mapped_column(Date, index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    root_cause: Mapped[str] = mapped_column(Text, default="")
    containment: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    verifying_since: Mapped[date | None] = mapped_column(Date)
    first_check_effective: Mapped[bool | None] = mapped_column(Boolean)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    closed_on: Mapped[date | None] = mapped_column(Date)

    owner = relationship("User", foreign_keys=[owner_id], lazy="joined")
    raised_by = relationship("User", foreign_keys=[raised_by_id], lazy="joined", innerjoin=True)
    dealer = relationship("Dealer", lazy="joined")
    audit = relationship(Audit, lazy="joined")
    actions: Mapped[list["CorrectiveAction"]] = relationship(
        back_populates="nonconformity", lazy="selectin", order_by="CorrectiveAction.id")
    checks: Mapped[list["EffectivenessCheck"]] = relationship(
        back_populates="nonconformity", lazy="selectin", order_by="EffectivenessCheck.id")


class CorrectiveAction(Timestamped, Versioned, db.Model):
    __tablename__ = "audit_corrective_action"
    __activity_model__ = "audit_corrective_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    nonconformity_id: Mapped[int] = mapped_column(ForeignKey("audit_nonconformity.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(8), default="open", index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    round: Mapped[int] = mapped_column(Integer, default=0)

    owner = relationship("User", foreign_keys=[owner_id], lazy="joined", innerjoin=True)
    nonconformity: Mapped[Nonconformity] = relationship(back_populates="actions", lazy="joined", innerjoin=True)


class EffectivenessCheck(Timestamped, db.Model):
    """One verification of a nonconformity; a not-effective one sends it back and stays in the history."""
    __tablename__ = "audit_effectiveness_check"
    id: Mapped[int] = mapped_column(primary_key=True)
    nonconformity_id: Mapped[int] = mapped_column(ForeignKey("audit_nonconformity.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(Text, default="")
    early_reason: Mapped[str] = mapped_column(Text, default="")
    verifier_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    checked_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)

    verifier = relationship("User", lazy="joined", innerjoin=True)
    nonconformity: Mapped[Nonconformity] = relationship(back_populates="checks")


class Improvement(Timestamped, Versioned, db.Model):
    __tablename__ = "audit_improvement"
    __activity_model__ = "audit_improvement"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(20), index=True)
    link: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(200), default="")
    baseline: Mapped[str] = mapped_column(String(200), default="")
    target: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    proposed_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(12), default="proposed", index=True)
    effectiveness: Mapped[str | None] = mapped_column(String(16))
    evaluation_text: Mapped[str] = mapped_column(Text, default="")
    evaluated_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    evaluated_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    owner = relationship("User", foreign_keys=[owner_id], lazy="joined", innerjoin=True)
    evaluated_by = relationship("User", foreign_keys=[evaluated_by_id], lazy="joined")


class ManagementReview(Timestamped, Versioned, db.Model):
    __tablename__ = "audit_management_review"
    __activity_model__ = "audit_management_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    held_on: Mapped[date | None] = mapped_column(Date)
    chair_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    participants: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(8), default="draft", index=True)
    inputs: Mapped[list] = mapped_column(JSON, default=list)
    inputs_frozen_at: Mapped[str] = mapped_column(String(40), default="")
    decisions: Mapped[list] = mapped_column(JSON, default=list)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    chair = relationship("User", foreign_keys=[chair_id], lazy="joined", innerjoin=True)
