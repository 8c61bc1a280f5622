"""The transport exception's workflow actions, declared once: the API routes and the page's form handler."""
from __future__ import annotations

from flask import url_for
from flask_login import current_user

from core.toolkit import Action, TransitionRoutes
from plugins.logistics import services
from plugins.logistics.schemas import AcceptIn, ActionIn, ExceptionOut, ResolveIn, SettleClaimIn

# the page's form fields each action reads (beyond ``version`` and ``comment``)
FORM_FIELDS = {"file": (), "accept": ("late_reason", "responsible_party"), "refuse": (),
               "resolve": ("outcome", "claim_amount"), "settle_claim": ("settled_amount", "settled_on")}


def _form(action: str):
    def read(form, record) -> dict:
        fields = {"comment": form.get("comment", "").strip()}
        for name in FORM_FIELDS[action]:
            fields[name] = form.get(name, "").strip() or None
        return fields
    return read


def _run(action: str):
    return lambda record, actor, body: services.run_action(record, action, body, actor)


def _action(name: str, body, doc: str, **kw) -> Action:
    return Action(name, body, _run(name), doc, form=_form(name), **kw)


ACTIONS = TransitionRoutes(
    workflow=services.workflow, loader=services.get_exception, response=ExceptionOut,
    serialize=lambda record: services.serialize(record, current_user),
    record_url=lambda record: url_for("logistics.view_exception", record_id=record.id),
    keep_on=(services.LateFiling,),  # a late filing keeps its ``late`` flag and the refused attempt in the log
    actions=[
        _action("file", ActionIn, "File with the order department; 422 ``filing_late`` past the deadline when no party "
                                  "is identified.", endpoint="file_exception"),
        _action("accept", AcceptIn, "Accept a filed record, or a late filing with ``late_reason``.",
                transition=lambda r: "accept_late" if r.state == "draft" and r.late else "accept",
                endpoint="accept_exception"),
        _action("refuse", ActionIn, "Refuse a filed record (or a late filing).", endpoint="refuse_exception"),
        _action("resolve", ResolveIn, "Resolve with ``outcome`` credit, exchange, carrier_claim (with ``claim_amount``) "
                                      "or rejected.", endpoint="resolve_exception"),
        _action("settle_claim", SettleClaimIn, "Record that the carrier claim was settled (open -> settled).",
                workflow=services.claim_workflow, endpoint="settle_claim"),
    ])
