"""Hooks the rma plugin offers to other plugins."""
from __future__ import annotations

from core.toolkit import hookspec


@hookspec
def rma_state_changed(rma, old_state, new_state, actor):
    """Event, after commit: ``rma`` moved from ``old_state`` to ``new_state`` by ``actor``.

    Fired by the core Workflow (``Workflow(event="rma_state_changed")``) once the
    transaction carrying the transition has committed. A listener that writes must call
    ``core.events.commit()`` itself.
    """


@hookspec
def rma_penalty_state_changed(penalty, old_state, new_state, actor):
    """Event, after commit: a penalty was confirmed or waived (``proposed`` -> ``confirmed``/``waived``)."""


@hookspec
def rma_penalty_disqualification_changed(penalty, old_state, new_state, actor):
    """Event, after commit: a proposed disqualification was confirmed or declined (``disqualification``)."""


@hookspec
def rma_freight_claim_state_changed(claim, old_state, new_state, actor):
    """Event, after commit: a freight claim was filed (``claimed``), approved or refused."""


@hookspec
def rma_line_checks(rma, line):
    """Return a list of extra blocking reason codes (strings) for ``line`` of ``rma``.

    Called while eligibility is computed (filing, editing, submitting). Results of every
    implementation are collected; any code makes the line not accepted, so it cannot be
    submitted. Return ``[]`` (or None) when the line is fine. ``line`` is an ``RmaLine``
    (possibly not yet flushed) with its ``product`` set.
    """
