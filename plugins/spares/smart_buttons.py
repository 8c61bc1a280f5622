"""The dealer page's smart buttons and the record names of the activity page (core hooks)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.toolkit import SmartButton, count_for_dealer, hookimpl


@hookimpl
def aftersales_dealer_smart_buttons(dealer, user):
    from plugins.spares.models import Application, StockReport

    if not user.can("spares.view"):
        return []
    return [SmartButton("spares.applications", _l("Spare-part applications"), count_for_dealer(Application, dealer, user),
                        url_for("spares.list_applications", q=dealer.code), "box-seam", 40),
            SmartButton("spares.reports", _l("Spare-part stock reports"), count_for_dealer(StockReport, dealer, user),
                        url_for("spares.list_reports", dealer=dealer.code), "clipboard-check", 50)]


@hookimpl
def aftersales_model_labels():
    return {"spares_application": _l("Spare-part application"), "spares_obligation": _l("Spare-part obligation"),
            "spares_stock_report": _l("Spare-part stock report")}
