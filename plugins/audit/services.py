"""The audit loop: audits → nonconformities → corrective actions → independent effectiveness
checks → improvements → management reviews on inputs the software assembles and freezes.

Free of the Flask request: every function takes the ``actor``; nothing here commits
(the API, pages and CLI commit once per action).
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import pgettext
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p
from sqlalchemy import and_, case, func, or_, select

from core.toolkit import (Conflict, attachments, Dealer, NotFound, PermissionDenied, Transition, User, ValidationError, Workflow,
                          activity, check, db, get_scoped, N_, next_number, notify, plugin_hook, scoped, settings,
                          today, users_with_role)
from plugins.audit.models import (ACTION_KINDS, DECISION_KINDS, DEPARTMENTS, EFFECTIVENESS, ORIGINS, RESULTS,
                                  SEVERITIES, SOURCES, VERDICTS, Audit, AuditChecklistTemplate,
                                  AuditChecklistTemplateItem, AuditItem, CorrectiveAction, EffectivenessCheck,
                                  Improvement, ManagementReview, Nonconformity)

DEFAULT_CRITERIA = "GB/T 27922-2011; after-sales service manual"
OPEN_NC_STATES = ("open", "analysed", "actions_planned", "verifying")


# --- helpers --------------------------------------------------------------------------------


def _dump(data) -> dict:
    return data.model_dump(exclude_unset=True) if hasattr(data, "model_dump") else dict(data)


def _check_version(record, version) -> None:
    if version is not None and int(version) != record.version:
        raise Conflict(_("stale version %(version)s; current is %(current)s", version=version, current=record.version),
                       code="stale_version")


def users_by_name(usernames, field: str, staff_only: bool = True) -> dict[str, User]:
    """Active users by username in one query; unknown (or, for staff, dealer) users are a 422 on ``field``."""
    names = [n for n in dict.fromkeys(usernames or []) if n]
    if not names:
        return {}
    found = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(names),
                                                                         User.active.is_(True)))}
    missing = [n for n in names if n not in found]
    if missing:
        raise ValidationError(_("unknown user"), {field: _("unknown user(s): %(missing)s", missing=', '.join(missing))})
    if staff_only:
        dealers = [n for n, u in found.items() if u.scope == "dealer"]
        if dealers:
            raise ValidationError(_("staff only"), {field: _("not a head-office user: %(dealers)s",
                                                             dealers=', '.join(dealers))})
    return found


def user_by_name(username: str | None, field: str, required: bool = True, staff_only: bool = True) -> User | None:
    if not username:
        if required:
            raise ValidationError(_("user required"), {field: _("required")})
        return None
    return users_by_name([username], field, staff_only)[username]


def _url(endpoint: str, **kw) -> str:
    from flask import url_for

    try:
        return url_for(endpoint, **kw)
    except RuntimeError:
        return ""


def _is_auditor(user) -> bool:
    return user.can("audit.nc_raise")


def _get(model, record_id, what: str):
    """A record that is not dealer-owned (seen by permission, not by record rule), or 404."""
    try:
        record = db.session.get(model, int(record_id))
    except (TypeError, ValueError):
        record = None
    if record is None:
        raise NotFound(_("%(what)s not found", what=what))
    return record


# --- checklist templates --------------------------------------------------------------------


def get_template(template_id, user=None) -> AuditChecklistTemplate:
    return _get(AuditChecklistTemplate, template_id, _("checklist template"))


def templates_stmt(query=None):
    stmt = select(AuditChecklistTemplate)
    q = getattr(query, "q", None)
    if q:
        stmt = stmt.where(AuditChecklistTemplate.name.ilike(f"%{q}%"))
    active = getattr(query, "active", None)
    if active is not None:
        stmt = stmt.where(AuditChecklistTemplate.active.is_(active))
    return stmt.order_by(AuditChecklistTemplate.name)


def create_template(data, actor) -> AuditChecklistTemplate:
    check(actor, "audit.manage")
    values = _dump(data)
    if db.session.scalar(select(AuditChecklistTemplate.id).where(AuditChecklistTemplate.name == values["name"])):
        raise ValidationError(_("duplicate name"), {"name": _("a template with this name exists")})
    record = AuditChecklistTemplate(name=values["name"], description=values.get("description") or "",
                                    active=values.get("active", True))
    record.items = [AuditChecklistTemplateItem(position=i, question=x["question"], reference=x.get("reference") or "")
                    for i, x in enumerate(_dump_list(values.get("items") or []))]
    db.session.add(record)
    db.session.flush()
    activity.log(record, "created", {"name": (None, record.name)}, actor=actor)
    return record


def _dump_list(items) -> list[dict]:
    return [x if isinstance(x, dict) else x.model_dump() for x in items]


def update_template(record: AuditChecklistTemplate, data, actor) -> AuditChecklistTemplate:
    check(actor, "audit.manage")
    values = _dump(data)
    _check_version(record, values.pop("version", None))
    items = values.pop("items", None)
    if "name" in values and values["name"] != record.name and db.session.scalar(
            select(AuditChecklistTemplate.id).where(AuditChecklistTemplate.name == values["name"])):
        raise ValidationError(_("duplicate name"), {"name": _("a template with this name exists")})
    changes = activity.apply_changes(record, {k: v for k, v in values.items() if v is not None})
    if items is not None:
        record.items = [AuditChecklistTemplateItem(position=i, question=x["question"],
                                                   reference=x.get("reference") or "")
                        for i, x in enumerate(_dump_list(items))]
        changes["items"] = (None, len(items))
    if changes:
        activity.log(record, "updated", changes, actor=actor)
    return record


# --- audits ---------------------------------------------------------------------------------


def check_auditor_independence(auditors: list[User], departments: list[str], dealer_codes: list[str]) -> None:
    """No auditor may hold a role of a department the audit covers (nor belong to an audited dealer)."""
    dealer_ids = set()
    if dealer_codes:
        dealer_ids = set(db.session.scalars(select(Dealer.id).where(Dealer.code.in_(dealer_codes))))
    for user in auditors:
        clash = sorted(user.role_ids & set(departments))
        if clash:
            raise ValidationError(
                _("%(username)s holds role %(clash)s, a department this audit covers", username=user.username,
                  clash=clash[0]),
                {"auditors": _("%(username)s holds role %(clash)s, a department this audit covers",
                               username=user.username, clash=clash[0])},
                code="auditor_not_independent")
        if user.dealer_id is not None and user.dealer_id in dealer_ids:
            raise ValidationError(
                _("%(username)s belongs to an audited dealer", username=user.username),
                {"auditors": _("%(username)s holds role dealer for an audited dealer", username=user.username)},
                code="auditor_not_independent")


def _audit_members(values, audit: Audit | None = None):
    departments = values.get("departments", audit.departments if audit else [])
    dealer_codes = values.get("dealer_codes", audit.dealer_codes if audit else [])
    errors = {}
    bad = [d for d in departments if d not in DEPARTMENTS]
    if bad:
        errors["departments"] = _("unknown department(s): %(bad)s; one of %(departments)s", bad=', '.join(bad),
                                  departments=', '.join(DEPARTMENTS))
    if dealer_codes:
        known = set(db.session.scalars(select(Dealer.code).where(Dealer.code.in_(dealer_codes))))
        unknown = [c for c in dealer_codes if c not in known]
        if unknown:
            errors["dealer_codes"] = _("unknown dealer(s): %(unknown)s", unknown=', '.join(unknown))
    if not departments and not dealer_codes:
        errors["departments"] = _("name at least one department or dealer code")
    if errors:
        raise ValidationError(_("invalid audit"), errors)
    lead_name = values.get("lead_auditor", audit.lead_auditor.username if audit else None)
    lead = user_by_name(lead_name, "lead_auditor")
    auditors = list(users_by_name(values.get("auditors", audit.auditors if audit else []), "auditors").values())
    users_by_name(values.get("auditees", audit.auditees if audit else []), "auditees", staff_only=False)
    check_auditor_independence([lead] + auditors, departments, dealer_codes)
    return lead, departments, dealer_codes


def create_audit(data, actor) -> Audit:
    check(actor, "audit.manage")
    values = _dump(data)
    lead, departments, dealer_codes = _audit_members(values)
    template = None
    if values.get("template_id") is not None:
        try:
            template = get_template(values["template_id"])
        except NotFound:
            raise ValidationError(_("unknown template"), {"template_id": _("no such checklist template")}) from None
    items = [AuditItem(position=i, question=x["question"], reference=x.get("reference") or "")
             for i, x in enumerate(_dump_list(values.get("items") or []))]
    if template is not None:
        items = [AuditItem(position=i, question=t.question, reference=t.reference)
                 for i, t in enumerate(template.items)] + [
            AuditItem(position=len(template.items) + i, question=it.question, reference=it.reference)
            for i, it in enumerate(items)]
    planned_on = values["planned_on"]
    audit = Audit(number=next_number("IA", planned_on.year, width=3), title=values["title"],
                  scope=values.get("scope") or "", criteria=values.get("criteria") or DEFAULT_CRITERIA,
                  departments=list(departments), dealer_codes=list(dealer_codes), planned_on=planned_on,
                  lead_auditor_id=lead.id, lead_auditor=lead, auditors=list(values.get("auditors") or []),
                  auditees=list(values.get("auditees") or []), state="planned", created_by_id=actor.id, items=items)
    db.session.add(audit)
    db.session.flush()
    activity.log(audit, "created", {"state": (None, "planned")}, actor=actor)
    if lead.id != actor.id:
        notify([lead], N_("Audit %(number)s: you are the lead auditor"), N_("Planned on %(day)s: %(subject)s"),
               _url("audit.view_audit", record_id=audit.id), number=audit.number, day=planned_on.isoformat(),
               subject=audit.title)
    return audit


def update_audit(audit: Audit, data, actor) -> Audit:
    check(actor, "audit.manage")
    values = _dump(data)
    _check_version(audit, values.pop("version", None))
    if audit.state != "planned":
        raise Conflict(_("only a planned audit can be changed; this one is %(state)s", state=audit.state),
                       code="not_planned")
    values = {k: v for k, v in values.items() if v is not None}
    lead, _deps, _codes = _audit_members(values, audit)
    if "lead_auditor" in values:
        values.pop("lead_auditor")
        values["lead_auditor_id"] = lead.id
    changes = activity.apply_changes(audit, values)
    if changes:
        activity.log(audit, "updated", changes, actor=actor)
    return audit


def get_audit(audit_id, user=None) -> Audit:
    return _get(Audit, audit_id, _("audit"))


def audits_stmt(query=None):
    stmt = select(Audit)
    q = getattr(query, "q", None)
    if q:
        stmt = stmt.where(or_(Audit.number.ilike(f"%{q}%"), Audit.title.ilike(f"%{q}%")))
    if getattr(query, "state", None):
        stmt = stmt.where(Audit.state == query.state)
    if getattr(query, "year", None):
        stmt = stmt.where(Audit.planned_on >= date(query.year, 1, 1), Audit.planned_on <= date(query.year, 12, 31))
    if getattr(query, "lead_auditor", None):
        stmt = stmt.where(Audit.lead_auditor_id.in_(select(User.id).where(User.username == query.lead_auditor)))
    sort = getattr(query, "sort", None) or "-planned_on"
    column = getattr(Audit, sort.lstrip("-"))
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), Audit.id.desc())


def _all_answered(audit, actor, **kw):
    missing = [str(i.position + 1) for i in audit.items if not i.result]
    if missing:
        return _l("Answer every checklist item first (items %(items)s).", items=", ".join(missing))


def _nonconform_items_raised(audit, actor, **kw):
    items = [i.id for i in audit.items if i.result == "nonconform"]
    if items:
        raised = set(db.session.scalars(select(Nonconformity.audit_item_id).where(
            Nonconformity.audit_item_id.in_(items))))
        missing = [str(i.position + 1) for i in audit.items if i.result == "nonconform" and i.id not in raised]
        if missing:
            return _l("Raise a nonconformity for every nonconforming item (items %(items)s).",
                      items=", ".join(missing))


audit_workflow = Workflow(
    model=Audit,
    states=("planned", "in_progress", "reported", "closed", "cancelled"),
    transitions=(
        Transition("start", ("planned",), "in_progress", "audit.manage", label=_l("Start"),
                   illegal=_l("Only a planned audit can be started."), message=_l("The audit has started.")),
        Transition("report", ("in_progress",), "reported", "audit.manage",
                   guards=(_all_answered, _nonconform_items_raised), label=_l("Report"),
                   illegal=_l("Only an audit in progress can be reported."), message=_l("The audit is reported.")),
        Transition("close", ("reported",), "closed", "audit.manage", label=_l("Close"),
                   illegal=_l("Only a reported audit can be closed."), message=_l("The audit is closed.")),
        Transition("cancel", ("planned", "in_progress"), "cancelled", "audit.manage", label=_l("Cancel"),
                   illegal=_l("Only a planned or running audit can be cancelled."),
                   message=_l("The audit is cancelled.")),
    ),
)


def audit_action(audit: Audit, action: str, actor, version, report: str | None = None, reason: str | None = None):
    changes = {}
    if action == "report":
        if not (report or "").strip():
            raise ValidationError(_("report required"), {"report": _("required")})
        audit_workflow.check(audit, "report", actor, version=version)
        audit.report, audit.reported_on = report.strip(), today()
        changes = {"reported_on": (None, audit.reported_on)}
    elif action == "cancel":
        if not (reason or "").strip():
            raise ValidationError(_("reason required"), {"reason": _("required")})
        audit.cancel_reason = reason.strip()
    elif action == "start":
        audit_workflow.check(audit, "start", actor, version=version)
        audit.started_on = today()
    elif action == "close":
        audit_workflow.check(audit, "close", actor, version=version)
        audit.closed_on = today()
    audit_workflow.apply(audit, action, actor, version=version, comment=(reason or "").strip(), changes=changes)
    return audit


def update_item(audit: Audit, item_id, data, actor) -> AuditItem:
    check(actor, "audit.manage")
    values = _dump(data)
    _check_version(audit, values.pop("version", None))
    item = _item(audit, item_id)
    if audit.state != "in_progress":
        raise Conflict(_("checklist answers are recorded while the audit is in progress"), code="not_in_progress")
    changes = activity.apply_changes(item, {k: v for k, v in values.items() if v is not None})
    if changes:
        activity.log(audit, "item_answered", {f"item {item.position + 1} {k}": v for k, v in changes.items()},
                     actor=actor)
    return item


ITEM_MODEL = "audit_item"


def add_item_attachment(audit: Audit, item_id, filename: str, data: bytes, actor):
    """Evidence for a checklist item (a photo or a PDF), while the audit is in progress."""
    check(actor, "audit.manage")
    item = _item(audit, item_id)
    if audit.state != "in_progress":
        raise Conflict(_("evidence is added while the audit is in progress"), code="not_in_progress")
    att = attachments.add(ITEM_MODEL, item.id, filename, data, actor=actor, purpose="evidence", field="file")
    db.session.flush()
    activity.log(audit, "evidence_added", {f"item {item.position + 1}": (None, att.filename)}, actor=actor)
    return att


def _item(audit: Audit, item_id) -> AuditItem:
    item = next((i for i in audit.items if str(i.id) == str(item_id)), None)
    if item is None:
        raise NotFound(_("checklist item not found"))
    return item


def item_attachments(audits) -> dict[int, list]:
    """The evidence files of every item of ``audits`` in one query (without their bytes)."""
    from sqlalchemy.orm import defer

    ids = [i.id for a in audits for i in a.items]
    result: dict[int, list] = {}
    if ids:
        Attachment = attachments.Attachment
        for att in db.session.scalars(select(Attachment).options(defer(Attachment.data)).where(
                Attachment.model == ITEM_MODEL, Attachment.record_id.in_(ids)).order_by(Attachment.id)):
            result.setdefault(att.record_id, []).append(att)
    return result


def get_item_attachment(audit: Audit, item_id, attachment_id):
    item = _item(audit, item_id)
    Attachment = attachments.Attachment
    att = db.session.scalar(select(Attachment).where(Attachment.id == int(attachment_id),
                                                     Attachment.model == ITEM_MODEL, Attachment.record_id == item.id))
    if att is None:
        raise NotFound(_("attachment not found"))
    return att


def programme(year: int) -> dict:
    """That year's audits and whether the minimum (``audit.min_audits_per_year``) is done or planned."""
    audits = db.session.scalars(select(Audit).where(Audit.planned_on >= date(year, 1, 1),
                                                    Audit.planned_on <= date(year, 12, 31))
                                .order_by(Audit.planned_on, Audit.id)).all()
    minimum = settings.get("audit.min_audits_per_year")
    counted = [a for a in audits if a.state != "cancelled"]
    done = [a for a in counted if a.state in ("reported", "closed")]
    return {"year": year, "minimum": minimum, "planned_or_done": len(counted), "done": len(done),
            "met": len(counted) >= minimum, "audits": audits}


# --- nonconformity sources (hook offered to other plugins) ----------------------------------


def nonconformity_sources() -> dict[str, dict]:
    """Registered record types by table name (``source_model``)."""
    found = {}
    for group in plugin_hook().audit_nonconformity_sources():
        for item in group or []:
            found[item["source_model"]] = item
    return found


def _apply_source(values, actor) -> dict:
    """Load the originating record as the caller (404 when not visible) and describe it."""
    model, source_id = values.get("source_model"), values.get("source_id")
    if not model:
        if source_id is not None:
            raise ValidationError(_("source model required"), {"source_model": _("required with source_id")})
        return {}
    registered = nonconformity_sources().get(model)
    if registered is None:
        raise ValidationError(_("unknown source"), {"source_model": _("no plugin offers nonconformities from %(model)r",
                                                                      model=model)})
    if source_id is None:
        raise ValidationError(_("source id required"), {"source_id": _("required with source_model")})
    if values.get("source") and values["source"] != registered["source"]:
        raise ValidationError(_("source mismatch"), {"source": _("records of %(model)s are source %(source)r",
                                                                 model=model, source=registered['source'])})
    record = registered["load"](int(source_id), actor)
    if record is None:
        raise NotFound(_("%(model)s %(source_id)s not found", model=model, source_id=source_id))
    described = registered["describe"](record)
    described["source"] = registered["source"]
    return described


# --- nonconformities ------------------------------------------------------------------------


def create_nonconformity(data, actor, check_source: bool = True, commit: bool = False) -> Nonconformity:
    """Raise a nonconformity. ``check_source``: the caller is a user (API/page), so permissions and the
    visibility of the source record are checked; other plugins' code (``public.py``) passes False."""
    if check_source:
        check(actor, "audit.nc_raise")
    values = _dump(data)
    errors = {}
    if values.get("severity") not in SEVERITIES:
        errors["severity"] = _("one of %(severities)s", severities=', '.join(SEVERITIES))
    if values.get("source") not in SOURCES and not values.get("source_model"):
        errors["source"] = _("one of %(sources)s", sources=', '.join(SOURCES))
    if not (values.get("title") or "").strip():
        errors["title"] = _("required")
    if errors:
        raise ValidationError(_("invalid nonconformity"), errors)
    described = _apply_source(values, actor) if check_source else {}
    if not check_source and values.get("source_model") and values.get("source_id") is not None:
        registered = nonconformity_sources().get(values["source_model"])
        described = {}
        if registered is not None:
            record = registered["load"](int(values["source_id"]), None)
            if record is not None:
                described = registered["describe"](record)
    source = described.get("source") or values["source"]
    dealer = None
    dealer_code = values.get("dealer_code") or described.get("dealer_code")
    department = values.get("department") or described.get("department") or ""
    if dealer_code:
        dealer = db.session.scalar(select(Dealer).where(Dealer.code == dealer_code))
        if dealer is None:
            raise ValidationError(_("unknown dealer"), {"dealer_code": _("no dealer with code %(dealer_code)r",
                                                                         dealer_code=dealer_code)})
        department = department or dealer.code
    elif department and department not in DEPARTMENTS:
        dealer = db.session.scalar(select(Dealer).where(Dealer.code == department))
        if dealer is None:
            raise ValidationError(_("unknown department"),
                                  {"department": _("one of %(departments)s or a dealer code",
                                                   departments=', '.join(DEPARTMENTS))})
    if not department:
        raise ValidationError(_("department required"), {"department": _("required")})
    owner = user_by_name(values.get("owner"), "owner", required=False)
    audit_id = item_id = None
    if values.get("audit_id") is not None:
        try:
            audit = get_audit(values["audit_id"])
        except NotFound:
            raise ValidationError(_("unknown audit"), {"audit_id": _("no such audit")}) from None
        audit_id = audit.id
        if values.get("audit_item_id") is not None:
            item = next((i for i in audit.items if i.id == values["audit_item_id"]), None)
            if item is None:
                raise ValidationError(_("unknown item"), {"audit_item_id": _("not an item of this audit")})
            item_id = item.id
    due_on = values.get("due_on")
    if due_on is not None and due_on < today():
        raise ValidationError(_("due date in the past"), {"due_on": _("cannot be in the past")})
    nc = Nonconformity(number=next_number("NC", today().year, width=4), title=values["title"].strip(),
                       description=values.get("description") or "", severity=values["severity"],
                       department=department, dealer_id=dealer.id if dealer else None, source=source,
                       source_model=values.get("source_model"), source_id=values.get("source_id"),
                       source_title=(described.get("title") or "")[:200], source_url=(described.get("url") or "")[:300],
                       audit_id=audit_id, audit_item_id=item_id, owner_id=owner.id if owner else None, owner=owner,
                       raised_by_id=actor.id, raised_by=actor, raised_on=today(), due_on=due_on, state="open")
    db.session.add(nc)
    db.session.flush()
    activity.log(nc, "created", {"state": (None, "open")}, actor=actor)
    if owner is not None and owner.id != actor.id:
        notify([owner], N_("Nonconformity %(number)s assigned to you"), N_("%(subject)s"),
               _url("audit.view_nonconformity", record_id=nc.id), number=nc.number, subject=nc.title)
    return nc


def owned_clause(user):
    """Nonconformities ``user`` owns or holds a corrective action of (a record rule that widens visibility)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.scope == "dealer":
        return None
    return or_(Nonconformity.owner_id == user.id,
               Nonconformity.id.in_(select(CorrectiveAction.nonconformity_id).where(CorrectiveAction.owner_id == user.id)))


def get_nonconformity(nc_id, user=None) -> Nonconformity:
    return get_scoped(Nonconformity, nc_id, user)


def nonconformities_stmt(query=None, user=None):
    stmt = scoped(select(Nonconformity), Nonconformity, user)
    q = getattr(query, "q", None)
    if q:
        stmt = stmt.where(or_(Nonconformity.number.ilike(f"%{q}%"), Nonconformity.title.ilike(f"%{q}%")))
    for attr in ("state", "severity", "department", "source"):
        value = getattr(query, attr, None)
        if value:
            stmt = stmt.where(getattr(Nonconformity, attr) == value)
    if getattr(query, "owner", None):
        stmt = stmt.where(Nonconformity.owner_id.in_(select(User.id).where(User.username == query.owner)))
    if getattr(query, "audit_id", None):
        stmt = stmt.where(Nonconformity.audit_id == query.audit_id)
    if getattr(query, "overdue", None) is not None:
        clause = and_(Nonconformity.due_on < today(), Nonconformity.state.in_(OPEN_NC_STATES))
        stmt = stmt.where(clause if query.overdue else ~clause)
    sort = getattr(query, "sort", None) or "-number"
    column = getattr(Nonconformity, sort.lstrip("-"))
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), Nonconformity.id.desc())


def _owner_or_auditor(nc: Nonconformity, actor) -> None:
    if nc.owner_id != actor.id and not _is_auditor(actor):
        raise PermissionDenied(_("only the owner or an auditor may do this"), code="forbidden")


def _may_work(nc: Nonconformity, actor) -> None:
    check(actor, "audit.nc_work")
    _owner_or_auditor(nc, actor)


nc_workflow = Workflow(
    model=Nonconformity,
    states=("open", "analysed", "actions_planned", "verifying", "closed", "cancelled"),
    transitions=(
        Transition("analyse", ("open",), "analysed", "audit.nc_work", label=_l("Analyse"),
                   role_guards=(_owner_or_auditor,), illegal=_l("Only an open nonconformity can be analysed."),
                   message=_l("The analysis is recorded.")),
        Transition("plan", ("analysed",), "actions_planned", "audit.nc_work", label=_l("Plan actions"),
                   role_guards=(_owner_or_auditor,), illegal=_l("Only an analysed nonconformity can be planned."),
                   message=_l("The corrective actions are planned.")),
        Transition("verify_effective", ("verifying",), "closed", "audit.nc_verify", label=_l("Effective"),
                   illegal=_l("Only a nonconformity awaiting verification can be verified."),
                   message=_l("Verified effective: the nonconformity is closed.")),
        Transition("verify_not_effective", ("verifying",), "analysed", "audit.nc_verify", label=_l("Not effective"),
                   illegal=_l("Only a nonconformity awaiting verification can be verified."),
                   message=_l("Not effective: the nonconformity is to be analysed again.")),
        Transition("cancel", ("open", "analysed", "actions_planned", "verifying"), "cancelled", "audit.nc_raise",
                   label=_l("Cancel"), illegal=_l("This nonconformity is already closed or cancelled."),
                   message=_l("The nonconformity is cancelled.")),
    ),
)


def analyse(nc: Nonconformity, actor, version, root_cause: str, containment: str):
    errors = {}
    if not (root_cause or "").strip():
        errors["root_cause"] = _("required")
    if not (containment or "").strip():
        errors["containment"] = _("required")
    if errors:
        raise ValidationError(_("root cause and containment required"), errors)
    _may_work(nc, actor)
    changes = activity.apply_changes(nc, {"root_cause": root_cause.strip(), "containment": containment.strip()})
    nc_workflow.apply(nc, "analyse", actor, version=version, changes=changes)
    return nc


def current_actions(nc: Nonconformity) -> list[CorrectiveAction]:
    return [a for a in nc.actions if a.round == nc.reopened]


def plan(nc: Nonconformity, actor, version):
    _may_work(nc, actor)
    nc_workflow.check(nc, "plan", actor, version=version)
    if not [a for a in current_actions(nc) if a.state == "open"]:
        raise ValidationError(_("at least one corrective action is required"),
                              {"actions": _("add at least one open corrective action first")})
    nc_workflow.apply(nc, "plan", actor)
    return nc


def cancel_nonconformity(nc: Nonconformity, actor, version, reason: str):
    if not (reason or "").strip():
        raise ValidationError(_("reason required"), {"reason": _("required")})
    nc.cancel_reason = reason.strip()
    nc_workflow.apply(nc, "cancel", actor, version=version, comment=reason.strip())
    owners = [nc.owner] + [a.owner for a in current_actions(nc) if a.state == "open"]
    notify([o for o in owners if o is not None and o.id != actor.id], N_("Nonconformity %(number)s cancelled"),
           N_("%(reason)s"), _url("audit.view_nonconformity", record_id=nc.id), number=nc.number,
           reason=nc.cancel_reason)
    return nc


def verification_due_on(nc: Nonconformity) -> date | None:
    if nc.verifying_since is None:
        return None
    return nc.verifying_since + timedelta(days=settings.get("audit.effectiveness_wait_days"))


def check_verifier_independence(nc: Nonconformity, actor) -> None:
    owners = {a.owner_id for a in nc.actions}
    if actor.id == nc.owner_id or actor.id in owners:
        role = _("the nonconformity's owner") if actor.id == nc.owner_id else _("an owner of one of its actions")
        raise ValidationError(_("%(username)s is %(role)s", username=actor.username, role=role),
                              {"verifier": _("%(username)s is %(role)s", username=actor.username, role=role)},
                              code="verifier_not_independent")


def verify(nc: Nonconformity, actor, version, verdict: str, evidence: str, early_reason: str | None = None):
    if verdict not in VERDICTS:
        raise ValidationError(_("invalid verdict"), {"verdict": _("one of %(verdicts)s", verdicts=', '.join(VERDICTS))})
    if not (evidence or "").strip():
        raise ValidationError(_("evidence required"), {"evidence": _("required")})
    name = "verify_effective" if verdict == "effective" else "verify_not_effective"
    nc_workflow.check(nc, name, actor, version=version)
    check_verifier_independence(nc, actor)
    due = verification_due_on(nc)
    early_reason = (early_reason or "").strip()
    if due is not None and today() < due:
        if not early_reason:
            raise Conflict(_("verification is due on %(due)s; verifying early needs an auditor's reason",
                             due=due.isoformat()),
                           code="verification_early")
        if not actor.has_role("auditor"):
            raise Conflict(_("only an auditor may verify early"), code="verification_early")
    else:
        early_reason = ""
    first = not nc.checks
    db.session.add(EffectivenessCheck(nonconformity_id=nc.id, nonconformity=nc, verdict=verdict,
                                      evidence=evidence.strip(), early_reason=early_reason, verifier_id=actor.id,
                                      verifier=actor, checked_on=today(), due_on=due))
    changes = {"verdict": (None, verdict)}
    if first:
        nc.first_check_effective = verdict == "effective"
    if verdict == "effective":
        nc.closed_on = today()
    else:
        nc.reopened += 1
        nc.verifying_since = None
        changes["reopened"] = (nc.reopened - 1, nc.reopened)
    nc_workflow.apply(nc, name, actor, comment=evidence.strip() + (f" ({early_reason})" if early_reason else ""),
                      changes=changes)
    if nc.owner is not None:
        title = (N_("Nonconformity %(number)s verified effective and closed") if verdict == "effective"
                 else N_("Nonconformity %(number)s: actions not effective, analyse again"))
        notify([nc.owner], title, N_("%(subject)s"), _url("audit.view_nonconformity", record_id=nc.id),
               number=nc.number, subject=nc.title)
    return nc


def nc_allowed_actions(nc: Nonconformity, user) -> list[str]:
    names = []
    is_owner_or_auditor = nc.owner_id == user.id or _is_auditor(user)
    if nc.state == "open" and user.can("audit.nc_work") and is_owner_or_auditor:
        names.append("analyse")
    if nc.state in ("analysed", "actions_planned") and user.can("audit.nc_work") and is_owner_or_auditor:
        names.append("add_action")
    if nc.state == "analysed" and user.can("audit.nc_work") and is_owner_or_auditor:
        names.append("plan")
    if nc.state == "verifying" and user.can("audit.nc_verify"):
        names.append("verify")
    if nc.state in OPEN_NC_STATES and user.can("audit.nc_raise"):
        names.append("cancel")
    return names


# --- corrective actions ---------------------------------------------------------------------


def add_action(nc: Nonconformity, data, actor) -> CorrectiveAction:
    _may_work(nc, actor)
    values = _dump(data)
    if nc.state not in ("analysed", "actions_planned"):
        raise Conflict(_("actions are added once the nonconformity is analysed"), code="not_analysed")
    if values.get("kind") not in ACTION_KINDS:
        raise ValidationError(_("invalid kind"), {"kind": _("one of %(action_kinds)s",
                                                            action_kinds=', '.join(ACTION_KINDS))})
    owner = user_by_name(values.get("owner"), "owner")
    if values["due_on"] < today():
        raise ValidationError(_("due date in the past"), {"due_on": _("cannot be in the past")})
    action = CorrectiveAction(nonconformity_id=nc.id, nonconformity=nc, kind=values["kind"],
                              description=values["description"], owner_id=owner.id, owner=owner,
                              due_on=values["due_on"], state="open", round=nc.reopened)
    db.session.add(action)
    db.session.flush()
    activity.log(action, "created", {"state": (None, "open")}, actor=actor)
    activity.log(nc, "action_added", {"action": (None, f"#{action.id} {action.description[:80]}")}, actor=actor)
    notify([owner], N_("Corrective action for %(number)s assigned to you"), N_("%(description)s — due %(due)s"),
           _url("audit.view_nonconformity", record_id=nc.id), number=nc.number,
           description=action.description[:200], due=action.due_on.isoformat())
    return action


def get_action(action_id, user=None) -> CorrectiveAction:
    action = _get(CorrectiveAction, action_id, _("corrective action"))
    get_nonconformity(action.nonconformity_id, user)  # the record rule of its nonconformity
    return action


def actions_stmt(query=None, user=None):
    visible = scoped(select(Nonconformity.id), Nonconformity, user)
    stmt = select(CorrectiveAction).where(CorrectiveAction.nonconformity_id.in_(visible))
    if getattr(query, "state", None):
        stmt = stmt.where(CorrectiveAction.state == query.state)
    if getattr(query, "kind", None):
        stmt = stmt.where(CorrectiveAction.kind == query.kind)
    if getattr(query, "nonconformity_id", None):
        stmt = stmt.where(CorrectiveAction.nonconformity_id == query.nonconformity_id)
    if getattr(query, "owner", None):
        stmt = stmt.where(CorrectiveAction.owner_id.in_(select(User.id).where(User.username == query.owner)))
    if getattr(query, "overdue", None) is not None:
        clause = and_(CorrectiveAction.state == "open", CorrectiveAction.due_on < today())
        stmt = stmt.where(clause if query.overdue else ~clause)
    sort = getattr(query, "sort", None) or "due_on"
    column = getattr(CorrectiveAction, sort.lstrip("-"))
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), CorrectiveAction.id)


def is_overdue(action: CorrectiveAction) -> bool:
    return action.state == "open" and action.due_on < today()


def _action_owner(action: CorrectiveAction, actor) -> None:
    if actor.id not in (action.owner_id, action.nonconformity.owner_id) and not _is_auditor(actor):
        raise PermissionDenied(_("only the action's owner, the nonconformity's owner or an auditor"), code="forbidden")


action_workflow = Workflow(
    model=CorrectiveAction,
    states=("open", "done"),
    transitions=(
        Transition("done", ("open",), "done", "audit.nc_work", label=_l("Done"), role_guards=(_action_owner,),
                   illegal=_l("this action is already done"), message=_l("The corrective action is done.")),
    ),
)


def action_done(action: CorrectiveAction, actor, version, note: str, evidence: str = ""):
    """Mark an action done; when it was the last open one of a planned nonconformity, that moves to verifying."""
    action_workflow.check_access(action, "done", actor, version=version)
    nc = action.nonconformity
    if not (note or "").strip():
        raise ValidationError(_("note required"), {"note": _("required")})
    action.done_on = today()
    action.note, action.evidence = note.strip(), (evidence or "").strip()
    action_workflow.apply(action, "done", actor, version=version, comment=action.note)
    if nc.state == "actions_planned" and not any(a.state == "open" for a in current_actions(nc) if a is not action):
        nc.state, nc.verifying_since = "verifying", today()
        activity.log(nc, "to_verifying", {"state": ("actions_planned", "verifying"),
                                          "verifying_since": (None, nc.verifying_since)}, actor=actor)
        db.session.add(nc)
        verifiers = [u for u in users_with_role("auditor") if u.id != nc.owner_id]
        notify(verifiers, N_("Nonconformity %(number)s: all actions done, verify effectiveness from %(due)s"),
               N_("%(subject)s"), _url("audit.view_nonconformity", record_id=nc.id), number=nc.number,
               due=verification_due_on(nc).isoformat(), subject=nc.title)
    return action


# --- improvements ---------------------------------------------------------------------------


def create_improvement(data, actor, commit: bool = False) -> Improvement:
    values = _dump(data)
    if values.get("origin") not in ORIGINS:
        raise ValidationError(_("invalid origin"), {"origin": _("one of %(origins)s", origins=', '.join(ORIGINS))})
    if not (values.get("title") or "").strip():
        raise ValidationError(_("title required"), {"title": _("required")})
    owner = user_by_name(values.get("owner") or actor.username, "owner")
    record = Improvement(number=next_number("IMP", today().year, width=3), title=values["title"].strip(),
                         origin=values["origin"], link=(values.get("link") or "")[:300],
                         description=values.get("description") or "", owner_id=owner.id, owner=owner,
                         indicator=values.get("indicator") or "", baseline=values.get("baseline") or "",
                         target=values.get("target") or "", due_on=values.get("due_on"), proposed_on=today(), state="proposed",
                         created_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    activity.log(record, "created", {"state": (None, "proposed")}, actor=actor)
    if owner.id != actor.id:
        notify([owner], N_("Improvement %(number)s assigned to you"), N_("%(subject)s"),
               _url("audit.view_improvement", record_id=record.id), number=record.number, subject=record.title)
    return record


def update_improvement(record: Improvement, data, actor) -> Improvement:
    check(actor, "audit.improvement_propose")
    values = _dump(data)
    _check_version(record, values.pop("version", None))
    if record.state not in ("proposed", "approved"):
        raise Conflict(_("an implemented improvement is no longer edited"), code="not_editable")
    if record.owner_id != actor.id and not actor.can("audit.improvement_approve"):
        raise PermissionDenied(_("only the owner or an approver"), code="forbidden")
    values = {k: v for k, v in values.items() if v is not None}
    if "owner" in values:
        values["owner_id"] = user_by_name(values.pop("owner"), "owner").id
    changes = activity.apply_changes(record, values)
    if changes:
        activity.log(record, "updated", changes, actor=actor)
    return record


def get_improvement(record_id, user=None) -> Improvement:
    return _get(Improvement, record_id, _("improvement"))


def improvements_stmt(query=None):
    stmt = select(Improvement)
    q = getattr(query, "q", None)
    if q:
        stmt = stmt.where(or_(Improvement.number.ilike(f"%{q}%"), Improvement.title.ilike(f"%{q}%")))
    for attr in ("state", "origin"):
        value = getattr(query, attr, None)
        if value:
            stmt = stmt.where(getattr(Improvement, attr) == value)
    if getattr(query, "owner", None):
        stmt = stmt.where(Improvement.owner_id.in_(select(User.id).where(User.username == query.owner)))
    if getattr(query, "overdue", None) is not None:
        clause = and_(Improvement.due_on < today(), Improvement.state.in_(("proposed", "approved")))
        stmt = stmt.where(clause if query.overdue else ~clause)
    sort = getattr(query, "sort", None) or "-number"
    column = getattr(Improvement, sort.lstrip("-"))
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), Improvement.id.desc())


def improvement_overdue(record: Improvement) -> bool:
    return record.due_on is not None and record.due_on < today() and record.state in ("proposed", "approved")


improvement_workflow = Workflow(
    model=Improvement,
    states=("proposed", "approved", "implemented", "evaluated", "closed"),
    transitions=(
        Transition("approve", ("proposed",), "approved", "audit.improvement_approve", label=_p("audit", "Approve"),
                   message=_l("The improvement is approved.")),
        Transition("implement", ("approved",), "implemented", "audit.improvement_propose", label=_l("Implemented"),
                   message=_l("The improvement is implemented.")),
        Transition("evaluate", ("implemented",), "evaluated", "audit.improvement_evaluate", label=_l("Evaluate"),
                   message=_l("The improvement is evaluated.")),
        Transition("close", ("evaluated",), "closed", "audit.improvement_approve", label=_l("Close"),
                   message=_l("The improvement is closed.")),
    ),
)


def improvement_action(record: Improvement, action: str, actor, version, result: str | None = None,
                       effectiveness: str | None = None, text: str | None = None):
    changes = {}
    if action == "implement":
        if not (result or "").strip():
            raise ValidationError(_("result required"), {"result": _("required")})
        improvement_workflow.check(record, "implement", actor, version=version)
        if record.owner_id != actor.id and not actor.can("audit.improvement_approve"):
            raise PermissionDenied(_("only the owner or an approver"), code="forbidden")
        changes = activity.apply_changes(record, {"result": result.strip()})
    elif action == "evaluate":
        errors = {}
        if effectiveness not in EFFECTIVENESS:
            errors["effectiveness"] = _("one of %(effectiveness)s", effectiveness=', '.join(EFFECTIVENESS))
        if not (text or "").strip():
            errors["text"] = _("required")
        if errors:
            raise ValidationError(_("invalid evaluation"), errors)
        improvement_workflow.check(record, "evaluate", actor, version=version)
        if actor.id == record.owner_id:
            raise ValidationError(_("%(username)s owns this improvement", username=actor.username),
                                  {"evaluated_by": _("%(username)s owns this improvement", username=actor.username)},
                                  code="evaluator_not_independent")
        changes = activity.apply_changes(record, {"effectiveness": effectiveness, "evaluation_text": text.strip(),
                                                  "evaluated_by_id": actor.id, "evaluated_on": today()})
    improvement_workflow.apply(record, action, actor, version=version, changes=changes)
    if action in ("approve", "evaluate") and record.owner_id != actor.id:
        title = (N_("Improvement %(number)s approved") if action == "approve"
                 else N_("Improvement %(number)s evaluated"))  # one message per step: no raw state in the text
        notify([record.owner], title, N_("%(subject)s"), _url("audit.view_improvement", record_id=record.id),
               number=record.number, subject=record.title)
    return record


def improvement_allowed_actions(record: Improvement, user) -> list[str]:
    names = [t.name for t in improvement_workflow.allowed(record, user)]
    if "implement" in names and record.owner_id != user.id and not user.can("audit.improvement_approve"):
        names.remove("implement")
    if "evaluate" in names and record.owner_id == user.id:
        names.remove("evaluate")
    return names


# --- management reviews ---------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{(100.0 * part / whole):.0f}%" if whole else "—"


def assemble_inputs(period_from: date, period_to: date) -> list[dict]:
    """The review's inputs for the period, in the current locale (frozen by the caller)."""
    sections = []
    audits = db.session.execute(select(Audit.state, func.count()).where(
        Audit.planned_on >= period_from, Audit.planned_on <= period_to).group_by(Audit.state)).all()
    by_state = dict(audits)
    findings = dict(db.session.execute(select(AuditItem.result, func.count()).join(Audit).where(
        Audit.planned_on >= period_from, Audit.planned_on <= period_to,
        Audit.state.in_(("reported", "closed")), AuditItem.result.is_not(None)).group_by(AuditItem.result)).all())
    sections.append({"title": _("Internal audits"), "figures": [
        {"label": _("Audits done (reported or closed)"), "value": by_state.get("reported", 0) + by_state.get("closed", 0)},
        {"label": _("Audits planned or in progress"), "value": by_state.get("planned", 0) + by_state.get("in_progress", 0)},
        {"label": _("Audits cancelled"), "value": by_state.get("cancelled", 0)},
        {"label": _("Findings: nonconforming items"), "value": findings.get("nonconform", 0)},
        {"label": _("Findings: observations"), "value": findings.get("observation", 0)},
        {"label": _("Findings: conforming items"), "value": findings.get("conform", 0)},
    ]})
    opened = db.session.scalar(select(func.count()).select_from(Nonconformity).where(
        Nonconformity.raised_on >= period_from, Nonconformity.raised_on <= period_to)) or 0
    closed = db.session.scalar(select(func.count()).select_from(Nonconformity).where(
        Nonconformity.closed_on >= period_from, Nonconformity.closed_on <= period_to)) or 0
    overdue = db.session.scalar(select(func.count()).select_from(Nonconformity).where(
        Nonconformity.state.in_(OPEN_NC_STATES), Nonconformity.due_on < min(period_to, today()))) or 0
    first = db.session.execute(select(
        func.count(Nonconformity.first_check_effective),
        func.sum(case((Nonconformity.first_check_effective.is_(True), 1), else_=0))).where(
        Nonconformity.id.in_(select(EffectivenessCheck.nonconformity_id).where(
            EffectivenessCheck.checked_on >= period_from, EffectivenessCheck.checked_on <= period_to)))).one()
    sections.append({"title": _("Nonconformities"), "figures": [
        {"label": _("Opened in the period"), "value": opened},
        {"label": _("Closed in the period"), "value": closed},
        {"label": _("Overdue (still open past their due date)"), "value": overdue},
        {"label": _("Found effective at the first check"), "value": _pct(int(first[1] or 0), int(first[0] or 0))},
    ]})
    open_actions = db.session.scalar(select(func.count()).select_from(CorrectiveAction).where(
        CorrectiveAction.state == "open", CorrectiveAction.due_on < min(period_to, today()))) or 0
    done_actions = db.session.scalar(select(func.count()).select_from(CorrectiveAction).where(
        CorrectiveAction.done_on >= period_from, CorrectiveAction.done_on <= period_to)) or 0
    sections.append({"title": _("Corrective actions"), "figures": [
        {"label": _("Done in the period"), "value": done_actions},
        {"label": _("Overdue"), "value": open_actions},
    ]})
    imps = db.session.scalars(select(Improvement).where(
        Improvement.proposed_on <= period_to,
        or_(Improvement.state.in_(("proposed", "approved", "implemented")),
            Improvement.evaluated_on >= period_from)).order_by(Improvement.number)).all()
    figures = [{"label": _("Improvements open or evaluated in the period"), "value": len(imps)}]
    for imp in imps[:30]:
        value = EFFECTIVENESS_LABELS[imp.effectiveness]() if imp.effectiveness else IMP_STATE_LABELS[imp.state]()
        figures.append({"label": f"{imp.number} {imp.title}", "value": f"{value}{' — ' + imp.result if imp.result else ''}"})
    sections.append({"title": _("Improvements and their results"), "figures": figures})
    previous = db.session.scalar(select(ManagementReview).where(
        ManagementReview.state.in_(("held", "closed")), ManagementReview.period_to < period_to)
        .order_by(ManagementReview.period_to.desc(), ManagementReview.id.desc()).limit(1))
    figures = []
    if previous is not None:
        numbers = [d.get("record") for d in previous.decisions if d.get("record")] or [""]
        states = {n: IMP_STATE_LABELS[st]() for n, st in db.session.execute(
            select(Improvement.number, Improvement.state).where(Improvement.number.in_(numbers))).all()}
        states.update({n: NC_STATE_TEXT[st]() for n, st in db.session.execute(
            select(Nonconformity.number, Nonconformity.state).where(Nonconformity.number.in_(numbers))).all()})
        for d in previous.decisions:
            status = states.get(d.get("record")) or _("not started")
            figures.append({"label": f"{previous.number}: {d['text']}", "value": f"{d.get('record') or ''} {status}".strip()})
    if not figures:
        figures.append({"label": _("Previous review"), "value": _("none")})
    sections.append({"title": _("Decisions of the previous review"), "figures": figures})
    for group in plugin_hook().audit_review_inputs(period_from=period_from, period_to=period_to):
        for section in group or []:
            sections.append({"title": str(section["title"]),
                             "figures": [{"label": str(f["label"]), "value": f["value"] if isinstance(f["value"], (int, float)) else str(f["value"])}
                                         for f in section.get("figures", [])]})
    return sections


IMP_STATE_LABELS = {"proposed": lambda: pgettext("audit", "Proposed"), "approved": lambda: pgettext("audit", "Approved"),
                    "implemented": lambda: _("Implemented"), "evaluated": lambda: _("Evaluated"),
                    "closed": lambda: _("Closed")}
NC_STATE_TEXT = {"open": lambda: pgettext("audit", "Open"), "analysed": lambda: _("Analysed"),
                 "actions_planned": lambda: _("Actions planned"), "verifying": lambda: _("Verifying"),
                 "closed": lambda: _("Closed"), "cancelled": lambda: _("Cancelled")}
EFFECTIVENESS_LABELS = {"effective": lambda: _("Effective"), "partly": lambda: _("Partly effective"),
                        "not_effective": lambda: _("Not effective")}


def create_review(data, actor) -> ManagementReview:
    check(actor, "audit.review")
    values = _dump(data)
    if values["period_from"] > values["period_to"]:
        raise ValidationError(_("invalid period"), {"period_to": _("must not be before period_from")})
    chair = user_by_name(values.get("chair"), "chair")
    if not chair.can("audit.review"):
        raise ValidationError(_("chair"), {"chair": _("%(username)s may not chair a management review",
                                                      username=chair.username)})
    users_by_name(values.get("participants") or [], "participants")
    from core.toolkit import now

    review = ManagementReview(number=next_number("MR", values["period_to"].year, width=2),
                              period_from=values["period_from"], period_to=values["period_to"], chair_id=chair.id,
                              chair=chair, participants=list(values.get("participants") or []), state="draft",
                              inputs=assemble_inputs(values["period_from"], values["period_to"]),
                              inputs_frozen_at=now().isoformat(timespec="seconds"), decisions=[],
                              created_by_id=actor.id)
    db.session.add(review)
    db.session.flush()
    activity.log(review, "created", {"state": (None, "draft")}, actor=actor)
    others = users_by_name([chair.username] + review.participants, "participants").values()
    notify([u for u in others if u.id != actor.id], N_("Management review %(number)s"),
           N_("Inputs for %(start)s – %(end)s are ready"), _url("audit.view_review", record_id=review.id),
           number=review.number, start=review.period_from.isoformat(), end=review.period_to.isoformat())
    return review


def get_review(record_id, user=None) -> ManagementReview:
    return _get(ManagementReview, record_id, _("management review"))


def reviews_stmt(query=None):
    stmt = select(ManagementReview)
    if getattr(query, "state", None):
        stmt = stmt.where(ManagementReview.state == query.state)
    if getattr(query, "q", None):
        stmt = stmt.where(ManagementReview.number.ilike(f"%{query.q}%"))
    sort = getattr(query, "sort", None) or "-period_to"
    column = getattr(ManagementReview, sort.lstrip("-"))
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), ManagementReview.id.desc())


review_workflow = Workflow(
    model=ManagementReview,
    states=("draft", "held", "closed"),
    transitions=(
        Transition("hold", ("draft",), "held", "audit.review", label=_l("Hold"),
                   illegal=_l("Only a draft review can be held."), message=_l("The management review is held.")),
        Transition("close", ("held",), "closed", "audit.review", label=_l("Close"),
                   illegal=_l("Only a held review can be closed."),
                   message=_l("The management review is closed; its decisions are recorded.")),
    ),
)


def hold_review(review: ManagementReview, actor, version, held_on: date, decisions: list):
    review_workflow.check(review, "hold", actor, version=version)
    decisions = _dump_list(decisions or [])
    errors = {}
    if held_on is None:
        errors["held_on"] = _("required")
    elif held_on > today():
        errors["held_on"] = _("cannot be in the future")
    owners = users_by_name([d["owner"] for d in decisions], "decisions")
    for i, d in enumerate(decisions):
        if d["kind"] not in DECISION_KINDS:
            errors[f"decisions.{i}.kind"] = _("one of %(decision_kinds)s", decision_kinds=', '.join(DECISION_KINDS))
    if errors:
        raise ValidationError(_("invalid review"), errors)
    review.held_on = held_on
    review.decisions = [{"text": d["text"], "owner": owners[d["owner"]].username, "due_on": d["due_on"].isoformat(),
                         "kind": d["kind"], "record": None} for d in decisions]
    review_workflow.apply(review, "hold", actor, changes={"held_on": (None, held_on),
                                                          "decisions": (None, len(decisions))})
    return review


def close_review(review: ManagementReview, actor, version):
    """Each decision becomes an improvement (proposed) or a nonconformity carrying its corrective action."""
    review_workflow.check(review, "close", actor, version=version)
    owners = users_by_name([d["owner"] for d in review.decisions], "decisions")
    link = _url("audit.view_review", record_id=review.id) or review.number
    result = []
    for d in review.decisions:
        owner = owners[d["owner"]]
        due = date.fromisoformat(d["due_on"])
        if d["kind"] == "improvement":
            rec = create_improvement({"title": d["text"][:200], "origin": "management_review", "owner": owner.username,
                                      "description": f"{review.number}: {d['text']}", "link": link, "due_on": due},
                                     actor)
        else:
            rec = create_nonconformity({"title": d["text"][:200], "description": f"{review.number}: {d['text']}",
                                        "severity": "minor", "source": "management_review",
                                        "department": _department_of(owner), "owner": owner.username,
                                        "due_on": max(due, today())}, actor, check_source=False)
            action = CorrectiveAction(nonconformity_id=rec.id, nonconformity=rec, kind="corrective",
                                      description=d["text"], owner_id=owner.id, owner=owner, due_on=due, state="open",
                                      round=0)
            db.session.add(action)
        result.append({**d, "record": rec.number})
    review.decisions = result
    review.closed_on = today()
    review_workflow.apply(review, "close", actor, changes={"closed_on": (None, review.closed_on)})
    return review


def _department_of(user) -> str:
    for role in DEPARTMENTS:
        if role in user.role_ids:
            return role
    return "supervision" if not user.role_ids & set(DEPARTMENTS) else sorted(user.role_ids)[0]


# --- dashboard and reminders ----------------------------------------------------------------


def dashboard_figures(user) -> dict:
    year = today().year
    counted = db.session.scalar(select(func.count()).select_from(Audit).where(
        Audit.planned_on >= date(year, 1, 1), Audit.planned_on <= date(year, 12, 31), Audit.state != "cancelled")) or 0
    done = db.session.scalar(select(func.count()).select_from(Audit).where(
        Audit.planned_on >= date(year, 1, 1), Audit.planned_on <= date(year, 12, 31),
        Audit.state.in_(("reported", "closed")))) or 0
    overdue_expr = case((Nonconformity.due_on < today(), 1), else_=0)
    rows = db.session.execute(scoped(select(Nonconformity.department, func.count(), func.sum(overdue_expr))
                                     .where(Nonconformity.state.in_(OPEN_NC_STATES))
                                     .group_by(Nonconformity.department), Nonconformity, user)).all()
    checked = db.session.execute(scoped(select(func.count(Nonconformity.first_check_effective),
                                               func.sum(case((Nonconformity.first_check_effective.is_(True), 1),
                                                             else_=0))), Nonconformity, user)).one()
    return {"year": year, "minimum": settings.get("audit.min_audits_per_year"), "counted": counted, "done": done,
            "by_department": sorted(((d, int(n), int(o or 0)) for d, n, o in rows), key=lambda r: (-r[1], r[0])),
            "effectiveness": _pct(int(checked[1] or 0), int(checked[0] or 0)),
            "next_planned": db.session.scalar(select(func.min(Audit.planned_on)).where(
                Audit.state == "planned", Audit.planned_on >= today()))}


def remind(on: date | None = None) -> dict:
    """Notify lead auditors of audits coming up within ``audit.reminder_days`` and owners of overdue actions."""
    on = on or today()
    horizon = on + timedelta(days=settings.get("audit.reminder_days"))
    audits = db.session.scalars(select(Audit).where(Audit.state == "planned", Audit.planned_on >= on,
                                                    Audit.planned_on <= horizon)).all()
    for audit in audits:
        notify([audit.lead_auditor], N_("Audit %(number)s is planned on %(day)s"), N_("%(subject)s"),
               _url("audit.view_audit", record_id=audit.id), number=audit.number, day=audit.planned_on.isoformat(),
               subject=audit.title)
    actions = db.session.scalars(select(CorrectiveAction).where(CorrectiveAction.state == "open",
                                                                CorrectiveAction.due_on < on)).all()
    for action in actions:
        notify([action.owner], N_("Corrective action for %(number)s is overdue (due %(due)s)"),
               N_("%(description)s"), _url("audit.view_nonconformity", record_id=action.nonconformity_id),
               number=action.nonconformity.number, due=action.due_on.isoformat(),
               description=action.description[:200])
    return {"audits": len(audits), "actions": len(actions)}
