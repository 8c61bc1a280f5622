"""Opening a return from a transport exception record (004 §7.2: damage in transport is returned
only once the responsible party is identified and the signed exception record is shown)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import Conflict, ValidationError, activity, check, db, scoped
from plugins.logistics import public as logistics
from plugins.logistics.public import LogisticsException
from plugins.logistics_rma.models import LogisticsRmaLink

RMA_ISSUE = "unpacking_damage"  # 004 §4.3: breakage found on unpacking, before installation


def why_not(record: LogisticsException) -> tuple[int, str, str] | None:
    """Why no RMA may be opened from ``record``: (status, code, message), or None when it may."""
    if record.kind != "damaged":
        return 422, "not_damaged", "only a record of goods damaged in transport opens a return"
    if record.state == "refused" or record.outcome == "rejected":
        return 409, "refused", "the order department refused the record: its goods are not returned"
    if record.state not in ("accepted", "resolved"):  # credited or exchanged: the damaged goods still come back
        return 409, "not_accepted", "the order department must accept the record first"
    if record.responsible_party == "unknown":
        return 422, "no_responsible_party", "the party responsible for the damage must be identified"
    if not record.signed or not logistics.has_signed_document(record):
        return 422, "not_signed", ("the carrier's signature (who and when) and the signed exception record "
                                   "must be on the record")
    if db.session.scalar(select(LogisticsRmaLink.id).where(LogisticsRmaLink.exception_id == record.id)):
        return 409, "already_linked", "a return was already opened from this record"
    return None


def damaged_by_sku(record: LogisticsException) -> dict[str, int]:
    """The damaged pieces per SKU (a record filed before damaged quantities were kept: the received ones)."""
    counted = any(ln.damaged_quantity is not None for ln in record.lines)
    by_sku: dict[str, int] = {}
    for ln in record.lines:
        qty = (ln.damaged_quantity or 0) if counted else ln.actual_quantity
        by_sku[ln.sku] = by_sku.get(ln.sku, 0) + qty
    return by_sku


def open_rma(record: LogisticsException, actor, version: int, lines=None):
    """Create a draft RMA for the damaged goods of ``record`` and link both; the dealer completes and submits it."""
    from plugins.rma import public as rma_services

    check(actor, "rma.file")
    if int(version) != record.version:
        raise Conflict(_("stale version %(version)s; current is %(record_version)s", version=version, record_version=record.version), code="stale_version")
    problem = why_not(record)
    if problem:
        status, code, message = problem
        raise (Conflict if status == 409 else ValidationError)(message, code=code)
    by_sku, produced = damaged_by_sku(record), {}
    for ln in record.lines:
        produced.setdefault(ln.sku, ln.production_date)
    if lines is None:
        wanted = [(sku, qty) for sku, qty in by_sku.items() if qty > 0]
    else:
        wanted = [(x["sku"] if isinstance(x, dict) else x.sku, x["quantity"] if isinstance(x, dict) else x.quantity)
                  for x in lines]
    errors = {}
    for i, (sku, qty) in enumerate(wanted):
        if sku not in by_sku:
            errors[f"lines.{i}.sku"] = _("not on the transport exception record")
        elif qty > by_sku[sku]:
            errors[f"lines.{i}.quantity"] = _("More than the %(n)s damaged.", n=by_sku[sku])
    if not wanted:
        errors["lines"] = _("Nothing damaged was received that could be returned.")
    if errors:
        raise ValidationError(_("invalid lines"), errors)
    notes = {ln.sku: ln.description for ln in record.lines if ln.description}
    # a dealer's warranty starts on the production (ex-factory) date: the goods' label, else the shipping date
    rma_lines = [{"sku": sku, "quantity": qty, "issue": RMA_ISSUE, "received_date": record.received_on,
                  "production_date": produced.get(sku) or record.shipped_on, "opened": True, "installed": False,
                  "description": f"{record.number} ({record.carrier} {record.waybill}): {notes.get(sku, '')}".strip()}
                 for sku, qty in wanted]
    rma = rma_services.create_rma(record.dealer, rma_lines, actor, submit=False)
    link = LogisticsRmaLink(exception_id=record.id, rma_id=rma.id, created_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    activity.log(record, "rma_opened", {"rma": (None, rma.number or rma.id)}, actor=actor)
    activity.log(rma, "linked_exception", {"logistics_exception": (None, record.number)}, actor=actor)
    return rma, link


def links_for_exception(record: LogisticsException, user=None) -> list[LogisticsRmaLink]:
    from plugins.rma.public import Rma

    stmt = scoped(select(LogisticsRmaLink).join(LogisticsRmaLink.rma).where(LogisticsRmaLink.exception_id == record.id),
                  Rma, user)
    return list(db.session.scalars(stmt.order_by(LogisticsRmaLink.id)).unique())


def links_for_rma(rma, user=None) -> list[LogisticsRmaLink]:
    stmt = scoped(select(LogisticsRmaLink).join(LogisticsRmaLink.exception).where(LogisticsRmaLink.rma_id == rma.id),
                  LogisticsException, user)
    return list(db.session.scalars(stmt.order_by(LogisticsRmaLink.id)).unique())


def serialize(link: LogisticsRmaLink) -> dict:
    return {"exception_id": link.exception_id, "exception_number": link.exception.number, "rma_id": link.rma_id,
            "rma_number": link.rma.number, "rma_state": link.rma.state, "created_at": link.created_at.isoformat()}
