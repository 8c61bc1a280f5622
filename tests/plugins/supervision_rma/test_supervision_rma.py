"""A resolved RMA's repaired or replaced lines enter the supervision follow-up queue."""
from datetime import datetime, timezone

from core.testing import api_headers, make_category, make_dealer, make_product, make_user


def _rma(dealer, product, resolutions):
    from core.extensions import db
    from plugins.rma.models import Rma, RmaLine

    rma = Rma(number="RMA-2026-000042", dealer_id=dealer.id, state="inspected",
              submitted_at=datetime(2026, 5, 1, tzinfo=timezone.utc))
    rma.lines = [RmaLine(product_id=product.id, quantity=1, issue="quality_defect", verdict="quality_fault")
                 for _ in resolutions]
    db.session.add(rma)
    db.session.commit()
    return rma


def _resolve(rma, resolutions, actor):
    from core import events
    from core.extensions import db

    for line, resolution in zip(rma.lines, resolutions):
        line.resolution = resolution
    old, rma.state = rma.state, "resolved"
    rma.resolved_at = datetime(2026, 5, 6, 3, 0, tzinfo=timezone.utc)
    events.emit("rma_state_changed", rma=rma, old_state=old, new_state="resolved", actor=actor)
    events.commit()
    db.session.expire_all()


def test_repaired_and_replaced_lines_become_jobs_once(app, client):
    dealer = make_dealer("D1", phone="021-5555")
    product = make_product("LAMP", category=make_category("LIGHTING"))
    admin = make_user("admin", roles=["admin"])
    sup = make_user("sup", roles=["supervision"])
    rma = _rma(dealer, product, ["repair", "credit", "replace"])
    _resolve(rma, ["repair", "credit", "replace"], admin)
    items = client.get("/api/v1/service-jobs?month=2026-05", headers=api_headers(sup)).get_json()["items"]
    assert sorted(i["reference"] for i in items) == ["RMA-2026-000042 / line 1", "RMA-2026-000042 / line 3"]
    assert {i["source"] for i in items} == {"rma"} and {i["dealer_code"] for i in items} == {"D1"}
    # firing again (a repeated event) adds nothing
    from core import events
    events.emit("rma_state_changed", rma=rma, old_state="inspected", new_state="resolved", actor=admin)
    events.commit()
    assert client.get("/api/v1/service-jobs", headers=api_headers(sup)).get_json()["total"] == 2


def test_link_is_auto_installed_only_with_both_plugins():
    from core.testing import make_app

    assert "supervision_rma" in make_app(plugins=["supervision", "rma"]).extensions["aftersales"].enabled_ids
    assert "supervision_rma" not in make_app(plugins=["supervision"]).extensions["aftersales"].enabled_ids
