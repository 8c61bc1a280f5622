"""The dealer page's smart buttons and the record names of the activity page (core hooks)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.toolkit import SmartButton, count_for_dealer, hookimpl


@hookimpl
def aftersales_dealer_smart_buttons(dealer, user):
    from plugins.rma.models import Rma, RmaPenalty

    if not user.can("rma.view"):
        return []
    return [SmartButton("rma.returns", _l("Returns"), count_for_dealer(Rma, dealer, user),
                        url_for("rma.list_rmas", dealer_code=dealer.code), "arrow-return-left", 10),
            SmartButton("rma.penalties", _l("Return penalties"), count_for_dealer(RmaPenalty, dealer, user),
                        url_for("rma.penalties", dealer_code=dealer.code), "cash-coin", 20)]


@hookimpl
def aftersales_model_labels():
    return {"rma": _l("Return"), "rma_rma": _l("Return"), "rma_penalty": _l("Return penalty"),
            "rma_freight_claim": _l("Freight claim")}
