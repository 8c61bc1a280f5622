"""Demo data: six months, idempotent, and consistent with the rules."""
from sqlalchemy import func, select


def test_demo_loads_six_months_once(app):
    from core.cli import load_demo_data
    from core.extensions import db
    from plugins.supervision.models import Assessment, Inspector, ServiceJob

    ctx = load_demo_data()
    assert ("service2", "demo12345", "customer_service") in ctx.logins
    states = dict(db.session.execute(select(Assessment.state, func.count()).group_by(Assessment.state)).all())
    assert states == {"distributed": 4, "confirmed": 1, "draft": 1}
    jobs = db.session.scalar(select(func.count(ServiceJob.id)))
    assert db.session.scalar(select(func.count(Inspector.id))) == 1
    load_demo_data()
    assert db.session.scalar(select(func.count(ServiceJob.id))) == jobs
