"""Transport exception records: validation, the filing deadline, decisions and carrier claims.

Free of the Flask request: every function takes the ``actor``; nothing here commits.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import lazyload

from core.toolkit import (Attachment, Conflict, Dealer, NotFound, PermissionDenied, Transition, ValidationError, Workflow,
                         activity, attachments, calendar, check, db, get_scoped, notifications, scoped,
                         sequences, settings, today, visible_dealers_clause)
from core.toolkit import N_, ensure_dealer_may_file
from plugins.logistics.models import (CLAIM_STATES, PARTIES, PURPOSES, SIGNED_DOCUMENT, STATES, LogisticsException,
                                      LogisticsExceptionLine)

MODEL = "logistics_exception"
ACTIONS = ("file", "accept", "refuse", "resolve", "settle_claim")
# one message per outcome: the outcome's name is translated with the rest when read
OUTCOME_MESSAGES = {"credit": N_("%(number)s: resolved (credit)"), "exchange": N_("%(number)s: resolved (exchange)"),
                    "carrier_claim": N_("%(number)s: resolved (carrier claim)"),
                    "rejected": N_("%(number)s: resolved (rejected)")}


class LateFiling(ValidationError):
    """422: filed after the deadline. The API commits the ``late`` flag before answering."""
    code = "filing_late"


def filing_deadline(received_on: date) -> date:
    """The last day to file when no responsible party is identified (N working days after receipt)."""
    return calendar.add_working_days(received_on, settings.get("logistics.filing_working_days"))


def company_error_deadline(received_on: date) -> date:
    """The last day to report the company's own mistake for an unconditional exchange or credit."""
    return received_on + timedelta(days=settings.get("logistics.company_error_days"))


def is_company_error(record: LogisticsException) -> bool:
    return record.kind == "wrong_goods" and record.responsible_party == "company" and record.unopened


# --- workflow ---------------------------------------------------------------------------


def _not_unconditional(record, actor, **kwargs):
    if record.unconditional:
        return _l("The company's own mistake reported in time is exchanged or credited unconditionally; it cannot be refused.")


def _draft_only_if_late(record, actor, **kwargs):
    if record.state == "draft" and not record.late:
        return _l("Only a filed record, or a late filing, can be refused.")


def _own_dealer(record, actor, **kw):
    """Drafts belong to the receiving dealer's own users (or head office): an agent reads its
    distributors' records but does not edit, file or delete them (the same rule as returns)."""
    if getattr(actor, "dealer_id", None) is not None and actor.dealer_id != record.dealer_id:
        raise PermissionDenied(gettext("only the dealer that received the goods may do this"), code="not_own_dealer")


workflow = Workflow(
    model=LogisticsException,
    states=STATES,
    transitions=(
        Transition("file", ("draft",), "filed", "logistics.file", guards=(_own_dealer,),
                   label=_l("File with the order department"), message=_l("Filed with the order department.")),
        Transition("accept", ("filed",), "accepted", "logistics.decide", label=_l("Accept"),
                   message=_l("Record accepted.")),
        Transition("accept_late", ("draft",), "accepted", "logistics.accept_late", label=_l("Accept late"),
                   message=_l("Late filing accepted.")),
        Transition("refuse", ("filed", "draft"), "refused", "logistics.decide",
                   guards=(_not_unconditional, _draft_only_if_late), label=_l("Refuse"), message=_l("Record refused.")),
        Transition("resolve", ("accepted", "refused"), "resolved", "logistics.decide", label=_l("Resolve"),
                   message=_l("Record resolved.")),
    ),
    event="logistics_exception_state_changed",
)

claim_workflow = Workflow(
    model=LogisticsException,
    states=CLAIM_STATES,
    transitions=(Transition("settle_claim", ("open",), "settled", "logistics.settle_claim",
                            label=_l("Carrier claim settled"), message=_l("Carrier claim settled.")),),
    state_attr="claim_status",
)


def allowed_actions(record: LogisticsException, user) -> list[str]:
    """API action names the user may take now (``accept`` covers a late draft too)."""
    names = []
    for t in workflow.allowed(record, user):
        if t.name == "accept_late":
            if record.late:
                names.append("accept")
        elif t.name == "refuse":
            if not _not_unconditional(record, user) and not _draft_only_if_late(record, user):
                names.append("refuse")
        else:
            names.append(t.name)
    if record.claim_status == "open" and user.can("logistics.settle_claim"):
        names.append("settle_claim")
    return list(dict.fromkeys(names))


# --- reading --------------------------------------------------------------------------


def get_exception(record_id, user=None) -> LogisticsException:
    return get_scoped(LogisticsException, record_id, user)


def list_stmt(query, user=None):
    stmt = scoped(select(LogisticsException), LogisticsException, user)
    if query.q:
        like = f"%{query.q}%"
        stmt = stmt.where(or_(LogisticsException.number.ilike(like), LogisticsException.delivery_note.ilike(like),
                              LogisticsException.waybill.ilike(like)))
    for attr in ("state", "kind", "responsible_party", "outcome", "claim_status"):
        value = getattr(query, attr, None)
        if value:
            stmt = stmt.where(getattr(LogisticsException, attr) == value)
    if getattr(query, "carrier", None):
        stmt = stmt.where(LogisticsException.carrier == query.carrier)
    if getattr(query, "late", None) is not None:
        stmt = stmt.where(LogisticsException.late.is_(query.late))
    if getattr(query, "dealer_code", None):
        stmt = stmt.where(LogisticsException.dealer_id.in_(select(Dealer.id).where(Dealer.code == query.dealer_code)))
    if getattr(query, "received_from", None):
        stmt = stmt.where(LogisticsException.received_on >= query.received_from)
    if getattr(query, "received_to", None):
        stmt = stmt.where(LogisticsException.received_on <= query.received_to)
    sort = getattr(query, "sort", "-received_on")
    column = getattr(LogisticsException, sort.lstrip("-"))
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), LogisticsException.id.desc())


def attachments_by_record(records) -> dict[int, list[Attachment]]:
    """The attachments of many records in one query (without their bytes)."""
    from sqlalchemy.orm import defer

    ids = [r.id for r in records]
    result: dict[int, list] = {i: [] for i in ids}
    if not ids:
        return result
    for att in db.session.scalars(select(Attachment).options(defer(Attachment.data))
                                  .where(Attachment.model == MODEL, Attachment.record_id.in_(ids))
                                  .order_by(Attachment.id)):
        result[att.record_id].append(att)
    return result


def get_attachment(record: LogisticsException, attachment_id) -> Attachment:
    try:
        attachment_id = int(attachment_id)
    except (TypeError, ValueError):
        raise NotFound(gettext("attachment not found"))
    att = db.session.scalar(select(Attachment).where(Attachment.id == attachment_id, Attachment.model == MODEL,
                                                     Attachment.record_id == record.id))
    if att is None:
        raise NotFound(gettext("attachment not found"))
    return att


def has_signed_document(record: LogisticsException) -> bool:
    return db.session.scalar(select(func.count(Attachment.id)).where(
        Attachment.model == MODEL, Attachment.record_id == record.id, Attachment.purpose == SIGNED_DOCUMENT)) > 0


def serialize(r: LogisticsException, user=None, atts: list | None = None) -> dict:
    if atts is None:
        atts = attachments_by_record([r])[r.id]
    return {
        "id": r.id, "number": r.number, "dealer_code": r.dealer.code, "dealer_name": r.dealer.name,
        "delivery_note": r.delivery_note, "carrier": r.carrier, "waybill": r.waybill or "",
        "shipped_on": r.shipped_on.isoformat() if r.shipped_on else None, "received_on": r.received_on.isoformat(),
        "kind": r.kind, "responsible_party": r.responsible_party, "unopened": bool(r.unopened),
        "description": r.description or "",
        "lines": [{"sku": ln.sku, "expected_quantity": ln.expected_quantity, "actual_quantity": ln.actual_quantity,
                   "damaged_quantity": ln.damaged_quantity,
                   "production_date": ln.production_date.isoformat() if ln.production_date else None,
                   "description": ln.description or ""} for ln in r.lines],
        "carrier_signature": {"signer": r.signer, "signed_at": r.signed_at.isoformat()} if r.signed else None,
        "state": r.state, "outcome": r.outcome, "late": bool(r.late), "late_reason": r.late_reason or "",
        "filed_on": r.filed_on.isoformat() if r.filed_on else None,
        "filing_deadline": r.filing_deadline.isoformat() if r.filing_deadline else None,
        "unconditional": bool(r.unconditional),
        "claim": None if r.claim_status is None else {
            "amount": f"{r.claim_amount:.2f}", "status": r.claim_status,
            "settled_amount": f"{r.claim_settled_amount:.2f}" if r.claim_settled_amount is not None else None,
            "settled_on": r.claim_settled_on.isoformat() if r.claim_settled_on else None},
        "decision_note": r.decision_note or "",
        "attachments": [{"id": a.id, "purpose": a.purpose, "filename": a.filename, "content_type": a.content_type,
                         "size": a.size, "url": url_for("api.logistics_api.get_attachment", record_id=r.id,
                                                        attachment_id=a.id)} for a in atts],
        "actions": allowed_actions(r, user) if user is not None else [],
        "version": r.version, "created_at": r.created_at.isoformat(),
    }


# --- writing --------------------------------------------------------------------------


def _get(data, key, default=None):
    if isinstance(data, dict):
        return data.get(key, default)
    return getattr(data, key, default)


def _dump(data) -> dict:
    return data.model_dump(exclude_unset=True) if hasattr(data, "model_dump") else dict(data)


def _dealer_for(actor, dealer_code: str | None) -> Dealer:
    if actor.dealer_id is not None and actor.scope == "dealer":
        if not dealer_code or dealer_code == actor.dealer.code:
            return actor.dealer
        dealer = db.session.scalar(scoped(select(Dealer).where(Dealer.code == dealer_code), Dealer, actor))
        if dealer is None:
            raise ValidationError(gettext("unknown dealer"), {"dealer_code": gettext("unknown dealer or outside your scope")})
        return dealer
    if not dealer_code:
        raise ValidationError(gettext("dealer required"), {"dealer_code": gettext("required: the dealer who received the goods")})
    stmt = select(Dealer).where(Dealer.code == dealer_code)
    clause = visible_dealers_clause(Dealer.id, actor)
    if clause is not None:
        stmt = stmt.where(clause)
    dealer = db.session.scalar(stmt)
    if dealer is None:
        raise ValidationError(gettext("unknown dealer"), {"dealer_code": gettext("unknown dealer or outside your scope")})
    return dealer


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:  # a local time as typed in China
        value = value.replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    return value.astimezone(timezone.utc)


def _lines(raw_lines) -> list[LogisticsExceptionLine]:
    from core.toolkit import Product

    raw = [_dump(x) if not isinstance(x, dict) else x for x in raw_lines]
    skus = {x["sku"] for x in raw}
    products = {p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(skus)))} if skus else {}
    errors = {}
    lines = []
    for i, x in enumerate(raw):
        product = products.get(x["sku"])
        if product is None:
            errors[f"lines.{i}.sku"] = gettext("unknown SKU %(sku)r", sku=x['sku'])
            continue
        if x.get("damaged_quantity") is not None and int(x["damaged_quantity"]) > int(x["actual_quantity"]):
            errors[f"lines.{i}.damaged_quantity"] = gettext("At most the actual quantity.")
            continue
        lines.append(LogisticsExceptionLine(product_id=product.id, sku=product.sku,
                                            expected_quantity=int(x["expected_quantity"]),
                                            actual_quantity=int(x["actual_quantity"]),
                                            damaged_quantity=x.get("damaged_quantity"),
                                            production_date=x.get("production_date"),
                                            description=(x.get("description") or "").strip()))
    if errors:
        raise ValidationError(gettext("invalid lines"), errors)
    return lines


def _check_dates(shipped_on, received_on, signed_at) -> None:
    errors = {}
    now = today()
    if received_on is not None and received_on > now:
        errors["received_on"] = gettext("cannot be in the future")
    if shipped_on is not None and received_on is not None and shipped_on > received_on:
        errors["shipped_on"] = gettext("must not be after received_on")
    if signed_at is not None and signed_at > datetime.now(timezone.utc) + timedelta(minutes=5):
        errors["carrier_signature.signed_at"] = gettext("cannot be in the future")
    if errors:
        raise ValidationError(gettext("invalid dates"), errors)


def create_exception(data, actor) -> LogisticsException:
    check(actor, "logistics.create")
    values = _dump(data)
    dealer = _dealer_for(actor, values.get("dealer_code"))
    ensure_dealer_may_file(dealer)
    signature = values.get("carrier_signature")
    signed_at = _aware(signature["signed_at"]) if signature else None
    _check_dates(values.get("shipped_on"), values["received_on"], signed_at)
    lines = _lines(values["lines"])
    record = LogisticsException(
        number=sequences.next_number("LEX", today().year), dealer_id=dealer.id, dealer=dealer,
        delivery_note=values["delivery_note"], carrier=values["carrier"], waybill=values.get("waybill") or "",
        shipped_on=values.get("shipped_on"), received_on=values["received_on"], kind=values["kind"],
        responsible_party=values.get("responsible_party") or "unknown", unopened=bool(values.get("unopened")),
        description=values.get("description") or "", signer=signature["signer"] if signature else "",
        signed_at=signed_at, state="draft", created_by_id=actor.id, lines=lines)
    db.session.add(record)
    db.session.flush()
    activity.log(record, "created", {"state": (None, "draft")}, actor=actor)
    return record


def _need_draft(record: LogisticsException, verb: str) -> None:
    if record.state != "draft":
        raise Conflict(gettext("only a draft can be %(verb)s; this record is %(record_state)s", verb=verb, record_state=record.state), code="not_draft")


def update_exception(record: LogisticsException, data, actor) -> LogisticsException:
    check(actor, "logistics.create")
    _own_dealer(record, actor)
    values = _dump(data)
    version = values.pop("version", None)
    if version is not None and int(version) != record.version:
        raise Conflict(gettext("stale version %(version)s; current is %(record_version)s", version=version, record_version=record.version), code="stale_version")
    _need_draft(record, gettext("changed"))
    if "received_on" in values and values["received_on"] is None:
        raise ValidationError(gettext("invalid input"), {"received_on": gettext("required")})
    for key in ("delivery_note", "carrier", "kind", "responsible_party", "unopened"):
        if key in values and values[key] is None:
            raise ValidationError(gettext("invalid input"), {key: gettext("may not be null")})
    if record.late and "received_on" in values and values["received_on"] != record.received_on:
        raise ValidationError(gettext("received_on is fixed"), {"received_on": gettext("cannot be changed after a late filing was refused")})
    if record.late and "responsible_party" in values and values["responsible_party"] != record.responsible_party:
        raise ValidationError(gettext("responsible party is fixed"),
                              {"responsible_party": gettext("cannot be changed after a late filing was refused")})
    signature = values.pop("carrier_signature", "absent")
    lines = values.pop("lines", None)
    new_lines = _lines(lines) if lines is not None else None  # queries first: one UPDATE at the end
    changes = {}
    if signature != "absent":
        signer = signature["signer"] if signature else ""
        signed_at = _aware(signature["signed_at"]) if signature else None
        changes.update(activity.apply_changes(record, {"signer": signer, "signed_at": signed_at}))
    _check_dates(values.get("shipped_on", record.shipped_on), values.get("received_on", record.received_on),
                 record.signed_at if "signed_at" in changes else None)
    for key in ("waybill", "description"):
        if key in values and values[key] is None:
            values[key] = ""
    changes.update(activity.apply_changes(record, values))
    if new_lines is not None:
        old = [f"{ln.sku} {ln.expected_quantity}/{ln.actual_quantity}" for ln in record.lines]
        record.lines = new_lines
        changes["lines"] = (old, [f"{ln.sku} {ln.expected_quantity}/{ln.actual_quantity}" for ln in new_lines])
    if changes:
        record.updated_at = datetime.now(timezone.utc)
        activity.log(record, "updated", changes, actor=actor)
    return record


def delete_exception(record: LogisticsException, actor) -> None:
    check(actor, "logistics.create")
    _own_dealer(record, actor)
    _need_draft(record, gettext("deleted"))
    if record.late:
        raise Conflict(gettext("a late filing is kept for the order department's decision"), code="late_kept")
    from sqlalchemy import delete

    activity.log(record, "deleted", {"number": (record.number, None)}, actor=actor)
    db.session.execute(delete(Attachment).where(Attachment.model == MODEL, Attachment.record_id == record.id))
    db.session.delete(record)
    db.session.flush()


def add_attachment(record: LogisticsException, filename: str, data: bytes, purpose: str, actor) -> Attachment:
    check(actor, "logistics.create")
    _own_dealer(record, actor)
    if purpose not in PURPOSES:
        raise ValidationError(gettext("unknown purpose"), {"purpose": gettext("one of %(PURPOSES)s", PURPOSES=", ".join(PURPOSES))})
    if record.state not in ("draft", "filed"):
        raise Conflict(gettext("attachments can be added only before the order department decides"), code="decided")
    att = attachments.add(MODEL, record.id, filename, data, actor=actor, purpose=purpose, field="file")
    db.session.flush()
    activity.log(record, "attachment_added", {"attachment": (None, f"{purpose}: {att.filename}")}, actor=actor)
    return att


def delete_attachment(record: LogisticsException, att: Attachment, actor) -> None:
    check(actor, "logistics.create")
    _own_dealer(record, actor)
    _need_draft(record, gettext("changed"))
    activity.log(record, "attachment_deleted", {"attachment": (f"{att.purpose}: {att.filename}", None)}, actor=actor)
    db.session.delete(att)
    db.session.flush()


# --- actions --------------------------------------------------------------------------


def _validate_for_filing(record: LogisticsException) -> None:
    errors = {}
    if not record.lines:
        errors["lines"] = gettext("at least one line is required")
    elif record.kind in ("lost", "short") and not any(ln.actual_quantity < ln.expected_quantity for ln in record.lines):
        errors["lines"] = gettext("a lost or short delivery needs a line whose actual quantity is below the "
                                  "expected one")
    elif record.kind == "mass_breakage" and not any(ln.description for ln in record.lines):
        errors["lines"] = gettext("describe the damage on at least one line")
    elif record.kind == "damaged" and not any(ln.description and ln.damaged_quantity for ln in record.lines):
        errors["lines"] = gettext("describe the damage and give the damaged quantity on at least one line")
    if errors:
        raise ValidationError(gettext("the record is incomplete"), errors)


def _order_dept_link(record) -> str:
    try:
        return url_for("logistics.view_exception", record_id=record.id)
    except RuntimeError:
        return ""


def file_exception(record: LogisticsException, actor, version, comment: str = "", on: date | None = None):
    """File with the order department; past the deadline (no responsible party) raise LateFiling.

    A late attempt still records ``late`` (and the attempt) so the order department can
    accept it late; the caller commits before answering 422.
    """
    workflow.check(record, "file", actor, version=version)
    ensure_dealer_may_file(record.dealer)
    _validate_for_filing(record)
    on = on or today()
    changes = {}
    if record.responsible_party == "unknown":
        deadline = filing_deadline(record.received_on)
        if on > deadline:
            changes = activity.apply_changes(record, {"late": True, "filed_on": on, "filing_deadline": deadline})
            reason = gettext("filed on %(on)s, after the deadline %(deadline)s (%(days)s working days after receipt on "
                             "%(received_on)s) with no responsible party identified: the report is not accepted and "
                             "the receiver bears the loss", on=on.isoformat(), deadline=deadline.isoformat(),
                             days=settings.get('logistics.filing_working_days'),
                             received_on=record.received_on.isoformat())
            activity.log(record, "filing_refused_late", changes, comment=reason, actor=actor)
            _notify(notifications.users_with_role("order_dept"), record,
                    N_("%(number)s: a late filing awaits your decision"),
                    N_("Filed on %(on)s, after the deadline %(deadline)s with no responsible party identified."),
                    on=on.isoformat(), deadline=deadline.isoformat())
            raise LateFiling(reason, {"received_on": reason})
        record.filing_deadline = deadline
    record.filed_on = on
    record.unconditional = is_company_error(record) and on <= company_error_deadline(record.received_on)
    workflow.apply(record, "file", actor, comment=comment,
                   changes={"filed_on": (None, on), "unconditional": (False, record.unconditional)} if record.unconditional
                   else {"filed_on": (None, on)})
    _notify(notifications.users_with_role("order_dept"), record, N_("%(number)s: transport exception filed"),
            N_("%(dealer)s · %(carrier)s"), dealer=f"{record.dealer.code} {record.dealer.name}", carrier=record.carrier)
    return record


def _notify(users, record: LogisticsException, title, body: str = "", **args) -> None:
    """Notify ``users``: message ids and arguments, rendered in each reader's language when read."""
    notifications.notify(users, title, body, _order_dept_link(record), number=record.number, **args)


def _notify_dealer(record: LogisticsException, title, body: str = "", **args) -> None:
    from core.toolkit import User

    users = db.session.scalars(select(User).where(User.dealer_id == record.dealer_id, User.active.is_(True)))
    _notify(users, record, title, body, **args)


def accept_exception(record: LogisticsException, actor, version, late_reason: str | None = None, comment: str = "",
                     responsible_party: str | None = None):
    """Accept (or accept late, with a reason); the order department may name the responsible party it found
    (a late record kept its dealer's "unknown", and damaged goods are returned only once a party is named)."""
    late_reason = (late_reason or "").strip()
    changes = {}
    if responsible_party and responsible_party not in PARTIES:
        raise ValidationError(gettext("invalid input"), {"responsible_party": gettext("Not a valid choice.")})
    if responsible_party and responsible_party != record.responsible_party:
        changes["responsible_party"] = (record.responsible_party, responsible_party)
    if record.state == "draft" and record.late:
        workflow.check(record, "accept_late", actor, version=version)
        if not late_reason:
            raise ValidationError(gettext("a late filing is accepted only with a reason"),
                                  {"late_reason": gettext("required to accept a late filing")})
        record.late_reason = late_reason
        changes["late_reason"] = ("", late_reason)
        _set_party(record, changes)
        workflow.apply(record, "accept_late", actor, comment=late_reason, changes=changes)
    else:
        workflow.check(record, "accept", actor, version=version)
        _set_party(record, changes)
        workflow.apply(record, "accept", actor, version=version, comment=comment or late_reason, changes=changes)
    _notify_dealer(record, N_("%(number)s: accepted by the order department"), N_("%(comment)s"),
                   comment=comment or late_reason)
    return record


def _set_party(record, changes) -> None:
    if "responsible_party" in changes:
        record.responsible_party = changes["responsible_party"][1]


def refuse_exception(record: LogisticsException, actor, version, comment: str = ""):
    workflow.apply(record, "refuse", actor, version=version, comment=comment)
    record.decision_note = comment or ""
    _notify_dealer(record, N_("%(number)s: refused by the order department"), N_("%(comment)s"), comment=comment)
    return record


def allowed_outcomes(record: LogisticsException) -> list[str]:
    """Outcomes the rules leave open for this record (see the module docstring of the plugin)."""
    if record.state == "refused":
        return ["rejected"]
    if record.unconditional:
        return ["credit", "exchange"]
    if record.kind == "mass_breakage":
        return ["carrier_claim", "rejected"]
    outcomes = ["credit", "exchange"]
    if record.responsible_party == "carrier":
        outcomes.append("carrier_claim")
    return outcomes + ["rejected"]


def resolve_exception(record: LogisticsException, actor, version, outcome: str, claim_amount: Decimal | None = None,
                      comment: str = ""):
    workflow.check(record, "resolve", actor, version=version)
    allowed = allowed_outcomes(record)
    if outcome not in allowed:
        raise ValidationError(gettext("outcome not allowed"), {"outcome": gettext("allowed for this record: %(allowed)s", allowed=", ".join(allowed))})
    changes = {"outcome": (None, outcome)}
    if outcome == "carrier_claim":
        if claim_amount is None:
            raise ValidationError(gettext("claim amount required"), {"claim_amount": gettext("required for a carrier claim")})
        record.claim_amount = claim_amount
        record.claim_status = "open"
        changes["claim_amount"] = (None, claim_amount)
        changes["claim_status"] = (None, "open")
    elif claim_amount is not None:
        raise ValidationError(gettext("no claim"), {"claim_amount": gettext("only for the carrier_claim outcome")})
    record.outcome = outcome
    record.decision_note = comment or record.decision_note or ""
    workflow.apply(record, "resolve", actor, comment=comment, changes=changes)
    _notify_dealer(record, OUTCOME_MESSAGES[outcome], N_("%(comment)s"), comment=comment)
    return record


def settle_claim(record: LogisticsException, actor, version, settled_amount: Decimal | None = None,
                 settled_on: date | None = None, comment: str = ""):
    settled_on = settled_on or today()
    if settled_on > today():
        raise ValidationError(gettext("invalid date"), {"settled_on": gettext("cannot be in the future")})
    claim_workflow.check(record, "settle_claim", actor, version=version)
    amount = record.claim_amount if settled_amount is None else settled_amount
    record.claim_settled_amount = amount
    record.claim_settled_on = settled_on
    claim_workflow.apply(record, "settle_claim", actor, comment=comment,
                         changes={"claim_settled_amount": (None, amount), "claim_settled_on": (None, settled_on)})
    return record


def run_action(record: LogisticsException, action: str, body, actor):
    """Dispatch an API/web action name to its service."""
    version, comment = body.version, body.comment
    if action == "file":
        return file_exception(record, actor, version, comment)
    if action == "accept":
        return accept_exception(record, actor, version, getattr(body, "late_reason", None), comment,
                                getattr(body, "responsible_party", None))
    if action == "refuse":
        return refuse_exception(record, actor, version, comment)
    if action == "resolve":
        return resolve_exception(record, actor, version, body.outcome, body.claim_amount, comment)
    if action == "settle_claim":
        return settle_claim(record, actor, version, body.settled_amount, body.settled_on, comment)
    raise NotFound(gettext("unknown action %(action)r", action=action))


# --- dashboard figures ----------------------------------------------------------------


def per_carrier_per_month(user, months: int) -> tuple[list[str], list[tuple[str, dict]]]:
    """(month labels oldest first, [(carrier, {month: count})]) for the last ``months`` months."""
    now = today()
    start = date(now.year, now.month, 1)
    for _ in range(months - 1):
        start = date(start.year - (start.month == 1), 12 if start.month == 1 else start.month - 1, 1)
    year = func.extract("year", LogisticsException.received_on)
    month = func.extract("month", LogisticsException.received_on)
    stmt = scoped(select(LogisticsException.carrier, year, month, func.count(LogisticsException.id))
                  .where(LogisticsException.received_on >= start)
                  .group_by(LogisticsException.carrier, year, month), LogisticsException, user)
    labels = []
    cursor = start
    while cursor <= now:
        labels.append(f"{cursor.year}-{cursor.month:02d}")
        cursor = date(cursor.year + (cursor.month == 12), 1 if cursor.month == 12 else cursor.month + 1, 1)
    table: dict[str, dict] = {}
    for carrier, y, m, count in db.session.execute(stmt):
        table.setdefault(carrier, {})[f"{int(y)}-{int(m):02d}"] = count
    rows = sorted(table.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    return labels, rows


def open_claims(user, limit: int = 5):
    """(count, total claimed, newest ``limit`` open claims) in one query (window aggregates)."""
    stmt = scoped(select(LogisticsException, func.count().over(), func.sum(LogisticsException.claim_amount).over())
                  .where(LogisticsException.claim_status == "open").options(lazyload(LogisticsException.lines))
                  .order_by(LogisticsException.id.desc()).limit(limit), LogisticsException, user)
    rows = db.session.execute(stmt).unique().all()
    if not rows:
        return 0, Decimal("0.00"), []
    return rows[0][1], Decimal(str(rows[0][2] or 0)).quantize(Decimal("0.01")), [r[0] for r in rows]


def late_filings(user, limit: int = 5):
    """(count, newest ``limit``) late filings still awaiting the order department, in one query."""
    stmt = scoped(select(LogisticsException, func.count().over())
                  .where(LogisticsException.late.is_(True), LogisticsException.state == "draft")
                  .options(lazyload(LogisticsException.lines))
                  .order_by(LogisticsException.filed_on.desc(), LogisticsException.id.desc()).limit(limit),
                  LogisticsException, user)
    rows = db.session.execute(stmt).unique().all()
    return (rows[0][1] if rows else 0), [r[0] for r in rows]


def queue_stmt(user=None):
    """What waits for the order department: filed, late drafts, accepted (to resolve), open claims."""
    return scoped(select(LogisticsException).where(or_(
        LogisticsException.state.in_(("filed", "accepted")),
        (LogisticsException.state == "draft") & LogisticsException.late.is_(True),
        LogisticsException.claim_status == "open")), LogisticsException, user)
