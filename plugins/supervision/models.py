"""Supervision records: complaints, service jobs and their feedback forms, the monthly
assessment, secret inspectors and inspections, customer visits, public suggestions."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_babel import lazy_gettext as _l

from core.toolkit import Timestamped, UTCDateTime, Versioned, db, utcnow

CHANNELS = ("hotline", "online", "letter", "visit", "suggestion_form", "dealer")
DEPARTMENTS = ("customer_service", "technical", "order_dept", "dealer")
ASSESSED_DEPARTMENTS = ("customer_service", "technical")
DEPARTMENT_LABELS = {"customer_service": _l("Customer service department"), "technical": _l("Technical department"),
                     "order_dept": _l("Order department"), "dealer": _l("Dealer")}
SEVERITIES = ("low", "medium", "high")
COMPLAINT_STATES = ("received", "in_progress", "resolved", "closed")
STEPS = ("thanked", "listened", "facts", "wish", "compensated")
FEEDBACKS = ("satisfied", "unsatisfied")
JOB_SOURCES = ("rma", "service", "manual")
FORM_CHANNELS = ("phone_followup", "customer_form", "visit")
GRADES = ("A", "B", "C", "D", "E")
GRADE_POINTS = {"A": 2, "B": 1, "C": 0, "D": -1, "E": -2}
ASSESSMENT_STATES = ("draft", "submitted", "confirmed", "distributed")
OUTCOMES = ("reward", "penalty", "none")
SPECIALS = ("all_top", "all_bottom")
SANCTIONS = ("warning", "transfer", "demotion", "dismissal")
INSPECTION_STATES = ("draft", "submitted", "reviewed", "published")
ANSWERS = ("yes", "no", "n_a")
CUSTOMER_CLASSES = ("A", "B", "C")
SUGGESTION_STATES = ("new", "complaint", "improvement", "dismissed")


class Complaint(Timestamped, Versioned, db.Model):
    __tablename__ = "supervision_complaint"
    __activity_model__ = "supervision_complaint"
    __table_args__ = (Index("ix_supervision_complaint_dept_received", "department", "received_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    customer_name: Mapped[str] = mapped_column(String(120))
    customer_phone: Mapped[str] = mapped_column(String(40), default="")
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("core_dealer.id"), index=True)
    department: Mapped[str] = mapped_column(String(20))
    rma_number: Mapped[str] = mapped_column(String(32), default="")
    serial: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(10), default="medium")
    state: Mapped[str] = mapped_column(String(12), default="received", index=True)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    feedback: Mapped[str | None] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    dealer = relationship("Dealer", lazy="joined")
    steps: Mapped[list["ComplaintStep"]] = relationship(back_populates="complaint", cascade="all, delete-orphan",
                                                        lazy="selectin", order_by="ComplaintStep.id")


class ComplaintStep(db.Model):
    __tablename__ = "supervision_complaint_step"
    __table_args__ = (UniqueConstraint("complaint_id", "step", name="uq_supervision_complaint_step"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("supervision_complaint.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="steps")
    by = relationship("User", lazy="joined")


class ServiceJob(Timestamped, db.Model):
    """One completed repair job: it is followed up with a feedback form and counts in its month."""
    __tablename__ = "supervision_job"
    __activity_model__ = "supervision_job"
    __table_args__ = (UniqueConstraint("source", "reference", name="uq_supervision_job_ref"),
                      Index("ix_supervision_job_dept_completed", "department", "completed_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str] = mapped_column(String(80))
    department: Mapped[str] = mapped_column(String(20), default="customer_service")
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    customer_name: Mapped[str] = mapped_column(String(120), default="")
    customer_phone: Mapped[str] = mapped_column(String(40), default="")
    dealer_code: Mapped[str | None] = mapped_column(String(32))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    form: Mapped["FeedbackForm | None"] = relationship(back_populates="job", lazy="selectin", uselist=False)


class FeedbackForm(Timestamped, Versioned, db.Model):
    """The feedback form (意见反馈表): three items graded A..E; counts once supervision verified it."""
    __tablename__ = "supervision_feedback_form"
    __activity_model__ = "supervision_feedback_form"
    id: Mapped[int] = mapped_column(primary_key=True)
    service_job_id: Mapped[int] = mapped_column(ForeignKey("supervision_job.id", ondelete="CASCADE"),
                                                unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    timeliness: Mapped[str] = mapped_column(String(1))
    repair_quality: Mapped[str] = mapped_column(String(1))
    attitude: Mapped[str] = mapped_column(String(1))
    comments: Mapped[str] = mapped_column(Text, default="")
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    job: Mapped[ServiceJob] = relationship(back_populates="form")

    @property
    def points(self) -> int:
        return sum(GRADE_POINTS[g] for g in (self.timeliness, self.repair_quality, self.attitude))


class Assessment(Timestamped, Versioned, db.Model):
    """A department's monthly assessment (the seed's formula); frozen once submitted."""
    __tablename__ = "supervision_assessment"
    __activity_model__ = "supervision_assessment"
    __table_args__ = (UniqueConstraint("month", "department", name="uq_supervision_assessment_month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    department: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    jobs: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    average: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    previous_average: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    delta: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    outcome: Mapped[str] = mapped_column(String(8), default="none")
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    special: Mapped[str | None] = mapped_column(String(10))
    special_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    complaints: Mapped[int] = mapped_column(Integer, default=0)
    complaints_passed: Mapped[bool] = mapped_column(Boolean, default=True)
    complaint_penalty: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    sanction_proposed: Mapped[bool] = mapped_column(Boolean, default=False)
    sanction: Mapped[str | None] = mapped_column(String(10))
    net_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    details: Mapped[dict | None] = mapped_column(JSON)  # the jobs and forms behind the figures
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    distributed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list["AssessmentLine"]] = relationship(back_populates="assessment", cascade="all, delete-orphan",
                                                         lazy="selectin", order_by="AssessmentLine.id")


class AssessmentLine(db.Model):
    """One staff member's share of the department's reward (positive) or penalty (negative)."""
    __tablename__ = "supervision_assessment_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("supervision_assessment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    username: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    assessment: Mapped[Assessment] = relationship(back_populates="lines")


class Inspector(db.Model):
    """A secret inspector (秘密监察): only supervision and administrators ever see this table."""
    __tablename__ = "supervision_inspector"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), unique=True)
    alias_number: Mapped[int] = mapped_column(Integer, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    designated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    designated_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    @property
    def alias(self) -> str:
        return f"inspector #{self.alias_number}"


class ChecklistTemplate(Timestamped, db.Model):
    __tablename__ = "supervision_checklist_template"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    items: Mapped[list["ChecklistItem"]] = relationship(back_populates="template", cascade="all, delete-orphan",
                                                        lazy="selectin", order_by="ChecklistItem.position")


class ChecklistItem(db.Model):
    __tablename__ = "supervision_checklist_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("supervision_checklist_template.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(300))
    weight: Mapped[int] = mapped_column(Integer, default=1)
    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")


class Inspection(Timestamped, Versioned, db.Model):
    __tablename__ = "supervision_inspection"
    __activity_model__ = "supervision_inspection"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("supervision_inspector.id"), index=True)
    subject_department: Mapped[str | None] = mapped_column(String(20), index=True)
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("core_dealer.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    template_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_checklist_template.id"))
    observations: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    state: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    inspector: Mapped[Inspector] = relationship(lazy="joined")
    dealer = relationship("Dealer", lazy="joined")
    answers: Mapped[list["InspectionAnswer"]] = relationship(back_populates="inspection", cascade="all, delete-orphan",
                                                             lazy="selectin", order_by="InspectionAnswer.position")


class InspectionAnswer(db.Model):
    __tablename__ = "supervision_inspection_answer"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("supervision_inspection.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(300))
    weight: Mapped[int] = mapped_column(Integer, default=1)
    answer: Mapped[str] = mapped_column(String(4), default="n_a")
    note: Mapped[str] = mapped_column(String(500), default="")
    inspection: Mapped[Inspection] = relationship(back_populates="answers")


class CustomerVisit(Timestamped, Versioned, db.Model):
    """A regular visit to a key customer: who, when, participants, opinions, follow-up."""
    __tablename__ = "supervision_customer_visit"
    __activity_model__ = "supervision_customer_visit"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_name: Mapped[str] = mapped_column(String(120))
    customer_class: Mapped[str] = mapped_column(String(1), default="A")
    dealer_code: Mapped[str | None] = mapped_column(String(32))
    visited_on: Mapped[date] = mapped_column(Date, index=True)
    participants: Mapped[str] = mapped_column(String(300), default="")
    opinions: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    follow_up_done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))


class Suggestion(Timestamped, Versioned, db.Model):
    """An entry from the public suggestion form (建议表格) in a public place."""
    __tablename__ = "supervision_suggestion"
    __activity_model__ = "supervision_suggestion"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    contact: Mapped[str] = mapped_column(String(120), default="")
    place: Mapped[str] = mapped_column(String(120), default="")
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="new", index=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_complaint.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    improvement_ref: Mapped[str | None] = mapped_column(String(40))  # another plugin's improvement record
    improvement_url: Mapped[str | None] = mapped_column(String(300))


