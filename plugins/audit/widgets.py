"""The dashboard card (with a server-side SVG bar chart) and the "Raise nonconformity" button."""
from __future__ import annotations

from flask import current_app, url_for
from flask_login import current_user
from markupsafe import Markup

from plugins.audit import services


def _render(template: str, **context) -> Markup:
    return Markup(current_app.jinja_env.get_template(template).render(**context))


def bar_chart(rows: list[tuple[str, int, int]], bar_height: int = 18, width: int = 320) -> dict:
    """Geometry for a horizontal bar chart of (label, open, overdue): computed here, drawn by the template."""
    top = max([r[1] for r in rows] or [1]) or 1
    label_w, gap = 110, 6
    bars = []
    for i, (label, total, overdue) in enumerate(rows):
        y = i * (bar_height + gap)
        w = int((width - label_w - 30) * total / top)
        ow = int((width - label_w - 30) * overdue / top)
        bars.append({"label": label, "y": y, "text_y": y + bar_height - 5, "w": max(w, 1), "ow": ow, "total": total,
                     "overdue": overdue, "x": label_w, "value_x": label_w + max(w, 1) + 4})
    return {"bars": bars, "height": max(len(rows), 1) * (bar_height + gap), "width": width, "bar_height": bar_height}


def quality():
    from plugins.audit.views import department_label

    figures = services.dashboard_figures(current_user)
    rows = [(department_label(d), n, o) for d, n, o in figures["by_department"][:8]]
    return _render("audit/widget_quality.html", f=figures, chart=bar_chart(rows))


def raise_button(record=None, **kw):
    """On any record page whose table is a registered nonconformity source, for users who may raise one."""
    if record is None or not current_user.is_authenticated or not current_user.can("audit.nc_raise"):
        return None
    table = getattr(record, "__tablename__", None)
    if not table or table not in services.nonconformity_sources():
        return None
    return _render("audit/raise_button.html",
                   url=url_for("audit.new_nonconformity", source_model=table, source_id=record.id))
