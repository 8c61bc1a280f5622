"""Chargeback rule and RMA replacement issues; the link between spares and rma."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (Conflict, NotFound, Product, Transition, ValidationError, Workflow, activity, db,
                         get_scoped, utcnow)
from plugins.rma.public import Rma, RmaLine
from plugins.spares import public as spares
from plugins.spares.public import Application, ApplicationLine
from plugins.spares_rma.models import Chargeback

CHARGEABLE_RESOLUTIONS = ("replace", "credit")
ISSUE_STATES = ("resolved", "closed")
CENT = Decimal("0.01")


def _reason_guard(record, actor, reason: str = "", **kw):
    if not (reason or "").strip():
        raise ValidationError(_("reason required"), {"reason": _("required")})


WORKFLOW = Workflow(
    model=Chargeback, states=("proposed", "confirmed", "waived"),
    transitions=(Transition("confirm", ("proposed",), "confirmed", "spares_rma.decide", guards=(_reason_guard,)),
                 Transition("waive", ("proposed",), "waived", "spares_rma.decide", guards=(_reason_guard,))),
)


def filed_at(rma: Rma):
    return rma.submitted_at or rma.created_at


def assess_line(rma: Rma, line: RmaLine, rules=None, report=None, applied=None) -> list[dict]:
    """The parts of the line's product that make the dealer bear it (empty: no chargeback).

    A part counts when the dealer was obliged to hold it (required > 0 by the most specific
    rule), its latest stock report entered before the RMA was filed showed less than
    required (no report: nothing on hand), and it had applied for that part in no spare-part
    application submitted before the RMA was filed (whatever became of that application).
    """
    if not line.whole_unit or line.resolution not in CHARGEABLE_RESOLUTIONS:
        return []
    rules = rules or spares.Rules.load()
    dealer = rma.dealer
    if report is None:
        latest = spares.latest_reports([dealer.id], filed_before=filed_at(rma)).get(dealer.id)
        quantities = spares.report_quantities([latest[0]]).get(latest[0], {}) if latest else {}
        report = (latest[1] if latest else None, quantities)
    if applied is None:
        applied = applied_parts(rma)
    reported_on, quantities = report
    obliged = rules.for_dealer(dealer)
    found = []
    for bom in line.product.parts:
        hit = obliged.get(bom.part_id)
        if hit is None or hit[0].quantity <= 0:
            continue
        ob = hit[0]
        on_hand = quantities.get(bom.part_id, 0)
        if on_hand < ob.quantity and bom.part_id not in applied:
            found.append({"sku": bom.part.sku, "required": ob.quantity, "on_hand": on_hand,
                          "reported_on": reported_on, "rule": spares.describe_rule(ob)})
    return found


def applied_parts(rma: Rma) -> set[int]:
    return set(db.session.scalars(
        select(ApplicationLine.part_id).join(Application, Application.id == ApplicationLine.application_id)
        .where(Application.dealer_id == rma.dealer_id, Application.submitted_at < filed_at(rma))))


def propose_chargebacks(rma: Rma, actor=None) -> list[Chargeback]:
    """Propose one chargeback per qualifying line (idempotent: a line is charged at most once)."""
    existing = set(db.session.scalars(select(Chargeback.rma_line_id).where(Chargeback.rma_id == rma.id)))
    lines = [l for l in rma.lines if l.id not in existing and l.whole_unit and l.resolution in CHARGEABLE_RESOLUTIONS]
    if not lines:
        return []
    rules = spares.Rules.load()
    latest = spares.latest_reports([rma.dealer_id], filed_before=filed_at(rma)).get(rma.dealer_id)
    report = (latest[1] if latest else None,
              spares.report_quantities([latest[0]]).get(latest[0], {}) if latest else {})
    applied = applied_parts(rma)
    created = []
    for line in lines:
        parts = assess_line(rma, line, rules, report, applied)
        if not parts:
            continue
        amount = (Decimal(line.counted_quantity) * line.product.unit_price).quantize(CENT)
        shortfall = [{"sku": p["sku"], "required": p["required"], "on_hand": p["on_hand"],
                      "reported_on": p["reported_on"].isoformat() if p["reported_on"] else None} for p in parts]
        cb = Chargeback(rma_id=rma.id, rma_line_id=line.id, dealer_id=rma.dealer_id, product_id=line.product_id,
                        amount=amount, state="proposed", part_skus=",".join(p["sku"] for p in parts), shortfall=shortfall)
        db.session.add(cb)
        db.session.flush()
        activity.log(cb, "spares_rma.proposed", {"amount": (None, amount), "state": (None, "proposed")}, comment=grounds(cb), actor=actor)
        created.append(cb)
    if created:
        from core.toolkit import N_, notify, users_with_role

        notify(list(users_with_role("order_dept")), N_("Spare-part chargeback proposed for %(rma)s"),
               N_("%(n)s line(s) without the obliged spare part: see the chargebacks."),
               f"/spares-rma/chargebacks/?rma_id={rma.id}", rma=rma.number or rma.id, n=len(created))
    return created


def grounds(cb: Chargeback) -> str:
    """Why the chargeback was proposed, in the reader's language (stored as data, not text)."""
    return "; ".join(
        _("%(sku)s: required %(required)d, latest report before filing (%(on)s) showed %(on_hand)d, no application",
          sku=p["sku"], required=p["required"], on=p["reported_on"] or _("none"), on_hand=p["on_hand"])
        for p in cb.shortfall or [])


def on_rma_state_changed(rma, old_state, new_state, actor):
    """After an RMA is resolved (its transaction committed), propose chargebacks in a new one."""
    if new_state != "resolved":
        return
    from core.toolkit import commit

    fresh = db.session.get(Rma, rma.id)
    if fresh is None:
        return
    propose_chargebacks(fresh, actor=actor)
    commit()


def decide(cb: Chargeback, action: str, actor, reason: str, version: int | None = None) -> Chargeback:
    WORKFLOW.check(cb, action, actor, version=version, reason=reason)
    cb.reason = reason.strip()
    cb.decided_by_id = actor.id
    cb.decided_at = utcnow()
    WORKFLOW.apply(cb, action, actor, version=version, comment=cb.reason, reason=reason)
    return cb


def get_chargeback(cb_id, user=None) -> Chargeback:
    return get_scoped(Chargeback, cb_id, spares.viewer(user))


def serialize(cb: Chargeback, user=None) -> dict:
    return {"id": cb.id, "rma_id": cb.rma_id, "rma_number": cb.rma.number if cb.rma else None,
            "rma_line_id": cb.rma_line_id, "dealer_code": cb.dealer.code, "sku": cb.product.sku,
            "amount": f"{cb.amount:.2f}", "state": cb.state, "part_skus": [s for s in cb.part_skus.split(",") if s],
            "grounds": grounds(cb), "shortfall": list(cb.shortfall or []), "reason": cb.reason or "",
            "decided_by": cb.decided_by.username if cb.decided_by else None,
            "decided_at": cb.decided_at.isoformat() if cb.decided_at else None, "version": cb.version,
            "actions": [t.name for t in WORKFLOW.allowed(cb, user)] if user is not None else []}


# --- RMA validation and replacement issues ---------------------------------------------------

def validate_rma(rma_id: int, dealer) -> str | None:
    rma = db.session.get(Rma, rma_id)
    if rma is None or (dealer is not None and rma.dealer_id != dealer.id):
        return _("no RMA %(id)s of this dealer", id=rma_id) if dealer is not None else _("no RMA %(id)s", id=rma_id)
    return None


def _rma_number(number, filing_number) -> str:
    return number or filing_number


def lookup_rmas(dealer, user, text: str, exact: bool, limit: int) -> list[dict]:
    """The returns a spare-part application may name: by approval or filing number, within the user's scope."""
    from sqlalchemy import func, or_

    from core.toolkit import scoped

    stmt = scoped(select(Rma.id, Rma.number, Rma.filing_number), Rma, user).where(
        or_(Rma.number.is_not(None), Rma.filing_number.is_not(None)))
    if dealer is not None:
        stmt = stmt.where(Rma.dealer_id == dealer.id)
    text = (text or "")[:32].lower()
    if exact:
        stmt = stmt.where(or_(func.lower(Rma.number) == text, func.lower(Rma.filing_number) == text))
    elif text:
        stmt = stmt.where(or_(func.lower(Rma.number).contains(text, autoescape=True),
                              func.lower(Rma.filing_number).contains(text, autoescape=True)))
    rows = db.session.execute(stmt.order_by(Rma.id.desc()).limit(max(1, min(limit, 50)))).all()
    return [{"id": i, "number": _rma_number(n, f), "url": f"/rma/{i}"} for i, n, f in rows]


def rma_refs(rma_ids) -> dict:
    rows = db.session.execute(select(Rma.id, Rma.number, Rma.filing_number).where(Rma.id.in_(list(rma_ids)))).all()
    return {i: {"number": _rma_number(n, f) or f"#{i}", "url": f"/rma/{i}"} for i, n, f in rows}


def is_warranty(line: RmaLine) -> bool:
    """A quality fault under warranty: the only case a repaired part may go out."""
    return line.verdict == "quality_fault" and line.resolution in ("repair", "replace")


def issue_replacement(body, actor):
    """Issue a part from head-office stock for a resolved RMA line (repaired stock first under warranty)."""
    rma = get_scoped(Rma, body.rma_id, actor)
    line = next((l for l in rma.lines if l.id == body.rma_line_id), None)
    if line is None:
        raise ValidationError(_("unknown line"), {"rma_line_id": _("RMA %(rma_id)s has no line %(body_rma_line_id)s", rma_id=rma.id, body_rma_line_id=body.rma_line_id)})
    if rma.state not in ISSUE_STATES:
        raise Conflict(_("RMA %(number)s is %(rma_state)s; parts are issued once it is resolved", number=rma.number or rma.id, rma_state=rma.state),
                       code="illegal_state")
    if line.resolution not in ("repair", "replace", "paid_repair"):
        raise ValidationError(_("no replacement"), {"rma_line_id": _("the line is resolved as %(line_resolution)s", line_resolution=line.resolution)})
    part = spares.spare_part(body.sku)
    allowed = {line.product_id} | {p.part_id for p in line.product.parts}
    if part.id not in allowed:
        raise ValidationError(_("not a part of this product"), {"sku": _("%(part_sku)s is not part of %(line_product_sku)s", part_sku=part.sku, line_product_sku=line.product.sku)})
    return spares.issue_for_rma(part, body.quantity, rma.id, warranty=is_warranty(line), actor=actor,
                                reason=f"{rma.number or rma.id} / line {line.id}")
