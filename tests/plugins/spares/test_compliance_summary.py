"""The compliance lists and rates read a per-dealer summary (issue 8) kept in step with every input:
after each kind of change their answers equal a fresh in-memory computation over every dealer's
latest report and all of its lines (what they computed on every request before)."""
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import insert, select

from core.extensions import db
from core.testing import api_headers, make_dealer
from core.toolkit import Dealer, Region
from plugins.spares import services
from plugins.spares.models import ComplianceSummary, Obligation, StockReport, StockReportLine


def expected(user=None) -> dict:
    """The answers as computed before the summary: from the in-memory compliance matrix."""
    rules, rows = services.compliance_matrix(user=services.SYSTEM if user is None else user)
    rates: dict = {}
    for by in ("dealer", "region"):
        groups: dict = {}
        for row in rows:
            d = row.dealer
            key, name = ((d.code, d.name) if by == "dealer" else
                         (d.region.code, d.region.name) if d.region else ("-", "No region"))
            g = groups.setdefault(key, {"key": key, "name": name, "obliged": 0, "compliant": 0})
            g["obliged"] += len(row.required)
            g["compliant"] += row.compliant_parts()
        rates[by] = [{**g, "rate": services.percent(g["compliant"], g["obliged"])}
                     for g in sorted(groups.values(), key=lambda g: g["key"]) if g["obliged"]]
    parts: dict = {}
    for row in rows:
        for pid, req in row.required.items():
            g = parts.setdefault(pid, {"key": rules.parts[pid].sku, "name": rules.parts[pid].name, "obliged": 0,
                                       "compliant": 0})
            g["obliged"] += 1
            g["compliant"] += row.on_hand.get(pid, 0) >= req
    rates["part"] = [{**g, "rate": services.percent(g["compliant"], g["obliged"])}
                     for g in sorted(parts.values(), key=lambda g: g["key"])]
    missing = [{"dealer_code": r.dealer.code, "dealer_name": r.dealer.name,
                "region_code": r.dealer.region.code if r.dealer.region else None,
                "reported_on": r.reported_on.isoformat() if r.reported_on else None,
                "missing_parts": sorted(rules.parts[p].sku for p in r.missing()),
                "rate": services.percent(len(r.required) - len(r.missing()), len(r.required))}
               for r in rows if r.missing()]
    overall = (sum(r.compliant_parts() for r in rows), sum(len(r.required) for r in rows))
    return {"dealer": rates["dealer"], "region": rates["region"], "part": rates["part"], "non_compliant": missing, "overall": overall}


def answers(client, user) -> dict:
    h = api_headers(user)
    got = {by: client.get(f"/api/v1/spare-compliance/rates?by={by}&per_page=100", headers=h).json["items"]
           for by in ("dealer", "region", "part")}
    got["non_compliant"] = client.get("/api/v1/spare-compliance/non-compliant?per_page=100", headers=h).json["items"]
    db.session.expire_all()
    got["overall"] = services.overall_rate(user=services.SYSTEM)
    return got


def check(client, world):
    db.session.expire_all()
    want = expected()
    assert answers(client, world.service) == want
    assert want["non_compliant"] or want["overall"] == (0, 0) or want["overall"][0] == want["overall"][1]
    return want


def report(client, user, code, age, lines):
    r = client.post("/api/v1/spare-stock-reports", headers=api_headers(user), json={
        "dealer_code": code, "reported_on": (date.today() - timedelta(days=age)).isoformat(),
        "lines": [{"sku": s, "quantity": q} for s, q in lines]})
    assert r.status_code == 201, r.json
    return r.json


@pytest.fixture
def seeded(app, client, world):
    h = api_headers(world.admin)
    for body in ({"sku": "DRV", "quantity": 2}, {"sku": "COB", "quantity": 1, "abc_class": "A"}):
        assert client.post("/api/v1/spare-obligations", json=body, headers=h).status_code == 201
    report(client, world.admin, "D1", 3, [("DRV", 2), ("COB", 0)])
    report(client, world.admin, "D2", 5, [("DRV", 1)])
    return world


def test_stock_reports_change_the_answers(app, client, seeded):
    w = seeded
    first = check(client, w)
    assert [r["dealer_code"] for r in first["non_compliant"]] == ["A1", "D1", "D2"]
    report(client, w.admin, "D1", 1, [("DRV", 2), ("COB", 1)])  # D1 now holds everything
    report(client, w.admin, "D2", 40, [("DRV", 9)])  # older than D2's latest: changes nothing
    assert [r["dealer_code"] for r in check(client, w)["non_compliant"]] == ["A1", "D2"]
    report(client, w.admin, "A1", 0, [("DRV", 5)])
    assert [r["dealer_code"] for r in check(client, w)["non_compliant"]] == ["D2"]


@pytest.mark.parametrize("scope", [{}, {"dealer_code": "D2"}, {"region_code": "SOUTH"}, {"abc_class": "B"},
                                   {"dealer_kind": "agent"}])
def test_obligation_created_updated_deleted(app, client, seeded, scope):
    w, h = seeded, api_headers(seeded.admin)
    before = check(client, w)
    r = client.post("/api/v1/spare-obligations", json={"sku": "COB", "quantity": 3, **scope}, headers=h)
    assert r.status_code == 201, r.json
    created = check(client, w)
    assert created != before
    assert client.patch(f"/api/v1/spare-obligations/{r.json['id']}", json={"quantity": 0},
                        headers=h).status_code == 200
    assert check(client, w) != created
    assert client.delete(f"/api/v1/spare-obligations/{r.json['id']}", headers=h).status_code == 204
    assert check(client, w) == before


@pytest.mark.parametrize("change", [{"region_code": "EAST"}, {"abc_class": "A"}, {"kind": "agent"},
                                    {"status": "disqualified", "status_reason": "closed"}])
def test_dealer_changes(app, client, seeded, change):
    w, h = seeded, api_headers(seeded.admin)
    for body in ({"sku": "DRV", "quantity": 4, "region_code": "EAST"}, {"sku": "COB", "quantity": 3, "dealer_kind": "agent"}):
        assert client.post("/api/v1/spare-obligations", json=body, headers=h).status_code == 201
    before = check(client, w)
    r = client.patch(f"/api/v1/dealers/{w.d2.id}", json=change, headers=h)
    assert r.status_code == 200, r.json
    assert check(client, w) != before


def test_dealer_created_and_in_memory_changes_before_commit(app, client, seeded):
    w = seeded
    before = check(client, w)
    make_dealer("N1", region=w.east)
    assert ["A1", "D1", "D2", "N1"] == [r["dealer_code"] for r in check(client, w)["non_compliant"]]
    assert check(client, w) != before
    # a change not yet committed counts for reads in the same transaction, and is gone on rollback
    db.session.get(Dealer, w.d2.id).abc_class = "A"
    assert services.overall_rate(user=services.SYSTEM) == expected()["overall"]
    db.session.rollback()
    check(client, w)


def test_rebuild_after_a_bulk_load(app, client, seeded):
    """Writes that bypass the session (the bench loader) are followed by `spares rebuild-compliance`."""
    w = seeded
    rid = db.session.execute(insert(StockReport).values(dealer_id=w.agent.id, reported_on=date.today())
                             .returning(StockReport.id)).scalar_one()
    db.session.execute(insert(StockReportLine).values(report_id=rid, part_id=w.drv.id, quantity=9))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["spares", "rebuild-compliance"])
    assert result.exit_code == 0 and "compliance of 3 dealer(s) recomputed" in result.output
    assert "A1" not in [r["dealer_code"] for r in check(client, w)["non_compliant"]]
    assert db.session.scalar(select(ComplianceSummary.report_id).where(ComplianceSummary.dealer_id == w.agent.id)) == rid


def test_scoped_users_see_their_dealers_only(app, client, seeded):
    from core.testing import make_user
    from core.toolkit import region_managers

    w = seeded
    manager = make_user("rm", roles=["regional_manager"])
    db.session.execute(region_managers.insert().values(region_id=w.south.id, user_id=manager.id))
    db.session.commit()
    got, want = answers(client, manager), expected(manager)
    assert got["non_compliant"] == want["non_compliant"] and got["region"] == want["region"]
    assert got["part"] == want["part"] and got["part"][0]["obliged"] == 1
    assert [r["key"] for r in got["dealer"]] == ["D2"]
    assert [r["key"] for r in answers(client, w.u1)["dealer"]] == ["D1"]


def test_non_compliant_pages_in_sql(app, client, seeded):
    w, h = seeded, api_headers(seeded.service)
    want = check(client, w)["non_compliant"]
    pages = [client.get(f"/api/v1/spare-compliance/non-compliant?per_page=2&page={n}", headers=h).json
             for n in (1, 2, 3)]
    assert [p["items"] for p in pages] == [want[:2], want[2:4], []]
    assert {(p["total"], p["pages"]) for p in pages} == {(len(want), 2)}


def in_memory(dealer, rules) -> tuple[dict, tuple]:
    """A dealer's compliance as computed in memory before issue 8's fifth pass (Rules.for_dealer over
    every obligation, its latest report's lines): the page's items, and its summary row."""
    latest = services.latest_reports([dealer.id]).get(dealer.id)
    held = services.report_quantities([latest[0]]).get(latest[0], {}) if latest else {}
    items = sorted(({"sku": rules.parts[pid].sku, "part_name": rules.parts[pid].name, "required": ob.quantity,
                     "on_hand": held.get(pid, 0), "compliant": held.get(pid, 0) >= ob.quantity,
                     "rule": services.serialize_rule(ob, overridden)}
                    for pid, (ob, overridden) in rules.for_dealer(dealer).items()), key=lambda i: i["sku"])
    missing = sorted(pid for pid, (ob, _o) in rules.for_dealer(dealer).items() if held.get(pid, 0) < ob.quantity)
    row = (latest[0] if latest else None, len(items), len(items) - len(missing), " ".join(map(str, missing)))
    return items, row


def test_sql_answers_equal_the_in_memory_rules(app, client, seeded):
    """Every scope, overrides of parts no general rule names, a zero requirement, dealers without a
    region: the dealer's page (API) and the summary row computed in SQL equal the
    in-memory computation, after a rule for every dealer changes too."""
    from core.testing import make_product

    w, h = seeded, api_headers(seeded.admin)
    make_product("FAN", category=w.elec, is_spare_part=True)
    make_dealer("N1", abc_class="B")  # no region
    make_dealer("N2", kind="agent", region=w.south)
    db.session.commit()
    for body in ({"sku": "COB", "quantity": 2, "region_code": "EAST"}, {"sku": "DRV", "quantity": 5, "dealer_kind": "agent"},
                 {"sku": "FAN", "quantity": 1, "dealer_code": "D2"}, {"sku": "DRV", "quantity": 0, "dealer_code": "D1"},
                 {"sku": "COB", "quantity": 3, "abc_class": "C"}, {"sku": "FAN", "quantity": 2, "dealer_code": "N1"}):
        assert client.post("/api/v1/spare-obligations", json=body, headers=h).status_code == 201
    report(client, w.admin, "D2", 1, [("DRV", 2), ("FAN", 1)])
    report(client, w.admin, "N2", 2, [("DRV", 5), ("COB", 0)])
    every = db.session.scalar(select(Obligation.id).where(Obligation.dealer_id.is_(None), Obligation.region_id.is_(None),
                                                          Obligation.abc_class.is_(None), Obligation.dealer_kind.is_(None)))
    for step in ("before", "after"):
        if step == "after":
            assert client.patch(f"/api/v1/spare-obligations/{every}", json={"quantity": 3}, headers=h).status_code == 200
        db.session.expire_all()
        rules = services.Rules.load()
        stored = {r.dealer_id: (r.report_id, r.obliged, r.compliant, r.missing)
                  for r in db.session.scalars(select(ComplianceSummary))}
        for dealer in db.session.scalars(select(Dealer)):
            with force_locale("en"):  # the API answers in English
                items, row = in_memory(dealer, rules)
            got = client.get(f"/api/v1/spare-compliance?dealer_code={dealer.code}", headers=h).json
            assert got["items"] == items and stored[dealer.id] == row, (step, dealer.code)
        assert {d.code for d in db.session.scalars(select(Dealer))} >= {"N1", "N2", "D1", "D2", "A1"}
