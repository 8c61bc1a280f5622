"""Turn the service plugin's completed visit into a supervision service job (idempotent)."""
from __future__ import annotations

from sqlalchemy import select

from core.toolkit import db, events
from plugins.supervision import public as supervision
from plugins.supervision.public import ServiceJob


def job_from_service(job: dict):
    """Create the job unless that reference is already queued; commits (an after-commit listener)."""
    reference = str(job["reference"])[:80]
    if db.session.scalar(select(ServiceJob.id).where(ServiceJob.source == "service",
                                                     ServiceJob.reference == reference)):
        return None
    department = job.get("department") or "customer_service"
    record = supervision.create_job({
        "reference": reference, "department": department if department in ("customer_service", "technical")
        else "customer_service", "completed_at": job["completed_at"],
        "customer_name": (job.get("customer_name") or "")[:120], "customer_phone": (job.get("customer_phone") or "")[:40],
        "dealer_code": job.get("dealer_code") or None}, actor=None, source="service")
    events.commit()
    return record
