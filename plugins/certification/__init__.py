"""Certification (GB/T 27922-2011): self-assessment to a star level, controlled documents,
training records, equipment calibrations and the certifier's evidence pack. Hookimpls only."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from core.toolkit import STAFF_ROLES, MenuItem, Permission, Setting, Widget, hookimpl
from plugins.certification.evidence import certification_evidence  # noqa: F401  (this plugin's own answers)

KEEPERS = ("auditor", "admin")


@hookimpl
def aftersales_permissions():
    return [
        Permission("certification.view", _l("Read current controlled documents, training and equipment records"),
                   STAFF_ROLES),
        Permission("certification.assess", _l("Run GB/T 27922 self-assessments and build the evidence pack"), KEEPERS),
        Permission("certification.approve", _l("Approve GB/T 27922 self-assessments"), ("admin",)),
        Permission("certification.documents", _l("Keep controlled documents, training records, equipment and "
                                                 "calibrations"), KEEPERS),
        Permission("certification.configure", _l("Change the points of the GB/T 27922 criteria"), ("admin",)),
    ]


@hookimpl
def aftersales_settings():
    return [
        Setting("certification.total_points", 100, _l("Total of the applicable criteria's maximum points"), int,
                minimum=1),
        Setting("certification.level_compliant", Decimal("70"), _l("Lowest score rated compliant (达标)"), Decimal,
                minimum=Decimal("0")),
        Setting("certification.level_three_star", Decimal("80"), _l("Lowest score rated three stars"), Decimal,
                minimum=Decimal("0")),
        Setting("certification.level_four_star", Decimal("90"), _l("Lowest score rated four stars"), Decimal,
                minimum=Decimal("0")),
        Setting("certification.level_five_star", Decimal("95"), _l("Lowest score rated five stars"), Decimal,
                minimum=Decimal("0")),
        Setting("certification.bonus_points", Decimal("1"), _l("Points added by the special bonus"), Decimal,
                minimum=Decimal("0")),
        Setting("certification.deduction_points", Decimal("1"), _l("Points taken off by each special deduction"),
                Decimal, minimum=Decimal("0")),
        Setting("certification.max_deductions", 20, _l("Most special deductions on one self-assessment"), int,
                minimum=0),
        Setting("certification.min_audits_per_year", 2, _l("Internal audits a year expected for full points"), int,
                minimum=0),
        Setting("certification.rectification_days", 30,
                _l("Days given to rectify a special deduction (the nonconformity's due date)"), int, minimum=1),
        Setting("certification.nonconformity_department", "customer_service",
                _l("Department that owns the nonconformities raised by special deductions"), str),
        Setting("certification.reminder_days", 30,
                _l("Days ahead to remind of a document review or a calibration falling due"), int, minimum=0),
        Setting("certification.pack_max_mb", 200, _l("Largest evidence pack download (MB)"), int, minimum=1),
    ]


@hookimpl
def aftersales_blueprints():
    from plugins.certification.views import bp

    return [bp]


@hookimpl
def aftersales_api_blueprints():
    from plugins.certification.api import bp

    return [bp]


@hookimpl
def aftersales_menu_items():
    group = {"group": "certification", "group_label": _l("Certification")}
    return [
        MenuItem("certification.assessments", _l("Self-assessments"), "certification.index", "certification.assess",
                 order=70, icon="award", **group),
        MenuItem("certification.documents", _l("Controlled documents"), "certification.list_documents",
                 "certification.view", order=71, icon="file-earmark-text", **group),
        MenuItem("certification.training", _l("Training records"), "certification.list_training",
                 "certification.view", order=72, icon="mortarboard", **group),
        MenuItem("certification.equipment", _l("Equipment"), "certification.list_equipment", "certification.view",
                 order=73, icon="tools", **group),
        MenuItem("certification.calibrations", _l("Calibrations"), "certification.list_calibrations",
                 "certification.view", order=74, icon="speedometer", **group),
        MenuItem("certification.pack", _l("Evidence pack"), "certification.evidence_pack", "certification.assess",
                 order=75, icon="archive", **group),
        MenuItem("certification.criteria", _l("GB/T 27922 criteria"), "certification.criteria",
                 "certification.view", order=76, icon="list-check", **group),
    ]


@hookimpl
def aftersales_dashboard_widgets():
    from plugins.certification import widgets

    return [Widget("certification.level", _l("GB/T 27922 certification"), widgets.level, "certification.assess",
                   order=70)]


@hookimpl
def aftersales_cli_commands():
    from plugins.certification.cli import certification_group

    return [certification_group]


@hookimpl
def aftersales_activity_labels():
    return {"criterion_scored": _l("criterion scored"), "deduction_added": _l("special deduction added"),
            "bonus_added": _l("special bonus added"), "deduction_removed": _l("special deduction removed"),
            "bonus_removed": _l("special bonus removed"), "reopen": _l("returned to draft"),
            "criteria_changed": _l("criteria points changed"), "superseded": _l("superseded by a new version"),
            "calibrated": _l("calibrated")}


@hookimpl
def aftersales_load_demo(ctx):
    from plugins.certification.demo import load

    load(ctx)


@hookimpl
def audit_nonconformity_sources():
    from plugins.certification import services

    return [{"source": "self_assessment", "source_model": "certification_assessment",
             "load": services.assessment_for_source, "describe": services.describe_assessment}]


@hookimpl
def aftersales_field_labels():
    """Certification's fields and states as people read them in the activity log (no raw ids)."""
    from core.toolkit import FieldLabels
    from plugins.certification.views import LEVEL_LABELS, STATE_LABELS

    fields = {"year": _l("Year"), "assessors": _l("Assessors"), "points": _l("Points"), "score": _l("Score"),
              "level": _l("Level"), "evidence": _l("Evidence"), "course": _l("Course"), "title": _l("Title"),
              "version": _l("Version"), "due_on": _l("Due on"), "next_due_on": _l("Next due on"),
              "calibrated_on": _l("Calibrated on"), "not_applicable": _l("Not applicable"), "notes": _l("Notes")}
    values = {"state": STATE_LABELS, "level": LEVEL_LABELS}
    return [FieldLabels(fields, values)]


@hookimpl
def aftersales_chatter():
    """The yearly self-assessment and each controlled document get the core chatter."""
    from core.toolkit import Chatter
    from plugins.certification.models import Document, SelfAssessment
    from plugins.certification.views import KIND_LABELS, LEVEL_LABELS, STATE_LABELS

    fields = {"evidence_links": _l("Evidence links"), "deduction": _l("Special deduction"),
              "bonus": _l("Special bonus"), "status": _l("Status"), "review_due_on": _l("Review due on"),
              "kind": _l("Kind of document")}
    values = {"state": STATE_LABELS, "level": LEVEL_LABELS, "kind": KIND_LABELS,
              "status": {"current": _l("Current"), "superseded": _l("Superseded")}}
    return [Chatter(SelfAssessment, "certification.assess", fields, values,
                    link=lambda r: f"/certification/assessments/{r.id}", title=lambda r: str(r.year)),
            Chatter(Document, "certification.view", fields, values,
                    link=lambda r: f"/certification/documents/{r.id}", title=lambda r: f"{r.code} {r.title}")]


@hookimpl
def aftersales_record_rules():
    """Superseded versions of a document are for the document keepers only (as on its page)."""
    from core.toolkit import RecordRule
    from plugins.certification.models import Document
    from plugins.certification.services import may_keep_documents

    def current_unless_keeper(user):
        keeper = getattr(user, "is_authenticated", False) and may_keep_documents(user)
        return None if keeper else Document.status == "current"

    return [RecordRule(Document, current_unless_keeper, mode="narrow")]


@hookimpl
def aftersales_model_labels():
    return {"certification_assessment": _l("Self-assessment"), "certification_document": _l("Controlled document"),
            "certification_training": _l("Training record"), "certification_equipment": _l("Equipment"),
            "certification_calibration": _l("Calibration")}
