"""Issuing a visit's parts through the spares plugin's public API, and reading them back."""
from __future__ import annotations

from sqlalchemy import select

from core.toolkit import activity, db
from plugins.spares import public as spares
from plugins.service_spares.models import ServiceSparesIssue


def issue_parts(visit, actor) -> list:
    """One ``issue_service`` movement per listed part, its reason the request's number; all or none
    (a short line raises a 422 keyed ``parts_used.<i>.qty`` and the caller rolls the visit back)."""
    lines = [(p["sku"], p["qty"]) for p in visit.parts_used or []]
    if not lines:
        return []
    movements = spares.issue_from_head_office(lines, visit.request.number, actor, field="parts_used")
    for i, movement in enumerate(movements):
        db.session.add(ServiceSparesIssue(visit_id=visit.id, line=i, movement_id=movement.id))
    db.session.flush()
    activity.log(visit, "service_spares.issued",
                 {"movements": (None, ", ".join(f"#{m.id} {m.part.sku} {m.quantity:+d}" for m in movements))},
                 actor=actor)
    return movements


def issued_by_visit(visit_ids) -> dict[int, list[dict]]:
    """``service_visit_parts_issued``: one query for any number of visits. The stock left after a
    movement is head office's business (the spares ledger is theirs): None for other readers."""
    out: dict[int, list[dict]] = {i: [] for i in visit_ids}
    if not out:
        return out
    head_office = getattr(spares.viewer(), "scope", "all") == "all"
    rows = db.session.execute(select(ServiceSparesIssue.visit_id, spares.Movement)
                              .join(spares.Movement, spares.Movement.id == ServiceSparesIssue.movement_id)
                              .where(ServiceSparesIssue.visit_id.in_(list(out)))
                              .order_by(ServiceSparesIssue.visit_id, ServiceSparesIssue.line))
    for visit_id, m in rows:
        out[visit_id].append({"sku": m.part.sku, "name": m.part.name, "qty": -m.quantity, "movement_id": m.id,
                              "balance_after": m.balance_after if head_office else None, "reference": m.reason, "issued_at": m.created_at})
    return out
