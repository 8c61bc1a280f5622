"""What other plugins may use from the RMA plugin (link plugins import only this module).

``Rma``, ``RmaLine``: the return and its lines (read them; change them through services);
``create_rma(dealer, lines, actor, submit=False)``: open a return as a dealer would.
"""
from __future__ import annotations

from plugins.rma.models import Rma, RmaLine  # noqa: F401
from plugins.rma.services import create_rma  # noqa: F401

__all__ = ["Rma", "RmaLine", "create_rma"]
