"""This plugin's answers to ``certification_evidence``: audit's records (certification depends on
audit, so audit need not know about certification) and the records kept here."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.toolkit import db, hookimpl
from plugins.certification import audit_link, services


def _url(endpoint: str):
    try:
        return url_for(endpoint)
    except Exception:  # noqa: BLE001 - outside a request: no link
        return None


def _count(stmt) -> int:
    return db.session.scalar(stmt) or 0


@hookimpl
def certification_evidence(criterion_code, period_from, period_to):
    from plugins.certification.models import Calibration, Document, Equipment, TrainingRecord

    found = audit_link.evidence(criterion_code, period_from, period_to)
    if criterion_code in ("A2.2", "A7.2", "B2.3"):
        stmt = select(func.count(TrainingRecord.id)).where(TrainingRecord.held_on >= period_from,
                                                           TrainingRecord.held_on <= period_to)
        if criterion_code == "B2.3":
            stmt = stmt.where(TrainingRecord.audience.in_(("customer", "dealer")))
            label = _("Trainings for customers and dealers")
        else:
            stmt = stmt.where(TrainingRecord.audience == "staff")
            label = _("Staff trainings")
        found.append({"label": label, "count": _count(stmt), "url": _url("certification.list_training")})
    elif criterion_code == "A3.2":
        found.append({"label": _("Equipment in use"), "url": _url("certification.list_equipment"),
                      "count": _count(select(func.count(Equipment.id)).where(Equipment.active.is_(True)))})
        found.append({"label": _("Calibrations"), "url": _url("certification.list_calibrations"),
                      "count": _count(select(func.count(Calibration.id)).where(
                          Calibration.calibrated_on >= period_from, Calibration.calibrated_on <= period_to))})
    kinds = DOCUMENT_KINDS_BY_CRITERION.get(criterion_code)
    if kinds:
        found.append({"label": _("Controlled documents in force"), "url": _url("certification.list_documents"),
                      "count": _count(select(func.count(Document.id)).where(
                          Document.kind.in_(kinds), services.in_force_on(min(period_to, services.today()))))})
    return found


DOCUMENT_KINDS_BY_CRITERION = {
    "A1.1": ("service_manual",), "A2.1": ("staff_roster",), "A3.1": ("premises",), "A4.1": ("service_manual",),
    "A4.2": ("procedure_response", "procedure_repair", "procedure_returns", "procedure_training",
             "procedure_callback"),
    "A4.3": ("work_instruction",), "A5.3": ("appraisal",), "B5.1": ("procedure_returns",),
    "B5.3": ("contract_customer", "contract_supplier"), "C1.2": ("satisfaction_survey",),
    "C2.1": ("procedure_response",),
}
