"""Hooks the service plugin offers to other plugins."""
from __future__ import annotations

from core.toolkit import hookspec


@hookspec
def service_job_completed(job):
    """Event, after commit: a service job was completed.

    Fired with ``events.emit("service_job_completed", job=...)`` when an on-site visit
    record completes (co-signed) or a service request is resolved; once per request: the
    first completed visit announces the job, and resolving a request that has no completed
    visit (a phone-only resolution) announces it then. Listeners run only once the
    transaction carrying the change has committed (never on rollback). A listener that
    writes must call ``core.events.commit()`` itself.

    ``job`` is a plain dict::

        {
            "source": "service",
            "reference": "SR-2026-000012",      # the service request's number
            "department": "customer_service",
            "completed_at": datetime,           # timezone-aware
            "customer_name": str,
            "customer_phone": str,
            "dealer_code": str | None,          # the filing dealer, if any
        }
    """


@hookspec
def service_request_taken_back(request, actor):
    """Event, after commit: the unit of service request ``request`` was taken back for repair.

    ``request`` is a :class:`plugins.service.models.ServiceRequest` in state ``taken_back``;
    ``actor`` the user who took it back. The ``service_rma`` link plugin opens a draft return
    from it. A listener that writes must call ``core.events.commit()`` itself.
    """
