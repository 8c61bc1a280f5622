"""JSON API: /api/v1/complaints, service-jobs, feedback-forms, monthly-assessments,
inspections (+ inspectors, checklist-templates), customer-visits, suggestions."""
from __future__ import annotations


from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.toolkit import BadRequest, NotFound, attachment_response, db, detail_route, events, list_route, route
from plugins.supervision import services
from plugins.supervision.actions import (ASSESSMENT_ACTIONS, COMPLAINT_ACTIONS, FORM_ACTIONS, INSPECTION_ACTIONS,
                                         SUGGESTION_ACTIONS)
from plugins.supervision.models import ChecklistTemplate
from plugins.supervision.schemas import (SupervisionAssessmentIn, SupervisionAssessmentOut,
                                         SupervisionAssessmentQuery, SupervisionComplaintIn,
                                         SupervisionComplaintOut, SupervisionComplaintQuery, SupervisionEvidenceOut, SupervisionFormIn,
                                         SupervisionFormOut, SupervisionFormQuery, SupervisionInspectionIn,
                                         SupervisionInspectionOut, SupervisionInspectionPatch,
                                         SupervisionInspectionQuery, SupervisionInspectorIn, SupervisionInspectorOut,
                                         SupervisionJobIn, SupervisionJobOut, SupervisionJobQuery,
                                         SupervisionSuggestionOut, SupervisionSuggestionQuery,
                                         SupervisionTemplateIn, SupervisionTemplateOut, SupervisionTemplatePatch,
                                         SupervisionVersionIn, SupervisionVisitIn, SupervisionVisitOut,
                                         SupervisionVisitPatch, SupervisionVisitQuery)

bp = Blueprint("supervision_api", __name__)
TAG = "supervision"


def _done(serialize, record):
    events.commit()
    return serialize(record, current_user)


# --- complaints -----------------------------------------------------------------------

list_route(bp, "/complaints", lambda query: services.complaint_stmt(current_user, query),
           lambda r: services.serialize_complaint(r, current_user), query=SupervisionComplaintQuery,
           response=SupervisionComplaintOut, permission="supervision.view", tag=TAG, endpoint="list_complaints",
           summary="Complaints (the phone masked for everyone but supervision).")


@route(bp, "/complaints", ["POST"], body=SupervisionComplaintIn, response=SupervisionComplaintOut, status=201,
       permission="supervision.manage", tag=TAG)
def create_complaint(body: SupervisionComplaintIn):
    """Record a complaint (TS-YYYY-NNNNN); the first response is due after supervision.complaint_response_hours."""
    return _done(services.serialize_complaint, services.create_complaint(body, current_user))


detail_route(bp, "/complaints/<int:record_id>", lambda record_id: services.get_complaint(record_id, current_user),
             lambda r: services.serialize_complaint(r, current_user), response=SupervisionComplaintOut,
             permission="supervision.view", tag=TAG, endpoint="get_complaint", summary="One complaint.")


COMPLAINT_ACTIONS.api_routes(bp, "/complaints", permission="supervision.view", tag=TAG)


# --- service jobs ---------------------------------------------------------------------

list_route(bp, "/service-jobs", lambda query: services.job_stmt(current_user, query),
           lambda r: services.serialize_job(r, current_user), query=SupervisionJobQuery, response=SupervisionJobOut,
           permission="supervision.view", tag=TAG, endpoint="list_service_jobs",
           summary="The follow-up queue: completed jobs with month, department and has_feedback filters.")


@route(bp, "/service-jobs", ["POST"], body=SupervisionJobIn, response=SupervisionJobOut, status=201,
       permission="supervision.jobs.create", tag=TAG)
def create_service_job(body: SupervisionJobIn):
    """Enter a completed job by hand (supervision or customer service); a repeated reference is 409."""
    return _done(services.serialize_job, services.create_job(body, current_user))


detail_route(bp, "/service-jobs/<int:record_id>", lambda record_id: services.get_job(record_id, current_user),
             lambda r: services.serialize_job(r, current_user), response=SupervisionJobOut,
             permission="supervision.view", tag=TAG, endpoint="get_service_job", summary="One job.")


# --- feedback forms -------------------------------------------------------------------

list_route(bp, "/feedback-forms", lambda query: services.form_stmt(current_user, query),
           lambda r: services.serialize_form(r, current_user), query=SupervisionFormQuery, response=SupervisionFormOut,
           permission="supervision.view", tag=TAG, endpoint="list_feedback_forms",
           summary="Feedback forms (意见反馈表) with month, department and verified filters.")


@route(bp, "/feedback-forms", ["POST"], body=SupervisionFormIn, response=SupervisionFormOut, status=201,
       permission="supervision.manage", tag=TAG)
def create_feedback_form(body: SupervisionFormIn):
    """The form of one job (a second one is 409): grades A..E for timeliness, repair quality, attitude."""
    return _done(services.serialize_form, services.create_form(body, current_user))


detail_route(bp, "/feedback-forms/<int:record_id>", lambda record_id: services.get_form(record_id, current_user),
             lambda r: services.serialize_form(r, current_user), response=SupervisionFormOut,
             permission="supervision.view", tag=TAG, endpoint="get_feedback_form", summary="One form.")


FORM_ACTIONS.api_routes(bp, "/feedback-forms", permission="supervision.manage", tag=TAG)


# --- monthly assessments --------------------------------------------------------------

list_route(bp, "/monthly-assessments", lambda query: services.assessment_stmt(current_user, query),
           lambda r: services.serialize_assessment(r, current_user, with_late=False), query=SupervisionAssessmentQuery,
           response=SupervisionAssessmentOut, tag=TAG, endpoint="list_monthly_assessments",
           summary="Assessments the caller may see (the assessed department: its confirmed ones).")


@route(bp, "/monthly-assessments", ["POST"], body=SupervisionAssessmentIn, response=SupervisionAssessmentOut,
       status=201, permission="supervision.assess", tag=TAG)
def create_monthly_assessment(body: SupervisionAssessmentIn):
    """Compute the month's draft (recomputes an existing draft; 409 if the month is past draft)."""
    record, _created = services.create_assessment(body.month, body.department, current_user)
    return _done(services.serialize_assessment, record)


detail_route(bp, "/monthly-assessments/<int:record_id>",
             lambda record_id: services.get_assessment(record_id, current_user),
             lambda r: services.serialize_assessment(r, current_user), response=SupervisionAssessmentOut, tag=TAG,
             endpoint="get_monthly_assessment", summary="One assessment with the jobs and forms behind it.")


@route(bp, "/monthly-assessments/<int:record_id>/recompute", ["POST"], body=SupervisionVersionIn,
       response=SupervisionAssessmentOut, tag=TAG)
def recompute_monthly_assessment(record_id: int, body: SupervisionVersionIn):
    """Recompute a draft from today's jobs, forms and complaints."""
    record = services.get_assessment(record_id, current_user)
    services.recompute(record, current_user, body.version)
    return _done(services.serialize_assessment, record)


ASSESSMENT_ACTIONS.api_routes(bp, "/monthly-assessments", permission=None, tag=TAG)


# --- inspections ----------------------------------------------------------------------

list_route(bp, "/inspections", lambda query: services.inspection_stmt(current_user, query),
           lambda r, files: services.serialize_inspection(r, current_user, files.get(r.id, [])),
           extras=lambda rows: _evidence(rows), query=SupervisionInspectionQuery, response=SupervisionInspectionOut,
           tag=TAG, endpoint="list_inspections",
           summary="Inspections the caller may see (the subject: published ones, the inspector as an alias).")


def _evidence(rows) -> dict:
    from sqlalchemy.orm import defer

    from core.toolkit import attachments

    ids = [r.id for r in rows]
    out = {i: [] for i in ids}
    if ids:
        Attachment = attachments.Attachment
        for att in db.session.scalars(select(Attachment).options(defer(Attachment.data)).where(
                Attachment.model == services.EVIDENCE, Attachment.record_id.in_(ids)).order_by(Attachment.id)):
            out[att.record_id].append(att)
    return out


@route(bp, "/inspections", ["POST"], body=SupervisionInspectionIn, response=SupervisionInspectionOut, status=201,
       tag=TAG)
def create_inspection(body: SupervisionInspectionIn):
    """A secret inspector records a visit (a department, or a dealer for a mystery-shopper visit)."""
    return _done(services.serialize_inspection, services.create_inspection(body, current_user))


detail_route(bp, "/inspections/<int:record_id>", lambda record_id: services.get_inspection(record_id, current_user),
             lambda r: services.serialize_inspection(r, current_user), response=SupervisionInspectionOut, tag=TAG,
             endpoint="get_inspection", summary="One inspection (404 outside the caller's view).")


@route(bp, "/inspections/<int:record_id>", ["PATCH"], body=SupervisionInspectionPatch,
       response=SupervisionInspectionOut, tag=TAG)
def update_inspection(record_id: int, body: SupervisionInspectionPatch):
    """Change the inspector's draft (answers yes/no/n_a; the score follows)."""
    record = services.get_inspection(record_id, current_user)
    services.update_inspection(record, body, current_user)
    return _done(services.serialize_inspection, record)


INSPECTION_ACTIONS.api_routes(bp, "/inspections", permission=None, tag=TAG)


@route(bp, "/inspections/<int:record_id>/evidence", ["POST"], response=SupervisionEvidenceOut, status=201, tag=TAG,
       summary="Upload a photo or document as evidence (multipart: file)")
def upload_evidence(record_id: int):
    record = services.get_inspection(record_id, current_user)
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest(_("send the file as multipart/form-data field 'file'"), {"file": _("required")},
                         code="malformed")
    att = services.add_evidence(record, upload.filename or "file", upload.read(), current_user)
    events.commit()
    return {"id": att.id, "filename": att.filename, "content_type": att.content_type, "size": att.size,
            "purpose": att.purpose}


@route(bp, "/inspections/<int:record_id>/evidence/<int:attachment_id>", tag=TAG,
       content_type="application/octet-stream")
def get_evidence(record_id: int, attachment_id: int):
    """The evidence file, for callers who may see the inspection."""
    record = services.get_inspection(record_id, current_user)
    return attachment_response(services.get_evidence(record, attachment_id))


def _inspector_out(i):
    return {"id": i.id, "username": i.user.username, "display_name": i.user.display_name or i.user.username,
            "alias": i.alias, "active": bool(i.active)}


@route(bp, "/inspectors", response=SupervisionInspectorOut, many=True, permission="supervision.inspectors", tag=TAG)
def list_inspectors():
    """Secret inspectors (supervision and administrators only)."""
    items = [_inspector_out(i) for i in services.list_inspectors(current_user)]
    return {"items": items, "total": len(items), "page": 1, "per_page": max(1, len(items))}


@route(bp, "/inspectors", ["POST"], body=SupervisionInspectorIn, response=SupervisionInspectorOut, status=201,
       permission="supervision.inspectors", tag=TAG)
def designate_inspector(body: SupervisionInspectorIn):
    """Designate (or deactivate with active=false) a secret inspector."""
    record = services.designate_inspector(body.username, current_user, body.active)
    events.commit()
    return _inspector_out(record)


def _template_out(t):
    return {"id": t.id, "name": t.name, "active": bool(t.active),
            "items": [{"id": i.id, "text": i.text, "weight": i.weight} for i in t.items]}


@route(bp, "/checklist-templates", response=SupervisionTemplateOut, many=True, tag=TAG)
def list_checklist_templates():
    """Weighted checklist templates for inspections."""
    if services.inspector_for(current_user) is None and not current_user.can("supervision.view"):
        raise NotFound(_("not found"))
    items = [_template_out(t) for t in db.session.scalars(select(ChecklistTemplate).order_by(ChecklistTemplate.name))]
    return {"items": items, "total": len(items), "page": 1, "per_page": max(1, len(items))}


@route(bp, "/checklist-templates", ["POST"], body=SupervisionTemplateIn, response=SupervisionTemplateOut,
       status=201, permission="supervision.manage", tag=TAG)
def create_checklist_template(body: SupervisionTemplateIn):
    """A checklist template: items with weights."""
    record = services.create_template(body.name, body.items, current_user, body.active)
    events.commit()
    return _template_out(record)


detail_route(bp, "/checklist-templates/<int:record_id>",
             lambda record_id: services.get_template(record_id, current_user), _template_out,
             response=SupervisionTemplateOut, tag=TAG, endpoint="get_checklist_template",
             summary="One checklist template with its weighted items.")


@route(bp, "/checklist-templates/<int:record_id>", ["PATCH"], body=SupervisionTemplatePatch,
       response=SupervisionTemplateOut, permission="supervision.manage", tag=TAG)
def update_checklist_template(record_id: int, body: SupervisionTemplatePatch):
    """Rename, (de)activate or replace the items (inspections already made keep theirs)."""
    record = services.get_template(record_id, current_user)
    services.update_template(record, current_user, body.name, body.items, body.active)
    events.commit()
    return _template_out(record)


# --- customer visits ------------------------------------------------------------------

list_route(bp, "/customer-visits", lambda query: services.visit_stmt(current_user, query), services.serialize_visit,
           query=SupervisionVisitQuery, response=SupervisionVisitOut, permission="supervision.view", tag=TAG,
           endpoint="list_customer_visits", summary="Visits to key customers.")


@route(bp, "/customer-visits", ["POST"], body=SupervisionVisitIn, response=SupervisionVisitOut, status=201,
       permission="supervision.manage", tag=TAG)
def create_customer_visit(body: SupervisionVisitIn):
    """Record a visit: who, when, participants, opinions, follow-up."""
    return _done(services.serialize_visit, services.save_visit(body, current_user))


detail_route(bp, "/customer-visits/<int:record_id>", lambda record_id: services.get_visit(record_id, current_user),
             services.serialize_visit, response=SupervisionVisitOut, permission="supervision.view", tag=TAG,
             endpoint="get_customer_visit", summary="One visit.")


@route(bp, "/customer-visits/<int:record_id>", ["PATCH"], body=SupervisionVisitPatch, response=SupervisionVisitOut,
       permission="supervision.manage", tag=TAG)
def update_customer_visit(record_id: int, body: SupervisionVisitPatch):
    """Change a visit (the follow-up, typically)."""
    record = services.get_visit(record_id, current_user)
    return _done(services.serialize_visit, services.save_visit(body, current_user, record))


# --- suggestions ----------------------------------------------------------------------

list_route(bp, "/suggestions", lambda query: services.suggestion_stmt(current_user, query),
           lambda r: services.serialize_suggestion(r, current_user), query=SupervisionSuggestionQuery,
           response=SupervisionSuggestionOut, permission="supervision.view", tag=TAG, endpoint="list_suggestions",
           summary="Entries of the public suggestion form: supervision's queue.")


detail_route(bp, "/suggestions/<int:record_id>", lambda record_id: services.get_suggestion(record_id, current_user),
             lambda r: services.serialize_suggestion(r, current_user), response=SupervisionSuggestionOut,
             permission="supervision.view", tag=TAG, endpoint="get_suggestion", summary="One suggestion.")


SUGGESTION_ACTIONS.api_routes(bp, "/suggestions", permission="supervision.manage", tag=TAG)
