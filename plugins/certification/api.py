"""JSON API: certification-criteria, self-assessments, documents, training-records, equipment,
calibrations and the evidence pack (paths and field names are a contract)."""
from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from flask_login import current_user

from core.toolkit import BadRequest, CrudApi, ValidationError, detail_route, events, list_route, route, validate
from plugins.certification import pack, services
from plugins.certification.actions import ACTIONS
from plugins.certification.files import file_response
from plugins.certification.schemas import (CalibrationIn, CalibrationOut, CalibrationPatch, CalibrationQuery,
                                           CertificationCriteriaOut, CertificationCriteriaPatch, DocumentIn,
                                           DocumentOut, DocumentPatch, DocumentQuery, DocumentVersionIn, EquipmentIn,
                                           EquipmentOut, EquipmentPatch, EquipmentQuery, EvidencePackOut,
                                           EvidencePackQuery, SelfAssessmentCriterionPatch,
                                           SelfAssessmentIn, SelfAssessmentOut, SelfAssessmentPatch,
                                           SelfAssessmentQuery, SelfAssessmentRowOut, SelfAssessmentSpecialIn,
                                           TrainingRecordIn, TrainingRecordOut, TrainingRecordPatch,
                                           TrainingRecordQuery)

bp = Blueprint("certification_api", __name__)
TAG = "certification"
commit = events.commit


# --- criteria -----------------------------------------------------------------------------

def _criteria_out(rows) -> dict:
    items = [services.serialize_criterion(c) for c in rows]
    return {"items": items, "total": len(items), "page": 1, "per_page": max(1, len(items)), "pages": 1,
            "total_points": float(sum(c.max_points for c in rows if c.active))}


@route(bp, "/certification-criteria", response=CertificationCriteriaOut, permission="certification.view", tag=TAG)
def list_criteria():
    """The GB/T 27922 check items with their maximum points (the applicable maxima add up to 100)."""
    rows = services.criteria()
    commit()  # the first read seeds the items
    return _criteria_out(rows)


@route(bp, "/certification-criteria", ["PATCH"], body=CertificationCriteriaPatch, response=CertificationCriteriaOut,
       permission="certification.configure", tag=TAG)
def update_criteria(body: CertificationCriteriaPatch):
    """Change maximum points (admin); 422 ``total_not_100`` unless the applicable maxima still add up to 100."""
    rows = services.update_criteria([i.model_dump(exclude_unset=True) for i in body.items], current_user)
    commit()
    return _criteria_out(rows)


# --- self-assessments -------------------------------------------------------------------------

SA = "/self-assessments"


def _assessment(record) -> dict:
    return services.serialize_assessment(record, current_user)


list_route(bp, SA, services.assessment_stmt, services.serialize_assessment_row,
           query=SelfAssessmentQuery, response=SelfAssessmentRowOut, permission="certification.assess", tag=TAG,
           endpoint="list_assessments", summary="Self-assessments, newest year first (filters year, state, level).")


@route(bp, SA, ["POST"], body=SelfAssessmentIn, response=SelfAssessmentOut, status=201,
       permission="certification.assess", tag=TAG)
def create_assessment(body: SelfAssessmentIn):
    """Open the self-assessment of a year (409 ``duplicate_year`` when one exists)."""
    record = services.create_assessment(body.model_dump(), current_user)
    commit()
    return _assessment(record)


detail_route(bp, SA + "/<int:assessment_id>", services.get_assessment, _assessment, response=SelfAssessmentOut,
             permission="certification.assess", tag=TAG, endpoint="get_assessment",
             summary="One self-assessment: score, level, subtotals, criteria with suggested evidence, warnings.")


@route(bp, SA + "/<int:assessment_id>", ["PATCH"], body=SelfAssessmentPatch, response=SelfAssessmentOut,
       permission="certification.assess", tag=TAG)
def update_assessment(assessment_id: int, body: SelfAssessmentPatch):
    """Change the assessors of a draft."""
    record = services.update_assessment(services.get_assessment(assessment_id), body.model_dump(exclude_unset=True),
                                        current_user)
    commit()
    return _assessment(record)


@route(bp, SA + "/<int:assessment_id>", ["DELETE"], status=204, permission="certification.assess", tag=TAG)
def delete_assessment(assessment_id: int):
    """Delete a draft."""
    services.delete_assessment(services.get_assessment(assessment_id), current_user)
    commit()
    return "", 204


@route(bp, SA + "/<int:assessment_id>/criteria/<code>", ["PATCH"], body=SelfAssessmentCriterionPatch,
       response=SelfAssessmentOut, permission="certification.assess", tag=TAG)
def score_criterion(assessment_id: int, code: str, body: SelfAssessmentCriterionPatch):
    """Give a criterion ``points`` (0..max) or ``not_applicable``, with ``notes`` and ``evidence_links``."""
    record = services.get_assessment(assessment_id)
    services.score_criterion(record, code, body.model_dump(exclude_unset=True), current_user)
    commit()
    return _assessment(record)


@route(bp, SA + "/<int:assessment_id>/specials", ["POST"], body=SelfAssessmentSpecialIn, response=SelfAssessmentOut,
       status=201, permission="certification.assess", tag=TAG)
def add_special(assessment_id: int, body: SelfAssessmentSpecialIn):
    """A special deduction (-1, with its ``rectification``) or the one special bonus (+1; a second is 422)."""
    record = services.get_assessment(assessment_id)
    services.add_special(record, body.model_dump(exclude_unset=True), current_user)
    commit()
    return _assessment(record)


@route(bp, SA + "/<int:assessment_id>/specials/<int:special_id>", ["DELETE"], response=SelfAssessmentOut,
       permission="certification.assess", tag=TAG)
def delete_special(assessment_id: int, special_id: int):
    """Remove a special deduction or bonus from a draft."""
    record = services.get_assessment(assessment_id)
    services.delete_special(record, special_id, current_user)
    commit()
    return _assessment(record)


ACTIONS.api_routes(bp, SA, permission="certification.assess", tag=TAG, id_arg="assessment_id")


# --- documents ---------------------------------------------------------------------------------

DOCS = "/documents"


def _form_body(schema):
    """A multipart form's fields validated like a JSON body (422 with a field map)."""
    return validate(schema, {k: v for k, v in request.form.to_dict().items() if v != "" or k == "version"})


def _upload():
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError(_("file required"), {"file": _("send the document as multipart field 'file'")})
    return upload.filename or "document.pdf", upload.read()


list_route(bp, DOCS, lambda query: services.document_stmt(query, current_user), services.serialize_document,
           query=DocumentQuery, response=DocumentOut, permission="certification.view", tag=TAG,
           endpoint="list_documents",
           summary="Controlled documents: current versions for every staff member; superseded ones for the keepers.")


@route(bp, DOCS, ["POST"], response=DocumentOut, status=201, permission="certification.documents", tag=TAG,
       summary="Register a controlled document (multipart: code, title, kind, version, effective_on, approved_by, "
               "review_due_on, file)")
def create_document():
    if not request.mimetype.startswith("multipart/"):
        raise BadRequest(_("send multipart/form-data with the file"), code="malformed")
    body = _form_body(DocumentIn)
    filename, content = _upload()
    doc = services.create_document(body.model_dump(), filename, content, current_user)
    commit()
    return services.serialize_document(doc)


detail_route(bp, DOCS + "/<int:document_id>", lambda document_id: services.get_document(document_id, current_user),
             services.serialize_document, response=DocumentOut, permission="certification.view", tag=TAG,
             endpoint="get_document", summary="One document version (a superseded one only for the keepers, else 404).")


@route(bp, DOCS + "/<int:document_id>", ["PATCH"], body=DocumentPatch, response=DocumentOut,
       permission="certification.documents", tag=TAG)
def update_document(document_id: int, body: DocumentPatch):
    """Change the title, approver, dates (review due) of the current version."""
    doc = services.update_document(services.get_document(document_id, current_user),
                                   body.model_dump(exclude_unset=True), current_user)
    commit()
    return services.serialize_document(doc)


@route(bp, DOCS + "/<int:document_id>/versions", ["POST"], response=DocumentOut, status=201,
       permission="certification.documents", tag=TAG,
       summary="A new version superseding this one (multipart: version, effective_on, approved_by, title, "
               "review_due_on, file)")
def new_document_version(document_id: int):
    if not request.mimetype.startswith("multipart/"):
        raise BadRequest(_("send multipart/form-data with the file"), code="malformed")
    doc = services.get_document(document_id, current_user)
    body = _form_body(DocumentVersionIn)
    filename, content = _upload()
    new = services.new_version(doc, body.model_dump(), filename, content, current_user)
    commit()
    return services.serialize_document(new)


@route(bp, DOCS + "/<int:document_id>/versions", response=DocumentOut, many=True, permission="certification.view",
       tag=TAG)
def document_versions(document_id: int):
    """Every version of the document's code, newest first (the keepers see superseded ones)."""
    doc = services.get_document(document_id, current_user)
    rows = [d for d in services.document_history(doc)
            if d.status == "current" or services.may_keep_documents(current_user)]
    return {"items": [services.serialize_document(d) for d in rows], "total": len(rows), "page": 1,
            "per_page": max(1, len(rows)), "pages": 1}


@route(bp, DOCS + "/<int:document_id>/file", permission="certification.view", tag=TAG,
       content_type="application/octet-stream")
def document_file(document_id: int):
    """The document's file."""
    return file_response(services.document_file(services.get_document(document_id, current_user)))


# --- training records, equipment, calibrations ----------------------------------------------------

CrudApi("/training-records", "training_record", TAG, TrainingRecordOut, TrainingRecordIn, TrainingRecordPatch,
        TrainingRecordQuery, services.training_stmt, services.serialize_training, services.get_training,
        services.create_training, services.update_training, services.delete_training,
        "certification.view", "certification.documents", "a training record").register(bp)
CrudApi("/equipment", "equipment", TAG, EquipmentOut, EquipmentIn, EquipmentPatch, EquipmentQuery,
        services.equipment_stmt, services.serialize_equipment, services.get_equipment, services.create_equipment,
        services.update_equipment, services.delete_equipment, "certification.view", "certification.documents",
        "an equipment item").register(bp)
CrudApi("/calibrations", "calibration", TAG, CalibrationOut, CalibrationIn, CalibrationPatch, CalibrationQuery,
        services.calibration_stmt, services.serialize_calibration, services.get_calibration,
        services.create_calibration, services.update_calibration, services.delete_calibration,
        "certification.view", "certification.documents", "a calibration record").register(bp)


# --- evidence pack -----------------------------------------------------------------------------------

@route(bp, "/evidence-pack", query=EvidencePackQuery, response=EvidencePackOut, permission="certification.assess",
       tag=TAG)
def evidence_pack(query: EvidencePackQuery):
    """Seed 001's checklist for the year: each item present, missing or stale, with what stands behind it."""
    return pack.build(query.year)


@route(bp, "/evidence-pack.zip", query=EvidencePackQuery, permission="certification.assess", tag=TAG,
       content_type="application/zip")
def evidence_pack_zip(query: EvidencePackQuery):
    """The pack to hand to a certifier: index PDF (Chinese), current documents, record exports."""
    data = pack.build_zip(query.year)
    resp = Response(data, mimetype="application/zip")
    resp.headers["Content-Disposition"] = f'attachment; filename="evidence-pack-{query.year}.zip"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
