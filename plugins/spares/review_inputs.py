"""What the spares plugin offers the audit plugin's management review (optionalhook: unused without audit)."""
from __future__ import annotations

from flask_babel import gettext as _

from core.toolkit import hookimpl


@hookimpl(optionalhook=True)
def audit_review_inputs(period_from, period_to):
    """Spare-part stock compliance as it stands when the review is opened (stock is a current state)."""
    from plugins.spares import services

    compliant, obliged = services.overall_rate(user=services.SYSTEM)
    non_compliant = services.non_compliant(user=services.SYSTEM)
    return [{"title": _("Spare-part stock compliance"), "figures": [
        {"label": _("Compliance (parts held as required)"),
         "value": f"{100.0 * compliant / obliged:.0f}%" if obliged else "—"},
        {"label": _("Obligations"), "value": obliged},
        {"label": _("Dealers not compliant"), "value": len(non_compliant)},
    ]}]
