"""The one place the certification plugin talks to the audit plugin (which it depends on).

Writes go through ``plugins.audit.public`` (a nonconformity per special deduction, an
improvement proposal per criterion below its maximum, on approval). Reads (how many
audits were reported, management reviews held, improvements evaluated in a period) query
audit's models; every name used is listed here so a change in audit breaks one module.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.toolkit import db

AUDITS_DONE = ("reported", "closed")


def raise_nonconformity(**kwargs):
    from plugins.audit import public

    return public.raise_nonconformity(**kwargs)


def propose_improvement(**kwargs):
    from plugins.audit import public

    return public.propose_improvement(**kwargs)


def reference(record) -> str:
    """How an audit record is named on the assessment (its number, else its id)."""
    return str(getattr(record, "number", None) or getattr(record, "id", "") or "")


def _url(endpoint: str, **args):
    try:
        return url_for(endpoint, **args)
    except Exception:  # noqa: BLE001 - a page audit does not offer: no link
        return None


def audits_done(period_from, period_to) -> int:
    """Internal audits reported (or closed) in the period."""
    from plugins.audit.public import Audit

    return db.session.scalar(select(func.count(Audit.id)).where(
        Audit.state.in_(AUDITS_DONE), Audit.reported_on >= period_from, Audit.reported_on <= period_to)) or 0


def reviews_held(period_from, period_to) -> int:
    from plugins.audit.public import ManagementReview

    return db.session.scalar(select(func.count(ManagementReview.id)).where(
        ManagementReview.held_on.is_not(None), ManagementReview.held_on >= period_from,
        ManagementReview.held_on <= period_to)) or 0


def improvements_evaluated(period_from, period_to) -> int:
    from plugins.audit.public import Improvement

    return db.session.scalar(select(func.count(Improvement.id)).where(
        Improvement.evaluated_on.is_not(None), Improvement.evaluated_on >= period_from,
        Improvement.evaluated_on <= period_to)) or 0


def available() -> bool:
    """Audit's models are importable (False only while audit is being built)."""
    try:
        import plugins.audit.public  # noqa: F401
    except ImportError:
        return False
    return True


def evidence(code: str, period_from, period_to) -> list[dict]:
    """The certification_evidence answer for the criteria audit's records stand behind."""
    if code not in ("A6.1", "A6.2", "A6.3") or not available():
        return []
    if code == "A6.1":
        return [{"label": _("Internal audits reported"), "count": audits_done(period_from, period_to),
                 "url": _url("audit.list_audits")}]
    if code == "A6.2":
        return [{"label": _("Management reviews held"), "count": reviews_held(period_from, period_to),
                 "url": _url("audit.list_reviews")}]
    if code == "A6.3":
        return [{"label": _("Improvements with their effectiveness evaluated"),
                 "count": improvements_evaluated(period_from, period_to), "url": _url("audit.list_improvements")}]
    return []
