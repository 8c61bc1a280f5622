"""Dashboard cards; each is one query, scoped to what the viewer may see."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user
from markupsafe import Markup

from core.toolkit import series_chart, settings
from plugins.logistics import services


def _render(template: str, **context) -> Markup:
    """A partial without the page's context processors (they would query again per widget)."""
    return Markup(current_app.jinja_env.get_template(template).render(**context))


def per_carrier():
    labels, rows = services.per_carrier_per_month(current_user, settings.get("logistics.dashboard_months"))
    return _render("logistics/widget_per_carrier.html", labels=labels, rows=rows,
                   chart_spec=series_chart(labels, rows, "stacked"))


def open_claims():
    count, total, items = services.open_claims(current_user)
    return _render("logistics/widget_claims.html", count=count, total=total, items=items)


def late_filings():
    count, items = services.late_filings(current_user)
    return _render("logistics/widget_late.html", count=count, items=items)
