"""What the RMA plugin offers the audit plugin (implemented with optionalhook: unused without audit).

- ``audit_review_inputs``: returns by state and cause, SLA met %, penalties for a management review.
- ``audit_nonconformity_sources``: a nonconformity may be raised from a return (source ``rma``).
"""
from __future__ import annotations

from datetime import datetime, time, timezone

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from core.toolkit import db, get_scoped, hookimpl
from plugins.rma.models import Rma, RmaLine, RmaPenalty


def _bounds(period_from, period_to):
    return (datetime.combine(period_from, time.min, tzinfo=timezone.utc),
            datetime.combine(period_to, time.max, tzinfo=timezone.utc))


@hookimpl(optionalhook=True)
def audit_review_inputs(period_from, period_to):
    from plugins.rma.views import ISSUE_LABELS, STATE_LABELS

    start, end = _bounds(period_from, period_to)
    in_period = (Rma.submitted_at >= start) & (Rma.submitted_at <= end)
    by_state = db.session.execute(select(Rma.state, func.count()).where(in_period).group_by(Rma.state)
                                  .order_by(Rma.state)).all()
    by_issue = db.session.execute(select(RmaLine.issue, func.count(func.distinct(RmaLine.rma_id))).join(Rma)
                                  .where(in_period).group_by(RmaLine.issue).order_by(RmaLine.issue)).all()
    resolved = (Rma.resolved_at >= start) & (Rma.resolved_at <= end) & Rma.due_date.is_not(None)
    total, met = db.session.execute(select(
        func.count(Rma.id), func.sum(case((func.date(Rma.resolved_at) <= Rma.due_date, 1), else_=0)))
        .where(resolved)).one()
    penalties = db.session.execute(select(RmaPenalty.state, func.count(), func.sum(RmaPenalty.amount))
                                   .where(RmaPenalty.created_at >= start, RmaPenalty.created_at <= end)
                                   .group_by(RmaPenalty.state).order_by(RmaPenalty.state)).all()
    figures = [{"label": _("Returns filed"), "value": sum(n for _s, n in by_state)}]
    figures += [{"label": _("State: %(state)s", state=str(STATE_LABELS.get(s, s))), "value": n} for s, n in by_state]
    figures += [{"label": _("Cause: %(cause)s", cause=str(ISSUE_LABELS.get(i, i))), "value": n} for i, n in by_issue]
    figures.append({"label": _("Resolved within the SLA"),
                    "value": f"{100.0 * int(met or 0) / total:.0f}%" if total else "—"})
    names = {"proposed": _("Penalties proposed (count / amount)"), "confirmed": _("Penalties confirmed (count / amount)"),
             "waived": _("Penalties waived (count / amount)")}
    for state, count, amount in penalties:
        figures.append({"label": names.get(state, state), "value": f"{count} / {amount or 0:.2f}"})
    return [{"title": _("Returns (RMA)"), "figures": figures}]


def _load(source_id: int, user):
    from core.toolkit import NotFound

    try:
        return get_scoped(Rma, source_id, user)
    except NotFound:
        return None


def _describe(rma) -> dict:
    from flask import url_for

    return {"title": f"{rma.number or rma.id} {rma.dealer.code}", "department": None,
            "url": url_for("rma.detail", rma_id=rma.id), "dealer_code": rma.dealer.code}


@hookimpl(optionalhook=True)
def audit_nonconformity_sources():
    return [{"source": "rma", "source_model": Rma.__tablename__, "load": _load, "describe": _describe}]
