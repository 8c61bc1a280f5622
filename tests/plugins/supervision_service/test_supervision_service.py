"""A completed on-site service visit enters the supervision follow-up queue (the service plugin's event)."""
from datetime import datetime, timezone

from core.testing import api_headers, make_user


def _fire(job):
    from core import events

    events.emit("service_job_completed", job=job)
    events.commit()


def test_completed_service_job_enters_the_queue_once(app, client):
    sup = make_user("sup", roles=["supervision"])
    job = {"source": "service", "reference": "SR-2026-000012", "department": "customer_service",
           "completed_at": datetime(2026, 5, 6, 2, 30, tzinfo=timezone.utc), "customer_name": "王先生",
           "customer_phone": "13812341234", "dealer_code": None}
    _fire(job)
    _fire(job)  # a repeated event adds nothing
    items = client.get("/api/v1/service-jobs?month=2026-05", headers=api_headers(sup)).get_json()["items"]
    assert [(i["source"], i["reference"], i["customer_phone"]) for i in items] == [
        ("service", "SR-2026-000012", "13812341234")]


def test_link_is_auto_installed_with_both_plugins():
    from core.testing import make_app

    assert "supervision_service" in make_app(plugins=["supervision", "service"]).extensions["aftersales"].enabled_ids
