"""What other plugins may use from the service plugin (link plugins import only this module).

``get_request(id, user)``: a service request the user may see (404 otherwise);
``check_version(record, version)``: the optimistic-lock check (stale: 409);
the services a link plugin's demo data walks a request through: ``create_request(data, actor)``,
``reply``, ``schedule``, ``start_visit``, ``create_visit(record, data, actor)`` and ``now()``
(the plugin's clock, which tests move).
"""
from __future__ import annotations

from plugins.service.services import (check_version, create_request, create_visit, get_request, now,  # noqa: F401
                                      reply, schedule, start_visit)

__all__ = ["check_version", "create_request", "create_visit", "get_request", "now", "reply", "schedule",
           "start_visit"]
