"""JSON API: audits, audit-programme, audit-checklist-templates, nonconformities, corrective-actions,
improvements, management-reviews (paths and field names are a contract)."""
from __future__ import annotations

from flask import Blueprint, Response
from flask_babel import gettext as _
from flask_login import current_user

from core.toolkit import detail_route, list_route, route
from plugins.audit import serializers as out
from plugins.audit import services
from plugins.audit.actions import AUDIT_ACTIONS, CORRECTIVE_ACTIONS, IMPROVEMENT_ACTIONS, NC_ACTIONS, REVIEW_ACTIONS
from plugins.audit.schemas import (AuditAttachmentOut, AuditCorrectiveActionIn, AuditCorrectiveActionOut,
                                   AuditCorrectiveActionQuery, AuditImprovementExportQuery, AuditImprovementIn,
                                   AuditImprovementOut, AuditImprovementPatch, AuditImprovementQuery, AuditIn,
                                   AuditItemOut, AuditItemPatch, AuditNonconformityIn, AuditNonconformityOut,
                                   AuditNonconformityQuery, AuditOut, AuditPatch, AuditProgrammeOut,
                                   AuditProgrammeQuery, AuditQuery, AuditReviewIn, AuditReviewOut, AuditReviewQuery,
                                   AuditTemplateIn, AuditTemplateOut, AuditTemplatePatch, AuditTemplateQuery)

bp = Blueprint("audit_api", __name__)
TAG = "audit"


def _commit():
    from core.toolkit import events

    events.commit()


# --- checklist templates --------------------------------------------------------------------

T = "/audit-checklist-templates"


list_route(bp, T, services.templates_stmt, out.template, query=AuditTemplateQuery,
           response=AuditTemplateOut, permission="audit.view", tag=TAG, endpoint="list_templates",
           summary="Reusable audit checklists (seeded with the GB/T 27922 indicators and the certification document list).")


@route(bp, T, ["POST"], body=AuditTemplateIn, response=AuditTemplateOut, status=201, permission="audit.manage", tag=TAG)
def create_template(body: AuditTemplateIn):
    """Create a checklist template."""
    record = services.create_template(body, current_user)
    _commit()
    return out.template(record)


detail_route(bp, T + "/<int:record_id>", services.get_template, out.template, response=AuditTemplateOut,
             permission="audit.view", tag=TAG, endpoint="get_template", summary="One checklist template.")


@route(bp, T + "/<int:record_id>", ["PATCH"], body=AuditTemplatePatch, response=AuditTemplateOut,
       permission="audit.manage", tag=TAG)
def update_template(record_id: int, body: AuditTemplatePatch):
    """Change a checklist template (existing audits keep their copied items)."""
    record = services.update_template(services.get_template(record_id), body, current_user)
    _commit()
    return out.template(record)


# --- audits ---------------------------------------------------------------------------------

A = "/audits"


def _audit_out(audit):
    return out.audit(audit, current_user)


list_route(bp, A, services.audits_stmt, lambda a, extras: out.audit(a, current_user, extras), extras=out.item_extras,
           query=AuditQuery, response=AuditOut, permission="audit.view", tag=TAG, endpoint="list_audits",
           summary="Internal audits, with filters by state, year and lead auditor.")


@route(bp, A, ["POST"], body=AuditIn, response=AuditOut, status=201, permission="audit.manage", tag=TAG)
def create_audit(body: AuditIn):
    """Plan an audit (number IA-YYYY-NNN); 422 ``auditor_not_independent`` when an auditor holds a covered role."""
    audit = services.create_audit(body, current_user)
    _commit()
    return _audit_out(audit)


detail_route(bp, A + "/<int:record_id>", services.get_audit, _audit_out, response=AuditOut, permission="audit.view",
             tag=TAG, endpoint="get_audit", summary="One audit with its checklist.")


@route(bp, A + "/<int:record_id>", ["PATCH"], body=AuditPatch, response=AuditOut, permission="audit.manage", tag=TAG)
def update_audit(record_id: int, body: AuditPatch):
    """Change a planned audit."""
    audit = services.update_audit(services.get_audit(record_id), body, current_user)
    _commit()
    return _audit_out(audit)


@route(bp, A + "/<int:record_id>/items/<int:item_id>", ["PATCH"], body=AuditItemPatch, response=AuditItemOut,
       permission="audit.manage", tag=TAG)
def update_item(record_id: int, item_id: int, body: AuditItemPatch):
    """Answer a checklist item (result and evidence) while the audit is in progress."""
    audit = services.get_audit(record_id)
    item = services.update_item(audit, item_id, body, current_user)
    _commit()
    return next(i for i in _audit_out(audit)["items"] if i["id"] == item.id)


@route(bp, A + "/<int:record_id>/items/<int:item_id>/attachments", ["POST"], response=AuditAttachmentOut, status=201,
       permission="audit.manage", tag=TAG,
       summary="Add evidence (multipart: file; PNG, JPEG, GIF, WebP or PDF) to a checklist item")
def upload_item_attachment(record_id: int, item_id: int):
    from flask import request

    from core.toolkit import BadRequest

    audit = services.get_audit(record_id)
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest(_("send the file as multipart/form-data field 'file'"), {"file": _("required")},
                         code="malformed")
    att = services.add_item_attachment(audit, item_id, upload.filename or "file", upload.read(), current_user)
    _commit()
    item = next(i for i in _audit_out(audit)["items"] if i["id"] == item_id)
    return next(f for f in item["attachments"] if f["id"] == att.id)


@route(bp, A + "/<int:record_id>/items/<int:item_id>/attachments/<int:attachment_id>", permission="audit.view",
       tag=TAG, content_type="application/octet-stream")
def get_item_attachment(record_id: int, item_id: int, attachment_id: int):
    """An evidence file of a checklist item."""
    from core.toolkit import attachment_response

    return attachment_response(services.get_item_attachment(services.get_audit(record_id), item_id, attachment_id))


AUDIT_ACTIONS.api_routes(bp, A, permission="audit.manage", tag=TAG)


@route(bp, "/audit-programme", query=AuditProgrammeQuery, response=AuditProgrammeOut, permission="audit.view", tag=TAG)
def programme(query: AuditProgrammeQuery):
    """The year's audit programme and whether the minimum number of audits is done or planned."""
    return out.programme(services.programme(query.year or services.today().year))


# --- nonconformities ------------------------------------------------------------------------

N = "/nonconformities"


def _nc_out(nc):
    return out.nonconformity(nc, current_user)


list_route(bp, N, services.nonconformities_stmt, _nc_out, query=AuditNonconformityQuery,
           response=AuditNonconformityOut, permission="audit.nc_view", tag=TAG, endpoint="list_nonconformities",
           summary="Nonconformities the caller may see (a dealer: those raised against its own dealer code).")


@route(bp, N, ["POST"], body=AuditNonconformityIn, response=AuditNonconformityOut, status=201,
       permission="audit.nc_raise", tag=TAG)
def create_nonconformity(body: AuditNonconformityIn):
    """Raise a nonconformity (NC-YYYY-NNNN), optionally from a record another plugin offers."""
    nc = services.create_nonconformity(body, current_user)
    _commit()
    return _nc_out(nc)


detail_route(bp, N + "/<int:record_id>", services.get_nonconformity, _nc_out, response=AuditNonconformityOut,
             permission="audit.nc_view", tag=TAG, endpoint="get_nonconformity",
             summary="One nonconformity with its actions and effectiveness checks (404 outside the caller's scope).")


NC_ACTIONS.api_routes(bp, N, permission="audit.nc_work", tag=TAG)


# --- corrective actions ---------------------------------------------------------------------

C = "/corrective-actions"


list_route(bp, C, services.actions_stmt, out.action, query=AuditCorrectiveActionQuery,
           response=AuditCorrectiveActionOut, permission="audit.nc_view", tag=TAG, endpoint="list_actions",
           summary="Corrective actions of the nonconformities the caller may see.")


@route(bp, C, ["POST"], body=AuditCorrectiveActionIn, response=AuditCorrectiveActionOut, status=201,
       permission="audit.nc_work", tag=TAG)
def create_action(body: AuditCorrectiveActionIn):
    """Add a corrective action to an analysed nonconformity; its owner is notified."""
    nc = services.get_nonconformity(body.nonconformity_id)
    action = services.add_action(nc, body, current_user)
    _commit()
    return out.action(action)


detail_route(bp, C + "/<int:record_id>", services.get_action, out.action, response=AuditCorrectiveActionOut,
             permission="audit.nc_view", tag=TAG, endpoint="get_action", summary="One corrective action.")


CORRECTIVE_ACTIONS.api_routes(bp, C, permission="audit.nc_work", tag=TAG)


# --- improvements ---------------------------------------------------------------------------

I = "/improvements"


def _imp_out(r):
    return out.improvement(r, current_user)


list_route(bp, I, services.improvements_stmt, _imp_out, query=AuditImprovementQuery,
           response=AuditImprovementOut, permission="audit.view", tag=TAG, endpoint="list_improvements",
           summary="Improvement records with filters by state, origin, owner and overdue.")


@route(bp, I + "/export", query=AuditImprovementExportQuery, permission="audit.view", tag=TAG,
       content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"))
def export_improvements(query: AuditImprovementExportQuery) -> Response:
    """The filtered improvement records as xlsx (or csv)."""
    from plugins.audit.exports import improvements_export

    return improvements_export(query)


@route(bp, I, ["POST"], body=AuditImprovementIn, response=AuditImprovementOut, status=201,
       permission="audit.improvement_propose", tag=TAG)
def create_improvement(body: AuditImprovementIn):
    """Propose an improvement (IMP-YYYY-NNN)."""
    record = services.create_improvement(body, current_user)
    _commit()
    return _imp_out(record)


detail_route(bp, I + "/<int:record_id>", services.get_improvement, _imp_out, response=AuditImprovementOut,
             permission="audit.view", tag=TAG, endpoint="get_improvement", summary="One improvement record.")


@route(bp, I + "/<int:record_id>", ["PATCH"], body=AuditImprovementPatch, response=AuditImprovementOut,
       permission="audit.improvement_propose", tag=TAG)
def update_improvement(record_id: int, body: AuditImprovementPatch):
    """Change a proposed or approved improvement."""
    record = services.update_improvement(services.get_improvement(record_id), body, current_user)
    _commit()
    return _imp_out(record)


IMPROVEMENT_ACTIONS.api_routes(bp, I, permission="audit.view", tag=TAG)


# --- management reviews ---------------------------------------------------------------------

R = "/management-reviews"


def _review_out(r):
    return out.review(r, current_user)


list_route(bp, R, services.reviews_stmt, _review_out, query=AuditReviewQuery,
           response=AuditReviewOut, permission="audit.view", tag=TAG, endpoint="list_reviews",
           summary="Management reviews.")


@route(bp, R, ["POST"], body=AuditReviewIn, response=AuditReviewOut, status=201, permission="audit.review", tag=TAG)
def create_review(body: AuditReviewIn):
    """Open a review (MR-YYYY-NN): its inputs are assembled now and frozen."""
    review = services.create_review(body, current_user)
    _commit()
    return _review_out(review)


detail_route(bp, R + "/<int:record_id>", services.get_review, _review_out, response=AuditReviewOut,
             permission="audit.view", tag=TAG, endpoint="get_review",
             summary="One management review with its frozen inputs.")


REVIEW_ACTIONS.api_routes(bp, R, permission="audit.review", tag=TAG)


@route(bp, R + "/<int:record_id>/minutes.pdf", permission="audit.view", tag=TAG, content_type="application/pdf")
def review_minutes(record_id: int):
    """The minutes as PDF (Chinese)."""
    from plugins.audit.minutes import minutes_response

    return minutes_response(services.get_review(record_id))
