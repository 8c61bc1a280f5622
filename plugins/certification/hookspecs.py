"""Hooks the certification plugin offers to other plugins."""
from __future__ import annotations

from core.toolkit import hookspec


@hookspec
def certification_evidence(criterion_code, period_from, period_to):
    """Return what this plugin's records show for a GB/T 27922 criterion over a period.

    ``criterion_code`` is a criterion code of the indicator model (``A6.1`` internal
    audits, ``B5.2`` returns within the SLA, ... see ``plugins/certification/criteria.py``);
    ``period_from`` and ``period_to`` are ``date`` objects, both inclusive. Return a list
    of ``{"label": str, "count": int, "url": str | None}`` (label already translated in
    the current locale; url a page listing the records, or None), or ``[]`` when the
    plugin has nothing for that criterion. An entry with ``"shortfall": True`` counts
    records that speak against full points (returns resolved late, complaints answered
    late): full points with such a count above 0 draw a ``records_contradict`` warning. Implement it with
    ``@hookimpl(optionalhook=True)`` so the plugin still starts without certification.
    Called inside a request or app context; must only read.
    """
