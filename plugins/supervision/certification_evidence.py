"""Supervision's records as GB/T 27922 evidence (the certification plugin's hook; unused when it is absent).

A5 监督 (complaint hotline and secret inspections, follow-up feedback forms, monthly
assessments), C1 顾客关系 (visits to key customers, satisfaction records, callbacks) and C2
投诉处理 (response times, complaints handled in all five steps with the customer's feedback).
Entries marked ``shortfall`` are records that speak against full points.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from core.toolkit import db, hookimpl, period_bounds, utcnow

CODES = ("A5.1", "A5.2", "A5.3", "C1.1", "C1.2", "C1.3", "C2.1", "C2.2")


def _url(endpoint: str, **args) -> str | None:
    try:
        return url_for(endpoint, **args)
    except RuntimeError:  # outside a request: no link
        return None


def _months(period_from, period_to) -> tuple[str, str]:
    return f"{period_from.year:04d}-{period_from.month:02d}", f"{period_to.year:04d}-{period_to.month:02d}"


@hookimpl(optionalhook=True)
def certification_evidence(criterion_code, period_from, period_to):
    if criterion_code not in CODES:
        return []
    from plugins.supervision.models import (STEPS, Assessment, Complaint, ComplaintStep, CustomerVisit, FeedbackForm,
                                            Inspection, ServiceJob)

    start, end = period_bounds(period_from, period_to)
    received = and_(Complaint.received_at >= start, Complaint.received_at < end)
    completed = and_(ServiceJob.completed_at >= start, ServiceJob.completed_at < end)
    visited = and_(CustomerVisit.visited_on >= period_from, CustomerVisit.visited_on <= period_to)
    verified = and_(FeedbackForm.verified.is_(True), FeedbackForm.service_job_id == ServiceJob.id)

    def count(stmt) -> int:
        return db.session.scalar(stmt) or 0

    def forms(*where) -> int:
        return count(select(func.count(FeedbackForm.id)).join(ServiceJob, verified).where(completed, *where))

    def assessments() -> dict:
        first, last = _months(period_from, period_to)
        return {"label": _("Monthly assessments confirmed by HR"), "url": _url("supervision.list_assessments"),
                "count": count(select(func.count(Assessment.id)).where(
                    Assessment.month >= first, Assessment.month <= last,
                    Assessment.state.in_(("confirmed", "distributed"))))}

    if criterion_code == "A5.1":
        return [{"label": _("Complaints received by supervision"), "url": _url("supervision.list_complaints"),
                 "count": count(select(func.count(Complaint.id)).where(received))},
                {"label": _("Complaints received on the hotline"),
                 "url": _url("supervision.list_complaints", channel="hotline"),
                 "count": count(select(func.count(Complaint.id)).where(received, Complaint.channel == "hotline"))},
                {"label": _("Secret inspections recorded"), "url": _url("supervision.list_inspections"),
                 "count": count(select(func.count(Inspection.id)).where(
                     Inspection.visited_at >= start, Inspection.visited_at < end, Inspection.state != "draft"))}]
    if criterion_code == "A5.2":
        jobs = count(select(func.count(ServiceJob.id)).where(completed))
        followed = forms()
        return [{"label": _("Completed service jobs"), "count": jobs, "url": _url("supervision.list_jobs")},
                {"label": _("Verified feedback forms"), "count": followed, "url": _url("supervision.list_jobs")},
                {"label": _("Completed jobs without a verified feedback form"), "count": jobs - followed,
                 "url": _url("supervision.list_jobs", has_feedback="0"), "shortfall": True}]
    if criterion_code == "A5.3":
        return [assessments()]
    if criterion_code == "C1.1":
        return [{"label": _("Visits to key customers"), "url": _url("supervision.list_visits"),
                 "count": count(select(func.count(CustomerVisit.id)).where(visited))}]
    if criterion_code == "C1.2":
        return [{"label": _("Verified feedback forms"), "count": forms(), "url": _url("supervision.list_jobs")},
                assessments()]
    if criterion_code == "C1.3":
        return [{"label": _("Follow-up calls with a feedback form"), "url": _url("supervision.list_jobs"),
                 "count": forms(FeedbackForm.channel == "phone_followup")},
                {"label": _("Customer visits with their follow-up done"), "url": _url("supervision.list_visits"),
                 "count": count(select(func.count(CustomerVisit.id)).where(
                     visited, CustomerVisit.follow_up_done.is_(True)))}]
    if criterion_code == "C2.1":
        in_time, late = db.session.execute(select(
            func.count(Complaint.id).filter(Complaint.first_response_at <= Complaint.response_due_at),
            func.count(Complaint.id).filter(
                (Complaint.first_response_at > Complaint.response_due_at)
                | (Complaint.first_response_at.is_(None) & (Complaint.response_due_at < utcnow()))))
            .where(received)).one()
        return [{"label": _("Complaints answered within the response time"), "count": in_time or 0,
                 "url": _url("supervision.list_complaints")},
                {"label": _("Complaints answered late or not yet answered"), "count": late or 0,
                 "url": _url("supervision.list_complaints", overdue="1"), "shortfall": True}]
    # C2.2: complaint records with the handling (all five steps), the result and the customer's feedback
    steps = (select(ComplaintStep.complaint_id).group_by(ComplaintStep.complaint_id)
             .having(func.count(ComplaintStep.id) >= len(STEPS)))
    total, handled, with_feedback = db.session.execute(select(
        func.count(Complaint.id), func.count(Complaint.id).filter(Complaint.id.in_(steps)),
        func.count(Complaint.id).filter(Complaint.state == "closed", Complaint.feedback.is_not(None)))
        .where(received)).one()
    return [{"label": _("Complaints handled in all five steps"), "count": handled or 0,
             "url": _url("supervision.list_complaints")},
            {"label": _("Complaints closed with the customer's feedback"), "count": with_feedback or 0,
             "url": _url("supervision.list_complaints", state="closed")},
            {"label": _("Complaints not yet handled in all five steps"), "count": (total or 0) - (handled or 0),
             "url": _url("supervision.list_complaints"), "shortfall": True}]
