"""Hooks the dealers plugin offers to other plugins.

Implement them with ``@hookimpl(optionalhook=True)`` so a plugin works whether or not the
dealers plugin is enabled (the hook simply goes unused when it is absent).
"""
from __future__ import annotations

from core.toolkit import hookspec


@hookspec
def dealers_portal_sections(dealer, user):
    """Return a list of sections for the dealer portal home (``/portal``) of ``dealer``.

    Called once per dealer shown (a dealer user's own dealer; for an agent, also each of its
    distributors), with ``user`` the reader. Each section is a dict::

        {"key": str,                    # unique, prefixed with the plugin id ("rma.waiting")
         "title": str,                  # translated, in the reader's language
         "count": int,                  # how many open items in all
         "url": str | None,             # the full list, if the plugin has one
         "items": [{"label": str, "url": str | None, "due_on": date | None}],  # at most 10
         "order": int,                  # position on the page, smaller first
         "html": Markup | None,         # optional: the section's body rendered by the plugin
                                        # (a table with buttons), shown instead of "items"
         "empty": str | None}           # optional: shown when count is 0 (the section stays)

    Return ``[]`` (or a section with ``count`` 0 and no ``empty`` text, which the page hides)
    when nothing is open. Keep it to a few queries: the page calls every implementation.
    """


@hookspec
def dealers_scorecard(dealer_ids, period_from, period_to):
    """Return a list of figures for the dealers ``dealer_ids`` over ``period_from``..``period_to``
    (dates, inclusive). Each figure is a dict::

        {"key": str,                    # prefixed with the plugin id ("rma.refused_line_rate")
         "label": str,                  # translated
         "direction": "higher_better" | "lower_better",
         "values": {dealer_id: number | None}}   # None: no data for that dealer

    Compute every figure for all the dealers at once, in a constant number of queries (never
    one per dealer): the scorecard of 1,000 dealers is one call.
    """
