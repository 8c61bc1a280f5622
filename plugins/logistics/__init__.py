"""Logistics exceptions: the transport exception record (产品运输异常记录表). Hookimpls only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.toolkit import DEALER_ROLES, STAFF_ROLES, MenuItem, Permission, Setting, Slot, Widget, hookimpl
from plugins.logistics.certification_evidence import certification_evidence  # noqa: F401  (GB/T 27922 evidence, optional hook)


@hookimpl
def aftersales_permissions():
    return [
        Permission("logistics.view", _l("See transport exception records"), STAFF_ROLES + DEALER_ROLES),
        Permission("logistics.create", _l("Create and edit transport exception records"), ("dealer", "order_dept", "admin")),
        Permission("logistics.file", _l("File transport exception records with the order department"),
                   ("dealer", "order_dept", "admin")),
        Permission("logistics.decide", _l("Accept, refuse and resolve transport exception records"), ("order_dept", "admin")),
        Permission("logistics.accept_late", _l("Accept a late transport exception filing"), ("order_dept",)),
        Permission("logistics.settle_claim", _l("Record carrier claim settlements"), ("order_dept", "admin")),
    ]


@hookimpl
def aftersales_settings():
    return [
        Setting("logistics.filing_working_days", 2,
                _l("Working days after receipt to file a transport exception with no responsible party"), int, minimum=0),
        Setting("logistics.company_error_days", 2,
                _l("Days after receipt to report the company's own mistake (unopened) for an unconditional exchange or credit"),
                int, minimum=0),
        Setting("logistics.dashboard_months", 6, _l("Months shown in the exceptions-per-carrier widget"), int, minimum=1),
    ]


@hookimpl
def aftersales_blueprints():
    from plugins.logistics.views import bp

    return [bp]


@hookimpl
def aftersales_api_blueprints():
    from plugins.logistics.api import bp

    return [bp]


@hookimpl
def aftersales_menu_items():
    return [
        MenuItem("logistics.exceptions", _l("Transport exceptions"), "logistics.list_exceptions", "logistics.view",
                 order=40, icon="truck", group="logistics", group_label=_l("Transport exceptions")),
        MenuItem("logistics.queue", _l("Exception queue"), "logistics.queue", "logistics.decide", order=41, icon="inbox",
                 group="logistics", group_label=_l("Transport exceptions")),
    ]


@hookimpl
def aftersales_dashboard_widgets():
    from plugins.logistics import widgets

    return [
        Widget("logistics.per_carrier", _l("Transport exceptions per carrier and month"), widgets.per_carrier,
               "logistics.view", order=40, width=12),
        Widget("logistics.open_claims", _l("Open carrier claims"), widgets.open_claims, "logistics.view", order=41),
        Widget("logistics.late_filings", _l("Late filings"), widgets.late_filings, "logistics.view", order=42),
    ]


@hookimpl
def aftersales_template_slots():
    return [Slot("logistics_exception_panels",
                 "Panels on a transport exception record page; context: record (LogisticsException).")]


@hookimpl
def aftersales_cli_commands():
    from plugins.logistics.cli import bench_logistics_command

    return [bench_logistics_command]


@hookimpl
def aftersales_load_demo(ctx):
    from plugins.logistics.demo import load

    load(ctx)


from plugins.logistics.review_inputs import audit_review_inputs  # noqa: E402,F401  (audit hooks; unused without audit)
from plugins.logistics.dealers_hooks import dealers_portal_sections, dealers_scorecard  # noqa: E402,F401  (optional hooks)
@hookimpl
def aftersales_chatter():
    from core.toolkit import Chatter
    from plugins.logistics import views
    from plugins.logistics.models import LogisticsException

    fields = {"state": _l("State"), "lines": _l("Lines"), "late": _l("Late"), "filed_on": _l("Filed on"),
              "filing_deadline": _l("Filing deadline"), "unconditional": _l("Unconditional credit or exchange"),
              "late_reason": _l("Reason for accepting late"), "outcome": _l("Outcome"),
              "claim_amount": _l("Claim amount"), "claim_status": _l("Claim"), "claim_settled_amount": _l("Settled amount"),
              "claim_settled_on": _l("Settled on"), "responsible_party": _l("Responsible party"),
              "attachment": _l("Attachment"), "kind": _l("Exception"), "carrier": _l("Carrier"),
              "waybill": _l("Waybill"), "received_on": _l("Received on"), "description": _l("Description"),
              "signer": _l("Signed by"), "delivery_note": _l("Delivery note")}
    values = {"state": views.STATE_LABELS, "outcome": views.OUTCOME_LABELS, "claim_status": views.CLAIM_LABELS,
              "responsible_party": views.PARTY_LABELS, "kind": views.KIND_LABELS}
    actions = {"created": _l("created"), "updated": _l("updated"), "file": _l("filed"), "accept": _l("accepted"),
               "accept_late": _l("accepted late"), "refuse": _l("refused"), "resolve": _l("resolved"),
               "settle_claim": _l("claim settled"), "filing_refused_late": _l("filing refused: too late"),
               "attachment_added": _l("attachment added"), "attachment_deleted": _l("attachment removed")}
    return [Chatter(LogisticsException, "logistics.view", fields, values, actions,
                    link=lambda r: f"/logistics/{r.id}", title=lambda r: r.number)]
from plugins.logistics.smart_buttons import aftersales_dealer_smart_buttons, aftersales_model_labels  # noqa: E402,F401
