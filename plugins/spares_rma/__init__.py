"""Link between spares and rma: chargebacks, RMA validation on applications, replacement issues."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.toolkit import MenuItem, Permission, SlotRenderer, Widget, hookimpl


@hookimpl
def aftersales_permissions():
    return [
        Permission("spares_rma.view", _l("See spare-part chargebacks"),
                   ("admin", "order_dept", "customer_service", "regional_manager", "auditor", "dealer")),
        Permission("spares_rma.decide", _l("Confirm or waive spare-part chargebacks"), ("admin", "order_dept")),
    ]


@hookimpl
def aftersales_blueprints():
    from plugins.spares_rma.views import bp

    return [bp]


@hookimpl
def aftersales_api_blueprints():
    from plugins.spares_rma.api import bp

    return [bp]


@hookimpl
def aftersales_menu_items():
    return [MenuItem("spares_rma.chargebacks", _l("Spare-part chargebacks"), "spares_rma.list_chargebacks",
                     "spares_rma.view", order=45, icon="cash-coin", group="spares", group_label=_l("Spare parts"))]


@hookimpl
def aftersales_dashboard_widgets():
    from plugins.spares_rma.views import widget_proposed

    return [Widget("spares_rma.proposed", _l("Chargebacks to decide"), widget_proposed, "spares_rma.decide",
                   order=43, width=4)]


@hookimpl
def aftersales_slot_renderers():
    from plugins.spares_rma.views import rma_panel

    return [SlotRenderer("rma_detail_panels", rma_panel, priority=40)]


@hookimpl
def rma_state_changed(rma, old_state, new_state, actor):
    from plugins.spares_rma.services import on_rma_state_changed

    on_rma_state_changed(rma, old_state, new_state, actor)


@hookimpl
def spares_validate_rma(rma_id, dealer):
    from plugins.spares_rma.services import validate_rma

    return validate_rma(rma_id, dealer)


@hookimpl
def spares_rma_lookup(dealer, user, text, exact, limit):
    from plugins.spares_rma.services import lookup_rmas

    return lookup_rmas(dealer, user, text, exact, limit)


@hookimpl
def spares_rma_refs(rma_ids):
    from plugins.spares_rma.services import rma_refs

    return rma_refs(rma_ids)


@hookimpl
def aftersales_activity_labels():
    return {"spares_rma.proposed": _l("chargeback proposed"), "confirm": _l("confirmed"), "waive": _l("waived")}


from plugins.spares_rma.dealers_hooks import dealers_portal_sections, dealers_scorecard  # noqa: E402,F401  (optional hooks)
