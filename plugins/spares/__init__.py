"""Spare parts: dealer obligations and stock reports, applications, head-office stock, retention."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.toolkit import DEALER_ROLES, STAFF_ROLES, MenuItem, Permission, Setting, Widget, hookimpl
from plugins.spares.certification_evidence import certification_evidence  # noqa: F401  (GB/T 27922 evidence, optional hook)
from plugins.spares import summary  # noqa: F401  (its session listeners keep the compliance summary in step)


@hookimpl
def aftersales_permissions():
    return [
        Permission("spares.view", _l("See spare-part compliance, reports and applications"), STAFF_ROLES + DEALER_ROLES),
        Permission("spares.report", _l("Report spare-part stock"), ("admin", "customer_service", "dealer")),
        Permission("spares.obligations", _l("Manage spare-part obligations"), ("admin", "customer_service")),
        Permission("spares.apply", _l("Apply for spare parts"), ("admin", "customer_service", "dealer")),
        Permission("spares.approve", _l("Approve or reject spare-part applications"), ("admin", "customer_service")),
        Permission("spares.ship", _l("Ship spare-part applications"), ("admin", "customer_service")),
        Permission("spares.receive", _l("Confirm receipt of spare parts"), ("admin", "customer_service", "dealer")),
        Permission("spares.stock", _l("See head-office spare stock"), STAFF_ROLES),
        Permission("spares.stock.manage", _l("Record head-office stock movements"), ("admin", "customer_service")),
    ]


@hookimpl
def aftersales_settings():
    return [
        Setting("spares.report_max_age_days", 30, _l("Days after which a dealer's spare-part stock report is overdue"),
                int, minimum=1),
    ]


@hookimpl
def aftersales_upgrade_steps():
    # the summary of migration spares_0002 is built from the existing reports (the migration only
    # creates the table); rebuilt on every upgrade, so a summary left behind by a bulk load heals too
    return [summary.rebuild]


@hookimpl
def aftersales_blueprints():
    from plugins.spares.views import bp

    return [bp]


@hookimpl
def aftersales_api_blueprints():
    from plugins.spares.api import bp

    return [bp]


@hookimpl
def aftersales_menu_items():
    return [
        MenuItem("spares.compliance", _l("Spare parts"), "spares.compliance", "spares.view", order=40, icon="tools",
                 group="spares", group_label=_l("Spare parts")),
        MenuItem("spares.applications", _l("Spare-part applications"), "spares.list_applications", "spares.view",
                 order=41, icon="box-arrow-in-down", group="spares", group_label=_l("Spare parts")),
        MenuItem("spares.reports", _l("Spare-part stock reports"), "spares.list_reports", "spares.view", section="master",
                 order=40, icon="clipboard-check"),
        MenuItem("spares.obligations", _l("Spare-part obligations"), "spares.list_obligations", "spares.stock",
                 section="master", order=41, icon="list-check"),
        MenuItem("spares.stock", _l("Head-office spare stock"), "spares.stock", "spares.stock", section="master",
                 order=42, icon="boxes"),
        MenuItem("spares.retention", _l("Spare-part retention"), "spares.retention", "spares.stock", section="master",
                 order=43, icon="hourglass-split"),
    ]


@hookimpl
def aftersales_dashboard_widgets():
    from plugins.spares import views

    return [
        Widget("spares.compliance_rate", _l("Spare-part compliance"), views.widget_compliance, "spares.view", order=40, width=4),
        Widget("spares.non_compliant", _l("Non-compliant dealers"), views.widget_non_compliant, "spares.stock", order=41, width=4),
        Widget("spares.open_applications", _l("Open spare-part applications"), views.widget_open_applications,
               "spares.view", order=42, width=4),
    ]


@hookimpl
def aftersales_cli_commands():
    from plugins.spares.cli import spares_group

    return [spares_group]


@hookimpl
def aftersales_load_demo(ctx):
    from plugins.spares.demo import load

    load(ctx)


@hookimpl
def aftersales_activity_labels():
    return {"reported": _l("stock reported"), "submitted": _l("submitted"), "approve": _l("approved"),
            "reject": _l("rejected"), "ship": _l("shipped"), "receive": _l("received")}


from plugins.spares.review_inputs import audit_review_inputs  # noqa: E402,F401  (audit hooks; unused without audit)
from plugins.spares.dealers_hooks import dealers_portal_sections, dealers_scorecard  # noqa: E402,F401  (optional hooks)
@hookimpl
def aftersales_chatter():
    from core.toolkit import Chatter
    from plugins.spares import views
    from plugins.spares.models import Application

    fields = {"state": _l("State"), "rma_id": _l("Return"), "rma": _l("Return"), "lines": _l("Lines"),
              "shipped": _l("Shipped")}
    return [Chatter(Application, "spares.view", fields, {"state": views.STATE_LABELS},
                    link=lambda r: f"/spares/applications/{r.id}", title=lambda r: r.number)]
from plugins.spares.smart_buttons import aftersales_dealer_smart_buttons, aftersales_model_labels  # noqa: E402,F401
