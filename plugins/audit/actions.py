"""The audit plugin's workflow actions, declared once: the API routes and the page's form handlers
(audits, nonconformities, corrective actions, improvements, management reviews)."""
from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.toolkit import Action, DomainError, TransitionRoutes
from plugins.audit import serializers as out
from plugins.audit import services
from plugins.audit.schemas import (AuditActionDoneIn, AuditActionIn, AuditAnalyseIn, AuditCancelIn,
                                   AuditCorrectiveActionOut, AuditEvaluateIn, AuditHoldIn, AuditImplementIn,
                                   AuditImprovementOut, AuditNonconformityOut, AuditOut, AuditReportIn,
                                   AuditReviewOut, AuditVerifyIn)


def _fields(*names, optional=()):
    """The form's fields ``names`` (stripped); those in ``optional`` are left out when empty."""
    def read(form, record):
        values = {name: form.get(name, "").strip() for name in names}
        return {k: v for k, v in values.items() if v or k not in optional}
    return read


def _declare(workflow, loader, response, serialize, page: str, actions) -> TransitionRoutes:
    """A record's actions: serialized for the caller, the page ``page`` (an endpoint taking record_id) after a form."""
    return TransitionRoutes(workflow=workflow, loader=loader, response=response, actions=actions,
                            serialize=lambda record: serialize(record, current_user),
                            record_url=lambda record: url_for(page, record_id=record.id))


# --- audits ---------------------------------------------------------------------------------

def _audit_run(name: str):
    return lambda record, actor, body: services.audit_action(record, name, actor, body.version,
                                                             report=getattr(body, "report", None),
                                                             reason=getattr(body, "reason", None))


AUDIT_ACTIONS = _declare(
    services.audit_workflow, services.get_audit, AuditOut, out.audit, "audit.view_audit",
    [Action(name, body, _audit_run(name), doc, endpoint=f"{name}_audit", form=_fields(*fields))
     for name, body, doc, fields in (
         ("start", AuditActionIn, "planned → in_progress.", ()),
         ("report", AuditReportIn, "in_progress → reported: every item answered, every nonconforming item "
                                   "has a nonconformity.", ("report",)),
         ("close", AuditActionIn, "reported → closed.", ()),
         ("cancel", AuditCancelIn, "Cancel a planned or running audit with a reason.", ("reason",)))])


# --- nonconformities ------------------------------------------------------------------------

NC_ACTIONS = _declare(
    services.nc_workflow, services.get_nonconformity, AuditNonconformityOut, out.nonconformity,
    "audit.view_nonconformity", [
        Action("analyse", AuditAnalyseIn, lambda r, actor, body: services.analyse(
            r, actor, body.version, body.root_cause, body.containment),
            "open → analysed with root cause and containment.", endpoint="analyse",
            form=_fields("root_cause", "containment")),
        Action("plan", AuditActionIn, lambda r, actor, body: services.plan(r, actor, body.version),
               "analysed → actions_planned (needs at least one open corrective action).", endpoint="plan"),
        # effective or not is the body's verdict: both transitions share their sources and permission, so the
        # request checks one; once done, the record's new state names the one taken (its message is flashed)
        Action("verify", AuditVerifyIn, lambda r, actor, body: services.verify(
            r, actor, body.version, body.verdict, body.evidence, body.early_reason),
            "Effectiveness check by an independent verifier; early is 409 unless an auditor gives early_reason.",
            endpoint="verify",
            transition=lambda record: "verify_not_effective" if record.state == "analysed" else "verify_effective",
            form=_fields("verdict", "evidence", "early_reason", optional=("early_reason",))),
        Action("cancel", AuditCancelIn, lambda r, actor, body: services.cancel_nonconformity(
            r, actor, body.version, body.reason), "Cancel an unfounded nonconformity with a reason.",
            endpoint="cancel_nonconformity", form=_fields("reason")),
    ])


# --- corrective actions ---------------------------------------------------------------------

CORRECTIVE_ACTIONS = TransitionRoutes(
    workflow=services.action_workflow, loader=services.get_action, response=AuditCorrectiveActionOut,
    serialize=out.action,
    record_url=lambda record: url_for("audit.view_nonconformity", record_id=record.nonconformity_id),
    actions=[Action("done", AuditActionDoneIn, lambda r, actor, body: services.action_done(
        r, actor, body.version, body.note, body.evidence),
        "open → done with a completion note and evidence; the last one moves its nonconformity to verifying.",
        endpoint="action_done", form=_fields("note", "evidence"))])


# --- improvements ---------------------------------------------------------------------------

def _improvement(action: str):
    def run(record, actor, body):
        services.improvement_action(record, action, actor, body.version, result=getattr(body, "result", None),
                                    effectiveness=getattr(body, "effectiveness", None), text=getattr(body, "text", None))
    return run


IMPROVEMENT_ACTIONS = _declare(
    services.improvement_workflow, services.get_improvement, AuditImprovementOut, out.improvement,
    "audit.view_improvement",
    [Action(name, body, _improvement(name), doc, endpoint=f"{name}_improvement", permission=permission,
            form=_fields(*fields))
     for name, body, doc, permission, fields in (
         ("approve", AuditActionIn, "proposed → approved.", "audit.improvement_approve", ()),
         ("implement", AuditImplementIn, "approved → implemented with the measured result.",
          "audit.improvement_propose", ("result",)),
         ("evaluate", AuditEvaluateIn, "implemented → evaluated (by someone other than the owner: 422 "
                                       "``evaluator_not_independent``).", "audit.improvement_evaluate",
          ("effectiveness", "text")),
         ("close", AuditActionIn, "evaluated → closed.", "audit.improvement_approve", ()))])


# --- management reviews ---------------------------------------------------------------------

def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise DomainError(_("Please correct the errors below."), {field: _("Enter a date.")}) from None


def _hold_form(form, record) -> dict:
    """The hold form: the date and up to ``rows`` decision rows (text_i, owner_i, due_on_i, kind_i)."""
    held_on = _date(form.get("held_on", ""), "held_on")
    rows = form.get("rows", "5")
    decisions = []
    for i in range(int(rows) if rows.isdigit() else 5):
        text = (form.get(f"text_{i}") or "").strip()
        if text:
            decisions.append({"text": text[:2000], "owner": (form.get(f"owner_{i}") or "").strip(),
                              "due_on": _date(form.get(f"due_on_{i}", ""), f"decisions.{i}.due_on"),
                              "kind": form.get(f"kind_{i}") or "improvement"})
    return {"held_on": held_on, "decisions": decisions[:50]}


REVIEW_ACTIONS = _declare(
    services.review_workflow, services.get_review, AuditReviewOut, out.review, "audit.view_review",
    [
        Action("hold", AuditHoldIn, lambda r, actor, body: services.hold_review(
            r, actor, body.version, body.held_on, body.decisions),
            "draft → held with the date and the decisions (text, owner, due_on, kind).", endpoint="hold_review",
            form=_hold_form),
        Action("close", AuditActionIn, lambda r, actor, body: services.close_review(r, actor, body.version),
               "held → closed: each decision becomes an improvement or a nonconformity with its corrective action.",
               endpoint="close_review"),
    ])
