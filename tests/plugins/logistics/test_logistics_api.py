"""The /api/v1/logistics-exceptions contract: CRUD, bad input, record rules, attachments, claims, query counts."""
from datetime import date

import pytest

from core.extensions import db
from core.notifications import Notification
from core.testing import api_headers, count_queries
from helpers_logistics import URL, act, body, create, get
from plugins.logistics.models import LogisticsException

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(date(2026, 11, 3))  # Tue; records received Mon 11-02 are in time until Wed 11-04


def test_create_get_patch_delete_draft(app, client, world):
    dealer = world["users"]["dealer1"]
    rec = create(client, dealer, carrier_signature={"signer": "刘强", "signed_at": "2026-11-02T10:30:00+08:00"})
    assert rec["number"].startswith("LEX-2026-") and rec["state"] == "draft" and rec["dealer_code"] == "D1"
    assert rec["carrier_signature"] == {"signer": "刘强", "signed_at": "2026-11-02T02:30:00+00:00"}
    assert rec["lines"] == [{"sku": "PNL-600", "expected_quantity": 10, "actual_quantity": 8, "damaged_quantity": None,
                            "production_date": None, "description": "2 missing"}]
    assert rec["late"] is False and rec["outcome"] is None and rec["claim"] is None
    assert set(rec["actions"]) == {"file"}
    h = api_headers(dealer)
    r = client.patch(f"{URL}/{rec['id']}", json={"carrier": "顺丰速运", "version": rec["version"],
                                                  "lines": [{"sku": "DL-10W", "expected_quantity": 5, "actual_quantity": 0}]},
                     headers=h)
    assert r.status_code == 200, r.json
    assert r.json["carrier"] == "顺丰速运" and r.json["lines"][0]["sku"] == "DL-10W" and r.json["version"] == rec["version"] + 1
    r2 = client.patch(f"{URL}/{rec['id']}", json={"carrier": "x", "version": rec["version"]}, headers=h)
    assert r2.status_code == 409 and r2.json["error"]["code"] == "stale_version"
    assert client.delete(f"{URL}/{rec['id']}", headers=h).status_code == 204
    assert get(client, dealer, rec["id"]).status_code == 404


def test_filed_record_is_read_only(app, client, world):
    dealer = world["users"]["dealer1"]
    rec = act(client, dealer, create(client, dealer), "file").json
    h = api_headers(dealer)
    assert client.patch(f"{URL}/{rec['id']}", json={"carrier": "x"}, headers=h).status_code == 409
    assert client.delete(f"{URL}/{rec['id']}", headers=h).status_code == 409
    assert act(client, dealer, rec, "file").status_code == 409


def test_bad_input(app, client, world):
    dealer, order = world["users"]["dealer1"], world["users"]["order"]
    h = api_headers(dealer)
    r = client.post(URL, json={"kind": "exploded", "lines": [], "received_on": "yesterday", "extra": 1}, headers=h)
    assert r.status_code == 422
    assert {"delivery_note", "carrier", "kind", "lines", "received_on", "extra"} <= set(r.json["error"]["fields"])
    r = client.post(URL, json=body(lines=[{"sku": "NOPE", "expected_quantity": 1, "actual_quantity": 0},
                                          {"sku": "PNL-600", "expected_quantity": -1, "actual_quantity": "a"}]), headers=h)
    assert r.status_code == 422 and {"lines.1.expected_quantity", "lines.1.actual_quantity"} <= set(r.json["error"]["fields"])
    r = client.post(URL, json=body(lines=[{"sku": "NOPE", "expected_quantity": 1, "actual_quantity": 0}]), headers=h)
    assert r.status_code == 422 and "lines.0.sku" in r.json["error"]["fields"]
    r = client.post(URL, json=body(received_on="2026-11-04"), headers=h)
    assert r.status_code == 422 and "received_on" in r.json["error"]["fields"]
    r = client.post(URL, json=body(shipped_on="2026-11-03"), headers=h)
    assert r.status_code == 422 and "shipped_on" in r.json["error"]["fields"]
    r = client.post(URL, json=body(carrier_signature={"signer": ""}), headers=h)
    assert r.status_code == 422
    r = client.post(URL, data="{nope", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 400
    # staff must name a dealer, and an existing one
    ho = api_headers(order)
    assert "dealer_code" in client.post(URL, json=body(), headers=ho).json["error"]["fields"]
    assert "dealer_code" in client.post(URL, json=body(dealer_code="ZZ"), headers=ho).json["error"]["fields"]
    assert client.post(URL, json=body(dealer_code="D2"), headers=ho).json["dealer_code"] == "D2"
    # a dealer cannot file for another dealer
    assert "dealer_code" in client.post(URL, json=body(dealer_code="D2"), headers=h).json["error"]["fields"]
    # actions: missing version, unknown outcome, unknown record
    rec = create(client, dealer)
    r = client.post(f"{URL}/{rec['id']}/file", json={}, headers=h)
    assert r.status_code == 422 and "version" in r.json["error"]["fields"]
    assert client.post(f"{URL}/999999/file", json={"version": 1}, headers=h).status_code == 404
    assert client.get(f"{URL}/999999", headers=h).status_code == 404
    assert client.get(f"{URL}?state=nope", headers=h).status_code == 400
    assert db.session.scalar(db.select(db.func.count(LogisticsException.id))) == 2


def test_filing_needs_a_consistent_record(app, client, world):
    dealer = world["users"]["dealer1"]
    rec = create(client, dealer, kind="short", lines=[{"sku": "PNL-600", "expected_quantity": 5, "actual_quantity": 5}])
    r = act(client, dealer, rec, "file")
    assert r.status_code == 422 and "lines" in r.json["error"]["fields"]
    rec = create(client, dealer, kind="damaged", lines=[{"sku": "PNL-600", "expected_quantity": 5, "actual_quantity": 5}])
    assert act(client, dealer, rec, "file").status_code == 422


def test_stale_version_on_actions(app, client, world):
    dealer, order = world["users"]["dealer1"], world["users"]["order"]
    rec = create(client, dealer)
    filed = act(client, dealer, rec, "file").json
    r = act(client, order, filed, "accept", version=rec["version"])
    assert r.status_code == 409 and r.json["error"]["code"] == "stale_version"
    assert act(client, order, filed, "accept").status_code == 200


def test_record_rules(app, client, world):
    u = world["users"]
    mine = create(client, u["dealer1"])
    dist_rec = create(client, u["dist"])
    for user in (u["dealer2"], u["dist"], u["agent"]):
        h = api_headers(user)
        assert client.get(f"{URL}/{mine['id']}", headers=h).status_code == 404
        assert client.patch(f"{URL}/{mine['id']}", json={"carrier": "x"}, headers=h).status_code == 404
        assert client.delete(f"{URL}/{mine['id']}", headers=h).status_code == 404
        assert act(client, user, mine, "file").status_code == 404
        assert client.post(f"{URL}/{mine['id']}/attachments", data={"file": (__import__("io").BytesIO(PNG), "a.png")},
                           headers=h).status_code == 404
    assert [i["number"] for i in client.get(URL, headers=api_headers(u["dealer2"])).json["items"]] == []
    # an agent sees its distributor's records
    agent_items = client.get(URL, headers=api_headers(u["agent"])).json["items"]
    assert [i["id"] for i in agent_items] == [dist_rec["id"]]
    assert client.get(URL, headers=api_headers(u["order"])).json["total"] == 2
    # staff without the decide permission may look but not decide
    filed = act(client, u["dealer1"], mine, "file").json
    assert act(client, u["tech"], filed, "accept").status_code == 403


def test_filters_and_pagination(app, client, world):
    u = world["users"]
    create(client, u["dealer1"], carrier="A运", kind="lost",
           lines=[{"sku": "PNL-600", "expected_quantity": 1, "actual_quantity": 0}])
    b = create(client, u["dealer1"], carrier="B运", waybill="WB-XYZ")
    create(client, u["dealer2"], carrier="B运", received_on="2026-10-20", shipped_on=None)
    act(client, u["dealer1"], b, "file")
    h = api_headers(u["order"])

    def numbers(qs):
        r = client.get(f"{URL}?{qs}", headers=h)
        assert r.status_code == 200, r.json
        return r.json["total"]

    assert numbers("carrier=B运") == 2
    assert numbers("kind=lost") == 1
    assert numbers("state=filed") == 1
    assert numbers("dealer_code=D2") == 1
    assert numbers("q=XYZ") == 1
    assert numbers("late=false") == 3 and numbers("late=true") == 0
    assert numbers("received_from=2026-11-01&received_to=2026-11-02") == 2
    r = client.get(f"{URL}?per_page=2&page=2&sort=number", headers=h).json
    assert r["total"] == 3 and r["pages"] == 2 and len(r["items"]) == 1


def test_attachments_are_served_only_to_who_sees_the_record(app, client, world):
    import io

    u = world["users"]
    rec = create(client, u["dealer1"])
    h = api_headers(u["dealer1"])
    r = client.post(f"{URL}/{rec['id']}/attachments", data={"file": (io.BytesIO(PNG), "damage.png")}, headers=h)
    assert r.status_code == 201 and r.json["purpose"] == "photo" and r.json["content_type"] == "image/png"
    photo = r.json
    r = client.post(f"{URL}/{rec['id']}/attachments", data={"file": (io.BytesIO(PDF), "签收单.pdf"), "purpose": "signed_document"},
                    headers=h)
    assert r.status_code == 201 and r.json["purpose"] == "signed_document"
    r = client.post(f"{URL}/{rec['id']}/attachments", data={"file": (io.BytesIO(b"MZ\x90\x00exe"), "x.exe")}, headers=h)
    assert r.status_code == 422 and "file" in r.json["error"]["fields"]
    r = client.post(f"{URL}/{rec['id']}/attachments", data={"file": (io.BytesIO(PNG), "a.png"), "purpose": "selfie"}, headers=h)
    assert r.status_code == 422
    assert client.post(f"{URL}/{rec['id']}/attachments", data={}, headers=h).status_code == 400
    got = client.get(photo["url"], headers=h)
    assert got.status_code == 200 and got.data == PNG and got.mimetype == "image/png"
    assert client.get(photo["url"], headers=api_headers(u["dealer2"])).status_code == 404
    assert client.get(f"/logistics/{rec['id']}/attachments/{photo['id']}", headers=api_headers(u["dealer2"])).status_code in (302, 404)
    other = create(client, u["dealer1"])
    assert client.get(f"{URL}/{other['id']}/attachments/{photo['id']}", headers=h).status_code == 404
    assert [a["filename"] for a in get(client, u["dealer1"], rec["id"]).json["attachments"]] == ["damage.png", "签收单.pdf"]
    assert client.delete(f"{URL}/{rec['id']}/attachments/{photo['id']}", headers=h).status_code == 204
    assert len(get(client, u["dealer1"], rec["id"]).json["attachments"]) == 1


def test_mass_breakage_carrier_claim_to_settlement(app, client, world):
    u = world["users"]
    rec = create(client, u["dealer1"], kind="mass_breakage", responsible_party="carrier",
                 lines=[{"sku": "PNL-600", "expected_quantity": 100, "actual_quantity": 100, "description": "all broken"}])
    rec = act(client, u["dealer1"], rec, "file").json
    rec = act(client, u["order"], rec, "accept").json
    for outcome in ("credit", "exchange"):
        r = act(client, u["order"], rec, "resolve", outcome=outcome)
        assert r.status_code == 422 and "outcome" in r.json["error"]["fields"]
    r = act(client, u["order"], rec, "resolve", outcome="carrier_claim")
    assert r.status_code == 422 and "claim_amount" in r.json["error"]["fields"]
    r = act(client, u["order"], rec, "resolve", outcome="carrier_claim", claim_amount="-5")
    assert r.status_code == 422
    r = act(client, u["order"], rec, "resolve", outcome="carrier_claim", claim_amount="26800.50")
    assert r.status_code == 200, r.json
    assert r.json["claim"] == {"amount": "26800.50", "status": "open", "settled_amount": None, "settled_on": None}
    rec = r.json
    assert act(client, u["dealer1"], rec, "settle-claim").status_code == 403
    assert client.get(f"{URL}?claim_status=open", headers=api_headers(u["order"])).json["total"] == 1
    r = act(client, u["order"], rec, "settle-claim", settled_amount="25000.00", settled_on="2026-11-03")
    assert r.status_code == 200
    assert r.json["claim"] == {"amount": "26800.50", "status": "settled", "settled_amount": "25000.00",
                               "settled_on": "2026-11-03"}
    assert act(client, u["order"], r.json, "settle-claim").status_code == 409


def test_claim_amount_only_for_carrier_claims(app, client, world):
    u = world["users"]
    rec = act(client, u["order"], act(client, u["dealer1"], create(client, u["dealer1"]), "file").json, "accept").json
    r = act(client, u["order"], rec, "resolve", outcome="credit", claim_amount="10.00")
    assert r.status_code == 422 and "claim_amount" in r.json["error"]["fields"]
    r = act(client, u["order"], rec, "resolve", outcome="carrier_claim", claim_amount="10.00")
    assert r.status_code == 422  # responsible party not the carrier
    r = act(client, u["order"], rec, "resolve", outcome="credit", comment="冲帐 2 件")
    assert r.status_code == 200 and r.json["outcome"] == "credit" and r.json["state"] == "resolved"


def test_filing_notifies_the_order_department(app, client, world):
    from core.testing import make_user

    u = world["users"]
    chinese = make_user("order_zh", roles=["order_dept"], language="zh_CN")
    shop = make_user("shop_zh", roles=["dealer"], dealer=world["dealers"]["D1"], language="zh_CN")
    rec = act(client, u["dealer1"], create(client, u["dealer1"]), "file").json
    from flask_babel import force_locale

    def titles(user):  # rendered in the reader's language when read
        rows = db.session.scalars(db.select(Notification).where(Notification.user_id == user.id)).all()
        with force_locale(user.language):
            return [n.display_title for n in rows]

    assert titles(chinese) == [f"{rec['number']}：运输异常记录已提交"]
    assert titles(u["order"]) == [f"{rec['number']}: transport exception filed"]  # the test user reads English
    act(client, u["order"], rec, "refuse", comment="单据不全")
    assert titles(shop) == [f"{rec['number']}：订单部已拒绝"]
    assert db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.user_id == u["dealer2"].id)) == 0


def test_list_query_count_is_constant(app, client, world):
    import io

    u = world["users"]
    h = api_headers(u["order"])

    def make(n):
        for _ in range(n):
            rec = create(client, u["dealer1"])
            client.post(f"{URL}/{rec['id']}/attachments", data={"file": (io.BytesIO(PNG), "p.png")},
                        headers=api_headers(u["dealer1"]))

    make(10)
    client.get(URL, headers=h)
    with count_queries(app) as q10:
        assert len(client.get(f"{URL}?per_page=200", headers=h).json["items"]) == 10
    make(45)
    client.get(URL, headers=h)  # the token and settings caches warm again (tokens were issued)
    with count_queries(app) as q55:
        assert len(client.get(f"{URL}?per_page=200", headers=h).json["items"]) == 55
    assert q10.count == q55.count


def test_openapi_documents_the_contract(app, client):
    doc = client.get("/api/v1/openapi.json").json
    for path in (URL, URL + "/{record_id}", URL + "/{record_id}/file", URL + "/{record_id}/accept",
                 URL + "/{record_id}/refuse", URL + "/{record_id}/resolve"):
        assert path in doc["paths"], path
    props = doc["components"]["schemas"]["ExceptionOut"]["properties"]
    for name in ("delivery_note", "carrier", "waybill", "shipped_on", "received_on", "kind", "responsible_party",
                 "unopened", "lines", "carrier_signature", "state", "outcome", "late"):
        assert name in props
