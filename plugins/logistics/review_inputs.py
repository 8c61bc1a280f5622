"""What the logistics plugin offers the audit plugin's management review (optionalhook: unused without audit)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.toolkit import db, hookimpl
from plugins.logistics.models import LogisticsException


@hookimpl(optionalhook=True)
def audit_review_inputs(period_from, period_to):
    """Transport exceptions received in the period, by kind; late filings; carrier claims."""
    from plugins.logistics.views import KIND_LABELS

    in_period = (LogisticsException.received_on >= period_from) & (LogisticsException.received_on <= period_to)
    by_kind = db.session.execute(select(LogisticsException.kind, func.count()).where(in_period)
                                 .group_by(LogisticsException.kind).order_by(LogisticsException.kind)).all()
    late = db.session.scalar(select(func.count()).select_from(LogisticsException)
                             .where(in_period, LogisticsException.late.is_(True))) or 0
    claims = db.session.scalar(select(func.count()).select_from(LogisticsException)
                               .where(in_period, LogisticsException.claim_status.is_not(None))) or 0
    figures = [{"label": _("Transport exceptions"), "value": sum(n for _k, n in by_kind)}]
    figures += [{"label": str(KIND_LABELS.get(k, k)), "value": n} for k, n in by_kind]
    figures += [{"label": _("Late filings"), "value": late}, {"label": _("Carrier claims"), "value": claims}]
    return [{"title": _("Transport exceptions"), "figures": figures}]
