"""The RMA JSON API (exact paths: other systems depend on them)."""
from __future__ import annotations

from flask import Blueprint, Response
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from core.toolkit import Conflict, NotFound, db, events, get_scoped, paginate, route
from core.toolkit import today as business_today
from plugins.rma import bulk, reads, services
from plugins.rma.queries import claim_list_stmt, list_stmt, load, penalty_list_stmt, reload
from plugins.rma.models import Rma, RmaFreightClaim, RmaLine, RmaPenalty
from plugins.rma.schemas import (BoxesIn, ClaimIn, ClaimOut, ClaimQuery, DecisionIn, EligibilityIn,
                                 EligibilityResultOut, HistoryOut, InspectIn, PenaltyOut, PenaltyQuery, ReceiveIn,
                                 RejectIn, ResolveIn, ReturnShipIn, RmaBulkApproveIn, RmaBulkApproveOut, RmaCommentIn,
                                 RmaIn, RmaOut, RmaPatch, RmaQuery, ShipIn, VersionIn)

bp = Blueprint("rma_api", __name__)


def commit(flush_only: bool = False):
    """One commit per action; a concurrent writer that won first turns ours into a 409."""
    try:
        db.session.flush() if flush_only else events.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_("the record was changed by someone else; reload it"), code="stale_version")


def _commit_and_serialize(rma: Rma) -> dict:
    """The response from the session's own state once flushed (what the commit makes durable),
    instead of reloading the record after the commit: two statements fewer per write."""
    commit(flush_only=True)
    # a reference set through its id (the route to an agent) still holds the old object: reload it
    for name in ("dealer", "receiving_dealer"):
        ref_id, ref = getattr(rma, name + "_id"), getattr(rma, name)
        if (ref.id if ref is not None else None) != ref_id:
            db.session.expire(rma, [name])
    data = services.serialize_rma(rma)
    commit()
    return data


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
    return _commit_and_serialize(rma)


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
    services.update_draft(load(rma_id), body, current_user)
    commit()
    return services.serialize_rma(reload(rma_id))


def _raw_version():
    """The `version` of a transition body, read before the body is validated (None when absent or not an int)."""
    from flask import request

    payload = request.get_json(silent=True) if request.is_json else None
    version = payload.get("version") if isinstance(payload, dict) else None
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def _transition(rma_id: int, action: str, schema):
    """Errors come in this order: 404 outside scope, 403 role, 409 stale version or state, then 400/422 body."""
    from core.toolkit import parse_body

    rma = load(rma_id)
    services.precheck(rma, action, current_user, _raw_version())
    body = parse_body(schema)
    payload = body.model_dump(exclude={"version"})
    services.apply_action(rma, action, current_user, body.version, **payload)
    return _commit_and_serialize(rma)


def _declare(action: str, schema, doc: str):
    def view(rma_id: int):
        return _transition(rma_id, action, schema)
    view.__name__ = f"rma_{action}"
    view.__doc__ = doc
    # The body is parsed inside the view (after the scope, role, version and state checks),
    # but still documented in the OpenAPI description.
    wrapped = route(bp, f"/rmas/<int:rma_id>/{action.replace('_', '-')}", ["POST"], response=RmaOut,
                    permission="rma.view", tag="rma")(view)
    wrapped._api_meta.body = schema


for _action, _schema, _doc in (
        ("submit", VersionIn, "Submit a draft (every line must be accepted)."),
        ("review", RmaCommentIn, "Review (regional manager); a distributor's return is approved to its agent."),
        ("approve", RmaCommentIn, "Approve (order department): the number and labels are issued."),
        ("reject", RejectIn, "Reject with a reason (reviewer or approver)."),
        ("cancel", VersionIn, "Cancel before approval (the returning dealer)."),
        ("ship", ShipIn, "Mark shipped with boxes, carrier and tracking number."),
        ("receive", ReceiveIn, "Count the goods received (the receiving unit's count stands)."),
        ("inspect", InspectIn, "Give the technical verdict of each line."),
        ("resolve", ResolveIn, "Resolve each line."),
        ("return_ship", ReturnShipIn, "Send repaired, replaced or no-fault goods back to the returning unit "
                                      "(the receiving unit: boxes, carrier, tracking number, contents)."),
        ("confirm_return", VersionIn, "The returning dealer confirms it received the goods sent back."),
        ("close", VersionIn, "Close a resolved return (after the dealer confirmed the goods sent back, if any).")):
    _declare(_action, _schema, _doc)


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
    services.set_boxes(load(rma_id), current_user, body)
    commit()
    return services.serialize_rma(reload(rma_id))


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


def _penalty(penalty_id):
    return get_scoped(RmaPenalty, penalty_id)


@route(bp, "/rma-penalties/<int:penalty_id>/confirm", ["POST"], body=DecisionIn, response=PenaltyOut,
       permission="rma.view", tag="rma")
def confirm_penalty(penalty_id: int, body: DecisionIn):
    """Confirm a proposed penalty (order department)."""
    p = services.decide_penalty(_penalty(penalty_id), "confirm", current_user, body)
    commit()
    return services.serialize_penalty(p)


@route(bp, "/rma-penalties/<int:penalty_id>/waive", ["POST"], body=DecisionIn, response=PenaltyOut,
       permission="rma.view", tag="rma")
def waive_penalty(penalty_id: int, body: DecisionIn):
    """Waive a proposed penalty with a reason (order department)."""
    p = services.decide_penalty(_penalty(penalty_id), "waive", current_user, body)
    commit()
    return services.serialize_penalty(p)


@route(bp, "/rma-penalties/<int:penalty_id>/disqualify", ["POST"], body=DecisionIn, response=PenaltyOut,
       permission="rma.view", tag="rma")
def disqualify(penalty_id: int, body: DecisionIn):
    """Confirm the proposed disqualification of the dealer (admin); it can no longer file returns."""
    p = services.decide_disqualification(_penalty(penalty_id), True, current_user, body)
    commit()
    return services.serialize_penalty(p)


@route(bp, "/rma-penalties/<int:penalty_id>/keep-qualification", ["POST"], body=DecisionIn, response=PenaltyOut,
       permission="rma.view", tag="rma")
def keep_qualification(penalty_id: int, body: DecisionIn):
    """Decline the proposed disqualification (admin), with a reason."""
    p = services.decide_disqualification(_penalty(penalty_id), False, current_user, body)
    commit()
    return services.serialize_penalty(p)


@route(bp, "/rma-freight-claims", query=ClaimQuery, response=ClaimOut, many=True, permission="rma.view", tag="rma")
def list_claims(query: ClaimQuery):
    """Freight reimbursement claims."""
    return paginate(claim_list_stmt(query.state), query, services.serialize_claim)


@route(bp, "/rma-freight-claims/<int:claim_id>/claim", ["POST"], body=ClaimIn, response=ClaimOut,
       permission="rma.file", tag="rma")
def file_claim(claim_id: int, body: ClaimIn):
    """The returning dealer gives the freight amount and its receipt number."""
    c = services.file_claim(get_scoped(RmaFreightClaim, claim_id), current_user, body)
    commit()
    return services.serialize_claim(c)


@route(bp, "/rma-freight-claims/<int:claim_id>/confirm", ["POST"], body=DecisionIn, response=ClaimOut,
       permission="rma.view", tag="rma")
def confirm_claim(claim_id: int, body: DecisionIn):
    """Approve the reimbursement (order department)."""
    c = services.decide_claim(get_scoped(RmaFreightClaim, claim_id), "confirm", current_user, body)
    commit()
    return services.serialize_claim(c)


@route(bp, "/rma-freight-claims/<int:claim_id>/waive", ["POST"], body=DecisionIn, response=ClaimOut,
       permission="rma.view", tag="rma")
def waive_claim(claim_id: int, body: DecisionIn):
    """Refuse the reimbursement with a reason (order department)."""
    c = services.decide_claim(get_scoped(RmaFreightClaim, claim_id), "waive", current_user, body)
    commit()
    return services.serialize_claim(c)


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
