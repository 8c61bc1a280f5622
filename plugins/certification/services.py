"""Certification rules: criteria points, self-assessments and their score, controlled documents,
training records, equipment calibrations, the evidence pack and review reminders.

Free of the Flask request: every function takes the ``actor``; nothing here commits.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import current_app, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, or_, select

from core.toolkit import (STAFF_ROLES, Conflict, N_, NotFound, Role, Transition, User, ValidationError, Workflow, activity,
                          add_months, attachments, check, db, notify, now, settings, today, users_with_role)
from plugins.certification import audit_link, scoring
from plugins.certification.criteria import AREA_OF, AREAS, CRITERIA, INDICATORS
from plugins.certification.models import (DOCUMENT_KINDS, STATES, AssessmentItem, AssessmentSpecial, Calibration,
                                          Criterion, Document, Equipment, SelfAssessment, TrainingRecord)

DOC_MODEL = "certification_document"
ASSESSMENT_MODEL = "certification_assessment"
MAX_EVIDENCE_LINKS = 20


# --- criteria -------------------------------------------------------------------------


def seed_criteria() -> None:
    """Insert the GB/T 27922 check items once (idempotent)."""
    if db.session.scalar(select(func.count(Criterion.id))):
        return
    for position, (code, indicator, points, title, title_en) in enumerate(CRITERIA):
        db.session.add(Criterion(code=code, area=AREA_OF[indicator], indicator=indicator, title=title,
                                 title_en=title_en, max_points=Decimal(points), active=True, position=position))
    db.session.flush()


def criteria() -> list[Criterion]:
    seed_criteria()
    return list(db.session.scalars(select(Criterion).order_by(Criterion.position, Criterion.code)))


def serialize_criterion(c: Criterion) -> dict:
    return {"code": c.code, "area": c.area, "indicator": c.indicator, "title": c.title, "title_en": c.title_en,
            "max_points": float(c.max_points), "active": bool(c.active)}


def update_criteria(changes: list[dict], actor) -> list[Criterion]:
    """Change points (and whether a criterion applies); the active maxima must still add up to 100."""
    check(actor, "certification.configure")
    rows = {c.code: c for c in criteria()}
    errors = {}
    for i, change in enumerate(changes):
        if change["code"] not in rows:
            errors[f"items.{i}.code"] = _("unknown criterion %(code)r", code=change['code'])
    if errors:
        raise ValidationError(_("unknown criteria"), errors)
    log = {}
    for change in changes:
        row = rows[change["code"]]
        if change.get("max_points") is not None and Decimal(change["max_points"]) != row.max_points:
            log[f"{row.code}.max_points"] = (row.max_points, Decimal(change["max_points"]))
            row.max_points = Decimal(change["max_points"])
        if change.get("active") is not None and bool(change["active"]) != row.active:
            log[f"{row.code}.active"] = (row.active, bool(change["active"]))
            row.active = bool(change["active"])
    total = sum((r.max_points for r in rows.values() if r.active), Decimal("0"))
    target = Decimal(str(settings.get("certification.total_points")))
    if total != target:
        raise ValidationError(_("the maxima of the applicable criteria add up to %(total)s, not %(target)s",
                                total=total, target=target),
                              {"items": _("total %(total)s must be %(target)s", total=total,
                                          target=target)}, code="total_not_100")
    db.session.flush()
    _refresh_open_assessments(rows, actor, log)
    return sorted(rows.values(), key=lambda r: (r.position, r.code))


def _refresh_open_assessments(rows: dict, actor, log: dict) -> None:
    """Drafts follow the new points (a score above the new maximum is cut to it); approved ones keep theirs."""
    if not log:
        return
    for a in db.session.scalars(select(SelfAssessment).where(SelfAssessment.state == "draft")):
        present = {i.code for i in a.items}
        for item in a.items:
            row = rows[item.code]
            item.max_points = row.max_points
            if item.points is not None and item.points > row.max_points:
                item.points = row.max_points
            if not row.active:
                item.not_applicable = True
        for row in rows.values():
            if row.active and row.code not in present:
                a.items.append(_item_from(row))
        _recompute(a)
        activity.log(a, "criteria_changed", log, actor=actor)


# --- self-assessments -----------------------------------------------------------------

workflow = Workflow(
    model=SelfAssessment,
    states=STATES,
    transitions=(
        Transition("submit", ("draft",), "submitted", "certification.assess", label=_l("Submit"),
                   message=_l("Submitted for approval.")),
        Transition("reopen", ("submitted",), "draft", "certification.assess", label=_l("Return to draft"),
                   message=_l("Returned to draft.")),
        Transition("approve", ("submitted",), "approved", "certification.approve", label=_l("Approve"),
                   message=_l("Approved.")),
    ),
)


def _item_from(c: Criterion) -> AssessmentItem:
    return AssessmentItem(code=c.code, area=c.area, indicator=c.indicator, title=c.title, title_en=c.title_en,
                          position=c.position, max_points=c.max_points, points=None,
                          not_applicable=not c.active, notes="", evidence_links=[])


def get_assessment(assessment_id) -> SelfAssessment:
    try:
        record = db.session.get(SelfAssessment, int(assessment_id))
    except (TypeError, ValueError):
        record = None
    if record is None:
        raise NotFound(_("self-assessment %(assessment_id)s not found", assessment_id=assessment_id))
    return record


def assessment_stmt(query=None):
    stmt = select(SelfAssessment)
    if query is not None:
        if getattr(query, "year", None):
            stmt = stmt.where(SelfAssessment.year == query.year)
        if getattr(query, "state", None):
            stmt = stmt.where(SelfAssessment.state == query.state)
        if getattr(query, "level", None):
            stmt = stmt.where(SelfAssessment.level == query.level)
    sort = getattr(query, "sort", None) or "-year"
    column = getattr(SelfAssessment, sort.lstrip("-"))
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), SelfAssessment.id.desc())


def create_assessment(data: dict, actor) -> SelfAssessment:
    check(actor, "certification.assess")
    year = int(data["year"])
    if year > today().year:
        raise ValidationError(_("future year"), {"year": _("cannot assess a year that has not begun")})
    if db.session.scalar(select(func.count(SelfAssessment.id)).where(SelfAssessment.year == year)):
        raise Conflict(_("there is already a self-assessment for %(year)s", year=year), code="duplicate_year")
    assessors = _assessors(data.get("assessors"), actor)
    record = SelfAssessment(year=year, assessors=assessors, state="draft", created_by_id=actor.id,
                            items=[_item_from(c) for c in criteria()], specials=[])
    _recompute(record)
    db.session.add(record)
    db.session.flush()
    activity.log(record, "created", {"year": (None, year)}, actor=actor)
    return record


def _assessors(raw, actor) -> list[str]:
    names = [str(n).strip() for n in (raw or []) if str(n).strip()]
    return list(dict.fromkeys(names)) or [actor.display_name or actor.username]


def _need_state(record: SelfAssessment, states, verb: str) -> None:
    if record.state not in states:
        raise Conflict(_("a %(state)s self-assessment cannot be %(verb)s", state=record.state, verb=verb),
                       code=f"not_{states[0]}")


def _check_version(record, version) -> None:
    if version is not None and int(version) != record.version:
        raise Conflict(_("stale version %(version)s; current is %(current)s", version=version, current=record.version),
                       code="stale_version")


def update_assessment(record: SelfAssessment, data: dict, actor) -> SelfAssessment:
    check(actor, "certification.assess")
    _check_version(record, data.get("version"))
    _need_state(record, ("draft",), _("changed"))
    if data.get("assessors") is not None:
        new = _assessors(data["assessors"], actor)
        if new != record.assessors:
            activity.log(record, "updated", {"assessors": (record.assessors, new)}, actor=actor)
            record.assessors = new
            record.updated_at = now()
    return record


def delete_assessment(record: SelfAssessment, actor) -> None:
    check(actor, "certification.assess")
    _need_state(record, ("draft",), _("deleted"))
    activity.log(record, "deleted", {"year": (record.year, None)}, actor=actor)
    db.session.delete(record)
    db.session.flush()


def _item(record: SelfAssessment, code: str) -> AssessmentItem:
    for item in record.items:
        if item.code == code:
            return item
    raise NotFound(_("criterion %(code)r is not part of this self-assessment", code=code))


def score_criterion(record: SelfAssessment, code: str, data: dict, actor) -> AssessmentItem:
    """Set a criterion's points (0..max) or mark it not applicable, with notes and evidence links."""
    check(actor, "certification.assess")
    item = _item(record, code)
    _check_version(record, data.get("version"))
    _need_state(record, ("draft",), _("scored"))
    changes = {}
    if data.get("not_applicable") is not None:
        if data["not_applicable"] and data.get("points") is not None:
            raise ValidationError(_("points or not applicable"),
                                  {"points": _("a criterion marked not applicable has no points")})
        changes.update(activity.apply_changes(item, {"not_applicable": bool(data["not_applicable"])}))
        if item.not_applicable and item.points is not None:
            changes.update(activity.apply_changes(item, {"points": None}))
    if "points" in data and data["points"] is not None:
        points = Decimal(str(data["points"]))
        if points > item.max_points:
            raise ValidationError(_("too many points"), {"points": _("at most %(max_points)s for %(code)s",
                                                                     max_points=item.max_points, code=code)})
        if item.not_applicable and data.get("not_applicable") is None:
            changes.update(activity.apply_changes(item, {"not_applicable": False}))
        changes.update(activity.apply_changes(item, {"points": points}))
    if data.get("notes") is not None:
        changes.update(activity.apply_changes(item, {"notes": data["notes"]}))
    if data.get("evidence_links") is not None:
        links = list(dict.fromkeys(str(x).strip() for x in data["evidence_links"] if str(x).strip()))
        if len(links) > MAX_EVIDENCE_LINKS:
            raise ValidationError(_("too many links"), {"evidence_links": _("at most %(max_evidence_links)s",
                                                                            max_evidence_links=MAX_EVIDENCE_LINKS)})
        bad = [x for x in links if len(x) > 500 or not x.startswith(("https://", "http://", "/"))
               or x.startswith("//")]
        if bad:
            raise ValidationError(_("bad link"), {"evidence_links": _("links start with https://, http:// or / "
                                                                 "(at most 500 characters)")})
        if links != list(item.evidence_links or []):
            changes["evidence_links"] = (item.evidence_links, links)
            item.evidence_links = links
    if changes:
        _recompute(record)
        record.updated_at = now()
        activity.log(record, "criterion_scored", {f"{code}.{k}": v for k, v in changes.items()}, actor=actor)
    return item


def add_special(record: SelfAssessment, data: dict, actor) -> AssessmentSpecial:
    """A special deduction (-1, must name its rectification) or the single special bonus (+1)."""
    check(actor, "certification.assess")
    _check_version(record, data.get("version"))
    _need_state(record, ("draft",), _("changed"))
    kind = data["kind"]
    rectification = (data.get("rectification") or "").strip()
    if kind == "deduction" and not rectification:
        raise ValidationError(_("rectification required"),
                              {"rectification": _("a deduction must name its rectification")})
    if kind == "bonus":
        if any(s.kind == "bonus" for s in record.specials):
            raise ValidationError(_("one bonus only"), {"kind": _("a self-assessment has at most one special bonus")},
                                  code="second_bonus")
        if rectification:
            raise ValidationError(_("no rectification"), {"rectification": _("only a deduction names a rectification")})
    if kind == "deduction" and sum(1 for s in record.specials if s.kind == "deduction") >= \
            settings.get("certification.max_deductions"):
        raise ValidationError(_("too many deductions"), {"kind": _("too many special deductions")})
    special = AssessmentSpecial(kind=kind, reason=data["reason"].strip(), rectification=rectification,
                                created_at=now())
    record.specials.append(special)
    _recompute(record)
    record.updated_at = now()
    db.session.flush()
    activity.log(record, f"{kind}_added", {kind: (None, special.reason)}, comment=rectification, actor=actor)
    return special


def delete_special(record: SelfAssessment, special_id: int, actor) -> None:
    check(actor, "certification.assess")
    _need_state(record, ("draft",), _("changed"))
    special = next((s for s in record.specials if s.id == special_id), None)
    if special is None:
        raise NotFound(_("special not found"))
    record.specials.remove(special)
    _recompute(record)
    record.updated_at = now()
    activity.log(record, f"{special.kind}_removed", {special.kind: (special.reason, None)}, actor=actor)


def _recompute(record: SelfAssessment) -> None:
    bonuses = sum(1 for s in record.specials if s.kind == "bonus")
    deductions = sum(1 for s in record.specials if s.kind == "deduction")
    value = scoring.score(record.items, bonuses, deductions,
                          Decimal(str(settings.get("certification.bonus_points"))),
                          Decimal(str(settings.get("certification.deduction_points"))))
    record.score = value
    record.level = scoring.level(value)


def run_action(record: SelfAssessment, action: str, version, actor, comment: str = "") -> SelfAssessment:
    if action == "submit":
        return submit(record, actor, version, comment)
    if action == "approve":
        return approve(record, actor, version, comment)
    if action == "reopen":
        workflow.apply(record, "reopen", actor, version=version, comment=comment)
        return record
    raise NotFound(_("unknown action %(action)r", action=action))


def _link(endpoint: str, **args) -> str:
    try:
        return url_for(endpoint, **args)
    except RuntimeError:
        return ""


def submit(record: SelfAssessment, actor, version, comment: str = "") -> SelfAssessment:
    workflow.check(record, "submit", actor, version=version)
    unscored = [i.code for i in record.items if not i.not_applicable and i.points is None]
    if unscored:
        raise ValidationError(_("every applicable criterion needs points"),
                              {f"criteria.{c}": _("not scored") for c in unscored[:50]}, code="unscored")
    record.submitted_at = now()
    workflow.apply(record, "submit", actor, comment=comment, changes={"score": (None, record.score)})
    approvers = [u for u in users_with_role("admin") if u.id != actor.id]
    notify(approvers, N_("Self-assessment %(year)s submitted for approval"),
           N_("Score %(score)s by %(actor)s."), _link("certification.view_assessment", assessment_id=record.id),
           year=record.year, score=str(record.score), actor=actor.display_name or actor.username)
    return record


def approve(record: SelfAssessment, actor, version, comment: str = "") -> SelfAssessment:
    """Approve; each deduction's rectification becomes a nonconformity and each criterion
    below its maximum an improvement proposal in the audit plugin, in the same transaction."""
    workflow.check(record, "approve", actor, version=version)
    link = _link("certification.view_assessment", assessment_id=record.id)
    days = settings.get("certification.rectification_days")
    department = settings.get("certification.nonconformity_department")
    for special in record.specials:
        if special.kind != "deduction":
            continue
        nc = audit_link.raise_nonconformity(
            title=_("GB/T 27922 self-assessment %(year)s: special deduction", year=record.year)[:200],
            description=f"{special.reason}\n\n" + _("Rectification") + f": {special.rectification}",
            severity="minor", department=department, source="self_assessment",
            source_model=ASSESSMENT_MODEL, source_id=record.id, owner=None, actor=actor,
            due_on=today() + timedelta(days=days))
        special.nonconformity_ref = audit_link.reference(nc)
    for item in record.items:
        if item.not_applicable or item.points is None or item.points >= item.max_points:
            continue
        imp = audit_link.propose_improvement(
            title=f"{item.code} {item.title}"[:200],
            description=_("Self-assessment %(year)s scored %(points)s of %(max)s.", year=record.year,
                          points=item.points, max=item.max_points) + (f"\n{item.notes}" if item.notes else ""),
            origin="self_assessment", owner=None, actor=actor, link=link or None)
        item.improvement_ref = audit_link.reference(imp)
    record.approved_at = now()
    record.approved_by_id = actor.id
    workflow.apply(record, "approve", actor, comment=comment, changes={"level": (None, record.level)})
    creator = db.session.get(User, record.created_by_id) if record.created_by_id else None
    if creator is not None and creator.id != actor.id:
        notify([creator], N_("Self-assessment %(year)s approved"), N_("Score %(score)s, level %(level)s."), link,
               year=record.year, score=str(record.score), level=record.level)
    return record


# --- evidence and warnings -------------------------------------------------------------


def period(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def evidence_for(code: str, period_from: date, period_to: date) -> list[dict]:
    pm = current_app.extensions["aftersales"].pm
    found = []
    for result in pm.hook.certification_evidence(criterion_code=code, period_from=period_from, period_to=period_to):
        for entry in result or []:
            found.append({"label": str(entry["label"]), "count": int(entry.get("count") or 0), "url": entry.get("url"),
                          "shortfall": bool(entry.get("shortfall"))})
    return found


def evidence_map(codes, year: int) -> dict[str, list[dict]]:
    start, end = period(year)
    return {code: evidence_for(code, start, end) for code in codes}


def warnings(record: SelfAssessment, evidence: dict[str, list[dict]]) -> list[dict]:
    """Where the records contradict the points given."""
    found = []
    start, end = period(record.year)
    minimum = settings.get("certification.min_audits_per_year")
    done = audit_link.audits_done(start, end) if audit_link.available() else None
    overdue = overdue_equipment_count()
    for item in record.items:
        if item.not_applicable or item.points is None:
            continue
        full = item.points >= item.max_points
        if item.code == "A6.1" and full and done is not None and done < minimum:
            found.append({"criterion_code": item.code, "code": "audits_below_minimum",
                          "message": _("Full points for internal audits, but only %(count)d audit(s) were "
                                       "reported in %(year)d (at least %(minimum)d a year).",
                                       count=done, year=record.year, minimum=minimum)})
            continue
        if item.code == "A3.2" and item.points > 0 and overdue:
            found.append({"criterion_code": item.code, "code": "calibration_overdue",
                          "message": _("Points for calibrated equipment, but %(count)d item(s) are overdue "
                                       "for calibration.", count=overdue)})
            continue
        entries = evidence.get(item.code) or []
        if full and entries and not any(e["count"] for e in entries if not e["shortfall"]):
            found.append({"criterion_code": item.code, "code": "no_records",
                          "message": _("Full points for %(code)s, but the system holds no records for it in "
                                       "%(year)d.", code=item.code, year=record.year)})
            continue
        against = [e for e in entries if e["shortfall"] and e["count"]]
        if full and against:
            found.append({"criterion_code": item.code, "code": "records_contradict",
                          "message": _("Full points for %(code)s, but the records of %(year)d show: %(what)s.",
                                       code=item.code, year=record.year,
                                       what="; ".join(f"{e['label']} ({e['count']})" for e in against))})
    return found


def assessment_summary(record: SelfAssessment) -> dict:
    """Score, level and the subtotals by area and indicator."""
    areas = {code: (zh, en) for code, zh, en in AREAS}
    indicators = {code: (zh, en) for code, _a, zh, en in INDICATORS}
    return {
        "areas": [dict(g, name=areas[g["code"]][0], name_en=str(areas[g["code"]][1]))
                  for g in scoring.subtotals(record.items, lambda i: i.area)],
        "indicators": [dict(g, area=AREA_OF[g["code"]], name=indicators[g["code"]][0],
                            name_en=str(indicators[g["code"]][1]))
                       for g in scoring.subtotals(record.items, lambda i: i.indicator)],
    }


def allowed_actions(record: SelfAssessment, user) -> list[str]:
    return [t.name for t in workflow.allowed(record, user)]


def _num(value) -> float | None:
    return None if value is None else float(value)


def serialize_assessment(record: SelfAssessment, user=None, with_evidence: bool = True) -> dict:
    evidence = evidence_map([i.code for i in record.items], record.year) if with_evidence else {}
    summary = assessment_summary(record)
    return {
        "id": record.id, "year": record.year, "assessors": list(record.assessors or []), "state": record.state,
        "score": float(record.score), "level": record.level,
        "areas": [{k: _num(v) if k in ("points", "max_points", "applicable_max", "percent") else v
                   for k, v in g.items()} for g in summary["areas"]],
        "indicators": [{k: _num(v) if k in ("points", "max_points", "applicable_max", "percent") else v
                        for k, v in g.items()} for g in summary["indicators"]],
        "criteria": [{"code": i.code, "area": i.area, "indicator": i.indicator, "title": i.title,
                      "title_en": i.title_en, "max_points": float(i.max_points), "points": _num(i.points),
                      "not_applicable": bool(i.not_applicable), "notes": i.notes or "",
                      "evidence_links": list(i.evidence_links or []), "evidence": evidence.get(i.code, []),
                      "improvement_ref": i.improvement_ref} for i in record.items],
        "specials": [{"id": s.id, "kind": s.kind, "reason": s.reason, "rectification": s.rectification,
                      "nonconformity_ref": s.nonconformity_ref} for s in record.specials],
        "bonus": sum(1 for s in record.specials if s.kind == "bonus"),
        "deductions": sum(1 for s in record.specials if s.kind == "deduction"),
        "warnings": warnings(record, evidence) if with_evidence else [],
        "actions": allowed_actions(record, user) if user is not None else [],
        "submitted_at": record.submitted_at.isoformat() if record.submitted_at else None,
        "approved_at": record.approved_at.isoformat() if record.approved_at else None,
        "version": record.version, "created_at": record.created_at.isoformat(),
    }


def serialize_assessment_row(record: SelfAssessment, user=None) -> dict:
    """The list's row: no evidence look-ups."""
    return {"id": record.id, "year": record.year, "assessors": list(record.assessors or []), "state": record.state,
            "score": float(record.score), "level": record.level, "version": record.version,
            "bonus": sum(1 for s in record.specials if s.kind == "bonus"),
            "deductions": sum(1 for s in record.specials if s.kind == "deduction")}


def assessment_for_source(assessment_id: int, user):
    """audit_nonconformity_sources: the assessment if ``user`` (None: code acting) may see it."""
    record = db.session.get(SelfAssessment, assessment_id)
    if record is None or (user is not None and not user.can("certification.assess")):
        return None
    return record


def describe_assessment(record: SelfAssessment) -> dict:
    return {"title": _("GB/T 27922 self-assessment %(year)s", year=record.year), "department": None,
            "url": _link("certification.view_assessment", assessment_id=record.id), "dealer_code": None}


def trend() -> list[tuple[int, Decimal, str, str]]:
    """(year, score, level, state) of every assessment, oldest first: the chart across years."""
    return [tuple(r) for r in db.session.execute(
        select(SelfAssessment.year, SelfAssessment.score, SelfAssessment.level, SelfAssessment.state)
        .order_by(SelfAssessment.year))]


# --- controlled documents -------------------------------------------------------------


def may_keep_documents(user) -> bool:
    return user is not None and user.can("certification.documents")


def document_stmt(query=None, user=None):
    stmt = select(Document)
    if not may_keep_documents(user):
        stmt = stmt.where(Document.status == "current")
    elif getattr(query, "status", None):
        stmt = stmt.where(Document.status == query.status)
    if query is not None:
        if getattr(query, "q", None):
            like = f"%{query.q}%"
            stmt = stmt.where(or_(Document.code.ilike(like), Document.title.ilike(like)))
        if getattr(query, "kind", None):
            stmt = stmt.where(Document.kind == query.kind)
        if getattr(query, "code", None):
            stmt = stmt.where(Document.code == query.code)
        if getattr(query, "review_due_before", None):
            stmt = stmt.where(Document.review_due_on <= query.review_due_before)
    sort = getattr(query, "sort", None) or "code"
    column = getattr(Document, sort.lstrip("-"))
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), Document.id.desc())


def in_force_on(day: date):
    """Document versions in force on ``day``: effective by then and not yet superseded."""
    return (Document.effective_on <= day) & (
        (Document.status == "current") | (Document.superseded_on.is_not(None) & (Document.superseded_on > day)))


def get_document(document_id, user) -> Document:
    try:
        doc = db.session.get(Document, int(document_id))
    except (TypeError, ValueError):
        doc = None
    if doc is None or (doc.status != "current" and not may_keep_documents(user)):
        raise NotFound(_("document %(document_id)s not found", document_id=document_id))
    return doc


def document_history(doc: Document) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.code == doc.code).order_by(Document.id.desc())))


def _store_file(doc: Document, filename: str, data: bytes, actor) -> None:
    att = attachments.add(DOC_MODEL, doc.id, filename or "document.pdf", data, actor=actor, purpose="document",
                          field="file", accept=attachments.PDF_AND_PHOTOS)
    db.session.flush()
    doc.attachment_id, doc.filename, doc.file_size = att.id, att.filename, att.size


def _check_dates(data: dict) -> None:
    errors = {}
    effective, review = data.get("effective_on"), data.get("review_due_on")
    if review is not None and effective is not None and review < effective:
        errors["review_due_on"] = _("must not be before effective_on")
    if errors:
        raise ValidationError(_("invalid dates"), errors)


def create_document(data: dict, filename: str, content: bytes, actor) -> Document:
    check(actor, "certification.documents")
    if data["kind"] not in DOCUMENT_KINDS:
        raise ValidationError(_("unknown kind"), {"kind": _("one of %(document_kinds)s",
                                                            document_kinds=', '.join(DOCUMENT_KINDS))})
    if db.session.scalar(select(func.count(Document.id)).where(Document.code == data["code"])):
        raise Conflict(_("document %(code)s exists; upload a new version instead", code=data['code']),
                       code="duplicate_code")
    _check_dates(data)
    doc = Document(code=data["code"], title=data["title"], kind=data["kind"], revision=data["version"],
                   effective_on=data["effective_on"], approved_by=data["approved_by"],
                   review_due_on=data.get("review_due_on"), status="current", created_by_id=actor.id)
    db.session.add(doc)
    db.session.flush()
    _store_file(doc, filename, content, actor)
    activity.log(doc, "created", {"version": (None, doc.revision)}, actor=actor)
    return doc


def new_version(doc: Document, data: dict, filename: str, content: bytes, actor) -> Document:
    """A new version supersedes the current one, which stays readable to the document keepers."""
    check(actor, "certification.documents")
    if doc.status != "current":
        raise Conflict(_("only the current version can be superseded"), code="not_current")
    revision = data["version"]
    if db.session.scalar(select(func.count(Document.id)).where(Document.code == doc.code,
                                                              Document.revision == revision)):
        raise ValidationError(_("version exists"), {"version": _("%(code)s already has version %(revision)s",
                                                                 code=doc.code, revision=revision)})
    if data["effective_on"] < doc.effective_on:
        raise ValidationError(_("effective date"), {"effective_on": _("must not be before the current version's")})
    _check_dates(data)
    new = Document(code=doc.code, title=data.get("title") or doc.title, kind=doc.kind, revision=revision,
                   effective_on=data["effective_on"], approved_by=data["approved_by"],
                   review_due_on=data.get("review_due_on"), status="current", previous_id=doc.id,
                   created_by_id=actor.id)
    doc.status = "superseded"
    doc.superseded_on = data["effective_on"]
    db.session.add(new)
    db.session.flush()
    _store_file(new, filename, content, actor)
    activity.log(doc, "superseded", {"status": ("current", "superseded")},
                 comment=f"{doc.code} {doc.revision} → {revision}", actor=actor)
    activity.log(new, "created", {"version": (doc.revision, revision)}, actor=actor)
    readers = db.session.scalars(select(User).join(User.roles).where(Role.id.in_(STAFF_ROLES), User.active.is_(True),
                                                                     User.id != actor.id).distinct())
    notify(list(readers), N_("Document %(code)s: version %(version)s is in force from %(effective_on)s"),
           N_("%(doc_title)s replaces version %(old)s."), _link("certification.view_document", document_id=new.id),
           code=new.code, version=revision, effective_on=new.effective_on.isoformat(), doc_title=new.title,
           old=doc.revision)
    return new


def update_document(doc: Document, data: dict, actor) -> Document:
    check(actor, "certification.documents")
    if doc.status != "current":
        raise Conflict(_("a superseded version is kept as it was"), code="not_current")
    values = {k: v for k, v in data.items() if k in ("title", "approved_by", "review_due_on", "effective_on")}
    for key in ("title", "approved_by", "effective_on"):
        if key in values and values[key] is None:
            raise ValidationError(_("invalid input"), {key: _("may not be null")})
    _check_dates({"effective_on": values.get("effective_on", doc.effective_on),
                  "review_due_on": values.get("review_due_on", doc.review_due_on)})
    changes = activity.apply_changes(doc, values)
    if "review_due_on" in changes:
        doc.reminded_on = None
    if changes:
        doc.updated_at = now()
        activity.log(doc, "updated", changes, actor=actor)
    return doc


def document_file(doc: Document):
    att = db.session.get(attachments.Attachment, doc.attachment_id) if doc.attachment_id else None
    if att is None or att.model != DOC_MODEL or att.record_id != doc.id:
        raise NotFound(_("this document has no file"))
    return att


def serialize_document(doc: Document, user=None) -> dict:
    return {"id": doc.id, "code": doc.code, "title": doc.title, "kind": doc.kind, "version": doc.revision,
            "effective_on": doc.effective_on.isoformat(), "approved_by": doc.approved_by,
            "review_due_on": doc.review_due_on.isoformat() if doc.review_due_on else None,
            "review_overdue": bool(doc.review_due_on and doc.review_due_on < today() and doc.status == "current"),
            "status": doc.status, "superseded_on": doc.superseded_on.isoformat() if doc.superseded_on else None,
            "previous_id": doc.previous_id,
            "file": {"filename": doc.filename, "size": doc.file_size,
                     "url": _link("api.certification_api.document_file", document_id=doc.id)} if doc.attachment_id
            else None,
            "created_at": doc.created_at.isoformat()}


# --- training records ------------------------------------------------------------------


def training_stmt(query=None):
    stmt = select(TrainingRecord)
    if query is not None:
        if getattr(query, "q", None):
            like = f"%{query.q}%"
            stmt = stmt.where(or_(TrainingRecord.course.ilike(like), TrainingRecord.trainer.ilike(like)))
        if getattr(query, "year", None):
            start, end = period(query.year)
            stmt = stmt.where(TrainingRecord.held_on >= start, TrainingRecord.held_on <= end)
        if getattr(query, "audience", None):
            stmt = stmt.where(TrainingRecord.audience == query.audience)
    sort = getattr(query, "sort", None) or "-held_on"
    column = getattr(TrainingRecord, sort.lstrip("-"))
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), TrainingRecord.id.desc())


def _get(model, record_id, label: str):
    try:
        record = db.session.get(model, int(record_id))
    except (TypeError, ValueError):
        record = None
    if record is None:
        raise NotFound(_("%(label)s %(record_id)s not found", label=label, record_id=record_id))
    return record


def get_training(record_id):
    return _get(TrainingRecord, record_id, _("training record"))


def _dump(data) -> dict:
    return data.model_dump(exclude_unset=True) if hasattr(data, "model_dump") else dict(data)


def _patch_values(data, required: tuple[str, ...]) -> dict:
    """A PATCH body's fields: null is refused for ``required`` ones and means "" for the others."""
    values = _dump(data)
    for key in list(values):
        if values[key] is None:
            if key in required:
                raise ValidationError(_("invalid input"), {key: _("may not be null")})
            values[key] = ""
    return values


def _not_future(values: dict, key: str) -> None:
    if values.get(key) is not None and values[key] > today():
        raise ValidationError(_("future date"), {key: _("cannot be in the future")})


def _attendees(raw) -> list[str]:
    names = [str(n).strip() for n in (raw or []) if str(n).strip()]
    return list(dict.fromkeys(names))


def create_training(data, actor) -> TrainingRecord:
    check(actor, "certification.documents")
    values = _dump(data)
    _not_future(values, "held_on")
    attendees = _attendees(values.get("attendees"))
    if not attendees:
        raise ValidationError(_("attendees required"), {"attendees": _("name at least one attendee")})
    record = TrainingRecord(course=values["course"], held_on=values["held_on"], trainer=values["trainer"],
                            audience=values.get("audience") or "staff", attendees=attendees,
                            result=values.get("result") or "")
    db.session.add(record)
    db.session.flush()
    activity.log(record, "created", {"course": (None, record.course)}, actor=actor)
    return record


def update_training(record: TrainingRecord, data, actor) -> TrainingRecord:
    check(actor, "certification.documents")
    values = _patch_values(data, ("course", "held_on", "trainer", "audience", "attendees"))
    _not_future(values, "held_on")
    if "attendees" in values:
        values["attendees"] = _attendees(values["attendees"])
        if not values["attendees"]:
            raise ValidationError(_("attendees required"), {"attendees": _("name at least one attendee")})
    changes = activity.apply_changes(record, values)
    if changes:
        record.updated_at = now()
        activity.log(record, "updated", changes, actor=actor)
    return record


def delete_training(record: TrainingRecord, actor) -> None:
    check(actor, "certification.documents")
    activity.log(record, "deleted", {"course": (record.course, None)}, actor=actor)
    db.session.delete(record)
    db.session.flush()


def serialize_training(r: TrainingRecord, user=None) -> dict:
    return {"id": r.id, "course": r.course, "held_on": r.held_on.isoformat(), "trainer": r.trainer,
            "audience": r.audience, "attendees": list(r.attendees or []), "result": r.result or ""}


# --- equipment and calibrations ---------------------------------------------------------


def equipment_overdue(e: Equipment, on: date | None = None) -> bool:
    on = on or today()
    return bool(e.active and e.needs_calibration and (e.next_due_on is None or e.next_due_on < on))


def overdue_clause(on: date):
    return (Equipment.active.is_(True) & Equipment.needs_calibration.is_(True)
            & (Equipment.next_due_on.is_(None) | (Equipment.next_due_on < on)))


def overdue_equipment_count(on: date | None = None) -> int:
    return db.session.scalar(select(func.count(Equipment.id)).where(overdue_clause(on or today()))) or 0


def equipment_stmt(query=None):
    stmt = select(Equipment)
    if query is not None:
        if getattr(query, "q", None):
            like = f"%{query.q}%"
            stmt = stmt.where(or_(Equipment.code.ilike(like), Equipment.name.ilike(like)))
        if getattr(query, "overdue", None) is not None:
            clause = overdue_clause(today())
            stmt = stmt.where(clause if query.overdue else ~clause)
        if getattr(query, "active", None) is not None:
            stmt = stmt.where(Equipment.active.is_(query.active))
    sort = getattr(query, "sort", None) or "code"
    column = getattr(Equipment, sort.lstrip("-"))
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), Equipment.id.desc())


def get_equipment(record_id):
    return _get(Equipment, record_id, _("equipment"))


def create_equipment(data, actor) -> Equipment:
    check(actor, "certification.documents")
    values = _dump(data)
    if db.session.scalar(select(func.count(Equipment.id)).where(Equipment.code == values["code"])):
        raise ValidationError(_("duplicate code"), {"code": _("equipment %(code)s exists", code=values['code'])})
    record = Equipment(**{k: v for k, v in values.items() if v is not None})
    db.session.add(record)
    db.session.flush()
    activity.log(record, "created", {"code": (None, record.code)}, actor=actor)
    return record


def update_equipment(record: Equipment, data, actor) -> Equipment:
    check(actor, "certification.documents")
    values = _patch_values(data, ("code", "name", "quantity", "needs_calibration", "calibration_interval_months",
                                  "active"))
    if "code" in values and values["code"] != record.code and db.session.scalar(
            select(func.count(Equipment.id)).where(Equipment.code == values["code"])):
        raise ValidationError(_("duplicate code"), {"code": _("equipment %(code)s exists", code=values['code'])})
    changes = activity.apply_changes(record, values)
    if changes:
        record.updated_at = now()
        activity.log(record, "updated", changes, actor=actor)
    return record


def delete_equipment(record: Equipment, actor) -> None:
    check(actor, "certification.documents")
    if db.session.scalar(select(func.count(Calibration.id)).where(Calibration.equipment_id == record.id)):
        raise Conflict(_("equipment with calibration records is kept; mark it inactive instead"),
                       code="has_calibrations")
    activity.log(record, "deleted", {"code": (record.code, None)}, actor=actor)
    db.session.delete(record)
    db.session.flush()


def serialize_equipment(e: Equipment, user=None) -> dict:
    return {"id": e.id, "code": e.code, "name": e.name, "model": e.model or "", "quantity": e.quantity,
            "purpose": e.purpose or "", "location": e.location or "", "needs_calibration": bool(e.needs_calibration),
            "calibration_interval_months": e.calibration_interval_months,
            "next_due_on": e.next_due_on.isoformat() if e.next_due_on else None,
            "overdue": equipment_overdue(e), "active": bool(e.active)}


def calibration_stmt(query=None):
    stmt = select(Calibration).join(Calibration.equipment)
    if query is not None:
        if getattr(query, "equipment_code", None):
            stmt = stmt.where(Equipment.code == query.equipment_code)
        if getattr(query, "year", None):
            start, end = period(query.year)
            stmt = stmt.where(Calibration.calibrated_on >= start, Calibration.calibrated_on <= end)
        if getattr(query, "overdue", None) is not None:
            clause = (Calibration.due_on == Equipment.next_due_on) & (Calibration.due_on < today()) & \
                Equipment.active.is_(True)
            stmt = stmt.where(clause if query.overdue else ~clause)
    sort = getattr(query, "sort", None) or "-calibrated_on"
    column = getattr(Calibration, sort.lstrip("-"))
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), Calibration.id.desc())


def get_calibration(record_id):
    return _get(Calibration, record_id, _("calibration"))


def _equipment_by_code(code: str) -> Equipment:
    e = db.session.scalar(select(Equipment).where(Equipment.code == code))
    if e is None:
        raise ValidationError(_("unknown equipment"), {"equipment_code": _("no equipment %(code)r", code=code)})
    return e


def _refresh_due(e: Equipment) -> None:
    db.session.flush()
    e.next_due_on = db.session.scalar(select(func.max(Calibration.due_on)).where(Calibration.equipment_id == e.id))


def create_calibration(data, actor) -> Calibration:
    check(actor, "certification.documents")
    values = _dump(data)
    e = _equipment_by_code(values.pop("equipment_code"))
    _not_future(values, "calibrated_on")
    due = values.get("due_on") or add_months(values["calibrated_on"], e.calibration_interval_months)
    if due <= values["calibrated_on"]:
        raise ValidationError(_("invalid dates"), {"due_on": _("must be after calibrated_on")})
    values["due_on"] = due
    record = Calibration(equipment_id=e.id, equipment=e, **{k: v for k, v in values.items() if v is not None})
    db.session.add(record)
    _refresh_due(e)
    activity.log(record, "created", {"due_on": (None, due)}, actor=actor)
    activity.log(e, "calibrated", {"next_due_on": (None, e.next_due_on)}, actor=actor)
    return record


def update_calibration(record: Calibration, data, actor) -> Calibration:
    check(actor, "certification.documents")
    values = _patch_values(data, ("calibrated_on", "due_on", "result"))
    values.pop("equipment_code", None)
    _not_future(values, "calibrated_on")
    if values.get("due_on", record.due_on) <= values.get("calibrated_on", record.calibrated_on):
        raise ValidationError(_("invalid dates"), {"due_on": _("must be after calibrated_on")})
    changes = activity.apply_changes(record, values)
    if changes:
        _refresh_due(record.equipment)
        activity.log(record, "updated", changes, actor=actor)
    return record


def delete_calibration(record: Calibration, actor) -> None:
    check(actor, "certification.documents")
    e = record.equipment
    activity.log(record, "deleted", {"calibrated_on": (record.calibrated_on, None)}, actor=actor)
    db.session.delete(record)
    _refresh_due(e)


def serialize_calibration(c: Calibration, user=None) -> dict:
    e = c.equipment
    return {"id": c.id, "equipment_code": e.code, "equipment_name": e.name, "calibrated_on": c.calibrated_on.isoformat(),
            "due_on": c.due_on.isoformat(), "result": c.result, "certificate_no": c.certificate_no or "",
            "performed_by": c.performed_by or "", "notes": c.notes or "",
            "overdue": bool(e.active and c.due_on == e.next_due_on and c.due_on < today())}


# --- reminders --------------------------------------------------------------------------


def remind(on: date | None = None) -> dict:
    """Notify the document keepers once of documents due for review and equipment due for calibration."""
    on = on or today()
    horizon = on + timedelta(days=settings.get("certification.reminder_days"))
    keepers = list({u.id: u for role in ("auditor", "admin") for u in users_with_role(role)}.values())
    docs = list(db.session.scalars(select(Document).where(
        Document.status == "current", Document.review_due_on.is_not(None), Document.review_due_on <= horizon,
        Document.reminded_on.is_(None)).order_by(Document.review_due_on)))
    for doc in docs:
        notify(keepers, N_("Document %(code)s is due for review on %(due)s"), N_("%(doc_title)s, version %(version)s."),
               _link("certification.view_document", document_id=doc.id), code=doc.code,
               due=doc.review_due_on.isoformat(), doc_title=doc.title, version=doc.revision)
        doc.reminded_on = on
    due = list(db.session.scalars(select(Equipment).where(
        Equipment.active.is_(True), Equipment.needs_calibration.is_(True), Equipment.next_due_on.is_not(None),
        Equipment.next_due_on <= horizon).order_by(Equipment.next_due_on)))
    if due:
        notify(keepers, N_("%(count)s equipment item(s) due for calibration by %(due)s"),
               N_("%(codes)s"), _link("certification.list_equipment"), count=len(due), due=horizon.isoformat(),
               codes=", ".join(e.code for e in due[:50]))
    return {"documents": len(docs), "equipment": len(due)}

