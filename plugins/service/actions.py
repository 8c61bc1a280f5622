"""The service request's actions, declared once: the API routes and the page's form handler."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.toolkit import Action, TransitionRoutes
from plugins.service import services
from plugins.service.schemas import (ServiceActionIn, ServiceAssignIn, ServiceCancelIn, ServiceCloseIn,
                                     ServiceQuoteIn, ServiceReplyIn, ServiceRequestOut, ServiceScheduleIn)

# recording a quote, its acceptance and an assignment are no state changes: their services check them
NOT_TRANSITIONS = ("quote", "accept_quote", "assign")


def _run(action: str):
    return lambda record, actor, body: services.run_action(record, action, body, actor)


ACTIONS = TransitionRoutes(
    workflow=services.workflow, loader=lambda record_id: services.get_request(record_id, current_user),
    response=ServiceRequestOut, serialize=lambda record: services.serialize(record, current_user),
    record_url=lambda record: url_for("service.view_request", record_id=record.id),
    actions=[Action(name, schema, _run(name), doc, path=name, endpoint=f"{name}_request",
                    transition=False if name in NOT_TRANSITIONS else None,
                    message=_l("Done.") if name in NOT_TRANSITIONS else None)
             for name, schema, doc in (
        ("reply", ServiceReplyIn, "Answer the customer (due within service.reply_hours clock hours); on_site: a visit "
                                  "is needed."),
        ("schedule", ServiceScheduleIn, "Send a technician within an appointment window."),
        ("quote", ServiceQuoteIn, "Out of warranty: judge repairable and quote the fee."),
        ("accept_quote", ServiceActionIn, "Record the customer's acceptance of the quoted fee."),
        ("start_visit", ServiceActionIn, "The technician starts the on-site visit."),
        ("resolve", ServiceActionIn, "Resolved (by phone after the reply, or on site)."),
        ("take_back", ServiceActionIn, "The unit is taken back for repair."),
        ("close", ServiceCloseIn, "Close: needs a co-signed visit, or customer_confirmed for a phone-only resolution."),
        ("cancel", ServiceCancelIn, "Cancel with a reason."),
        ("assign", ServiceAssignIn, "Assign the request to a customer-service user."))])
