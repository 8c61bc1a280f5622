"""The list and detail reads judge each distinct line once and remember the judgement
(``services.RowJudge``): what a user sees still follows every fact, the judging moment, the
rules and the language (issue 8, bench/README.md "fifth pass: list serialization")."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from core.extensions import db
from core.toolkit import settings
from plugins.rma import eligibility as elig, services
from plugins.rma.models import Rma, RmaLine

SUBMITTED = datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc)
RECENT = date(2025, 6, 1)  # in warranty on SUBMITTED for both test categories


@pytest.fixture(autouse=True)
def forget_judgements():
    services._judged.cache_clear()
    services._messages.cache_clear()
    yield


def make_return(world, lines, submitted_at=SUBMITTED, dealer=None) -> int:
    """A submitted return of ``world.dealer`` with ``lines``: (product, issue, extra columns)."""
    rma = Rma(dealer_id=(dealer or world.dealer).id, state="submitted", created_by_id=world.users["d1"].id,
              submitted_at=submitted_at)
    for k, (product, issue, extra) in enumerate(lines):
        rma.lines.append(RmaLine(product_id=product.id, quantity=1, serial=f"SN-{k}", issue=issue, **extra))
    db.session.add(rma)
    db.session.commit()
    return rma.id


def eligibility(client, world, rma_id, user="order", **headers):
    r = client.get(f"/api/v1/rmas/{rma_id}", headers={**world.h[user], **headers})
    assert r.status_code == 200, r.json
    return [line["eligibility"] for line in r.json["lines"]]


def listed(client, world, user="d1"):
    r = client.get("/api/v1/rmas?per_page=50", headers=world.h[user])
    assert r.status_code == 200, r.json
    return {rma["id"]: [line["eligibility"] for line in rma["lines"]] for rma in r.json["items"]}


def test_lines_with_different_facts_are_judged_apart(client, world):
    rma_id = make_return(world, [
        (world.lamp, "quality_defect", {"production_date": RECENT}),
        (world.lamp, "quality_defect", {"production_date": date(2019, 1, 1)}),  # out of warranty
        (world.lamp, "quality_defect", {"production_date": RECENT, "sample": True}),  # quality: accepted
        (world.lamp, "paid_repair", {"production_date": RECENT, "sample": True}),
        (world.lamp, "quality_defect", {"production_date": RECENT, "label_intact": False}),
        (world.strip, "quality_defect", {"production_date": date(2023, 12, 1)}),  # 24 months: out
        (world.lamp, "quality_defect", {"production_date": date(2023, 12, 1)}),  # 36 months: in
    ])
    lines = eligibility(client, world, rma_id)
    assert [(ev["accepted"], ev["reasons"], ev["warnings"]) for ev in lines] == [
        (True, [], []), (False, ["out_of_warranty"], []), (True, [], []), (False, ["sample"], []),
        (True, [], ["label_not_intact"]), (False, ["out_of_warranty"], []), (True, [], [])]
    assert lines[1]["warranty_end"] == "2021-12-31" and lines[0]["warranty_end"] == "2028-05-31"
    assert lines[5]["warranty_end"] == "2025-11-30" and lines[6]["warranty_end"] == "2026-11-30"
    assert listed(client, world)[rma_id] == lines  # the list judges as the detail does


def test_the_judging_moment_counts_to_the_hour(client, world):
    """Same line facts, returns submitted 23 and 25 hours after the goods arrived: only the second is late."""
    received = SUBMITTED - timedelta(hours=30)
    facts = {"received_time": received, "production_date": RECENT}
    early = make_return(world, [(world.lamp, "order_mismatch", facts)], submitted_at=received + timedelta(hours=23))
    late = make_return(world, [(world.lamp, "order_mismatch", facts)], submitted_at=received + timedelta(hours=25))
    assert eligibility(client, world, early)[0]["reasons"] == []
    assert eligibility(client, world, late)[0]["reasons"] == ["order_mismatch_late"]
    by_id = listed(client, world)
    assert by_id[early][0]["reasons"] == [] and by_id[late][0]["reasons"] == ["order_mismatch_late"]


def test_the_judging_day_counts_in_china(client, world):
    """A line whose warranty ends on 2026-06-14: submitted at 23:00 that day in China it is covered,
    an hour later (the 15th in China, still the 14th in UTC) it is not."""
    facts = {"production_date": date(2023, 6, 15)}  # 36 months: covered through 2026-06-14
    covered = make_return(world, [(world.lamp, "quality_defect", facts)],
                          submitted_at=datetime(2026, 6, 14, 15, 0, tzinfo=timezone.utc))
    expired = make_return(world, [(world.lamp, "quality_defect", facts)],
                          submitted_at=datetime(2026, 6, 14, 16, 0, tzinfo=timezone.utc))
    assert eligibility(client, world, covered)[0]["in_warranty"] is True
    assert eligibility(client, world, expired)[0]["reasons"] == ["out_of_warranty"]


def test_a_changed_rule_is_seen_by_the_next_request(client, world):
    received = SUBMITTED - timedelta(hours=30)
    rma_id = make_return(world, [(world.lamp, "order_mismatch", {"received_time": received, "production_date": RECENT})])
    ev = eligibility(client, world, rma_id)[0]
    assert ev["reasons"] == ["order_mismatch_late"]
    assert ev["messages"] == ["An order mismatch must be reported within 24 hours of receipt."]
    settings.set_value("rma.order_mismatch_hours", 48)
    db.session.commit()
    assert eligibility(client, world, rma_id)[0]["reasons"] == []
    settings.set_value("rma.order_mismatch_hours", 12)
    db.session.commit()
    assert eligibility(client, world, rma_id)[0]["messages"] == [
        "An order mismatch must be reported within 12 hours of receipt."]
    assert listed(client, world)[rma_id][0]["messages"] == [
        "An order mismatch must be reported within 12 hours of receipt."]


def test_a_changed_product_or_category_is_seen_by_the_next_request(client, world):
    rma_id = make_return(world, [(world.lamp, "paid_repair", {"production_date": date(2024, 1, 1), "whole_unit": True})])
    assert eligibility(client, world, rma_id)[0]["reasons"] == ["whole_unit"]
    world.lamp.category.whole_unit_returns = True
    db.session.commit()
    assert eligibility(client, world, rma_id)[0]["accepted"] is True
    world.lamp.category.warranty_months = 12
    db.session.commit()
    ev = listed(client, world)[rma_id][0]  # a paid repair may be out of warranty
    assert ev["in_warranty"] is False and ev["warranty_end"] == "2024-12-31" and ev["accepted"] is True
    world.lamp.status = "discontinued"
    db.session.commit()
    assert eligibility(client, world, rma_id)[0]["reasons"] == ["discontinued"]


def test_messages_follow_the_reader_language(client, world):
    rma_id = make_return(world, [(world.lamp, "quality_defect", {"production_date": date(2019, 1, 1)})])
    english = eligibility(client, world, rma_id, **{"Accept-Language": "en"})[0]["messages"]
    chinese = eligibility(client, world, rma_id, **{"Accept-Language": "zh-CN"})[0]["messages"]
    assert english == ["Out of warranty: this line can only be filed as a paid repair."]
    assert chinese != english and chinese[0] and all(ord(ch) < 128 for ch in english[0])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese[0])
    assert eligibility(client, world, rma_id, **{"Accept-Language": "en"})[0]["messages"] == english
    assert services._messages.cache_info().hits == 1  # the language's catalogue is one object per app and locale


def test_a_page_of_alike_lines_is_judged_once(client, world, monkeypatch):
    """Function-call budget: 50 returns x 3 lines with the same facts, judged on the same day, cost one
    judgement (and a second reading of the page none), and the answer is each line's own dict."""
    for _ in range(50):
        make_return(world, [(world.lamp, "quality_defect", {"production_date": RECENT})] * 3)
    calls = []
    judge = elig.judge
    monkeypatch.setattr(elig, "judge", lambda *args: calls.append(args) or judge(*args))
    page = listed(client, world)
    assert len(calls) == 1 and sum(len(lines) for lines in page.values()) == 150
    listed(client, world)
    assert len(calls) == 1


def test_judgements_are_not_shared_between_lines(app):
    """Each call answers a fresh dict: changing one line's answer changes no other."""
    values = {name: None for name in services.ROW_FACTS}
    values.update(issue="paid_repair", production_date=RECENT, sample=True, label_intact=True, warranty_months=36,
                  product_status="active", whole_unit_returns=False)
    facts = tuple(values[name] for name in services.ROW_FACTS)
    with app.test_request_context():
        judge = services.RowJudge(elig.Rules())
        first = judge(facts, date(2026, 3, 2), None)
        assert first["reasons"] == ["sample"] and first["accepted"] is False
        first["reasons"].append("changed")
        first["messages"].append("changed")
        second = judge(facts, date(2026, 3, 2), None)
    assert second["reasons"] == ["sample"] and len(second["messages"]) == 1 and second is not first


def test_detail_answers_what_the_write_answers_serialize(app, client, world):
    """The detail's rows are serialized in place (``reads._serialize``), the answers of writes from the
    loaded return (``services.serialize_rma``): for every return of the recorded data set (every state,
    agents, overdue, refusals, warnings, receipt times, fees, costs) both write the same JSON."""
    from .test_recorded_responses import build

    ids = build(world)
    for rma_id in ids.values():
        read = client.get(f"/api/v1/rmas/{rma_id}", headers=world.h["order"])
        assert read.status_code == 200, read.json
        with app.test_request_context(headers=world.h["order"]):
            written = services.serialize_rma(db.session.get(Rma, rma_id), with_cost=True)
            written = app.json.loads(app.json.dumps(written))
        assert written == read.json, rma_id
