"""One service job per RMA line resolved by ``repair`` or ``replace`` (after the resolution committed)."""
from __future__ import annotations

from sqlalchemy import select

from core.toolkit import db, events, utcnow
from plugins.supervision import public as supervision
from plugins.supervision.public import ServiceJob

JOB_RESOLUTIONS = ("repair", "replace")


def reference(rma, index: int) -> str:
    return f"{rma.number} / line {index}"


def jobs_from_rma(rma) -> list[ServiceJob]:
    """Create the missing jobs (idempotent: a line already in the queue is skipped) and commit."""
    wanted = [(i, line) for i, line in enumerate(rma.lines, start=1) if line.resolution in JOB_RESOLUTIONS]
    if not wanted:
        return []
    refs = [reference(rma, i) for i, _line in wanted]
    existing = set(db.session.scalars(select(ServiceJob.reference).where(ServiceJob.source == "rma",
                                                                         ServiceJob.reference.in_(refs))))
    dealer = rma.dealer
    created = []
    for (i, _line), ref in zip(wanted, refs):
        if ref in existing:
            continue
        created.append(supervision.create_job({
            "reference": ref, "department": "customer_service", "completed_at": rma.resolved_at or utcnow(),
            "customer_name": dealer.name if dealer else "", "customer_phone": (dealer.phone if dealer else "") or "",
            "dealer_code": dealer.code if dealer else None}, actor=None, source="rma"))
    if created:
        events.commit()
    return created
