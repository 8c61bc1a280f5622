"""Transport exception records as GB/T 27922 evidence (the certification plugin's hook)."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.toolkit import db, hookimpl


@hookimpl(optionalhook=True)
def certification_evidence(criterion_code, period_from, period_to):
    """B3.1: exceptions recorded and resolved; B3.2: carrier claims opened and settled."""
    from plugins.logistics.models import LogisticsException as Lex

    if criterion_code not in ("B3.1", "B3.2"):
        return []
    try:
        link = url_for("logistics.list_exceptions")
    except RuntimeError:
        link = None
    in_period = (Lex.received_on >= period_from) & (Lex.received_on <= period_to)
    if criterion_code == "B3.1":
        recorded, resolved = db.session.execute(select(
            func.count(Lex.id), func.count(Lex.id).filter(Lex.state == "resolved")).where(in_period)).one()
        return [{"label": _("Transport exceptions recorded"), "count": recorded or 0, "url": link},
                {"label": _("Transport exceptions resolved"), "count": resolved or 0, "url": link}]
    claims, settled = db.session.execute(select(
        func.count(Lex.id).filter(Lex.claim_status.is_not(None)),
        func.count(Lex.id).filter(Lex.claim_status == "settled")).where(in_period)).one()
    return [{"label": _("Carrier claims"), "count": claims or 0, "url": link},
            {"label": _("Carrier claims settled"), "count": settled or 0, "url": link}]
