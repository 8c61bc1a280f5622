"""The RMA JSON API (exact paths: other systems depend on them)."""
from __future__ import annotations

from flask import Blueprint, Response
from flask_babel import gettext as _
from flask_login import current_user

from core.toolkit import Conflict, commit_or_conflict, db, flushed_answer, get_scoped, paginate, route
from plugins.rma import bulk, reads, services
from plugins.rma.actions import ACTIONS, CLAIM_ACTIONS, PENALTY_ACTIONS
from plugins.rma.queries import claim_list_stmt, load, penalty_list_stmt
from plugins.rma.models import Rma, RmaFreightClaim
from plugins.rma.schemas import (BoxesIn, ClaimOut, ClaimQuery, EligibilityIn, EligibilityResultOut, HistoryOut,
                                 PenaltyOut, PenaltyQuery, RmaBulkApproveIn, RmaBulkApproveOut, RmaIn, RmaOut, RmaPatch,
                                 RmaQuery)

bp = Blueprint("rma_api", __name__)


commit = commit_or_conflict  # bulk approval commits each record through it


def _commit_and_serialize(rma: Rma) -> dict:
    """The response from the session's own state once flushed, instead of reloading the record after
    the commit: two statements fewer per write."""
    return flushed_answer(rma, services.serialize_rma)


@route(bp, "/rmas", query=RmaQuery, response=RmaOut, many=True, permission="rma.view", tag="rma")
def list_rmas(query: RmaQuery):
    """Returns the caller may see, newest first, with filters."""
    return reads.list_page(query)


@route(bp, "/rmas/bulk-approve", ["POST"], body=RmaBulkApproveIn, response=RmaBulkApproveOut,
       permission="rma.approve", tag="rma")
def bulk_approve(body: RmaBulkApproveIn):
    """Approve up to 200 reviewed returns, each in its own transaction through the same checks and
    transition as a single approval; one result per id (`ok`, the status a single approval would
    have answered, code, message, field map)."""
    return bulk.summary(bulk.approve_many([(rma_id, None) for rma_id in body.ids], current_user, commit))


@route(bp, "/rmas/export.csv", query=RmaQuery, permission="rma.export", tag="rma", content_type="text/csv")
def export_rmas_csv(query: RmaQuery):
    """The returns the list filters select, one row per line, as CSV (UTF-8 with BOM; formulas neutralised)."""
    return bulk.export_rmas(query, "csv")


@route(bp, "/rmas/export.xlsx", query=RmaQuery, permission="rma.export", tag="rma",
       content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def export_rmas_xlsx(query: RmaQuery):
    """The returns the list filters select, one row per line, as xlsx (formulas neutralised)."""
    return bulk.export_rmas(query, "xlsx")


@route(bp, "/rmas", ["POST"], body=RmaIn, response=RmaOut, status=201, permission="rma.file", tag="rma")
def create_rma(body: RmaIn):
    """File a return (a dealer user for its company; staff name `dealer_code`); `submit` submits it at once."""
    rma = services.create_rma(body.dealer_code, body.lines, current_user, submit=body.submit)
    if body.submit:  # the submission changed the return through the session: flushed first (its version)
        return _commit_and_serialize(rma)
    # a draft: its rows written by Core statements, nothing for the unit of work to flush and no
    # reference set through an id (what flushed_answer is for): the answer, then the commit
    data = services.serialize_rma(rma)
    commit()
    return data


@route(bp, "/rmas/eligibility", ["POST"], body=EligibilityIn, response=EligibilityResultOut, permission="rma.file",
       tag="rma")
def eligibility(body: EligibilityIn):
    """Eligibility of lines being filed, per line, without saving anything."""
    rule_set = services.rules()
    result = services.preview(body.lines, current_user, body.dealer_code)
    db.session.rollback()
    lines = [services.serialize_line(line, ev, rule_set) for line, ev in result]
    return {"lines": lines, "accepted": all(ev.accepted for _, ev in result)}


@route(bp, "/rmas/lookup", response=RmaOut, permission="rma.receive", tag="rma")
def lookup():
    """The shipped return a scanned QR text or typed number names (`?number=`); 404/409 otherwise."""
    from flask import request

    return services.serialize_rma(services.lookup_for_receipt(request.args.get("number", ""), current_user))


@route(bp, "/rmas/<int:rma_id>", response=RmaOut, permission="rma.view", tag="rma")
def get_rma(rma_id: int):
    """One return with its lines, eligibility and cost roll-up."""
    return reads.detail(rma_id)


@route(bp, "/rmas/<int:rma_id>", ["PATCH"], body=RmaPatch, response=RmaOut, permission="rma.file", tag="rma")
def update_rma(rma_id: int, body: RmaPatch):
    """Replace the lines of a draft."""
    return _commit_and_serialize(services.update_draft(rma_id, body, current_user))


ACTIONS.api_routes(bp, "/rmas", permission="rma.view", tag="rma", id_arg="rma_id")


@route(bp, "/rmas/<int:rma_id>/labels.pdf", permission="rma.view", tag="rma", content_type="application/pdf")
def labels(rma_id: int):
    """One label per box (box k of N) with a QR code of the RMA number."""
    from plugins.rma.labels import labels_pdf

    rma = load(rma_id)
    if rma.number is None:
        raise Conflict(_("labels are issued at approval"), code="not_approved")
    if rma.boxes is None:
        raise Conflict(_("give the number of boxes first (POST /rmas/<id>/boxes)"), code="boxes_unknown")
    return Response(labels_pdf(rma), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{rma.number}-labels.pdf"'})


@route(bp, "/rmas/<int:rma_id>/boxes", ["POST"], body=BoxesIn, response=RmaOut, permission="rma.file", tag="rma")
def set_boxes(rma_id: int, body: BoxesIn):
    """The returning dealer gives the box count before printing the labels; shipping keeps it."""
    return _commit_and_serialize(services.set_boxes(load(rma_id), current_user, body))


@route(bp, "/rmas/<int:rma_id>/return-labels.pdf", permission="rma.view", tag="rma", content_type="application/pdf")
def return_labels(rma_id: int):
    """The receiving unit's labels for the goods sent back (box k of N, to the returning unit)."""
    from plugins.rma.labels import return_labels_pdf

    rma = load(rma_id)
    if rma.return_boxes is None:
        raise Conflict(_("return labels are issued when the return shipment is recorded"), code="not_sent_back")
    return Response(return_labels_pdf(rma), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{rma.number}-return-labels.pdf"'})


@route(bp, "/serials/<path:serial>/history", response=HistoryOut, permission="rma.view", tag="rma")
def serial_history(serial: str):
    """Every return line for a serial number, in order."""
    lines = services.serial_history(serial, current_user)
    return {"serial": serial, "items": [{
        "rma_id": l.rma_id, "rma_number": l.rma.number, "rma_state": l.rma.state, "dealer_code": l.rma.dealer.code,
        "line_id": l.id, "sku": l.product.sku, "issue": l.issue, "quantity": l.quantity, "verdict": l.verdict,
        "resolution": l.resolution, "filed_at": l.rma.created_at.isoformat()} for l in lines]}


# --- penalties and freight claims -----------------------------------------------------

@route(bp, "/rma-penalties", query=PenaltyQuery, response=PenaltyOut, many=True, permission="rma.view", tag="rma")
def list_penalties(query: PenaltyQuery):
    """Penalties proposed for human damage."""
    return paginate(penalty_list_stmt(query.state), query, services.serialize_penalty)


PENALTY_ACTIONS.api_routes(bp, "/rma-penalties", permission="rma.view", tag="rma", id_arg="penalty_id")


@route(bp, "/rma-freight-claims", query=ClaimQuery, response=ClaimOut, many=True, permission="rma.view", tag="rma")
def list_claims(query: ClaimQuery):
    """Freight reimbursement claims."""
    return paginate(claim_list_stmt(query.state), query, services.serialize_claim)


CLAIM_ACTIONS.api_routes(bp, "/rma-freight-claims", permission="rma.view", tag="rma", id_arg="claim_id")


# --- photos and receipts (attachments: images and PDF, size-limited, content-checked) --

def _upload():
    from flask import request

    upload = request.files.get("file")
    return (upload.filename, upload.read()) if upload is not None else (None, None)


@route(bp, "/rmas/<int:rma_id>/photos", ["POST"], status=201, permission="rma.file", tag="rma")
def upload_photo(rma_id: int):
    """Attach a photo or PDF (multipart field `file`) to a return not yet approved (the returning dealer)."""
    from plugins.rma import files

    att = files.add_photo(load(rma_id), current_user, *_upload())
    commit()
    return files.serialize(att)


@route(bp, "/rmas/<int:rma_id>/photos", permission="rma.view", tag="rma")
def list_photos(rma_id: int):
    """Photos of a return."""
    from plugins.rma import files

    return [files.serialize(a) for a in files.photos(load(rma_id))]


@route(bp, "/rmas/<int:rma_id>/photos/<int:photo_id>", permission="rma.view", tag="rma",
       content_type="application/octet-stream")
def get_photo(rma_id: int, photo_id: int):
    """One photo, served only to those who may see the return."""
    from plugins.rma import files

    return files.send_file(files.get_file("rma", load(rma_id).id, photo_id))


@route(bp, "/rma-freight-claims/<int:claim_id>/receipts", ["POST"], status=201, permission="rma.file", tag="rma")
def upload_receipt(claim_id: int):
    """Attach the freight receipt (multipart field `file`: image or PDF) to a claim not yet decided (the claimant)."""
    from plugins.rma import files

    att = files.add_receipt(get_scoped(RmaFreightClaim, claim_id), current_user, *_upload())
    commit()
    return files.serialize(att)


@route(bp, "/rma-freight-claims/<int:claim_id>/receipts", permission="rma.view", tag="rma")
def list_receipts(claim_id: int):
    """Receipt files of a freight claim."""
    from plugins.rma import files

    return [files.serialize(a) for a in files.receipts(get_scoped(RmaFreightClaim, claim_id))]


@route(bp, "/rma-freight-claims/<int:claim_id>/receipts/<int:file_id>", permission="rma.view", tag="rma",
       content_type="application/octet-stream")
def get_receipt(claim_id: int, file_id: int):
    """One receipt file, served only to those who may see the claim."""
    from plugins.rma import files

    return files.send_file(files.get_file(files.CLAIM_MODEL, get_scoped(RmaFreightClaim, claim_id).id, file_id))
