"""What other plugins may use from the service plugin (link plugins import only this module).

``get_request(id, user)``: a service request the user may see (404 otherwise);
``check_version(record, version)``: the optimistic-lock check (stale: 409).
"""
from __future__ import annotations

from plugins.service.services import check_version, get_request  # noqa: F401

__all__ = ["check_version", "get_request"]
