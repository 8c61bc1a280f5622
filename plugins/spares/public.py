"""What other plugins may use from the spares plugin (link plugins import only this module).

Models ``Application``, ``ApplicationLine``, ``Movement`` and the ``MovementOut`` schema;
obligation rules ``Rules`` (``Rules.load()``), ``describe_rule``, ``latest_reports``,
``report_quantities``; ``spare_part(sku)``, ``viewer(user)``; stock: ``issue_for_rma``,
``issue_from_head_office(lines, reference, actor, field)`` (parts for a job outside spares, such
as an on-site service visit: all lines or none, 422 ``insufficient_stock`` when stock is short)
and ``serialize_movement``.
"""
from __future__ import annotations

from plugins.spares.models import Application, ApplicationLine, Movement  # noqa: F401
from plugins.spares.schemas import MovementOut  # noqa: F401
from plugins.spares.services import (Rules, describe_rule, issue_for_rma, issue_from_head_office,  # noqa: F401
                                     latest_reports, report_quantities, serialize_movement, spare_part, viewer)

__all__ = ["Application", "ApplicationLine", "Movement", "MovementOut", "Rules", "describe_rule", "issue_for_rma",
           "issue_from_head_office", "latest_reports", "report_quantities", "serialize_movement", "spare_part", "viewer"]
