"""Dashboard card: open requests by state, overdue replies, on-time arrival rate."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_login import current_user
from markupsafe import Markup

from core.toolkit import settings
from plugins.service import services


def overview():
    since = services.now() - timedelta(days=settings.get("service.dashboard_days"))
    good, total = services.on_time_rate(current_user, since=since)
    return Markup(current_app.jinja_env.get_template("service/widget_overview.html").render(
        by_state=services.open_by_state(current_user), overdue=services.overdue_count(current_user),
        on_time=services.percent(good, total), on_time_counts=(good, total),
        days=settings.get("service.dashboard_days")))
