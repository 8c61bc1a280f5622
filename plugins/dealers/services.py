"""Dealer relationship: classification, contacts and their schedule, status changes, scorecards,
the portal and a dealer's own logins. Free of the Flask request; nothing here commits."""
from __future__ import annotations

import math
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import defer

from core.toolkit import (N_, Conflict, Dealer, Notification, NotFound, PermissionDenied, Region, Transition, User,
                          ValidationError, Workflow, activity, attachments, change_dealer_status, check,
                          create_user, db, get_scoped, in_ids, local_date, notify, region_managers, scoped, settings,
                          today, update_user, users_with_role, utcnow, validate)
from plugins.dealers.models import CLASSES, EVIDENCE, Classification, Contact, StatusChange
from plugins.dealers.schemas import (DealersClassificationIn, DealersContactIn, DealersStaffIn, DealersStatusChangeIn)

STATUS_CHANGE_MODEL = "dealers_status_change"
# one message id per status, so the status reads in each reader's language (arguments are not translated)
PROPOSED_TITLES = {"active": N_("Dealer %(code)s: reinstatement proposed"),
                   "warned": N_("Dealer %(code)s: a warning proposed"),
                   "suspended": N_("Dealer %(code)s: suspension proposed"),
                   "disqualified": N_("Dealer %(code)s: disqualification proposed")}
EFFECT_TITLES = {"active": N_("Your dealer is active again"), "warned": N_("Your dealer has been warned"),
                 "suspended": N_("Your dealer is suspended: you cannot file anything new"),
                 "disqualified": N_("Your dealer qualification was cancelled: you cannot file anything new")}
# how strict each status is: a proposal escalates to a stricter one, or reinstates ("active")
SEVERITY = {"active": 0, "warned": 1, "suspended": 2, "disqualified": 3}


class _System:
    """An actor that sees every dealer (CLI and scheduled jobs)."""
    is_authenticated = True
    scope = "all"
    id = None


SYSTEM = _System()


def interval_days(abc_class: str) -> int:
    """Days between contacts for a class (settings dealers.interval_days_a/_b/_c)."""
    return settings.get(f"dealers.interval_days_{(abc_class or 'C').lower()}")


def dealer_by_code(code: str | None, user, field: str = "dealer_code") -> Dealer:
    """A dealer the user may see, by code; unknown or hidden is a 422 on ``field``."""
    if not code:
        raise ValidationError(_("dealer required"), {field: _("required")})
    dealer = db.session.scalar(scoped(select(Dealer).where(Dealer.code == code), Dealer, user))
    if dealer is None:
        raise ValidationError(_("unknown dealer"), {field: _("no dealer with code %(code)r", code=code)})
    return dealer


def visible_dealer(code: str, user) -> Dealer:
    """A dealer page's dealer: outside the user's scope it does not exist (404)."""
    dealer = db.session.scalar(scoped(select(Dealer).where(Dealer.code == code), Dealer, user))
    if dealer is None:
        raise NotFound(_("dealer %(code)r not found", code=code))
    return dealer


def _as(schema, data):
    return data if isinstance(data, schema) else validate(schema, data)


# --- ABC classification ---------------------------------------------------------------------------


def classify(data, actor) -> Classification:
    """Set a dealer's class with its reason; the contact schedule follows the new interval at once."""
    check(actor, "dealers.classify")
    body = _as(DealersClassificationIn, data)
    dealer = dealer_by_code(body.dealer_code, actor)
    if body.abc_class == dealer.abc_class:
        raise ValidationError(_("same class"), {"abc_class": _("the dealer is already class %(abc_class)s",
                                                               abc_class=body.abc_class)})
    old = dealer.abc_class
    record = Classification(dealer_id=dealer.id, dealer=dealer, abc_class=body.abc_class, previous_class=old,
                            reason=body.reason, created_by_id=actor.id, created_at=utcnow())
    dealer.abc_class = body.abc_class
    db.session.add(record)
    db.session.flush()
    activity.log(dealer, "dealers.classified", {"abc_class": (old, body.abc_class)}, comment=body.reason, actor=actor)
    return record


def classifications_stmt(user, dealer_code=None, abc_class=None, region=None):
    stmt = scoped(select(Classification), Classification, user)
    if dealer_code or region:
        stmt = stmt.join(Dealer, Dealer.id == Classification.dealer_id)
    if dealer_code:
        stmt = stmt.where(Dealer.code == dealer_code)
    if region:
        stmt = stmt.where(Dealer.region_id.in_(select(Region.id).where(Region.code == region)))
    if abc_class:
        stmt = stmt.where(Classification.abc_class == abc_class)
    return stmt.order_by(Classification.id.desc())


def serialize_classification(c: Classification) -> dict:
    return {"id": c.id, "dealer_code": c.dealer.code, "abc_class": c.abc_class, "previous_class": c.previous_class,
            "reason": c.reason, "by": c.created_by.username if c.created_by else None,
            "created_at": c.created_at.isoformat()}


# --- contacts -----------------------------------------------------------------------------------


def _contact_user(username: str | None, actor) -> User:
    if not username or username == actor.username:
        return actor
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise ValidationError(_("unknown user"), {"by": _("no active user %(username)r", username=username)})
    if user.scope in ("dealer", "none"):
        raise ValidationError(_("not staff"), {"by": _("a contact is made by head-office staff")})
    return user


def create_contact(data, actor) -> Contact:
    check(actor, "dealers.contact")
    body = _as(DealersContactIn, data)
    dealer = dealer_by_code(body.dealer_code, actor)
    if body.contacted_on > today():
        raise ValidationError(_("date in the future"), {"contacted_on": _("cannot be in the future")})
    by = _contact_user(body.by, actor)
    contact = Contact(dealer_id=dealer.id, dealer=dealer, contacted_on=body.contacted_on, kind=body.kind,
                      by_id=by.id, by=by, summary=body.summary, next_steps=body.next_steps, created_by_id=actor.id)
    db.session.add(contact)
    db.session.flush()
    activity.log(contact, "created", {"contacted_on": (None, body.contacted_on), "kind": (None, body.kind)},
                 actor=actor)
    return contact


def get_contact(contact_id, user=None) -> Contact:
    return get_scoped(Contact, contact_id, user)


def delete_contact(contact: Contact, actor) -> None:
    check(actor, "dealers.contact")
    if contact.created_by_id != actor.id and not actor.has_role("admin"):
        raise PermissionDenied(_("only who recorded a contact (or an administrator) may delete it"))
    activity.log(contact, "deleted", {"contacted_on": (contact.contacted_on, None)}, actor=actor)
    db.session.delete(contact)
    db.session.flush()


def contacts_stmt(user, dealer_code=None, kind=None, by=None, date_from=None, date_to=None, q=None):
    stmt = scoped(select(Contact), Contact, user)
    if dealer_code:
        stmt = stmt.where(Contact.dealer_id.in_(select(Dealer.id).where(Dealer.code == dealer_code)))
    if kind:
        stmt = stmt.where(Contact.kind == kind)
    if by:
        stmt = stmt.where(Contact.by_id.in_(select(User.id).where(User.username == by)))
    if date_from:
        stmt = stmt.where(Contact.contacted_on >= date_from)
    if date_to:
        stmt = stmt.where(Contact.contacted_on <= date_to)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Contact.summary.ilike(like), Contact.next_steps.ilike(like)))
    return stmt


def serialize_contact(c: Contact) -> dict:
    return {"id": c.id, "dealer_code": c.dealer.code, "dealer_name": c.dealer.name,
            "contacted_on": c.contacted_on.isoformat(), "kind": c.kind, "by": c.by.username,
            "summary": c.summary, "next_steps": c.next_steps, "created_at": c.created_at.isoformat()}


# --- the contact schedule -----------------------------------------------------------------------


def schedule(user, region=None, abc_class=None, overdue=None, dealer_code=None, on: date | None = None) -> list[dict]:
    """Every visible dealer (not disqualified) with its last contact, next due date and days overdue.

    Due = last contact + the class interval; never contacted: due from the day its class was
    set (or the dealer was created). Due on day N is on time; day N+1 is one day overdue.
    Two queries whatever the number of dealers.
    """
    on = on or today()
    last = (select(Contact.dealer_id, func.max(Contact.contacted_on).label("last_on"))
            .group_by(Contact.dealer_id).subquery())
    since = (select(Classification.dealer_id, func.max(Classification.created_at).label("since"))
             .group_by(Classification.dealer_id).subquery())
    stmt = (select(Dealer.id, Dealer.code, Dealer.name, Dealer.abc_class, Dealer.region_id, Dealer.created_at,
                   last.c.last_on, since.c.since)
            .outerjoin(last, last.c.dealer_id == Dealer.id).outerjoin(since, since.c.dealer_id == Dealer.id)
            .where(Dealer.status != "disqualified"))
    stmt = scoped(stmt, Dealer, user)
    if region:
        stmt = stmt.where(Dealer.region_id.in_(select(Region.id).where(Region.code == region)))
    if abc_class:
        stmt = stmt.where(Dealer.abc_class == abc_class)
    if dealer_code:
        stmt = stmt.where(Dealer.code == dealer_code)
    regions = {r.id: r.code for r in db.session.execute(select(Region.id, Region.code))}
    intervals = {c: interval_days(c) for c in CLASSES}
    rows = []
    for r in db.session.execute(stmt):
        if r.last_on is not None:
            due = r.last_on + timedelta(days=intervals.get(r.abc_class, intervals["C"]))
        else:
            due = local_date(r.since or r.created_at)
        days = max(0, (on - due).days)
        if overdue is not None and (days > 0) != overdue:
            continue
        rows.append({"dealer_code": r.code, "dealer_name": r.name, "region_code": regions.get(r.region_id),
                     "abc_class": r.abc_class, "last_contact_on": r.last_on, "next_due_on": due,
                     "days_overdue": days, "_dealer_id": r.id, "_region_id": r.region_id})
    rows.sort(key=lambda x: (x["next_due_on"], x["dealer_code"]))
    return rows


SCHEDULE_SORTS = ("next_due_on", "-next_due_on", "dealer_code", "-dealer_code", "days_overdue", "-days_overdue",
                  "last_contact_on", "-last_contact_on")


def sort_schedule(rows: list[dict], sort: str) -> list[dict]:
    """Rows sorted by one column (``-`` for descending), ties by dealer code; never-contacted first."""
    key = sort.lstrip("-")
    if key not in {s.lstrip("-") for s in SCHEDULE_SORTS}:
        return rows
    rows = sorted(rows, key=lambda r: r["dealer_code"])
    return sorted(rows, key=lambda r: (r[key] is not None, r[key] or 0) if key == "last_contact_on" else r[key],
                  reverse=sort.startswith("-"))


def serialize_schedule_row(row: dict) -> dict:
    return {"dealer_code": row["dealer_code"], "dealer_name": row["dealer_name"], "region_code": row["region_code"],
            "abc_class": row["abc_class"],
            "last_contact_on": row["last_contact_on"].isoformat() if row["last_contact_on"] else None,
            "next_due_on": row["next_due_on"].isoformat(), "days_overdue": row["days_overdue"]}


def send_reminders(on: date | None = None) -> dict:
    """Notify each region's managers of its contacts due within the reminder horizon and overdue
    (dealers without a region: the administrators). Returns {username: (due, overdue)}."""
    on = on or today()
    horizon = on + timedelta(days=settings.get("dealers.remind_days_ahead") - 1)
    rows = [r for r in schedule(SYSTEM, on=on) if r["next_due_on"] <= horizon]
    by_region: dict = {}
    for r in rows:
        by_region.setdefault(r["_region_id"], []).append(r)
    managers: dict = {}
    region_ids = [rid for rid in by_region if rid is not None]
    if region_ids:
        for region_id, user in db.session.execute(
                select(region_managers.c.region_id, User).join(User, User.id == region_managers.c.user_id)
                .where(region_managers.c.region_id.in_(region_ids), User.active.is_(True))):
            managers.setdefault(region_id, []).append(user)
    sent = {}
    for region_id, group in by_region.items():
        users = managers.get(region_id, []) if region_id is not None else list(users_with_role("admin"))
        if not users:
            continue
        overdue = [r for r in group if r["days_overdue"] > 0]
        due = [r for r in group if r["days_overdue"] == 0]
        codes = ", ".join(f"{r['dealer_code']} ({r['next_due_on'].isoformat()})" for r in group[:50])
        notify(users, N_("Dealer contacts: %(due)s due this week, %(overdue)s overdue"),
               N_("Dealers to contact: %(codes)s"), _schedule_link(), due=len(due), overdue=len(overdue), codes=codes)
        for u in users:
            sent[u.username] = (len(due), len(overdue))
    return sent


def _schedule_link() -> str:
    try:
        from flask import url_for

        return url_for("dealers.contact_schedule", overdue="1")
    except RuntimeError:
        return "/dealers/schedule?overdue=1"


# --- qualification: status changes --------------------------------------------------------------


def _has_evidence(record, actor, **kw):
    if not db.session.scalar(select(func.count(attachments.Attachment.id)).where(
            attachments.Attachment.model == STATUS_CHANGE_MODEL, attachments.Attachment.record_id == record.id)):
        return _l("Attach the evidence before the decision.")


def _is_disqualification(record, actor, **kw):
    if record.to_status != "disqualified":
        return _l("Only a disqualification needs the administrator's confirmation.")


workflow = Workflow(
    model=StatusChange,
    states=("proposed", "decided", "confirmed", "rejected"),
    transitions=(
        Transition("decide", ("proposed",), "decided", "dealers.decide_status", guards=(_has_evidence,),
                   label=_l("Decide")),
        Transition("confirm", ("decided",), "confirmed", "dealers.confirm_disqualification",
                   guards=(_is_disqualification,), label=_l("Confirm the disqualification")),
        Transition("reject", ("proposed",), "rejected", "dealers.decide_status", label=_l("Reject")),
        Transition("reject_decided", ("decided",), "rejected", "dealers.confirm_disqualification",
                   guards=(_is_disqualification,), label=_l("Reject")),
    ),
)
ACTIONS = ("decide", "confirm", "reject")


def propose_status_change(data, actor) -> StatusChange:
    check(actor, "dealers.propose_status")
    body = _as(DealersStatusChangeIn, data)
    dealer = dealer_by_code(body.dealer_code, actor)
    if body.to_status == dealer.status:
        raise ValidationError(_("same status"), {"to_status": _("the dealer is already %(status)s",
                                                                status=dealer.status)})
    if body.to_status != "active" and SEVERITY[body.to_status] < SEVERITY[dealer.status]:
        raise ValidationError(_("not an escalation"), {
            "to_status": _("from %(status)s only a stricter status or reinstatement (active) can be proposed",
                           status=dealer.status)})
    if db.session.scalar(select(func.count(StatusChange.id)).where(
            StatusChange.dealer_id == dealer.id, StatusChange.state.in_(("proposed", "decided")))):
        raise Conflict(_("dealer %(code)s already has a status change in progress", code=dealer.code),
                       code="change_in_progress")
    record = StatusChange(dealer_id=dealer.id, dealer=dealer, from_status=dealer.status, to_status=body.to_status,
                          reason=body.reason, state="proposed", proposed_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    activity.log(record, "created", {"state": (None, "proposed"), "to_status": (dealer.status, body.to_status)},
                 comment=body.reason, actor=actor)
    activity.log(dealer, "dealers.status_proposed", {"status": (dealer.status, body.to_status)}, comment=body.reason,
                 actor=actor)
    notify(list(users_with_role("order_dept")), PROPOSED_TITLES[body.to_status], N_("%(reason)s"),
           _change_link(record), code=dealer.code, reason=body.reason)
    return record


def _change_link(record) -> str:
    try:
        from flask import url_for

        return url_for("dealers.view_status_change", change_id=record.id)
    except RuntimeError:
        return ""


def _take_effect(record: StatusChange, actor) -> None:
    dealer = record.dealer
    if dealer.status != record.from_status:
        raise Conflict(_("the dealer's status changed to %(status)s since this was proposed; reject it and propose "
                         "again", status=dealer.status), code="status_changed")
    change_dealer_status(dealer, record.to_status, record.reason, actor)
    record.effective_at = utcnow()
    users = list(db.session.scalars(select(User).where(User.dealer_id == dealer.id, User.active.is_(True))))
    notify(users, EFFECT_TITLES[record.to_status], N_("%(reason)s"), "", reason=record.reason)


def run_action(record: StatusChange, action: str, actor, version: int, note: str = "") -> StatusChange:
    note = (note or "").strip()
    if action == "reject":
        name = "reject" if record.state == "proposed" else "reject_decided"
        if not note:
            raise ValidationError(_("reason required"), {"note": _("say why the change is rejected")})
        workflow.apply(record, name, actor, version=version, comment=note)
        record.decision_note = note
        notify([u for u in (record.proposed_by,) if u], N_("Dealer %(code)s: status change rejected"), N_("%(reason)s"),
               _change_link(record), code=record.dealer.code, reason=note)
    elif action == "decide":
        workflow.check(record, "decide", actor, version=version)
        if not record.needs_confirmation:
            _take_effect(record, actor)
        workflow.apply(record, "decide", actor, comment=note)
        record.decided_by_id, record.decided_at, record.decision_note = actor.id, utcnow(), note
        if record.needs_confirmation:
            notify(list(users_with_role("admin")), N_("Dealer %(code)s: disqualification to confirm"), N_("%(reason)s"),
                   _change_link(record), code=record.dealer.code, reason=record.reason)
    elif action == "confirm":
        workflow.check(record, "confirm", actor, version=version)
        _take_effect(record, actor)
        workflow.apply(record, "confirm", actor, comment=note)
        record.confirmed_by_id, record.confirmed_at = actor.id, utcnow()
    else:
        raise NotFound(_("unknown action %(action)r", action=action))
    return record


def allowed_actions(record: StatusChange, user) -> list[str]:
    names = []
    for t in workflow.allowed(record, user):
        if t.name == "confirm" or t.name == "reject_decided":
            if record.needs_confirmation:
                names.append("confirm" if t.name == "confirm" else "reject")
        else:
            names.append(t.name)
    return list(dict.fromkeys(names))


def get_status_change(change_id, user=None) -> StatusChange:
    return get_scoped(StatusChange, change_id, user)


def status_changes_stmt(user, dealer_code=None, state=None, to_status=None):
    stmt = scoped(select(StatusChange), StatusChange, user)
    if dealer_code:
        stmt = stmt.where(StatusChange.dealer_id.in_(select(Dealer.id).where(Dealer.code == dealer_code)))
    if state:
        stmt = stmt.where(StatusChange.state == state)
    if to_status:
        stmt = stmt.where(StatusChange.to_status == to_status)
    return stmt


def add_evidence(record: StatusChange, filename: str, data: bytes, actor):
    if not (actor.can("dealers.propose_status") or actor.can("dealers.decide_status")):
        raise PermissionDenied(_("permission 'dealers.propose_status' required"))
    if record.state != "proposed":
        raise Conflict(_("evidence is added while the change is proposed"), code="not_proposed")
    att = attachments.add(STATUS_CHANGE_MODEL, record.id, filename, data, actor=actor, purpose=EVIDENCE, field="file")
    db.session.flush()
    activity.log(record, "attachment_added", {"attachment": (None, att.filename)}, actor=actor)
    return att


def evidence_by_change(ids) -> dict:
    out = {i: [] for i in ids}
    if not ids:
        return out
    A = attachments.Attachment
    for att in db.session.scalars(select(A).options(defer(A.data)).where(A.model == STATUS_CHANGE_MODEL,
                                                                          A.record_id.in_(list(ids))).order_by(A.id)):
        out[att.record_id].append(att)
    return out


def get_evidence(record: StatusChange, attachment_id):
    A = attachments.Attachment
    try:
        attachment_id = int(attachment_id)
    except (TypeError, ValueError):
        raise NotFound(_("attachment not found"))
    att = db.session.scalar(select(A).where(A.id == attachment_id, A.model == STATUS_CHANGE_MODEL,
                                            A.record_id == record.id))
    if att is None:
        raise NotFound(_("attachment not found"))
    return att


def serialize_status_change(r: StatusChange, user=None, atts=None) -> dict:
    from flask import url_for

    if atts is None:
        atts = evidence_by_change([r.id])[r.id]
    when = lambda v: v.isoformat() if v else None  # noqa: E731
    return {"id": r.id, "dealer_code": r.dealer.code, "dealer_name": r.dealer.name, "from_status": r.from_status,
            "to_status": r.to_status, "reason": r.reason, "state": r.state, "decision_note": r.decision_note or "",
            "proposed_by": r.proposed_by.username if r.proposed_by else None,
            "decided_by": r.decided_by.username if r.decided_by else None, "decided_at": when(r.decided_at),
            "confirmed_by": r.confirmed_by.username if r.confirmed_by else None, "confirmed_at": when(r.confirmed_at),
            "effective_at": when(r.effective_at),
            "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                             "url": url_for("api.dealers_api.get_evidence", change_id=r.id, attachment_id=a.id)}
                            for a in atts],
            "actions": allowed_actions(r, user) if user is not None else [],
            "version": r.version, "created_at": r.created_at.isoformat()}


# --- scorecards ---------------------------------------------------------------------------------


def default_period(on: date | None = None) -> tuple[date, date]:
    on = on or today()
    return on - timedelta(days=settings.get("dealers.scorecard_default_days") - 1), on


def check_period(period_from: date | None, period_to: date | None) -> tuple[date, date]:
    default_from, default_to = default_period()
    period_from, period_to = period_from or default_from, period_to or default_to
    if period_from > period_to:
        raise ValidationError(_("invalid period"), {"period_from": _("must not be after period_to")})
    if (period_to - period_from).days + 1 > settings.get("dealers.scorecard_max_days"):
        raise ValidationError(_("period too long"), {
            "period_to": _("at most %(days)s days", days=settings.get('dealers.scorecard_max_days'))})
    return period_from, period_to


def contacts_on_schedule(dealers, period_from: date, period_to: date) -> dict:
    """Contacts kept on schedule (%): contacts in the period against those the class asks for
    (the period's days / the class interval, rounded up), capped at 100. One query."""
    ids = [d.id for d in dealers]
    stmt = (select(Contact.dealer_id, func.count(Contact.id))
            .where(Contact.contacted_on >= period_from, Contact.contacted_on <= period_to).group_by(Contact.dealer_id))
    clause = in_ids(Contact.dealer_id, ids)
    if clause is not None:
        stmt = stmt.where(clause)
    counts = dict(db.session.execute(stmt).all())
    days = (period_to - period_from).days + 1
    values = {}
    for d in dealers:
        expected = max(1, math.ceil(days / interval_days(d.abc_class)))
        values[d.id] = round(100.0 * min(counts.get(d.id, 0), expected) / expected, 1)
    return values


def scorecards(dealers, period_from: date, period_to: date) -> tuple[list[dict], dict]:
    """(figures [{key, label, direction}], {dealer_id: {key: value}}) from every enabled plugin,
    each computing all the dealers at once."""
    ids = [d.id for d in dealers]
    figures = [{"key": "dealers.contacts_on_schedule", "label": _("Contacts kept on schedule (%)"),
                "direction": "higher_better", "values": contacts_on_schedule(dealers, period_from, period_to)}]
    if ids:
        pm = current_app.extensions["aftersales"].pm
        for result in pm.hook.dealers_scorecard(dealer_ids=ids, period_from=period_from, period_to=period_to):
            figures.extend(result or [])
    figures.sort(key=lambda f: f["key"])
    values = {i: {} for i in ids}
    for f in figures:
        for dealer_id, value in f["values"].items():
            if dealer_id in values:
                values[dealer_id][f["key"]] = value
    return [{k: f[k] for k in ("key", "label", "direction")} for f in figures], values


def scorecard_dealers(user, region=None, abc_class=None, dealer_code=None):
    stmt = scoped(select(Dealer), Dealer, user).order_by(Dealer.code)
    if region:
        stmt = stmt.where(Dealer.region_id.in_(select(Region.id).where(Region.code == region)))
    if abc_class:
        stmt = stmt.where(Dealer.abc_class == abc_class)
    if dealer_code:
        stmt = stmt.where(Dealer.code == dealer_code)
    return list(db.session.scalars(stmt).unique())


def ranking(dealers, figures, values, key: str) -> list[dict]:
    """Dealers grouped by region, best first on figure ``key`` (no value last), with region averages."""
    meta = next((f for f in figures if f["key"] == key), None)
    if meta is None:
        return []
    higher = meta["direction"] == "higher_better"
    groups: dict = {}
    for d in dealers:
        region = d.region
        g = groups.setdefault(region.code if region else "", {"region_code": region.code if region else None,
                                                              "region_name": region.name if region else None,
                                                              "rows": []})
        g["rows"].append({"dealer": d, "value": values.get(d.id, {}).get(key)})
    out = []
    for g in sorted(groups.values(), key=lambda g: g["region_code"] or "~"):
        with_value = [r for r in g["rows"] if r["value"] is not None]
        with_value.sort(key=lambda r: (-r["value"] if higher else r["value"], r["dealer"].code))
        g["rows"] = with_value + sorted((r for r in g["rows"] if r["value"] is None), key=lambda r: r["dealer"].code)
        g["average"] = round(sum(r["value"] for r in with_value) / len(with_value), 1) if with_value else None
        out.append(g)
    return out


def bar_chart(groups, width: int = 600, bar: int = 22) -> dict:
    """Geometry for a server-side SVG bar chart of region averages (no script, no library)."""
    bars = [g for g in groups if g["average"] is not None]
    top = max([abs(g["average"]) for g in bars] + [1])
    label_w, gap = 140, 6
    scale = (width - label_w - 60) / top
    rows = []
    for i, g in enumerate(bars):
        rows.append({"label": g["region_code"] or "-", "value": g["average"], "x": label_w,
                     "y": i * (bar + gap), "w": max(1, round(abs(g["average"]) * scale)), "h": bar})
    return {"width": width, "height": max(bar, len(rows) * (bar + gap)), "rows": rows, "label_w": label_w}


# --- the portal -----------------------------------------------------------------------------------


def portal_dealers(user) -> list[Dealer]:
    """The dealers whose items a dealer user sees: its own, and an agent's distributors after it."""
    own = user.dealer
    if own is None:
        return []
    if own.kind != "agent":
        return [own]
    children = list(db.session.scalars(select(Dealer).where(Dealer.parent_id == own.id).order_by(Dealer.code)).unique())
    return [own] + children


def portal_sections(dealer, user) -> list[dict]:
    pm = current_app.extensions["aftersales"].pm
    sections = [s for result in pm.hook.dealers_portal_sections(dealer=dealer, user=user) for s in (result or [])]
    for s in sections:
        s["items"] = list(s.get("items") or [])[:10]
    return sorted(sections, key=lambda s: (s.get("order", 100), s["key"]))


def recent_notifications(user, limit: int | None = None) -> list:
    limit = limit or settings.get("dealers.portal_notifications")
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id.desc()).limit(limit)))


# --- a dealer's own logins ----------------------------------------------------------------------


def dealer_users(dealer) -> list[User]:
    return list(db.session.scalars(select(User).where(User.dealer_id == dealer.id).order_by(User.username)))


def _may_manage(actor, dealer) -> None:
    check(actor, "dealers.manage_own_users")
    if actor.scope != "dealer" or actor.dealer_id != dealer.id:
        raise PermissionDenied(_("you manage the logins of your own dealer only"))


def add_staff_login(dealer, data, actor) -> User:
    """A dealer's manager adds a clerk: role ``dealer`` only, linked to its own dealer."""
    _may_manage(actor, dealer)
    body = _as(DealersStaffIn, data)
    user = create_user({"username": body.username, "display_name": body.display_name or body.username,
                        "email": body.email, "password": body.password, "language": body.language,
                        "roles": ["dealer"], "dealer_code": dealer.code}, actor=actor)
    return user


def set_staff_login_active(dealer, user: User, active: bool, actor) -> User:
    _may_manage(actor, dealer)
    if user.dealer_id != dealer.id:
        raise NotFound(_("user not found"))
    if user.id == actor.id:
        raise Conflict(_("you cannot deactivate your own login"), code="self")
    if user.role_ids != {"dealer"}:
        raise PermissionDenied(_("only logins with the plain dealer role are managed here"))
    return update_user(user, {"active": active}, actor=actor)

