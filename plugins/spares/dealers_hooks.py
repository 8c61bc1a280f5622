"""Spare-part obligations on the dealer portal and compliance on the scorecard (optional hooks
of the dealers plugin: unused when that plugin is not enabled)."""
from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _

from core.toolkit import db, hookimpl, in_ids, settings, today

ITEMS = 10


@hookimpl(optionalhook=True)
def dealers_portal_sections(dealer, user):
    if not user.can("spares.view"):
        return []
    from plugins.spares.services import dealer_compliance

    on = today()
    result = dealer_compliance(dealer, today=on)
    if not result["items"]:
        return []
    missing = [i for i in result["items"] if not i["compliant"]]
    reported_on = result["reported_on"]
    next_due = None
    if reported_on:
        from datetime import date

        next_due = date.fromisoformat(reported_on) + timedelta(days=settings.get("spares.report_max_age_days"))
    report_label = (_("Last stock report: %(on)s (%(days)d days ago)", on=reported_on, days=result["report_age_days"])
                    if reported_on else _("No stock report yet"))
    report_item = {"label": report_label, "url": url_for("spares.new_report") if user.can("spares.report") else None,
                   "due_on": next_due or on}
    items = [report_item] + [{"label": _("%(sku)s %(name)s: %(on_hand)d of %(required)d", sku=i["sku"],
                                         name=i["part_name"], on_hand=i["on_hand"], required=i["required"]),
                              "url": url_for("spares.compliance"), "due_on": None} for i in missing[:ITEMS - 1]]
    return [{"key": "spares.obligations", "title": _("Spare-part obligations not met"),
             "count": len(missing) + (1 if result["report_overdue"] else 0),
             "url": url_for("spares.compliance"), "order": 30, "items": items}]


@hookimpl(optionalhook=True)
def dealers_scorecard(dealer_ids, period_from, period_to):
    """Compliance is the state of the latest stock report, read from the per-dealer summary
    (plugins.spares.summary): a row per dealer, never the obligations or a report line (it was the
    whole compliance matrix, every counted dealer computed in Python, for any number of dealers)."""
    from plugins.spares.models import ComplianceSummary as s
    from plugins.spares.services import SYSTEM, _summary_rows

    clause = in_ids(s.dealer_id, dealer_ids)  # one statement for any number of dealers
    values = {d: None for d in dealer_ids}
    for dealer_id, obliged, compliant in db.session.execute(
            _summary_rows(SYSTEM, s.dealer_id, s.obliged, s.compliant, where=() if clause is None else (clause,))):
        if dealer_id in values:
            values[dealer_id] = round(100.0 * compliant / obliged, 1)
    return [{"key": "spares.compliance", "label": _("Spare-part compliance (%)"), "direction": "higher_better",
             "values": values}]
