"""What other plugins may use from the supervision plugin (link plugins import only this module).

``ServiceJob``: a completed service job in the follow-up queue (read it to avoid duplicates);
``create_job(data, actor)``: queue a job (source, reference, department, completed_at, customer).
"""
from __future__ import annotations

from plugins.supervision.models import ServiceJob  # noqa: F401
from plugins.supervision.services import create_job  # noqa: F401

__all__ = ["ServiceJob", "create_job"]
