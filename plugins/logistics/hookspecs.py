"""Hooks the logistics plugin offers to other plugins."""
from __future__ import annotations

from core.toolkit import hookspec


@hookspec
def logistics_exception_state_changed(logistics_exception, old_state, new_state, actor):
    """Event, after commit: a transport exception record moved between workflow states.

    ``logistics_exception`` is the :class:`plugins.logistics.models.LogisticsException`;
    states are ``draft``, ``filed``, ``accepted``, ``refused``, ``resolved``.
    """
