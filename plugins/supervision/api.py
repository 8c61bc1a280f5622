"""JSON API: /api/v1/complaints, service-jobs, feedback-forms, monthly-assessments,
inspections (+ inspectors, checklist-templates), customer-visits, suggestions."""
from __future__ import annotations


from flask import Blueprint, request
from flask_login import current_user
from sqlalchemy import select

from core.toolkit import BadRequest, NotFound, attachment_response, db, events, paginate, route
from plugins.supervision import services
from plugins.supervision.actions import ASSESSMENT_ACTIONS
from plugins.supervision.models import ChecklistTemplate
from plugins.supervision.schemas import (SupervisionActionIn, SupervisionAssessmentIn, SupervisionAssessmentOut,
                                         SupervisionAssessmentQuery, SupervisionCloseIn, SupervisionComplaintIn,
                                         SupervisionComplaintOut, SupervisionComplaintQuery, SupervisionEvidenceOut, SupervisionFormIn,
                                         SupervisionFormOut, SupervisionFormQuery, SupervisionInspectionIn,
                                         SupervisionInspectionOut, SupervisionInspectionPatch,
                                         SupervisionInspectionQuery, SupervisionInspectorIn, SupervisionInspectorOut,
                                         SupervisionJobIn, SupervisionJobOut, SupervisionJobQuery, SupervisionStepIn,
                                         SupervisionSuggestionOut, SupervisionSuggestionQuery,
                                         SupervisionTemplateIn, SupervisionTemplateOut, SupervisionTemplatePatch,
                                         SupervisionToComplaintIn,
                                         SupervisionVersionIn, SupervisionVisitIn, SupervisionVisitOut,
                                         SupervisionVisitPatch, SupervisionVisitQuery)

bp = Blueprint("supervision_api", __name__)
TAG = "supervision"


def _done(serialize, record):
    events.commit()
    return serialize(record, current_user)


# --- complaints -----------------------------------------------------------------------

@route(bp, "/complaints", query=SupervisionComplaintQuery, response=SupervisionComplaintOut, many=True,
       permission="supervision.view", tag=TAG)
def list_complaints(query: SupervisionComplaintQuery):
    """Complaints (the phone masked for everyone but supervision)."""
    return paginate(services.complaint_stmt(current_user, query), query,
                    lambda r: services.serialize_complaint(r, current_user))


@route(bp, "/complaints", ["POST"], body=SupervisionComplaintIn, response=SupervisionComplaintOut, status=201,
       permission="supervision.manage", tag=TAG)
def create_complaint(body: SupervisionComplaintIn):
    """Record a complaint (TS-YYYY-NNNNN); the first response is due after supervision.complaint_response_hours."""
    return _done(services.serialize_complaint, services.create_complaint(body, current_user))


@route(bp, "/complaints/<int:record_id>", response=SupervisionComplaintOut, permission="supervision.view", tag=TAG)
def get_complaint(record_id: int):
    """One complaint."""
    return services.serialize_complaint(services.get_complaint(record_id, current_user), current_user)


@route(bp, "/complaints/<int:record_id>/steps", ["POST"], body=SupervisionStepIn, response=SupervisionComplaintOut,
       permission="supervision.view", tag=TAG)
def record_step(record_id: int, body: SupervisionStepIn):
    """Record the next handling step (thanked, listened, facts, wish, compensated); out of order is 409."""
    record = services.get_complaint(record_id, current_user)
    services.record_step(record, body.step, current_user, body.version, body.note, body.amount)
    return _done(services.serialize_complaint, record)


@route(bp, "/complaints/<int:record_id>/resolve", ["POST"], body=SupervisionActionIn,
       response=SupervisionComplaintOut, permission="supervision.view", tag=TAG)
def resolve_complaint(record_id: int, body: SupervisionActionIn):
    """in_progress → resolved, once all five steps are recorded."""
    record = services.get_complaint(record_id, current_user)
    services.resolve_complaint(record, current_user, body.version, body.comment)
    return _done(services.serialize_complaint, record)


@route(bp, "/complaints/<int:record_id>/close", ["POST"], body=SupervisionCloseIn, response=SupervisionComplaintOut,
       permission="supervision.view", tag=TAG)
def close_complaint(record_id: int, body: SupervisionCloseIn):
    """resolved → closed with the customer's feedback (satisfied/unsatisfied)."""
    record = services.get_complaint(record_id, current_user)
    services.close_complaint(record, current_user, body.version, body.feedback, body.comment)
    return _done(services.serialize_complaint, record)


# --- service jobs ---------------------------------------------------------------------

@route(bp, "/service-jobs", query=SupervisionJobQuery, response=SupervisionJobOut, many=True,
       permission="supervision.view", tag=TAG)
def list_service_jobs(query: SupervisionJobQuery):
    """The follow-up queue: completed jobs with month, department and has_feedback filters."""
    return paginate(services.job_stmt(current_user, query), query, lambda r: services.serialize_job(r, current_user))


@route(bp, "/service-jobs", ["POST"], body=SupervisionJobIn, response=SupervisionJobOut, status=201,
       permission="supervision.jobs.create", tag=TAG)
def create_service_job(body: SupervisionJobIn):
    """Enter a completed job by hand (supervision or customer service); a repeated reference is 409."""
    return _done(services.serialize_job, services.create_job(body, current_user))


@route(bp, "/service-jobs/<int:record_id>", response=SupervisionJobOut, permission="supervision.view", tag=TAG)
def get_service_job(record_id: int):
    """One job."""
    return services.serialize_job(services.get_job(record_id, current_user), current_user)


# --- feedback forms -------------------------------------------------------------------

@route(bp, "/feedback-forms", query=SupervisionFormQuery, response=SupervisionFormOut, many=True,
       permission="supervision.view", tag=TAG)
def list_feedback_forms(query: SupervisionFormQuery):
    """Feedback forms (意见反馈表) with month, department and verified filters."""
    return paginate(services.form_stmt(current_user, query), query, lambda r: services.serialize_form(r, current_user))


@route(bp, "/feedback-forms", ["POST"], body=SupervisionFormIn, response=SupervisionFormOut, status=201,
       permission="supervision.manage", tag=TAG)
def create_feedback_form(body: SupervisionFormIn):
    """The form of one job (a second one is 409): grades A..E for timeliness, repair quality, attitude."""
    return _done(services.serialize_form, services.create_form(body, current_user))


@route(bp, "/feedback-forms/<int:record_id>", response=SupervisionFormOut, permission="supervision.view", tag=TAG)
def get_feedback_form(record_id: int):
    """One form."""
    return services.serialize_form(services.get_form(record_id, current_user), current_user)


@route(bp, "/feedback-forms/<int:record_id>/verify", ["POST"], body=SupervisionVersionIn,
       response=SupervisionFormOut, permission="supervision.manage", tag=TAG)
def verify_feedback_form(record_id: int, body: SupervisionVersionIn):
    """Supervision verified the form: from now on it counts in its month."""
    form = services.get_form(record_id, current_user)
    services.verify_form(form, current_user, body.version)
    return _done(services.serialize_form, form)


# --- monthly assessments --------------------------------------------------------------

@route(bp, "/monthly-assessments", query=SupervisionAssessmentQuery, response=SupervisionAssessmentOut, many=True,
       tag=TAG)
def list_monthly_assessments(query: SupervisionAssessmentQuery):
    """Assessments the caller may see (the assessed department: its confirmed ones)."""
    return paginate(services.assessment_stmt(current_user, query), query,
                    lambda r: services.serialize_assessment(r, current_user, with_late=False))


@route(bp, "/monthly-assessments", ["POST"], body=SupervisionAssessmentIn, response=SupervisionAssessmentOut,
       status=201, permission="supervision.assess", tag=TAG)
def create_monthly_assessment(body: SupervisionAssessmentIn):
    """Compute the month's draft (recomputes an existing draft; 409 if the month is past draft)."""
    record, _created = services.create_assessment(body.month, body.department, current_user)
    return _done(services.serialize_assessment, record)


@route(bp, "/monthly-assessments/<int:record_id>", response=SupervisionAssessmentOut, tag=TAG)
def get_monthly_assessment(record_id: int):
    """One assessment with the jobs and forms behind it."""
    return services.serialize_assessment(services.get_assessment(record_id, current_user), current_user)


@route(bp, "/monthly-assessments/<int:record_id>/recompute", ["POST"], body=SupervisionVersionIn,
       response=SupervisionAssessmentOut, tag=TAG)
def recompute_monthly_assessment(record_id: int, body: SupervisionVersionIn):
    """Recompute a draft from today's jobs, forms and complaints."""
    record = services.get_assessment(record_id, current_user)
    services.recompute(record, current_user, body.version)
    return _done(services.serialize_assessment, record)


ASSESSMENT_ACTIONS.api_routes(bp, "/monthly-assessments", permission=None, tag=TAG)


# --- inspections ----------------------------------------------------------------------

@route(bp, "/inspections", query=SupervisionInspectionQuery, response=SupervisionInspectionOut, many=True, tag=TAG)
def list_inspections(query: SupervisionInspectionQuery):
    """Inspections the caller may see (the subject: published ones, the inspector as an alias)."""
    holder = {}

    def loader(rows):
        holder.update(_evidence(rows))

    return paginate(services.inspection_stmt(current_user, query), query,
                    lambda r: services.serialize_inspection(r, current_user, holder.get(r.id, [])), loader=loader)


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


@route(bp, "/inspections/<int:record_id>", response=SupervisionInspectionOut, tag=TAG)
def get_inspection(record_id: int):
    """One inspection (404 outside the caller's view)."""
    return services.serialize_inspection(services.get_inspection(record_id, current_user), current_user)


@route(bp, "/inspections/<int:record_id>", ["PATCH"], body=SupervisionInspectionPatch,
       response=SupervisionInspectionOut, tag=TAG)
def update_inspection(record_id: int, body: SupervisionInspectionPatch):
    """Change the inspector's draft (answers yes/no/n_a; the score follows)."""
    record = services.get_inspection(record_id, current_user)
    services.update_inspection(record, body, current_user)
    return _done(services.serialize_inspection, record)


def _inspection_action(record_id, body, fn):
    record = services.get_inspection(record_id, current_user)
    fn(record, current_user, body.version, body.comment)
    return _done(services.serialize_inspection, record)


@route(bp, "/inspections/<int:record_id>/submit", ["POST"], body=SupervisionActionIn,
       response=SupervisionInspectionOut, tag=TAG)
def submit_inspection(record_id: int, body: SupervisionActionIn):
    """draft → submitted (the inspector)."""
    return _inspection_action(record_id, body, services.submit_inspection)


@route(bp, "/inspections/<int:record_id>/review", ["POST"], body=SupervisionActionIn,
       response=SupervisionInspectionOut, tag=TAG)
def review_inspection(record_id: int, body: SupervisionActionIn):
    """submitted → reviewed (supervision checked it)."""
    return _inspection_action(record_id, body, services.review_inspection)


@route(bp, "/inspections/<int:record_id>/publish", ["POST"], body=SupervisionActionIn,
       response=SupervisionInspectionOut, tag=TAG)
def publish_inspection(record_id: int, body: SupervisionActionIn):
    """reviewed → published: the subject sees the findings and score, never the inspector."""
    return _inspection_action(record_id, body, services.publish_inspection)


@route(bp, "/inspections/<int:record_id>/evidence", ["POST"], response=SupervisionEvidenceOut, status=201, tag=TAG,
       summary="Upload a photo or document as evidence (multipart: file)")
def upload_evidence(record_id: int):
    record = services.get_inspection(record_id, current_user)
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("send the file as multipart/form-data field 'file'", {"file": "required"}, code="malformed")
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
        raise NotFound("not found")
    items = [_template_out(t) for t in db.session.scalars(select(ChecklistTemplate).order_by(ChecklistTemplate.name))]
    return {"items": items, "total": len(items), "page": 1, "per_page": max(1, len(items))}


@route(bp, "/checklist-templates", ["POST"], body=SupervisionTemplateIn, response=SupervisionTemplateOut,
       status=201, permission="supervision.manage", tag=TAG)
def create_checklist_template(body: SupervisionTemplateIn):
    """A checklist template: items with weights."""
    record = services.create_template(body.name, body.items, current_user, body.active)
    events.commit()
    return _template_out(record)


@route(bp, "/checklist-templates/<int:record_id>", response=SupervisionTemplateOut, tag=TAG)
def get_checklist_template(record_id: int):
    """One checklist template with its weighted items."""
    return _template_out(services.get_template(record_id, current_user))


@route(bp, "/checklist-templates/<int:record_id>", ["PATCH"], body=SupervisionTemplatePatch,
       response=SupervisionTemplateOut, permission="supervision.manage", tag=TAG)
def update_checklist_template(record_id: int, body: SupervisionTemplatePatch):
    """Rename, (de)activate or replace the items (inspections already made keep theirs)."""
    record = services.get_template(record_id, current_user)
    services.update_template(record, current_user, body.name, body.items, body.active)
    events.commit()
    return _template_out(record)


# --- customer visits ------------------------------------------------------------------

@route(bp, "/customer-visits", query=SupervisionVisitQuery, response=SupervisionVisitOut, many=True,
       permission="supervision.view", tag=TAG)
def list_customer_visits(query: SupervisionVisitQuery):
    """Visits to key customers."""
    return paginate(services.visit_stmt(current_user, query), query, services.serialize_visit)


@route(bp, "/customer-visits", ["POST"], body=SupervisionVisitIn, response=SupervisionVisitOut, status=201,
       permission="supervision.manage", tag=TAG)
def create_customer_visit(body: SupervisionVisitIn):
    """Record a visit: who, when, participants, opinions, follow-up."""
    return _done(services.serialize_visit, services.save_visit(body, current_user))


@route(bp, "/customer-visits/<int:record_id>", response=SupervisionVisitOut, permission="supervision.view", tag=TAG)
def get_customer_visit(record_id: int):
    """One visit."""
    return services.serialize_visit(services.get_visit(record_id, current_user))


@route(bp, "/customer-visits/<int:record_id>", ["PATCH"], body=SupervisionVisitPatch, response=SupervisionVisitOut,
       permission="supervision.manage", tag=TAG)
def update_customer_visit(record_id: int, body: SupervisionVisitPatch):
    """Change a visit (the follow-up, typically)."""
    record = services.get_visit(record_id, current_user)
    return _done(services.serialize_visit, services.save_visit(body, current_user, record))


# --- suggestions ----------------------------------------------------------------------

@route(bp, "/suggestions", query=SupervisionSuggestionQuery, response=SupervisionSuggestionOut, many=True,
       permission="supervision.view", tag=TAG)
def list_suggestions(query: SupervisionSuggestionQuery):
    """Entries of the public suggestion form: supervision's queue."""
    return paginate(services.suggestion_stmt(current_user, query), query,
                    lambda r: services.serialize_suggestion(r, current_user))


@route(bp, "/suggestions/<int:record_id>", response=SupervisionSuggestionOut, permission="supervision.view", tag=TAG)
def get_suggestion(record_id: int):
    """One suggestion."""
    return services.serialize_suggestion(services.get_suggestion(record_id, current_user), current_user)


@route(bp, "/suggestions/<int:record_id>/to-complaint", ["POST"], body=SupervisionToComplaintIn,
       response=SupervisionComplaintOut, status=201, permission="supervision.manage", tag=TAG)
def suggestion_to_complaint(record_id: int, body: SupervisionToComplaintIn):
    """Turn a suggestion into a complaint (channel suggestion_form)."""
    record = services.get_suggestion(record_id, current_user)
    complaint = services.suggestion_to_complaint(record, current_user, body.version, body.department, body.severity,
                                                 body.customer_name, body.customer_phone, body.dealer_code)
    return _done(services.serialize_complaint, complaint)


@route(bp, "/suggestions/<int:record_id>/improvement", ["POST"], body=SupervisionActionIn,
       response=SupervisionSuggestionOut, permission="supervision.manage", tag=TAG)
def suggestion_improvement(record_id: int, body: SupervisionActionIn):
    """Take a suggestion as an improvement (the comment says what)."""
    record = services.get_suggestion(record_id, current_user)
    services.suggestion_improvement(record, current_user, body.version, body.comment)
    return _done(services.serialize_suggestion, record)


@route(bp, "/suggestions/<int:record_id>/dismiss", ["POST"], body=SupervisionActionIn,
       response=SupervisionSuggestionOut, permission="supervision.manage", tag=TAG)
def suggestion_dismiss(record_id: int, body: SupervisionActionIn):
    """Dismiss a suggestion (spam, nothing to do)."""
    record = services.get_suggestion(record_id, current_user)
    services.suggestion_dismiss(record, current_user, body.version, body.comment)
    return _done(services.serialize_suggestion, record)
