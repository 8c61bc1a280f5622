"""Supervision's workflow actions, declared once: the API routes and the pages' form handlers
(complaints, feedback forms, monthly assessments, inspections, suggestions)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.toolkit import Action, TransitionRoutes
from plugins.supervision import services
from plugins.supervision.schemas import (SupervisionActionIn, SupervisionAssessmentOut, SupervisionCloseIn,
                                         SupervisionComplaintOut, SupervisionConfirmIn, SupervisionDistributeIn,
                                         SupervisionFormOut, SupervisionInspectionOut, SupervisionStepIn,
                                         SupervisionSuggestionOut, SupervisionToComplaintIn,
                                         SupervisionVersionIn)


def _declare(workflow, get, response, serialize, page: str | None, actions, **kw) -> TransitionRoutes:
    """A record's actions: loaded and serialized for the caller; after a form, the page ``page`` (record_id)."""
    return TransitionRoutes(workflow=workflow, loader=lambda record_id: get(record_id, current_user), response=response,
                            serialize=lambda record: serialize(record, current_user), actions=actions,
                            record_url=(lambda record: url_for(page, record_id=record.id)) if page else None, **kw)


COMPLAINT_ACTIONS = _declare(
    services.complaint_workflow, services.get_complaint, SupervisionComplaintOut, services.serialize_complaint,
    "supervision.view_complaint", [
        # a step is no transition (the first one starts the complaint): the service checks it all
        Action("step", SupervisionStepIn, lambda r, actor, body: services.record_step(
            r, body.step, actor, body.version, body.note, body.amount),
            "Record the next handling step (thanked, listened, facts, wish, compensated); out of order is 409.",
            endpoint="record_step", path="steps", transition=False, message=_l("The step is recorded.")),
        Action("resolve", SupervisionActionIn, lambda r, actor, body: services.resolve_complaint(
            r, actor, body.version, body.comment), "in_progress → resolved, once all five steps are recorded.",
            endpoint="resolve_complaint"),
        Action("close", SupervisionCloseIn, lambda r, actor, body: services.close_complaint(
            r, actor, body.version, body.feedback, body.comment),
            "resolved → closed with the customer's feedback (satisfied/unsatisfied).", endpoint="close_complaint"),
    ])

# verifying a form is no state change of a workflow (a flag): the service checks it (409 ``already_verified``)
FORM_ACTIONS = _declare(
    None, services.get_form, SupervisionFormOut, services.serialize_form, None, [
        Action("verify", SupervisionVersionIn, lambda r, actor, body: services.verify_form(r, actor, body.version),
               "Supervision verified the form: from now on it counts in its month.", endpoint="verify_feedback_form",
               transition=False, message=_l("The feedback form is verified: it counts in its month."))])

ASSESSMENT_ACTIONS = _declare(
    services.assessment_workflow, services.get_assessment, SupervisionAssessmentOut, services.serialize_assessment,
    "supervision.view_assessment", [
        Action("submit", SupervisionActionIn, lambda r, actor, body: services.submit_assessment(
            r, actor, body.version, body.comment), "draft → submitted (supervision): the figures are frozen.",
            endpoint="submit_monthly_assessment"),
        Action("confirm", SupervisionConfirmIn, lambda r, actor, body: services.confirm_assessment(
            r, actor, body.version, body.sanction, body.comment),
            "submitted → confirmed (HR): amounts final; ``sanction`` required when one is proposed.",
            endpoint="confirm_monthly_assessment"),
        Action("distribute", SupervisionDistributeIn, lambda r, actor, body: services.distribute_assessment(
            r, actor, body.version, body.lines, body.comment),
            "confirmed → distributed (department head): lines summing exactly to the net amount, else 422.",
            endpoint="distribute_monthly_assessment"),
    ])


def _inspection(name: str):
    run = {"submit": services.submit_inspection, "review": services.review_inspection,
           "publish": services.publish_inspection}[name]
    return lambda record, actor, body: run(record, actor, body.version, body.comment)


# the loader hides a secret inspection from everyone but its inspector and supervision (404)
INSPECTION_ACTIONS = _declare(
    services.inspection_workflow, services.get_inspection, SupervisionInspectionOut, services.serialize_inspection,
    "supervision.view_inspection",
    [Action(name, SupervisionActionIn, _inspection(name), doc, endpoint=f"{name}_inspection")
     for name, doc in (("submit", "draft → submitted (the inspector)."),
                       ("review", "submitted → reviewed (supervision checked it)."),
                       ("publish", "reviewed → published: the subject sees the findings and score, never the "
                                   "inspector."))])

SUGGESTION_ACTIONS = _declare(
    services.suggestion_workflow, services.get_suggestion, SupervisionSuggestionOut, services.serialize_suggestion,
    None, [
        # the answer is the new complaint (201), and the page goes to it
        Action("to_complaint", SupervisionToComplaintIn, lambda r, actor, body: services.suggestion_to_complaint(
            r, actor, body.version, body.department, body.severity, body.customer_name, body.customer_phone,
            body.dealer_code), "Turn a suggestion into a complaint (channel suggestion_form).",
            endpoint="suggestion_to_complaint", result=lambda c: services.serialize_complaint(c, current_user),
            response=SupervisionComplaintOut, status=201,
            redirect=lambda c: url_for("supervision.view_complaint", record_id=c.id)),
        Action("improvement", SupervisionActionIn, lambda r, actor, body: services.suggestion_improvement(
            r, actor, body.version, body.comment), "Take a suggestion as an improvement (the comment says what).",
            endpoint="suggestion_improvement"),
        Action("dismiss", SupervisionActionIn, lambda r, actor, body: services.suggestion_dismiss(
            r, actor, body.version, body.comment), "Dismiss a suggestion (spam, nothing to do).",
            endpoint="suggestion_dismiss"),
    ])
