"""Dashboard card: the latest GB/T 27922 score and level, documents due for review, calibrations overdue."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from markupsafe import Markup
from sqlalchemy import func, select

from core.toolkit import db, settings, today
from plugins.certification import services
from plugins.certification.models import Document, SelfAssessment


def level():
    latest = db.session.scalar(select(SelfAssessment).order_by(SelfAssessment.year.desc()).limit(1))
    horizon = today() + timedelta(days=settings.get("certification.reminder_days"))
    due = db.session.scalar(select(func.count(Document.id)).where(
        Document.status == "current", Document.review_due_on.is_not(None), Document.review_due_on <= horizon)) or 0
    overdue = services.overdue_equipment_count()
    return Markup(current_app.jinja_env.get_template("certification/widget_level.html").render(
        latest=latest, due=due, overdue=overdue))
