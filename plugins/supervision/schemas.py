"""API bodies and responses of the supervision plugin (names are a contract)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from core.toolkit import ListQuery, OutSchema, Schema

Channel = Literal["hotline", "online", "letter", "visit", "suggestion_form", "dealer"]
Department = Literal["customer_service", "technical", "order_dept", "dealer"]
AssessedDepartment = Literal["customer_service", "technical"]
JobDepartment = Literal["customer_service", "technical"]
Severity = Literal["low", "medium", "high"]
ComplaintState = Literal["received", "in_progress", "resolved", "closed"]
Step = Literal["thanked", "listened", "facts", "wish", "compensated"]
Feedback = Literal["satisfied", "unsatisfied"]
Source = Literal["rma", "service", "manual"]
FormChannel = Literal["phone_followup", "customer_form", "visit"]
Grade = Literal["A", "B", "C", "D", "E"]
AssessmentState = Literal["draft", "submitted", "confirmed", "distributed"]
Sanction = Literal["warning", "transfer", "demotion", "dismissal"]
InspectionState = Literal["draft", "submitted", "reviewed", "published"]
Answer = Literal["yes", "no", "n_a"]
Month = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
Phone = Field("", max_length=40, pattern=r"^[0-9+\- ]*$")


class SupervisionActionIn(Schema):
    version: int
    comment: str = Field("", max_length=2000)


# --- complaints -----------------------------------------------------------------------

class SupervisionComplaintIn(Schema):
    channel: Channel
    received_at: datetime | None = Field(None, description="default now; a time without zone is business local time")
    customer_name: str = Field(min_length=1, max_length=120)
    customer_phone: str = Phone
    dealer_code: str | None = Field(None, max_length=32)
    department: Department
    rma_number: str | None = Field(None, max_length=32)
    serial: str | None = Field(None, max_length=64)
    description: str = Field(min_length=1, max_length=4000)
    severity: Severity = "medium"


class SupervisionStepIn(Schema):
    version: int
    step: Step
    note: str = Field("", max_length=4000)
    amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)


class SupervisionCloseIn(SupervisionActionIn):
    feedback: Feedback


class SupervisionStepOut(OutSchema):
    step: Step
    note: str
    amount: str | None
    by: str | None
    at: str


class SupervisionComplaintOut(OutSchema):
    id: int
    number: str
    channel: Channel
    received_at: str
    customer_name: str
    customer_phone: str
    dealer_code: str | None
    department: Department
    rma_number: str | None
    serial: str | None
    description: str
    severity: Severity
    state: ComplaintState
    steps: list[SupervisionStepOut]
    next_step: Step | None
    first_response_at: str | None
    response_due_at: str
    overdue: bool
    feedback: Feedback | None
    actions: list[str]
    version: int
    created_at: str


class SupervisionComplaintQuery(ListQuery):
    q: str | None = Field(None, max_length=100, description="number, customer, RMA number or serial")
    state: ComplaintState | None = None
    channel: Channel | None = None
    department: Department | None = None
    severity: Severity | None = None
    dealer_code: str | None = Field(None, max_length=32)
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    overdue: bool | None = None
    sort: Literal["received_at", "-received_at", "number", "-number", "state", "-state"] = "-received_at"


# --- service jobs and feedback forms --------------------------------------------------

class SupervisionJobIn(Schema):
    source: Source = "manual"
    reference: str = Field(min_length=1, max_length=80)
    department: JobDepartment = "customer_service"
    completed_at: datetime
    customer_name: str = Field("", max_length=120)
    customer_phone: str = Phone
    dealer_code: str | None = Field(None, max_length=32)


class SupervisionJobOut(OutSchema):
    id: int
    source: Source
    reference: str
    department: str
    completed_at: str
    month: str
    customer_name: str
    customer_phone: str
    dealer_code: str | None
    has_feedback: bool
    feedback_form_id: int | None
    verified: bool
    created_at: str


class SupervisionJobQuery(ListQuery):
    q: str | None = Field(None, max_length=100)
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    department: JobDepartment | None = None
    source: Source | None = None
    dealer_code: str | None = Field(None, max_length=32)
    has_feedback: bool | None = None
    sort: Literal["completed_at", "-completed_at", "reference", "-reference"] = "-completed_at"


class SupervisionFormIn(Schema):
    service_job_id: int = Field(ge=1)
    channel: FormChannel
    timeliness: Grade
    repair_quality: Grade
    attitude: Grade
    comments: str = Field("", max_length=4000)


class SupervisionFormOut(OutSchema):
    id: int
    service_job_id: int
    reference: str
    department: str
    month: str
    channel: FormChannel
    timeliness: Grade
    repair_quality: Grade
    attitude: Grade
    points: int
    comments: str
    verified: bool
    verified_at: str | None
    version: int
    created_at: str
    actions: list[str]


class SupervisionFormQuery(ListQuery):
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    department: JobDepartment | None = None
    verified: bool | None = None


class SupervisionVersionIn(Schema):
    version: int


# --- monthly assessments --------------------------------------------------------------

class SupervisionAssessmentIn(Schema):
    month: str = Month
    department: AssessedDepartment = "customer_service"


class SupervisionConfirmIn(SupervisionActionIn):
    sanction: Sanction | None = None


class SupervisionShareIn(Schema):
    username: str = Field(min_length=1, max_length=64)
    amount: Decimal = Field(max_digits=12, decimal_places=2)


class SupervisionDistributeIn(SupervisionActionIn):
    lines: list[SupervisionShareIn] = Field(max_length=500)


class SupervisionJobLineOut(OutSchema):
    job_id: int
    reference: str
    completed_at: str
    form_id: int | None
    grades: list[str | None] | None
    points: int
    verified: bool
    no_feedback: bool


class SupervisionLateOut(OutSchema):
    job_id: int
    reference: str
    form_id: int | None
    points: int | None
    after: Literal["confirmation"]


class SupervisionShareOut(OutSchema):
    username: str
    amount: str


class SupervisionAssessmentOut(OutSchema):
    id: int
    month: str
    department: str
    state: AssessmentState
    jobs: int
    total: int
    average: str | None
    previous_average: str | None
    delta: str | None
    outcome: Literal["reward", "penalty", "none"]
    amount: str
    special: Literal["all_top", "all_bottom"] | None
    special_amount: str
    complaints: int
    complaints_passed: bool
    complaint_penalty: str
    sanction_proposed: bool
    sanction: Sanction | None
    net_amount: str
    details: list[SupervisionJobLineOut]
    late: list[SupervisionLateOut]
    lines: list[SupervisionShareOut]
    actions: list[str]
    version: int
    computed_at: str | None
    confirmed_at: str | None


class SupervisionAssessmentQuery(ListQuery):
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    department: AssessedDepartment | None = None
    state: AssessmentState | None = None


# --- inspections ----------------------------------------------------------------------

class SupervisionAnswerIn(Schema):
    id: int | None = None
    position: int | None = Field(None, ge=0, le=500)
    answer: Answer
    note: str = Field("", max_length=500)


class SupervisionInspectionIn(Schema):
    subject_department: Literal["customer_service", "technical", "order_dept"] | None = None
    dealer_code: str | None = Field(None, max_length=32)
    visited_at: datetime
    place: str = Field("", max_length=200)
    template_id: int | None = None
    observations: str = Field("", max_length=8000)
    answers: list[SupervisionAnswerIn] = Field([], max_length=200)


class SupervisionInspectionPatch(Schema):
    place: str | None = Field(None, max_length=200)
    observations: str | None = Field(None, max_length=8000)
    answers: list[SupervisionAnswerIn] | None = Field(None, max_length=200)
    version: int | None = None


class SupervisionAnswerOut(OutSchema):
    id: int
    text: str
    weight: int
    answer: Answer
    note: str


class SupervisionEvidenceOut(OutSchema):
    id: int
    filename: str
    content_type: str
    size: int
    purpose: str


class SupervisionInspectionOut(OutSchema):
    id: int
    number: str
    inspector: str
    subject_department: str | None
    dealer_code: str | None
    visited_at: str
    place: str
    template_id: int | None
    observations: str
    score: str | None
    state: InspectionState
    answers: list[SupervisionAnswerOut]
    evidence: list[SupervisionEvidenceOut]
    actions: list[str]
    version: int
    published_at: str | None


class SupervisionInspectionQuery(ListQuery):
    state: InspectionState | None = None
    subject_department: Literal["customer_service", "technical", "order_dept"] | None = None
    dealer_code: str | None = Field(None, max_length=32)


class SupervisionInspectorIn(Schema):
    username: str = Field(min_length=1, max_length=64)
    active: bool = True


class SupervisionInspectorOut(OutSchema):
    id: int
    username: str
    display_name: str
    alias: str
    active: bool


class SupervisionItemIn(Schema):
    text: str = Field(min_length=1, max_length=300)
    weight: int = Field(ge=1, le=100)


class SupervisionTemplateIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    items: list[SupervisionItemIn] = Field(min_length=1, max_length=100)
    active: bool = True


class SupervisionTemplatePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    items: list[SupervisionItemIn] | None = Field(None, min_length=1, max_length=100)
    active: bool | None = None


class SupervisionItemOut(OutSchema):
    id: int
    text: str
    weight: int


class SupervisionTemplateOut(OutSchema):
    id: int
    name: str
    active: bool
    items: list[SupervisionItemOut]


# --- visits and suggestions -----------------------------------------------------------

class SupervisionVisitIn(Schema):
    customer_name: str = Field(min_length=1, max_length=120)
    customer_class: Literal["A", "B", "C"] = "A"
    dealer_code: str | None = Field(None, max_length=32)
    visited_on: date
    participants: str = Field("", max_length=300)
    opinions: str = Field("", max_length=8000)
    follow_up: str = Field("", max_length=4000)
    follow_up_done: bool = False


class SupervisionVisitPatch(Schema):
    customer_name: str | None = Field(None, min_length=1, max_length=120)
    customer_class: Literal["A", "B", "C"] | None = None
    visited_on: date | None = None
    participants: str | None = Field(None, max_length=300)
    opinions: str | None = Field(None, max_length=8000)
    follow_up: str | None = Field(None, max_length=4000)
    follow_up_done: bool | None = None
    version: int | None = None


class SupervisionVisitOut(OutSchema):
    id: int
    customer_name: str
    customer_class: str
    dealer_code: str | None
    visited_on: str
    participants: str
    opinions: str
    follow_up: str
    follow_up_done: bool
    version: int


class SupervisionVisitQuery(ListQuery):
    q: str | None = Field(None, max_length=100)
    customer_class: Literal["A", "B", "C"] | None = None
    follow_up_done: bool | None = None


class SupervisionSuggestionOut(OutSchema):
    id: int
    name: str
    contact: str
    place: str
    text: str
    state: Literal["new", "complaint", "improvement", "dismissed"]
    complaint_id: int | None
    note: str
    improvement_ref: str | None
    improvement_url: str | None
    created_at: str
    version: int
    actions: list[str]


class SupervisionSuggestionQuery(ListQuery):
    q: str | None = Field(None, max_length=100)
    state: Literal["new", "complaint", "improvement", "dismissed"] | None = None


class SupervisionToComplaintIn(SupervisionActionIn):
    department: Department
    severity: Severity = "medium"
    customer_name: str | None = Field(None, max_length=120)
    customer_phone: str | None = Field(None, max_length=40, pattern=r"^[0-9+\- ]*$")
    dealer_code: str | None = Field(None, max_length=32)
