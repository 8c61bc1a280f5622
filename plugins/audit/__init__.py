"""Internal audits, nonconformities, corrective actions, effectiveness checks, improvement records and
management reviews (内审、不合格、纠正措施、有效性验证、改进记录、管理评审). Hookimpls only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.toolkit import (STAFF_ROLES, MenuItem, Permission, RecordRule, RoleDecl, Setting, SlotRenderer, Widget,
                          hookimpl)

STAFF = STAFF_ROLES + ("management",)
AUDITORS = ("auditor", "admin")
GROUP = "audit"


@hookimpl
def aftersales_roles():
    return [RoleDecl("management", _l("Management"))]


@hookimpl
def aftersales_permissions():
    return [
        Permission("audit.view", _l("See audits, improvement records and management reviews"), STAFF),
        Permission("audit.manage", _l("Plan and run internal audits, edit checklist templates"), AUDITORS),
        Permission("audit.nc_view", _l("See nonconformities (a dealer: those raised against it)"), STAFF + ("dealer",)),
        Permission("audit.nc_raise", _l("Raise and cancel nonconformities"), AUDITORS),
        Permission("audit.nc_work", _l("Analyse nonconformities and own corrective actions"), STAFF),
        Permission("audit.nc_verify", _l("Verify the effectiveness of corrective actions"), AUDITORS),
        Permission("audit.improvement_propose", _l("Propose and implement improvements"), STAFF),
        Permission("audit.improvement_approve", _l("Approve and close improvements"), ("admin", "management")),
        Permission("audit.improvement_evaluate", _l("Evaluate improvements"), AUDITORS),
        Permission("audit.review", _l("Chair management reviews"), ("admin", "management")),
    ]


@hookimpl
def aftersales_settings():
    return [
        Setting("audit.min_audits_per_year", 2, _l("Internal audits required per year"), int, minimum=1),
        Setting("audit.effectiveness_wait_days", 30,
                _l("Days after the last corrective action before its effectiveness is verified"), int, minimum=0),
        Setting("audit.reminder_days", 7, _l("Days before a planned audit its lead auditor is reminded"), int,
                minimum=0),
    ]


@hookimpl
def aftersales_blueprints():
    from plugins.audit.views import bp

    return [bp]


@hookimpl
def aftersales_api_blueprints():
    from plugins.audit.api import bp

    return [bp]


@hookimpl
def aftersales_menu_items():
    label = _l("Quality system")
    return [
        MenuItem("audit.audits", _l("Internal audits"), "audit.list_audits", "audit.view", order=60,
                 icon="clipboard-check", group=GROUP, group_label=label),
        MenuItem("audit.programme", _l("Audit programme"), "audit.programme", "audit.view", order=61,
                 icon="calendar", group=GROUP, group_label=label),
        MenuItem("audit.nonconformities", _l("Nonconformities"), "audit.list_nonconformities", "audit.nc_view",
                 order=62, icon="exclamation-triangle", group=GROUP, group_label=label),
        MenuItem("audit.actions", _l("Corrective actions"), "audit.list_actions", "audit.nc_work", order=63,
                 icon="wrench", group=GROUP, group_label=label),
        MenuItem("audit.improvements", _l("Improvement records"), "audit.list_improvements", "audit.view",
                 order=64, icon="graph-up", group=GROUP, group_label=label),
        MenuItem("audit.reviews", _l("Management reviews"), "audit.list_reviews", "audit.view", order=65,
                 icon="people", group=GROUP, group_label=label),
        MenuItem("audit.templates", _l("Checklist templates"), "audit.list_templates", "audit.view", order=66,
                 icon="list-check", group=GROUP, group_label=label),
    ]


@hookimpl
def aftersales_dashboard_widgets():
    from plugins.audit import widgets

    return [Widget("audit.quality", _l("Quality system"), widgets.quality, "audit.view", order=60, width=6)]


@hookimpl
def aftersales_slot_renderers():
    from plugins.audit import widgets

    return [SlotRenderer("record_actions", widgets.raise_button, priority=80)]


@hookimpl
def aftersales_record_rules():
    """A regional manager also sees the nonconformities they own or hold an action of (any staff owns actions)."""
    from plugins.audit.services import owned_clause
    from plugins.audit.models import Nonconformity

    return [RecordRule(Nonconformity, owned_clause)]


@hookimpl
def aftersales_activity_labels():
    return {"audit.item_answered": _l("Checklist item answered"), "item_answered": _l("Checklist item answered"),
            "action_added": _l("Corrective action added"), "evidence_added": _l("Evidence added"), "to_verifying": _l("All actions done: verifying"),
            "verify_effective": _l("Verified effective"), "verify_not_effective": _l("Verified not effective"),
            "analyse": _l("Analysed"), "plan": _l("Actions planned"), "hold": _l("Held"),
            "implement": _l("Implemented"), "evaluate": _l("Evaluated")}


@hookimpl
def aftersales_cli_commands():
    from plugins.audit.cli import audit_group

    return [audit_group]


@hookimpl
def aftersales_load_demo(ctx):
    from plugins.audit.demo import load

    load(ctx)


@hookimpl
def aftersales_chatter():
    """A nonconformity's activity log reads with labels (no raw ``state: verifying → closed``)."""
    from flask_babel import LazyString, lazy_pgettext

    from core.toolkit import Chatter
    from plugins.audit import services
    from plugins.audit.models import Nonconformity

    fields = {"state": _l("State"), "verdict": lazy_pgettext("audit", "Verdict"),
              "verifying_since": _l("Verifying since"), "action": _l("Corrective action"),
              "root_cause": _l("Root cause"), "containment": _l("Containment"), "owner_id": _l("Owner"),
              "due_on": _l("Due on"), "severity": _l("Severity"), "reopened": _l("Reopened")}
    values = {"state": {k: LazyString(f) for k, f in services.NC_STATE_TEXT.items()},
              "verdict": {k: LazyString(f) for k, f in services.EFFECTIVENESS_LABELS.items()}}
    return [Chatter(Nonconformity, "audit.nc_view", fields, values,
                    link=lambda r: f"/audit/nonconformities/{r.id}", title=lambda r: r.number),
            *_record_chatters()]


def _record_chatters():
    """Audits, improvements and management reviews: each its own states, the same field labels."""
    from flask_babel import lazy_pgettext

    from core.toolkit import Chatter, chatter
    from plugins.audit import views
    from plugins.audit.models import Audit, Improvement, ManagementReview

    fields = {"title": _l("Title"), "scope": _l("Scope"), "criteria": _l("Audit criteria"),
              "departments": _l("Departments"), "dealer_codes": _l("Dealers"), "planned_on": _l("Planned on"),
              "lead_auditor_id": _l("Lead auditor"), "auditors": _l("Auditors"), "auditees": _l("Auditees"),
              "report": _l("Report"), "cancel_reason": _l("Reason for cancelling"), "started_on": _l("Started on"),
              "reported_on": _l("Reported on"), "closed_on": _l("Closed on"), "item": _l("Item"),
              "result": _l("Result"), "note": _l("Note"), "origin": _l("Origin"), "link": _l("Link"),
              "description": lazy_pgettext("audit", "Description"), "owner_id": _l("Owner"),
              "indicator": _l("Indicator"), "baseline": _l("Baseline"), "target": _l("Target"),
              "due_on": _l("Due on"), "effectiveness": _l("Effectiveness"), "evaluation_text": _l("Evaluation"),
              "held_on": _l("Held on"), "decisions": _l("Decisions"), "period_from": _l("Period from"),
              "period_to": _l("Period to"), "participants": _l("Participants"), "chair_id": _l("Chair")}
    common = {"departments": views.DEPARTMENT_LABELS, "lead_auditor_id": chatter.user_name,
              "owner_id": chatter.user_name, "chair_id": chatter.user_name, "origin": views.ORIGIN_LABELS,
              "effectiveness": views.EFFECTIVENESS_LABELS}
    # the transitions as done (the global map may give "start" another plugin's meaning)
    actions = {"start": _l("started"), "report": _l("reported"), "close": _l("closed"), "cancel": _l("cancelled"),
               "approve": _l("approved"), "implement": _l("Implemented"), "evaluate": _l("Evaluated"),
               "hold": _l("Held")}
    return [Chatter(Audit, "audit.view", fields, {**common, "state": views.AUDIT_STATES, "result": views.RESULT_LABELS},
                    actions, link=lambda r: f"/audit/audits/{r.id}", title=lambda r: r.number),
            Chatter(Improvement, "audit.view", fields, {**common, "state": views.IMP_STATE_LABELS}, actions,
                    link=lambda r: f"/audit/improvements/{r.id}", title=lambda r: r.number),
            Chatter(ManagementReview, "audit.view", fields, {**common, "state": views.REVIEW_STATE_LABELS}, actions,
                    link=lambda r: f"/audit/reviews/{r.id}", title=lambda r: r.number)]


@hookimpl
def aftersales_model_labels():
    return {"audit_audit": _l("Internal audit"), "audit_nonconformity": _l("Nonconformity"),
            "audit_corrective_action": _l("Corrective action"), "audit_improvement": _l("Improvement"),
            "audit_management_review": _l("Management review"), "audit_checklist_template": _l("Checklist template")}
