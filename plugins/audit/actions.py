"""The improvement record's workflow actions, declared once: the API routes and the page's form handler."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.toolkit import Action, TransitionRoutes
from plugins.audit import serializers as out
from plugins.audit import services
from plugins.audit.schemas import AuditActionIn, AuditEvaluateIn, AuditImplementIn, AuditImprovementOut


def _improvement(action: str):
    def run(record, actor, body):
        services.improvement_action(record, action, actor, body.version, result=getattr(body, "result", None),
                                    effectiveness=getattr(body, "effectiveness", None), text=getattr(body, "text", None))
    return run


def _fields(*names):
    return lambda form, record: {name: form.get(name, "").strip() for name in names}


IMPROVEMENT_ACTIONS = TransitionRoutes(
    workflow=services.improvement_workflow, loader=services.get_improvement, response=AuditImprovementOut,
    serialize=lambda record: out.improvement(record, current_user),
    record_url=lambda record: url_for("audit.view_improvement", record_id=record.id),
    actions=[Action(name, body, _improvement(name), doc, endpoint=f"{name}_improvement", permission=permission,
                    form=_fields(*fields), message=_l("Saved."))
             for name, body, doc, permission, fields in (
                 ("approve", AuditActionIn, "proposed → approved.", "audit.improvement_approve", ()),
                 ("implement", AuditImplementIn, "approved → implemented with the measured result.",
                  "audit.improvement_propose", ("result",)),
                 ("evaluate", AuditEvaluateIn, "implemented → evaluated (by someone other than the owner: 422 "
                                               "``evaluator_not_independent``).", "audit.improvement_evaluate",
                  ("effectiveness", "text")),
                 ("close", AuditActionIn, "evaluated → closed.", "audit.improvement_approve", ()))])
