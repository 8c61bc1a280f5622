"""Hooks the audit plugin offers to other plugins.

Implement them with ``@hookimpl(optionalhook=True)`` so the implementing plugin also
works when audit is not enabled (the hook then simply has no caller).
"""
from __future__ import annotations

from core.toolkit import hookspec


@hookspec
def audit_review_inputs(period_from, period_to):
    """Return a list of sections of figures for a management review of the period.

    Each section is ``{"title": str, "figures": [{"label": str, "value": str|int|float}]}``.
    Titles and labels are already translated in the current locale: the review freezes
    them as they are when it is opened (a JSON snapshot that later data never changes).
    ``period_from`` and ``period_to`` are ``date`` objects (both inclusive). Return ``[]``
    when there is nothing to report.
    """


@hookspec
def audit_nonconformity_sources():
    """Return a list of record types from which a nonconformity may be raised.

    Each item is a dict::

        {"source": str,          # one of the nonconformity sources: complaint, inspection, rma, ...
         "source_model": str,    # the record's table name, e.g. "supervision_complaint"
         "load": callable(source_id: int, user) -> record | None,   # None when the user may not see it
         "describe": callable(record) -> {"title": str, "department": str | None,
                                           "url": str, "dealer_code": str | None}}

    ``POST /api/v1/nonconformities`` with ``source_model``/``source_id`` loads the record
    as the caller (404 when not visible) and links the nonconformity back to it; a
    "Raise nonconformity" button appears in the ``record_actions`` slot of any record
    page whose record's ``__tablename__`` is a registered ``source_model``.
    """
