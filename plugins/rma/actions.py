"""The RMA's workflow actions, declared once: the API routes and the pages' form handlers come from here
(returns, penalties and freight claims)."""
from __future__ import annotations

from flask import flash, redirect, url_for

from core.toolkit import Action, TransitionRoutes, get_scoped
from plugins.rma import services
from plugins.rma.models import Rma, RmaFreightClaim, RmaLine, RmaPenalty
from plugins.rma.queries import load_for_action
from plugins.rma.schemas import (ClaimIn, ClaimOut, DecisionIn, InspectIn, PenaltyOut, ReceiveIn, RejectIn,
                                 ResolveIn, ReturnShipIn, RmaCommentIn, RmaOut, ShipIn, VersionIn)


def _flash_refusal(rma_id, exc):
    """A refused action on the return's page: its messages (not the eligibility codes), back to the return."""
    messages = [v for k, v in exc.fields.items() if not k.endswith(".reasons")]
    flash("; ".join(messages) if messages else exc.message, "danger")
    return redirect(url_for("rma.detail", rma_id=rma_id))


def _form_payload(action, form, rma) -> dict:
    """What the return page's form of ``action`` gives (the API body's fields)."""
    def num(value):
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    if action == "reject":
        return {"reason": form.get("reason", "").strip()}
    if action in ("review", "approve"):
        return {"comment": form.get("comment", "").strip()}
    if action in ("ship", "return_ship"):
        payload = {"boxes": num(form.get("boxes")) if form.get("boxes") else None,
                   "carrier": form.get("carrier", "").strip(), "tracking": form.get("tracking", "").strip()}
        if action == "return_ship":
            payload["contents"] = form.get("contents", "").strip()
        return payload
    if action == "receive":
        return {"boxes_received": num(form.get("boxes_received")),
                "lines": [{"line_id": l.id, "received_quantity": num(form.get(f"qty-{l.id}"))} for l in rma.lines]}
    if action == "inspect":
        return {"lines": [{"line_id": l.id, "verdict": form.get(f"verdict-{l.id}"),
                           "serious": form.get(f"serious-{l.id}") == "on",
                           "worth_analysis": form.get(f"worth-{l.id}") == "on",
                           "findings": form.get(f"findings-{l.id}", "")} for l in rma.lines]}
    if action == "resolve":
        return {"lines": [{"line_id": l.id, "resolution": form.get(f"resolution-{l.id}"),
                           "fee": form.get(f"fee-{l.id}") or None} for l in rma.lines]}
    return {}


def _apply(action: str):
    def run(rma, actor, body):
        services.apply_action(rma, action, actor, body.version, **body.model_dump(exclude={"version"}))
    return run


def _action(action: str, schema, doc: str) -> Action:
    return Action(action, schema, _apply(action), doc, transition=lambda rma: services.transition_for(rma, action),
                  form=lambda form, rma: _form_payload(action, form, rma))


_ACTIONS = [_action(*spec) for spec in (
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
    ("close", VersionIn, "Close a resolved return (after the dealer confirmed the goods sent back, if any)."))]
ACTIONS = TransitionRoutes(workflow=services.WORKFLOW, loader=load_for_action, actions=_ACTIONS, serialize=services.serialize_rma,
                           response=RmaOut, record_url=lambda rma: url_for("rma.detail", rma_id=rma.id),
                           on_form_error=_flash_refusal, direct_write=(Rma, RmaLine))


def _penalty(penalty_id):
    return get_scoped(RmaPenalty, penalty_id)


def _reason(form, record) -> dict:
    return {"reason": form.get("reason", "").strip()}


def _decide_penalty(decision):
    return lambda penalty, actor, body: services.decide_penalty(penalty, decision, actor, body)


def _decide_disqualification(confirm: bool):
    return lambda penalty, actor, body: services.decide_disqualification(penalty, confirm, actor, body)


PENALTY_ACTIONS = TransitionRoutes(
    workflow=services.PENALTY_WORKFLOW, loader=_penalty, serialize=services.serialize_penalty, response=PenaltyOut,
    record_url=lambda penalty: url_for("rma.penalties"), actions=[
    Action("confirm", DecisionIn, _decide_penalty("confirm"), "Confirm a proposed penalty (order department).",
           endpoint="confirm_penalty", form=_reason),
    Action("waive", DecisionIn, _decide_penalty("waive"), "Waive a proposed penalty with a reason (order department).",
           endpoint="waive_penalty", form=_reason),
    Action("disqualify", DecisionIn, _decide_disqualification(True), "Confirm the proposed disqualification of the "
           "dealer (admin); it can no longer file returns.", workflow=services.DISQUALIFICATION_WORKFLOW,
           endpoint="disqualify", form=_reason),
    Action("keep_qualification", DecisionIn, _decide_disqualification(False), "Decline the proposed "
           "disqualification (admin), with a reason.", workflow=services.DISQUALIFICATION_WORKFLOW,
           endpoint="keep_qualification", form=_reason)])


def _claim(claim_id):
    return get_scoped(RmaFreightClaim, claim_id)


def _claim_form(form, claim) -> dict:
    """The claim's form: the receipt file is stored first (the claim needs one), in the same transaction."""
    from flask import request
    from flask_login import current_user

    from plugins.rma import files

    upload = request.files.get("file")
    if upload is not None and upload.filename:
        files.add_receipt(claim, current_user, upload.filename, upload.read())
    return {"amount": form.get("amount") or "0", "receipt": form.get("receipt", "").strip()}


def _decide_claim(decision):
    return lambda claim, actor, body: services.decide_claim(claim, decision, actor, body)


CLAIM_ACTIONS = TransitionRoutes(
    workflow=services.CLAIM_WORKFLOW, loader=_claim, serialize=services.serialize_claim, response=ClaimOut,
    record_url=lambda claim: url_for("rma.claims"), actions=[
    Action("claim", ClaimIn, lambda claim, actor, body: services.file_claim(claim, actor, body),
           "The returning dealer gives the freight amount and its receipt number.", endpoint="file_claim",
           permission="rma.file", form=_claim_form),
    Action("confirm", DecisionIn, _decide_claim("confirm"), "Approve the reimbursement (order department).",
           endpoint="confirm_claim", form=_reason),
    Action("waive", DecisionIn, _decide_claim("waive"), "Refuse the reimbursement with a reason (order department).",
           endpoint="waive_claim", form=_reason)])


