"""Link between logistics exceptions and returns (auto-installed when both are enabled). Hookimpls only."""
from __future__ import annotations

from core.toolkit import SlotRenderer, hookimpl


@hookimpl
def aftersales_blueprints():
    from plugins.logistics_rma.views import bp

    return [bp]


@hookimpl
def aftersales_api_blueprints():
    from plugins.logistics_rma.api import bp

    return [bp]


@hookimpl
def aftersales_slot_renderers():
    from plugins.logistics_rma import views

    return [SlotRenderer("logistics_exception_panels", views.exception_panel),
            SlotRenderer("rma_detail_panels", views.rma_panel)]
