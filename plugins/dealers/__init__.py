"""Dealer relationship: the portal home, ABC contact schedule, scorecards, qualification. Hookimpls only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.toolkit import STAFF_ROLES, MenuItem, Permission, RoleDecl, Setting, hookimpl


@hookimpl
def aftersales_roles():
    return [RoleDecl("dealers_manager", _l("Dealer's login manager"), scope="dealer")]


@hookimpl
def aftersales_permissions():
    return [
        Permission("dealers.portal", _l("Use the dealer portal home"), ("dealer",)),
        Permission("dealers.view", _l("See dealer classes, contacts, scorecards and status changes"), STAFF_ROLES),
        Permission("dealers.classify", _l("Classify dealers A, B, C"), ("admin", "regional_manager", "order_dept")),
        Permission("dealers.contact", _l("Record contacts with dealers"),
                   ("admin", "regional_manager", "order_dept", "customer_service")),
        Permission("dealers.propose_status", _l("Propose a dealer status change"), ("admin", "regional_manager")),
        Permission("dealers.decide_status", _l("Decide dealer status changes (order department)"), ("order_dept",)),
        Permission("dealers.confirm_disqualification", _l("Confirm a dealer's disqualification"), ("admin",)),
        Permission("dealers.manage_own_users", _l("Add and deactivate the logins of one's own dealer"),
                   ("dealers_manager",)),
    ]


@hookimpl
def aftersales_settings():
    return [
        Setting("dealers.interval_days_a", 7, _l("Days between contacts with a class A dealer"), int, minimum=1),
        Setting("dealers.interval_days_b", 30, _l("Days between contacts with a class B dealer"), int, minimum=1),
        Setting("dealers.interval_days_c", 182, _l("Days between contacts with a class C dealer"), int, minimum=1),
        Setting("dealers.remind_days_ahead", 7, _l("Days ahead the contact reminder looks (this week)"), int, minimum=1),
        Setting("dealers.scorecard_default_days", 90, _l("Days of the default scorecard period"), int, minimum=1),
        Setting("dealers.scorecard_max_days", 1096, _l("Longest scorecard period in days"), int, minimum=1),
        Setting("dealers.portal_notifications", 10, _l("Notifications shown on the dealer portal"), int, minimum=1),
    ]


@hookimpl
def aftersales_blueprints():
    from plugins.dealers.views import bp

    return [bp]


@hookimpl
def aftersales_api_blueprints():
    from plugins.dealers.api import bp

    return [bp]


@hookimpl
def aftersales_menu_items():
    group = {"group": "dealers", "group_label": _l("Dealer relationship")}
    return [
        MenuItem("dealers.portal", _l("My portal"), "dealers.portal", "dealers.portal", order=1, icon="house"),
        MenuItem("dealers.schedule", _l("Contact schedule"), "dealers.contact_schedule", "dealers.view", order=60,
                 icon="calendar-check", **group),
        MenuItem("dealers.scorecards", _l("Dealer scorecards"), "dealers.scorecards", "dealers.view", order=61,
                 icon="bar-chart", **group),
        MenuItem("dealers.status_changes", _l("Dealer status changes"), "dealers.list_status_changes", "dealers.view",
                 order=62, icon="shield-exclamation", **group),
    ]


@hookimpl
def aftersales_home_url(user):
    if getattr(user, "scope", None) == "dealer" and user.can("dealers.portal"):
        from flask import url_for

        return url_for("dealers.portal")
    return None


@hookimpl
def aftersales_activity_labels():
    # shared ids keep the wording other plugins use (the map is global)
    return {"dealers.classified": _l("classified"), "dealers.status_proposed": _l("status change proposed"),
            "decide": _l("decided"), "confirm": _l("confirmed"), "reject": _l("rejected"),
            "reject_decided": _l("rejected")}


@hookimpl
def aftersales_cli_commands():
    from plugins.dealers.cli import dealers_group

    return [dealers_group]


@hookimpl
def aftersales_load_demo(ctx):
    from plugins.dealers.demo import load

    load(ctx)
