"""The self-assessment's workflow actions, declared once: the API routes and the page's form handler."""
from __future__ import annotations

from flask import url_for
from flask_login import current_user

from core.toolkit import Action, TransitionRoutes
from plugins.certification import services
from plugins.certification.schemas import SelfAssessmentActionIn, SelfAssessmentOut


def _run(action: str):
    return lambda record, actor, body: services.run_action(record, action, body.version, actor, body.comment)


def _comment(form, record) -> dict:
    return {"comment": form.get("comment", "").strip()}


ACTIONS = TransitionRoutes(
    workflow=services.workflow, loader=services.get_assessment, response=SelfAssessmentOut,
    serialize=lambda record: services.serialize_assessment(record, current_user),
    record_url=lambda record: url_for("certification.view_assessment", assessment_id=record.id),
    actions=[Action(name, SelfAssessmentActionIn, _run(name), doc, endpoint=f"{name}_assessment", form=_comment)
             for name, doc in (
                 ("submit", "Submit for approval (every applicable criterion scored)."),
                 ("reopen", "Return a submitted assessment to draft."),
                 ("approve", "Approve: deductions become nonconformities, criteria below their maximum improvement "
                             "proposals (audit)."))])
