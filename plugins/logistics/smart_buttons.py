"""The dealer page's smart button and the record names of the activity page (core hooks)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.toolkit import SmartButton, count_for_dealer, hookimpl


@hookimpl
def aftersales_dealer_smart_buttons(dealer, user):
    from plugins.logistics.models import LogisticsException

    if not user.can("logistics.view"):
        return []
    return [SmartButton("logistics.exceptions", _l("Transport exceptions"), count_for_dealer(LogisticsException, dealer, user),
                        url_for("logistics.list_exceptions", dealer_code=dealer.code), "truck", 30)]


@hookimpl
def aftersales_model_labels():
    return {"logistics_exception": _l("Transport exception record")}
