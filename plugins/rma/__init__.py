"""RMA plugin: returns from application to closure, as the return policy says."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from core.toolkit import DEALER_ROLES, STAFF_ROLES, MenuItem, Permission, Setting, Slot, Widget, hookimpl
from plugins.rma.certification_evidence import certification_evidence  # noqa: F401  (GB/T 27922 evidence, optional hook)

STAFF = tuple(role for role in STAFF_ROLES if role != "hr")  # HR sees no returns


@hookimpl
def aftersales_permissions():
    return [
        Permission("rma.view", _l("See returns (RMA)"), STAFF + DEALER_ROLES),
        Permission("rma.file", _l("File, submit, cancel and ship returns"), ("dealer",)),
        Permission("rma.review", _l("Review returns (regional manager)"), ("regional_manager",)),
        Permission("rma.approve", _l("Approve returns (order department)"), ("order_dept",)),
        Permission("rma.reject", _l("Reject returns"), ("regional_manager", "order_dept")),
        Permission("rma.receive", _l("Receive returned goods"), ("order_dept", "dealer")),
        Permission("rma.inspect", _l("Inspect returned goods (technical department)"), ("technical",)),
        Permission("rma.resolve", _l("Resolve returns"), ("order_dept", "dealer")),
        Permission("rma.close", _l("Close returns"), ("order_dept",)),
        Permission("rma.penalty", _l("Confirm or waive return penalties"), ("order_dept",)),
        Permission("rma.freight", _l("Approve freight reimbursements"), ("order_dept",)),
        Permission("rma.disqualify", _l("Confirm a dealer's disqualification"), ("admin",)),
        Permission("rma.export", _l("Export returns"), ("admin", "order_dept", "auditor")),
        Permission("rma.dashboard", _l("See return statistics"), STAFF),
    ]


@hookimpl
def aftersales_settings():
    return [
        Setting("rma.max_boxes", 200, _l("Most boxes one return may be shipped in (one label page each)"), int, minimum=1),
        Setting("rma.sla_working_days", 5, _l("Working days from receipt to resolution"), int, minimum=1),
        Setting("rma.penalty_multiplier", Decimal("2"), _l("Penalty for human damage, times the batch value"),
                Decimal, minimum=Decimal("0")),
        Setting("rma.order_mismatch_hours", 24, _l("Hours after receipt to report an order mismatch"), int, minimum=0),
        Setting("rma.company_error_days", 2, _l("Days after receipt to report a company error"), int, minimum=0),
        Setting("rma.list_count_limit", 1000, _l("Returns an API list counts exactly; beyond, its total is an estimate"),
                int, minimum=1),
    ]


@hookimpl
def aftersales_template_slots():
    return [
        Slot("rma_detail_panels", "Panels on the RMA detail page; context: record=rma."),
        Slot("rma_line_actions", "Extra actions on the lines of the RMA detail page; context: record=rma."),
    ]


@hookimpl
def aftersales_api_blueprints():
    from plugins.rma.api import bp

    return [bp]


@hookimpl
def aftersales_blueprints():
    from plugins.rma import goods_back  # noqa: F401  (adds the portal's confirm-receipt route)
    from plugins.rma.views import bp

    return [bp]


def receives_returns(user) -> bool:
    """Head office receives returns; among dealers only agents do (their distributors' returns)."""
    return user.scope != "dealer" or (user.dealer is not None and user.dealer.kind == "agent")


@hookimpl
def aftersales_menu_items():
    return [
        MenuItem("rma.mine", _l("My returns"), "rma.list_rmas", "rma.file", section="main", order=10,
                 icon="arrow-return-left", group="rma", group_label=_l("Returns")),
        MenuItem("rma.new", _l("File a return"), "rma.new_rma", "rma.file", section="main", order=11,
                 icon="plus-circle", group="rma", group_label=_l("Returns")),
        MenuItem("rma.all", _l("Returns (RMA)"), "rma.list_rmas", "rma.dashboard", section="main", order=30,
                 icon="arrow-return-left", group="rma", group_label=_l("Returns")),
        MenuItem("rma.review", _l("Review queue"), "rma.queue_review", "rma.review", section="main", order=31,
                 icon="check2-square", group="rma", group_label=_l("Returns")),
        MenuItem("rma.approve", _l("Approval queue"), "rma.queue_approve", "rma.approve", section="main", order=32,
                 icon="check2-all", group="rma", group_label=_l("Returns")),
        MenuItem("rma.receive", _l("Receiving"), "rma.receiving", "rma.receive", section="main", order=33,
                 icon="box-arrow-in-down", group="rma", group_label=_l("Returns"), visible=receives_returns),
        MenuItem("rma.inspect", _l("Inspection"), "rma.queue_inspect", "rma.inspect", section="main", order=34,
                 icon="search", group="rma", group_label=_l("Returns")),
        MenuItem("rma.resolve", _l("Resolution"), "rma.queue_resolve", "rma.resolve", section="main", order=35,
                 icon="tools", group="rma", group_label=_l("Returns"), visible=receives_returns),
        MenuItem("rma.penalties", _l("Return penalties"), "rma.penalties", "rma.penalty", section="main", order=36,
                 icon="exclamation-octagon", group="rma", group_label=_l("Returns")),
        MenuItem("rma.claims", _l("Freight claims"), "rma.claims", "rma.view", section="main", order=37,
                 icon="truck", group="rma", group_label=_l("Returns")),
    ]


@hookimpl
def aftersales_dashboard_widgets():
    from plugins.rma import widgets

    return widgets.WIDGETS


@hookimpl
def aftersales_cli_commands():
    from plugins.rma.cli import rma_group

    return [rma_group]


@hookimpl
def aftersales_load_demo(ctx):
    from plugins.rma.demo import load

    load(ctx)


@hookimpl
def aftersales_activity_labels():
    # Same English (and Chinese) as other plugins for the shared ids: the map is global.
    return {"submit": _l("submitted"), "cancel": _l("cancelled"), "review": _l("reviewed"),
            "review_to_agent": _l("reviewed (to the agent)"), "approve": _l("approved"), "reject": _l("rejected"),
            "ship": _l("shipped"), "receive": _l("received"), "inspect": _l("inspected"), "resolve": _l("resolved"),
            "return_ship": _l("sent back"), "confirm_return": _l("receipt of the goods sent back confirmed"),
            "boxes_set": _l("box count set"), "close": _l("closed"), "photo_added": _l("photo added"), "receipt_added": _l("receipt attached"),
            "claimed": _l("freight claimed"), "proposed": _l("proposed"), "confirm": _l("confirmed"),
            "waive": _l("waived")}


from plugins.rma.review_inputs import audit_nonconformity_sources, audit_review_inputs  # noqa: E402,F401  (audit hooks; unused without audit)
from plugins.rma.dealers_hooks import dealers_portal_sections, dealers_scorecard  # noqa: E402,F401  (optional hooks)
@hookimpl
def aftersales_chatter():
    from core.toolkit import Chatter
    from plugins.rma import views
    from plugins.rma.models import Rma, RmaFreightClaim, RmaPenalty

    fields = {"state": _l("State"), "number": _l("Return number"), "filing_number": _l("Filing number"),
              "lines": _l("Lines"), "line": _l("Line"), "boxes": _l("Boxes"), "carrier": _l("Carrier"),
              "tracking": _l("Tracking number"), "receiving_unit": _l("Receiving unit"),
              "boxes_received": _l("Boxes received"), "due_date": _l("Due date"), "quantity": _l("Quantity"),
              "verdict": _l("Verdict"), "resolution": _l("Resolution"), "photo": _l("Photo"),
              "return_carrier": _l("Return carrier"), "return_tracking": _l("Return tracking number"),
              "return_boxes": _l("Return boxes"), "findings": _l("Findings"), "amount": _l("Amount"), "receipt_file": _l("Receipt")}
    values = {"state": views.STATE_LABELS, "verdict": views.VERDICT_LABELS, "resolution": views.RESOLUTION_LABELS,
              "issue": views.ISSUE_LABELS}
    return [Chatter(Rma, "rma.view", fields, values, link=lambda r: f"/rma/{r.id}",
                    title=lambda r: r.number or getattr(r, "filing_number", None) or f"#{r.id}")]
from plugins.rma.smart_buttons import aftersales_dealer_smart_buttons, aftersales_model_labels  # noqa: E402,F401
