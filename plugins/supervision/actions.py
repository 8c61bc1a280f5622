"""The monthly assessment's workflow actions, declared once: the API routes and the page's form handler."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.toolkit import Action, TransitionRoutes
from plugins.supervision import services
from plugins.supervision.schemas import (SupervisionActionIn, SupervisionAssessmentOut, SupervisionConfirmIn,
                                         SupervisionDistributeIn)

ASSESSMENT_ACTIONS = TransitionRoutes(
    workflow=services.assessment_workflow, loader=lambda record_id: services.get_assessment(record_id, current_user),
    response=SupervisionAssessmentOut, serialize=lambda record: services.serialize_assessment(record, current_user),
    record_url=lambda record: url_for("supervision.view_assessment", record_id=record.id),
    actions=[
        Action("submit", SupervisionActionIn, lambda r, actor, body: services.submit_assessment(
            r, actor, body.version, body.comment), "draft → submitted (supervision): the figures are frozen.",
            endpoint="submit_monthly_assessment", message=_l("Done.")),
        Action("confirm", SupervisionConfirmIn, lambda r, actor, body: services.confirm_assessment(
            r, actor, body.version, body.sanction, body.comment),
            "submitted → confirmed (HR): amounts final; ``sanction`` required when one is proposed.",
            endpoint="confirm_monthly_assessment", message=_l("Done.")),
        Action("distribute", SupervisionDistributeIn, lambda r, actor, body: services.distribute_assessment(
            r, actor, body.version, body.lines, body.comment),
            "confirmed → distributed (department head): lines summing exactly to the net amount, else 422.",
            endpoint="distribute_monthly_assessment", message=_l("Done.")),
    ])
