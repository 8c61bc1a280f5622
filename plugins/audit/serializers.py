"""Response dicts (users named by username); batch loaders keep list queries constant."""
from __future__ import annotations

from sqlalchemy import select

from core.toolkit import User, db
from plugins.audit import services
from plugins.audit.models import Nonconformity


def _d(value):
    return value.isoformat() if value is not None else None


def template(t) -> dict:
    return {"id": t.id, "name": t.name, "description": t.description or "", "active": bool(t.active),
            "items": [{"position": i.position, "question": i.question, "reference": i.reference or ""}
                      for i in t.items], "version": t.version}


def nc_numbers_by_item(audits) -> dict[int, list[str]]:
    ids = [a.id for a in audits]
    result: dict[int, list[str]] = {}
    if ids:
        for item_id, number in db.session.execute(select(Nonconformity.audit_item_id, Nonconformity.number).where(
                Nonconformity.audit_id.in_(ids), Nonconformity.audit_item_id.is_not(None))
                .order_by(Nonconformity.id)):
            result.setdefault(item_id, []).append(number)
    return result


def item_extras(audits) -> dict:
    """What the audit serializer needs besides the audits, for a whole page in two queries."""
    return {"ncs": nc_numbers_by_item(audits), "files": services.item_attachments(audits)}


def _file(a, item, att) -> dict:
    from flask import url_for

    return {"id": att.id, "filename": att.filename, "content_type": att.content_type, "size": att.size,
            "url": url_for("api.audit_api.get_item_attachment", record_id=a.id, item_id=item.id, attachment_id=att.id)}


def audit(a, user, extras: dict | None = None) -> dict:
    extras = extras if extras else item_extras([a])
    ncs, files = extras["ncs"], extras["files"]
    return {"id": a.id, "number": a.number, "title": a.title, "scope": a.scope or "", "criteria": a.criteria or "",
            "departments": list(a.departments or []), "dealer_codes": list(a.dealer_codes or []),
            "planned_on": a.planned_on.isoformat(), "lead_auditor": a.lead_auditor.username,
            "auditors": list(a.auditors or []), "auditees": list(a.auditees or []), "state": a.state,
            "report": a.report or "", "cancel_reason": a.cancel_reason or "",
            "items": [{"id": i.id, "position": i.position, "question": i.question, "reference": i.reference or "",
                       "result": i.result, "evidence": i.evidence or "", "nonconformities": ncs.get(i.id, []),
                       "attachments": [_file(a, i, f) for f in files.get(i.id, [])]}
                      for i in a.items],
            "actions": [t.name for t in services.audit_workflow.allowed(a, user)],
            "version": a.version, "created_at": a.created_at.isoformat()}


def programme(p: dict) -> dict:
    return {"year": p["year"], "minimum": p["minimum"], "planned_or_done": p["planned_or_done"], "done": p["done"],
            "met": p["met"], "audits": [{"id": a.id, "number": a.number, "title": a.title,
                                         "planned_on": a.planned_on.isoformat(), "state": a.state,
                                         "lead_auditor": a.lead_auditor.username} for a in p["audits"]]}


def action(a) -> dict:
    return {"id": a.id, "nonconformity_id": a.nonconformity_id, "nonconformity_number": a.nonconformity.number,
            "kind": a.kind, "description": a.description, "owner": a.owner.username, "due_on": a.due_on.isoformat(),
            "state": a.state, "overdue": services.is_overdue(a), "done_on": _d(a.done_on), "note": a.note or "",
            "evidence": a.evidence or "", "round": a.round, "version": a.version}


def nonconformity(nc, user) -> dict:
    due = nc.due_on
    return {"id": nc.id, "number": nc.number, "title": nc.title, "description": nc.description or "",
            "severity": nc.severity, "department": nc.department, "dealer_code": nc.dealer.code if nc.dealer else None,
            "source": nc.source, "source_model": nc.source_model, "source_id": nc.source_id,
            "source_title": nc.source_title or "", "source_url": nc.source_url or "",
            "audit_number": nc.audit.number if nc.audit else None, "audit_item_id": nc.audit_item_id,
            "owner": nc.owner.username if nc.owner else None, "raised_by": nc.raised_by.username,
            "due_on": _d(due), "overdue": bool(due and due < services.today() and nc.state in services.OPEN_NC_STATES),
            "root_cause": nc.root_cause or "", "containment": nc.containment or "", "state": nc.state,
            "cancel_reason": nc.cancel_reason or "", "verification_due_on": _d(services.verification_due_on(nc)),
            "reopened": nc.reopened, "actions": [action(a) for a in nc.actions],
            "checks": [{"verdict": c.verdict, "evidence": c.evidence or "", "early_reason": c.early_reason or "",
                        "verifier": c.verifier.username, "checked_on": c.checked_on.isoformat(),
                        "due_on": _d(c.due_on)} for c in nc.checks],
            "allowed_actions": services.nc_allowed_actions(nc, user) if user.can("audit.nc_work") else [],
            "version": nc.version, "created_at": nc.created_at.isoformat()}


def improvement(r, user) -> dict:
    return {"id": r.id, "number": r.number, "title": r.title, "origin": r.origin, "link": r.link or "",
            "description": r.description or "", "owner": r.owner.username, "indicator": r.indicator or "",
            "baseline": r.baseline or "", "target": r.target or "", "result": r.result or "", "due_on": _d(r.due_on),
            "overdue": services.improvement_overdue(r), "state": r.state, "effectiveness": r.effectiveness,
            "evaluation_text": r.evaluation_text or "",
            "evaluated_by": r.evaluated_by.username if r.evaluated_by else None,
            "actions": services.improvement_allowed_actions(r, user), "version": r.version,
            "created_at": r.created_at.isoformat()}


def review(r, user) -> dict:
    return {"id": r.id, "number": r.number, "period_from": r.period_from.isoformat(),
            "period_to": r.period_to.isoformat(), "held_on": _d(r.held_on), "chair": r.chair.username,
            "participants": list(r.participants or []), "state": r.state, "inputs": list(r.inputs or []),
            "inputs_frozen_at": r.inputs_frozen_at or "",
            "decisions": [{"text": d["text"], "owner": d["owner"], "due_on": d["due_on"], "kind": d["kind"],
                           "record": d.get("record")} for d in (r.decisions or [])],
            "actions": [t.name for t in services.review_workflow.allowed(r, user)], "version": r.version,
            "created_at": r.created_at.isoformat()}


__all__ = ["User"]
