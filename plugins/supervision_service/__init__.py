"""Link between supervision and service: the service plugin's after-commit event
``service_job_completed(job)`` becomes a service job in the follow-up queue. Hookimpls only.

Contract (offered by ``plugins/service/hookspecs.py``): ``job`` is a dict
``{"source": "service", "reference": str, "department": "customer_service",
"completed_at": aware datetime, "customer_name": str, "customer_phone": str,
"dealer_code": str | None}``.
"""
from __future__ import annotations

from core.toolkit import hookimpl


@hookimpl
def service_job_completed(job):
    from plugins.supervision_service.services import job_from_service

    job_from_service(job)
