"""Link between supervision and rma: a resolved return's repaired or replaced lines are
completed service jobs, followed up with a feedback form. Hookimpls only."""
from __future__ import annotations

from core.toolkit import hookimpl


@hookimpl
def rma_state_changed(rma, old_state, new_state, actor):
    if new_state == "resolved" and old_state != "resolved":
        from plugins.supervision_rma.services import jobs_from_rma

        jobs_from_rma(rma)
