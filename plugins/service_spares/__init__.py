"""Link between on-site service visits and head-office spare-part stock (auto-installed when both
plugins are enabled): the parts a visit record lists are issued from stock. Hookimpls only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.toolkit import hookimpl
from plugins.service_spares import models  # noqa: F401  (its table in the metadata: no blueprint imports it)


@hookimpl
def service_visit_recorded(visit, actor):
    """Issue the visit's parts in the visit's own transaction (short stock refuses the record)."""
    from plugins.service_spares import services

    services.issue_parts(visit, actor)


@hookimpl
def service_visit_parts_issued(visit_ids):
    from plugins.service_spares import services

    return services.issued_by_visit(visit_ids)


@hookimpl
def aftersales_activity_labels():
    return {"service_spares.issued": _l("parts issued from head-office stock")}


@hookimpl
def aftersales_load_demo(ctx):
    from plugins.service_spares.demo import load

    load(ctx)
