"""Hooks the supervision plugin offers to other plugins."""
from __future__ import annotations

from core.toolkit import hookspec


@hookspec
def supervision_assessment_state_changed(supervision_assessment, old_state, new_state, actor):
    """Event, after commit: a monthly assessment moved from ``old_state`` to ``new_state``.

    ``supervision_assessment`` is the :class:`plugins.supervision.models.Assessment`
    (``submitted``: figures frozen; ``confirmed``: HR made amounts and sanction final;
    ``distributed``: the department head split the amount among staff).
    """


@hookspec
def supervision_complaint_state_changed(supervision_complaint, old_state, new_state, actor):
    """Event, after commit: a complaint moved from ``old_state`` to ``new_state``
    (``received`` → ``in_progress`` → ``resolved`` → ``closed``)."""
