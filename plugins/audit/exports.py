"""Downloads shared by the API and the pages."""
from __future__ import annotations

from flask import Response
from flask_babel import gettext as _
from flask_babel import pgettext

from core.toolkit import db, export_response
from plugins.audit import services


def improvements_export(query, fmt: str | None = None) -> Response:
    """The filtered improvement records as xlsx (default) or csv."""
    rows = ((r.number, r.title, r.origin, r.owner.username, r.indicator, r.baseline, r.target, r.result,
             r.due_on, r.state, r.effectiveness or "", r.evaluated_by.username if r.evaluated_by else "")
            for r in db.session.scalars(services.improvements_stmt(query).limit(20000)).unique())
    header = [pgettext("audit", "Number"), _("Title"), _("Origin"), _("Owner"), _("Indicator"), _("Baseline"), _("Target"),
              _("Result"), _("Due on"), _("State"), _("Effectiveness"), _("Evaluated by")]
    return export_response("improvements", header, rows, fmt or getattr(query, "format", "xlsx"))

