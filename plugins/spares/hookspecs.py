"""Hooks the spares plugin offers to other plugins."""
from __future__ import annotations

from core.toolkit import hookspec


@hookspec
def spares_validate_rma(rma_id, dealer):
    """Check an RMA id given on a spare-part application or an RMA stock issue.

    Return an error message when ``rma_id`` names no RMA (or one of another dealer than
    ``dealer``; ``dealer`` is None for a head-office issue), else None. Implemented by the
    link plugin ``spares_rma``; without it the id is kept as given (a plain integer).
    """


@hookspec
def spares_application_state_changed(spares_application, old_state, new_state, actor):
    """Event, after commit: a spare-part application moved from ``old_state`` to ``new_state``."""
