"""Customer service (客户服务): service requests, 24-hour replies, on-site visits. Hookimpls only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.toolkit import (DEALER_ROLES, STAFF_ROLES, MenuItem, Permission, RoleDecl, Setting, Slot, Widget,
                          hookimpl)
from plugins.service.certification_evidence import certification_evidence  # noqa: F401  (GB/T 27922 evidence, optional hook)

VISIT_ROLES = ("technician", "technical", "customer_service", "admin")


@hookimpl
def aftersales_roles():
    return [RoleDecl("technician", _l("Service technician"), scope="all")]


@hookimpl
def aftersales_permissions():
    return [
        Permission("service.view", _l("See service requests"), STAFF_ROLES + DEALER_ROLES + ("technician",)),
        Permission("service.create", _l("Record service requests"), ("customer_service", "admin") + DEALER_ROLES),
        Permission("service.manage", _l("Take, assign, answer, schedule, close and cancel service requests"),
                   ("customer_service", "admin")),
        Permission("service.visit", _l("Carry out on-site visits: quotes, visit records, co-signatures"),
                   VISIT_ROLES),
    ]


@hookimpl
def aftersales_settings():
    return [
        Setting("service.reply_hours", 24, _l("Clock hours after a service request is received to reply"), int,
                minimum=1),
        Setting("service.remind_before_hours", 4, _l("Remind this many hours before a reply falls due"), int,
                minimum=0),
        Setting("service.max_window_hours", 12, _l("Longest appointment window for an on-site visit (hours)"), int,
                minimum=1),
        Setting("service.signature_max_kb", 512, _l("Largest co-signature image (KB)"), int, minimum=16),
        Setting("service.dashboard_days", 90, _l("Days counted for the on-time arrival rate on the dashboard"), int,
                minimum=1),
        Setting("service.tools_checklist", "万用表,绝缘电阻表,梯子,螺丝刀套装,备用驱动电源,备用光源",
                _l("Tools checklist for on-site visits (comma-separated)"), str),
    ]


@hookimpl
def aftersales_blueprints():
    from plugins.service.views import bp

    return [bp]


@hookimpl
def aftersales_api_blueprints():
    from plugins.service.api import bp

    return [bp]


@hookimpl
def aftersales_menu_items():
    return [
        MenuItem("service.requests", _l("Service requests"), "service.list_requests", "service.view", order=50,
                 icon="headset", group="service", group_label=_l("Customer service")),
        MenuItem("service.queue", _l("My service queue"), "service.queue", "service.visit", order=51,
                 icon="list-check", group="service", group_label=_l("Customer service")),
    ]


@hookimpl
def aftersales_dashboard_widgets():
    from plugins.service import widgets

    return [Widget("service.overview", _l("Service requests"), widgets.overview, "service.view", order=50)]


@hookimpl
def aftersales_template_slots():
    return [Slot("service_request_panels", "Panels on a service request page; context: record (ServiceRequest).")]


@hookimpl
def aftersales_activity_labels():
    # same English as other plugins for shared ids (the map is global)
    return {"assign": _l("assigned"), "reply": _l("replied"), "schedule": _l("visit scheduled"),
            "quote": _l("fee quoted"), "accept_quote": _l("quote accepted"), "start_visit": _l("visit started"),
            "resolve": _l("resolved"), "take_back": _l("unit taken back"), "close": _l("closed"),
            "cancel": _l("cancelled"), "visit_recorded": _l("visit recorded"),
            "visit_completed": _l("visit completed"), "signed": _l("co-signed"), "complete": _l("completed")}


@hookimpl
def aftersales_cli_commands():
    from plugins.service.cli import service_group

    return [service_group]


@hookimpl
def aftersales_load_demo(ctx):
    from plugins.service.demo import load

    load(ctx)


# --- other plugins' hooks, used only when those plugins are enabled ----------------------


@hookimpl(optionalhook=True)
def dealers_portal_sections(dealer, user):
    """The dealers plugin's portal: this dealer's open service requests."""
    from plugins.service import portal

    return portal.dealer_section(dealer, user)


@hookimpl(optionalhook=True)
def audit_review_inputs(period_from, period_to):
    """The audit plugin's management review: requests by channel, replies in time, on-time arrivals."""
    from plugins.service import portal

    return portal.review_inputs(period_from, period_to)
from plugins.service.smart_buttons import aftersales_dealer_smart_buttons, aftersales_model_labels  # noqa: E402,F401


@hookimpl
def aftersales_field_labels():
    """Service requests' fields and states as people read them in the activity log (no raw ids)."""
    from core.toolkit import FieldLabels
    from plugins.service.views import CHANNEL_LABELS, STATE_LABELS

    fields = {"customer_name": _l("Customer name"), "customer_phone": _l("Customer phone"),
              "customer_address": _l("Customer address"), "received_at": _l("Received"), "channel": _l("Channel"),
              "assignee": _l("Assignee"), "answer": _l("Answer"), "on_site": _l("On site"),
              "technician": _l("Technician"), "window_from": _l("Window from"), "window_to": _l("Window to"),
              "fee": _l("Fee"), "quote_accepted_at": _l("Quote accepted"), "arrived_at": _l("Arrived"),
              "on_time": _l("On time"), "visit": _l("Visit"), "resolved_at": _l("Resolved"), "closed_at": _l("Closed"),
              "customer_confirmed": _l("Customer confirmed"), "cancel_reason": _l("Reason for cancelling"),
              "problem": _l("Problem"), "serial": _l("Serial number")}
    values = {"state": STATE_LABELS, "channel": CHANNEL_LABELS}
    return [FieldLabels(fields, values)]


@hookimpl
def aftersales_chatter():
    """A service request gets the core chatter (its field labels are the plugin's, above)."""
    from core.toolkit import Chatter, chatter
    from plugins.service.models import ServiceRequest
    from plugins.service.views import CHANNEL_LABELS, STATE_LABELS

    fields = {"technician_id": _l("Technician"), "replied_at": _l("Replied at"), "repairable": _l("Repairable")}
    values = {"state": STATE_LABELS, "channel": CHANNEL_LABELS, "technician_id": chatter.user_name,
              "visit": _visit_label}
    return [Chatter(ServiceRequest, "service.view", fields, values, link=lambda r: f"/service/{r.id}",
                    title=lambda r: r.number)]


def _visit_label(visit_id) -> str:
    """A visit in a request's activity log: when the technician arrived (not its id)."""
    from flask_babel import format_datetime, gettext

    from core.toolkit import db
    from plugins.service.models import ServiceVisit

    visit = db.session.get(ServiceVisit, int(visit_id)) if str(visit_id).isdigit() else None
    if visit is None or visit.arrived_at is None:
        return gettext("a visit")
    return gettext("the visit of %(when)s", when=format_datetime(visit.arrived_at, "yyyy-MM-dd HH:mm"))


@hookimpl
def aftersales_record_rules():
    """A technician sees only the requests assigned to it, on every page and in the chatter."""
    from core.toolkit import RecordRule
    from plugins.service.models import ServiceRequest
    from plugins.service.services import technician_clause

    return [RecordRule(ServiceRequest, technician_clause, mode="narrow", roles=("technician",))]
