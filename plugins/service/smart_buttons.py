"""The dealer page's smart button and the record names of the activity page (core hooks)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.toolkit import SmartButton, count_for_dealer, hookimpl


@hookimpl
def aftersales_dealer_smart_buttons(dealer, user):
    from plugins.service.models import ServiceRequest

    if not user.can("service.view"):
        return []
    return [SmartButton("service.requests", _l("Service requests"), count_for_dealer(ServiceRequest, dealer, user),
                        url_for("service.list_requests", dealer_code=dealer.code), "headset", 60)]


@hookimpl
def aftersales_model_labels():
    return {"service_request": _l("Service request"), "service_visit": _l("On-site visit")}
