"""The hooks audit offers: review inputs from rma, spares and logistics (and audit alone), and raising a
nonconformity from an RMA record (its visibility checked as the caller, the button on the RMA page)."""
from datetime import datetime, timezone

import pytest

from core.extensions import db
from core.testing import api_headers, login_as, make_category, make_product
from helpers_audit import get, post

N, R = "/api/v1/nonconformities", "/api/v1/management-reviews"
OWN = ["Internal audits", "Nonconformities", "Corrective actions", "Improvements and their results",
       "Decisions of the previous review"]


@pytest.fixture
def enabled_plugins():
    return ["audit", "rma", "spares", "logistics"]


def _rma(world, state="received"):
    from plugins.rma.models import Rma, RmaLine

    product = make_product("PNL-600", category=make_category("LIGHTING"))
    rma = Rma(number="RMA-2026-000001", dealer_id=world["dealers"]["D1"].id, state=state,
              submitted_at=datetime(2026, 2, 10, tzinfo=timezone.utc),
              lines=[RmaLine(product_id=product.id, quantity=2, issue="quality_defect")])
    db.session.add(rma)
    db.session.commit()
    return rma


def test_review_inputs_include_every_enabled_plugin(app, client, world):
    _rma(world)
    review = post(client, world["users"]["boss"], R, {"period_from": "2026-01-01", "period_to": "2026-06-30",
                                                      "chair": "boss"}, 201).json
    titles = [s["title"] for s in review["inputs"]]
    assert titles[:5] == OWN
    assert {"Returns (RMA)", "Spare-part stock compliance", "Transport exceptions"} <= set(titles[5:])
    rma = next(s for s in review["inputs"] if s["title"] == "Returns (RMA)")
    figures = {f["label"]: f["value"] for f in rma["figures"]}
    assert figures["Returns filed"] == 1 and figures["Cause: Quality defect"] == 1
    assert figures["Resolved within the SLA"] == "—"
    # frozen in the language of whoever opens the review
    world["users"]["boss"].language = "zh_CN"
    db.session.commit()
    zh = post(client, world["users"]["boss"], R, {"period_from": "2026-01-01", "period_to": "2026-06-30",
                                                  "chair": "boss"}, 201).json
    titles = [s["title"] for s in zh["inputs"]]
    assert titles[0] == "内部审核" and "备件库存达标情况" in titles and "运输异常" in titles
    assert any(t.startswith("退货") for t in titles)


def test_raise_nonconformity_from_an_rma(app, client, world):
    rma = _rma(world)
    u = world["users"]
    nc = post(client, u["auditor"], N, {"title": "退货包装不合格", "severity": "minor", "source_model": "rma_rma",
                                         "source_id": rma.id}, 201).json
    assert nc["source"] == "rma" and nc["source_model"] == "rma_rma" and nc["source_id"] == rma.id
    assert nc["dealer_code"] == "D1" and nc["source_url"].endswith(f"/{rma.id}")
    # the dealer whose return it is sees it; the other does not
    get(client, u["dealer1"], f"{N}/{nc['id']}")
    get(client, u["dealer2"], f"{N}/{nc['id']}", 404)
    r = post(client, u["auditor"], N, {"title": "x", "severity": "minor", "source_model": "rma_rma",
                                       "source_id": 999999}, 404)
    assert r.json["error"]["code"] == "not_found"
    r = post(client, u["auditor"], N, {"title": "x", "severity": "minor", "source": "complaint",
                                       "source_model": "rma_rma", "source_id": rma.id}, 422)
    assert "source" in r.json["error"]["fields"]
    # the button on the RMA page, for those who may raise one
    login_as(client, "auditor")
    page = client.get(f"/rma/{rma.id}").get_data(as_text=True)
    assert 'id="raise-nonconformity"' in page and "source_model=rma_rma" in page
    form = client.get(f"/audit/nonconformities/new?source_model=rma_rma&source_id={rma.id}")
    assert form.status_code == 200 and 'value="rma_rma"' in form.get_data(as_text=True)
    client.get("/logout")
    login_as(client, "admin")
    assert 'id="raise-nonconformity"' in client.get(f"/rma/{rma.id}").get_data(as_text=True)


def test_public_functions_for_other_plugins(app, client, world):
    from plugins.audit.public import propose_improvement, raise_nonconformity

    u = world["users"]
    nc = raise_nonconformity(title="自评发现：回访记录不全", description="自评", severity="minor",
                             department="customer_service", source="self_assessment", owner="cs", actor=u["admin"])
    imp = propose_improvement(title="回访记录电子化", description="自评建议", origin="self_assessment",
                              owner=u["cs"], actor=u["admin"], link="SA-2026-01")
    db.session.commit()
    assert nc.number == "NC-2026-0001" and nc.state == "open" and nc.owner.username == "cs"
    assert imp.number == "IMP-2026-001" and imp.owner.username == "cs" and imp.link == "SA-2026-01"
