"""Supervision department (监督部, 002 §2-§3): complaints, follow-up feedback forms, the
monthly assessment HR turns into reward or penalty, secret inspections, customer visits and
public suggestions. Hookimpls only."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from core.toolkit import MenuItem, Permission, Setting, Widget, hookimpl
from plugins.supervision.certification_evidence import certification_evidence  # noqa: F401  (GB/T 27922 evidence, optional hook)

VIEWERS = ("supervision", "hr", "admin", "auditor")


@hookimpl
def aftersales_permissions():
    return [
        Permission("supervision.view", _l("See supervision records (complaints, jobs, forms, visits, suggestions)"),
                   VIEWERS),
        Permission("supervision.manage", _l("Handle complaints, feedback forms, inspections, visits and suggestions"),
                   ("supervision",)),
        Permission("supervision.jobs.create", _l("Enter completed service jobs for follow-up"),
                   ("supervision", "customer_service")),
        Permission("supervision.assess", _l("Compute and submit monthly assessments"), ("supervision",)),
        Permission("supervision.confirm", _l("Confirm monthly assessments (amounts and sanctions)"), ("hr",)),
        Permission("supervision.distribute", _l("Distribute the department's reward or penalty among staff"),
                   ("customer_service", "technical")),
        Permission("supervision.results", _l("See the published supervision results about one's department"),
                   ("customer_service", "technical", "order_dept", "dealer")),
        Permission("supervision.inspectors", _l("See and designate secret inspectors"), ("supervision", "admin")),
    ]


@hookimpl
def aftersales_role_conflicts():
    return [("supervision", "customer_service"), ("supervision", "technical")]


@hookimpl
def aftersales_settings():
    return [
        Setting("supervision.complaint_response_hours", 24, _l("Hours after a complaint is received to respond first"),
                int, minimum=1),
        Setting("supervision.amount_per_point", Decimal("2000"),
                _l("Yuan of reward or penalty per point of change in the monthly average"), Decimal, minimum=0),
        Setting("supervision.all_top_bonus", Decimal("2000"),
                _l("Extra reward when every item of every form of the month has the top grade"), Decimal, minimum=0),
        Setting("supervision.all_bottom_penalty", Decimal("2000"),
                _l("Extra penalty when every item of every form of the month has the lowest grade"), Decimal,
                minimum=0),
        Setting("supervision.complaints_acceptable", 5, _l("Complaints a month that are still acceptable"), int,
                minimum=0),
        Setting("supervision.complaint_bands", "6-10:1000,11-20:3000,21-29:5000",
                _l("Penalty bands by complaints a month (low-high:yuan, comma-separated)"), str),
        Setting("supervision.complaints_sanction_at", 30,
                _l("Complaints a month from which an administrative sanction is proposed"), int, minimum=1),
        Setting("supervision.suggestions_per_hour", 5, _l("Public suggestions accepted per address and hour"), int,
                minimum=1),
        Setting("supervision.chart_months", 12, _l("Months shown in the assessment chart"), int, minimum=2),
    ]


@hookimpl
def aftersales_blueprints():
    from plugins.supervision.views import bp, public

    return [bp, public]


@hookimpl
def aftersales_api_blueprints():
    from plugins.supervision.api import bp

    return [bp]


@hookimpl
def aftersales_menu_items():
    group, label = "supervision", _l("Supervision")
    return [
        MenuItem("supervision.complaints", _l("Complaints"), "supervision.list_complaints", "supervision.view",
                 order=60, icon="megaphone", group=group, group_label=label),
        MenuItem("supervision.jobs", _l("Follow-up queue"), "supervision.list_jobs", "supervision.view", order=61,
                 icon="telephone", group=group, group_label=label),
        MenuItem("supervision.assessments", _l("Monthly assessments"), "supervision.list_assessments", None,
                 order=62, icon="graph-up", group=group, group_label=label,
                 visible=lambda u: u.can("supervision.view") or u.can("supervision.results")),
        MenuItem("supervision.inspections", _l("Secret inspections"), "supervision.list_inspections", None,
                 order=63, icon="incognito", group=group, group_label=label,
                 visible=lambda u: u.can("supervision.view") or u.can("supervision.results") or _is_inspector(u)),
        MenuItem("supervision.visits", _l("Customer visits"), "supervision.list_visits", "supervision.view", order=64,
                 icon="people", group=group, group_label=label),
        MenuItem("supervision.suggestions", _l("Suggestions"), "supervision.list_suggestions", "supervision.view",
                 order=65, icon="envelope-open", group=group, group_label=label),
    ]


def _is_inspector(user) -> bool:
    from plugins.supervision.services import inspector_for

    return inspector_for(user) is not None


@hookimpl
def aftersales_dashboard_widgets():
    from plugins.supervision import views

    return [Widget("supervision.queue", _l("Supervision queue"), views.widget_queue, "supervision.view", order=60,
                   width=6),
            Widget("supervision.assessments", _l("Monthly assessment"), views.widget_assessment, "supervision.view",
                   order=61, width=6)]


@hookimpl
def aftersales_activity_labels():
    return {"step_listened": _l("listened"), "step_facts": _l("facts gathered"), "step_wish": _l("wish asked"),
            "step_compensated": _l("compensated"), "start": _l("first response"), "recompute": _l("recomputed"),
            "submit": _l("submitted"), "confirm": _l("confirmed"), "distribute": _l("distributed"),
            "verify": _l("verified"), "review": _l("reviewed"), "publish": _l("published"),
            "evidence_added": _l("Evidence added"), "improvement": _l("taken as an improvement"),
            "dismissed": _l("dismissed"), "complaint": _l("turned into a complaint")}


@hookimpl
def aftersales_cli_commands():
    from plugins.supervision.cli import supervision_group

    return [supervision_group]


@hookimpl
def aftersales_load_demo(ctx):
    from plugins.supervision.demo import load

    load(ctx)


# --- other plugins' hooks, used only when those plugins are enabled -------------------

@hookimpl(optionalhook=True)
def audit_nonconformity_sources():
    from plugins.supervision.services import nonconformity_sources

    return nonconformity_sources()


@hookimpl(optionalhook=True)
def audit_review_inputs(period_from, period_to):
    from plugins.supervision.services import review_inputs

    return review_inputs(period_from, period_to)


@hookimpl(optionalhook=True)
def dealers_scorecard(dealer_ids, period_from, period_to):
    from plugins.supervision.services import scorecard

    return scorecard(dealer_ids, period_from, period_to)


@hookimpl
def aftersales_field_labels():
    """Supervision's fields and states as people read them in the activity log (no raw ids)."""
    from core.toolkit import FieldLabels
    from plugins.supervision.views import CHANNEL_LABELS, SEVERITY_LABELS, STATE_LABELS

    fields = {"customer_name": _l("Customer name"), "customer_phone": _l("Customer phone"),
              "first_response_at": _l("First response"), "received_at": _l("Received"), "channel": _l("Channel"),
              "severity": _l("Severity"), "department": _l("Department"), "description": _l("Description"),
              "feedback": _l("Customer feedback"), "verified": _l("Verified"), "score": _l("Score"),
              "sanction": _l("Sanction"), "resolved_at": _l("Resolved"), "closed_at": _l("Closed"),
              "reference": _l("Reference"), "month": _l("Month"), "visited_at": _l("Visited"), "place": _l("Place"),
              "subject": _l("Subject"), "text": _l("Text"), "note": _l("Note"),
              "published_at": _l("Published on")}
    values = {"state": STATE_LABELS, "channel": CHANNEL_LABELS, "severity": SEVERITY_LABELS}
    return [FieldLabels(fields, values)]


@hookimpl
def aftersales_chatter():
    """Complaints, follow-up jobs, monthly assessments and secret inspections get the core
    chatter; an inspection's inspector is named by alias to everyone but supervision."""
    from core.toolkit import Chatter
    from plugins.supervision import visibility
    from plugins.supervision.models import DEPARTMENT_LABELS, Assessment, Complaint, Inspection, ServiceJob
    from plugins.supervision.views import (CHANNEL_LABELS, FEEDBACK_LABELS, OUTCOME_LABELS, SANCTION_LABELS,
                                           SEVERITY_LABELS, SPECIAL_LABELS, STATE_LABELS, STEP_LABELS)

    fields = {"step": _l("Step"), "jobs": _l("Jobs"), "total": _l("Total points"), "average": _l("Average"),
              "previous_average": _l("Previous average"), "delta": _l("Change"), "outcome": _l("Outcome"),
              "amount": _l("Amount (yuan)"), "special": _l("Special case"), "special_amount": _l("Special amount"),
              "complaints": _l("Complaints"), "complaints_passed": _l("Complaints within the limit"),
              "complaint_penalty": _l("Complaint penalty"), "sanction_proposed": _l("Sanction proposed"),
              "net_amount": _l("Net amount (yuan)"), "observations": _l("Observations"), "evidence": _l("Evidence"),
              "points": _l("Points")}
    values = {"state": STATE_LABELS, "channel": CHANNEL_LABELS, "severity": SEVERITY_LABELS,
              "step": STEP_LABELS, "department": DEPARTMENT_LABELS, "outcome": OUTCOME_LABELS,
              "special": SPECIAL_LABELS, "sanction": SANCTION_LABELS, "sanction_proposed": SANCTION_LABELS,
              "feedback": FEEDBACK_LABELS}
    return [
        Chatter(Complaint, "supervision.view", fields, values, link=lambda r: f"/supervision/complaints/{r.id}",
                title=lambda r: r.number),
        Chatter(ServiceJob, "supervision.view", fields, values, link=lambda r: f"/supervision/jobs/{r.id}",
                title=lambda r: r.reference),
        Chatter(Assessment, None, fields, values, link=lambda r: f"/supervision/assessments/{r.id}",
                title=lambda r: f"{r.month} · {DEPARTMENT_LABELS[r.department]}", files=False),
        # evidence has its own upload (the inspector's); the chatter takes comments only
        Chatter(Inspection, None, fields, values, link=lambda r: f"/supervision/inspections/{r.id}",
                title=lambda r: r.number, files=False, author=visibility.chatter_author),
    ]


@hookimpl
def aftersales_record_rules():
    """Supervision's records are seen as their pages show them (also through the chatter):
    complaints and jobs by ``supervision.view`` holders, assessments by them and the assessed
    department once confirmed, secret inspections by supervision, their inspector and, once
    published, the subject; never by the inspected department before that."""
    from core.toolkit import RecordRule
    from plugins.supervision import visibility
    from plugins.supervision.models import Assessment, Complaint, Inspection, ServiceJob

    return [RecordRule(Complaint, visibility.viewer_clause, mode="narrow"),
            RecordRule(ServiceJob, visibility.viewer_clause, mode="narrow"),
            RecordRule(Assessment, visibility.assessment_clause, mode="narrow"),
            RecordRule(Inspection, visibility.inspection_clause, mode="narrow")]


@hookimpl
def aftersales_model_labels():
    return {"supervision_complaint": _l("Complaint"), "supervision_job": _l("Service job"),
            "supervision_feedback_form": _l("Feedback form"), "supervision_assessment": _l("Monthly assessment"),
            "supervision_inspection": _l("Secret inspection"), "supervision_customer_visit": _l("Customer visit"),
            "supervision_suggestion": _l("Suggestion")}
