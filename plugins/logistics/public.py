"""What other plugins may use from the logistics plugin (link plugins import only this module).

``LogisticsException`` (the transport exception record), ``get_exception(record_id, user)`` (scoped,
404 outside the caller's scope) and ``has_signed_document(record)``.
"""
from __future__ import annotations

from plugins.logistics.models import LogisticsException  # noqa: F401
from plugins.logistics.services import get_exception, has_signed_document  # noqa: F401

__all__ = ["LogisticsException", "get_exception", "has_signed_document"]
