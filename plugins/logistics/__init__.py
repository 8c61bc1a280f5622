"""Logistics exceptions: the transport exception record (产品运输异常记录表). Hookimpls only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.declarations import MenuItem, Permission, Setting, Slot, Widget
from core.plugin_system import hookimpl
from plugins.logistics.certification_evidence import certification_evidence  # noqa: F401  (GB/T 27922 evidence, optional hook)

STAFF = ("admin", "regional_manager", "order_dept", "technical", "customer_service", "supervision", "hr", "auditor")


@hookimpl
def aftersales_permissions():
    return [
        Permission("logistics.view", _l("See transport exception records"), STAFF + ("dealer",)),
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
