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


@hookspec(firstresult=True)
def supervision_suggestion_improvement(supervision_suggestion, note, actor):
    """Inside the transaction: supervision took a public suggestion as an improvement.

    ``supervision_suggestion`` is the :class:`plugins.supervision.models.Suggestion` (state
    ``improvement``), ``note`` what supervision wrote will be improved, ``actor`` the user.
    An implementation records the improvement elsewhere (the ``supervision_audit`` link plugin
    proposes an improvement record in the audit plugin) without committing, and returns
    ``{"reference": str, "url": str | None}`` of what it created; the first answer wins and
    is shown on the suggestion. Without an implementation the suggestion only keeps the note.
    """
