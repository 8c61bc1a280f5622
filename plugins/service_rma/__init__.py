"""Link between service requests and returns (auto-installed when both are enabled). Hookimpls only."""
from __future__ import annotations

from core.toolkit import SlotRenderer, hookimpl


@hookimpl
def aftersales_blueprints():
    from plugins.service_rma.views import bp

    return [bp]


@hookimpl
def aftersales_api_blueprints():
    from plugins.service_rma.api import bp

    return [bp]


@hookimpl
def aftersales_slot_renderers():
    from plugins.service_rma import views

    return [SlotRenderer("service_request_panels", views.request_panel)]

