"""Dashboard card: the latest GB/T 27922 score and level, documents due for review, calibrations overdue."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from markupsafe import Markup
from sqlalchemy import func, select

from core.toolkit import db, settings, today
from plugins.certification import services
from plugins.certification.models import Document, Equipment, SelfAssessment


def level():
    """Two queries: the latest assessment's columns, and both counts at once."""
    latest = db.session.execute(select(SelfAssessment.id, SelfAssessment.year, SelfAssessment.score,
                                       SelfAssessment.level).order_by(SelfAssessment.year.desc()).limit(1)).first()
    horizon = today() + timedelta(days=settings.get("certification.reminder_days"))
    due = select(func.count(Document.id)).where(Document.status == "current", Document.review_due_on.is_not(None),
                                                Document.review_due_on <= horizon).scalar_subquery()
    overdue = select(func.count(Equipment.id)).where(services.overdue_clause(today())).scalar_subquery()
    counts = db.session.execute(select(due, overdue)).one()
    return Markup(current_app.jinja_env.get_template("certification/widget_level.html").render(
        latest=latest, due=counts[0] or 0, overdue=counts[1] or 0))
