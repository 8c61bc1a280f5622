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


@hookspec
def spares_rma_lookup(dealer, user, text, exact, limit):
    """Returns ``user`` may see whose number (approval or filing number) contains ``text``.

    ``exact`` asks for the return numbered exactly ``text`` (case-insensitive); ``dealer``
    (None: any dealer the user sees) narrows to one dealer's returns. Return a list of at most
    ``limit`` dicts ``{"id": int, "number": str, "url": str}``, newest first. Used by the
    application form's return picker and to accept ``rma_number``; implemented by ``spares_rma``.
    """


@hookspec
def spares_rma_refs(rma_ids):
    """``{rma_id: {"number": str, "url": str}}`` for the returns named by applications.

    Lets the application's page link to its return and the API answer ``rma_number``;
    implemented by ``spares_rma`` (ids it does not know are left out).
    """
