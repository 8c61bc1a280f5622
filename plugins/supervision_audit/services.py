"""A suggestion taken as an improvement → an audit improvement record; complaint analysis as evidence."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.toolkit import db
from plugins.audit import public as audit
from plugins.audit.public import Improvement, Nonconformity


def _url(endpoint: str, **kw) -> str | None:
    try:
        return url_for(endpoint, **kw)
    except RuntimeError:  # outside a request (CLI, demo): no link
        return None


def improvement_from_suggestion(suggestion, note: str, actor) -> dict:
    """Propose the improvement (origin ``suggestion``, owned by the supervision user), uncommitted."""
    text = " ".join((suggestion.text or "").split())
    subject = " ".join((note or "").split()) or text
    description = text + ("\n\n" + _("What will be improved") + f": {note}" if note else "") + \
        ("\n" + _("Place") + f": {suggestion.place}" if suggestion.place else "")
    record = audit.propose_improvement(
        title=(_("Public suggestion") + f": {subject}")[:200], description=description, origin="suggestion",
        owner=actor, actor=actor, link=_url("supervision.list_suggestions", _anchor=f"suggestion-{suggestion.id}"))
    return {"reference": record.number, "url": _url("audit.view_improvement", record_id=record.id)}


def evidence(criterion_code: str, period_from, period_to) -> list[dict]:
    """C2.3 (complaints analysed and used for improvement): nonconformities raised from complaints
    and improvements proposed from public suggestions in the period."""
    if criterion_code != "C2.3":
        return []
    raised = db.session.scalar(select(func.count(Nonconformity.id)).where(
        Nonconformity.source == "complaint", Nonconformity.raised_on >= period_from,
        Nonconformity.raised_on <= period_to)) or 0
    proposed = db.session.scalar(select(func.count(Improvement.id)).where(
        Improvement.origin == "suggestion", Improvement.proposed_on >= period_from,
        Improvement.proposed_on <= period_to)) or 0
    return [{"label": _("Nonconformities raised from complaints"), "count": raised,
             "url": _url("audit.list_nonconformities", source="complaint")},
            {"label": _("Improvements proposed from public suggestions"), "count": proposed,
             "url": _url("audit.list_improvements", origin="suggestion")}]
