"""logistics_rma: a damaged record, accepted with the carrier's signature, opens a return; both pages link."""
import io
from datetime import date

import pytest

from core.extensions import db
from core.testing import api_headers, login_as, make_app, make_category, make_dealer, make_product, make_user

URL = "/api/v1/logistics-exceptions"
PDF = b"%PDF-1.4\n%signed\n"


@pytest.fixture
def enabled_plugins():
    return ["logistics", "rma"]


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("plugins.logistics.services.today", lambda: date(2026, 11, 3))


@pytest.fixture
def users(app):
    d1, d2 = make_dealer("D1"), make_dealer("D2")
    cat = make_category("LIGHTING")
    make_product("PNL-600", category=cat, unit_price="268.00")
    make_product("DL-10W", category=cat, unit_price="89.00")
    return {"dealer1": make_user("dealer1", roles=["dealer"], dealer=d1),
            "dealer2": make_user("dealer2", roles=["dealer"], dealer=d2),
            "order": make_user("order", roles=["order_dept"])}


def _record(client, users, *, kind="damaged", party="carrier", signed=True, document=True, accept=True,
            accept_body=None, **over):
    dealer = users["dealer1"]
    h = api_headers(dealer)
    body = {"delivery_note": "DN-1", "shipped_on": "2026-10-20", "carrier": "顺丰速运", "waybill": "SF1", "received_on": "2026-11-02",
            "kind": kind, "responsible_party": party,
            "lines": [{"sku": "PNL-600", "expected_quantity": 12, "actual_quantity": 12, "damaged_quantity": 2,
                       "production_date": "2026-09-15", "description": "边框变形"},
                      {"sku": "DL-10W", "expected_quantity": 4, "actual_quantity": 3, "damaged_quantity": 3,
                       "description": "灯罩碎裂"}]}
    if signed:
        body["carrier_signature"] = {"signer": "刘强", "signed_at": "2026-11-02T10:00:00+08:00"}
    body.update(over)
    rec = client.post(URL, json=body, headers=h).json
    if document:
        assert client.post(f"{URL}/{rec['id']}/attachments", data={"file": (io.BytesIO(PDF), "signed.pdf"),
                                                                   "purpose": "signed_document"},
                           headers=h).status_code == 201
    rec = client.get(f"{URL}/{rec['id']}", headers=h).json
    rec = client.post(f"{URL}/{rec['id']}/file", json={"version": rec["version"]}, headers=h).json
    if accept:
        rec = client.post(f"{URL}/{rec['id']}/accept", json={"version": rec["version"], **(accept_body or {})},
                          headers=api_headers(users["order"])).json
    return rec


def _open(client, user, rec, **body):
    body.setdefault("version", rec["version"])
    return client.post(f"{URL}/{rec['id']}/open-rma", json=body, headers=api_headers(user))


def test_the_link_plugin_is_installed_with_both(app):
    assert "logistics_rma" in app.extensions["aftersales"].enabled_ids
    alone = make_app(plugins=["logistics"])
    assert "logistics_rma" not in alone.extensions["aftersales"].enabled_ids
    assert not any("open-rma" in r.rule for r in alone.url_map.iter_rules())


def test_accepted_signed_damaged_record_opens_a_draft_return(app, client, users):
    from plugins.rma.models import Rma

    rec = _record(client, users)
    r = _open(client, users["dealer1"], rec)
    assert r.status_code == 201, r.json
    rma = db.session.get(Rma, r.json["rma_id"])
    assert rma.dealer.code == "D1" and rma.state == "draft"
    # the damaged quantity (2 of the 12 delivered), with the production date on the goods (else the shipping date)
    assert sorted((ln.product.sku, ln.quantity, ln.issue, ln.production_date) for ln in rma.lines) == [
        ("DL-10W", 3, "unpacking_damage", date(2026, 10, 20)), ("PNL-600", 2, "unpacking_damage", date(2026, 9, 15))]
    assert all(ln.received_date == date(2026, 11, 2) and rec["number"] in ln.description for ln in rma.lines)
    links = client.get(f"{URL}/{rec['id']}/rmas", headers=api_headers(users["dealer1"])).json["items"]
    assert [x["rma_id"] for x in links] == [rma.id]
    back = client.get(f"/api/v1/rmas/{rma.id}/logistics-exceptions", headers=api_headers(users["order"])).json["items"]
    assert [x["exception_number"] for x in back] == [rec["number"]]
    # only once
    rec = client.get(f"{URL}/{rec['id']}", headers=api_headers(users["dealer1"])).json
    r = _open(client, users["dealer1"], rec)
    assert r.status_code == 409 and r.json["error"]["code"] == "already_linked"


def test_chosen_lines_and_quantities(app, client, users):
    rec = _record(client, users)
    r = _open(client, users["dealer1"], rec, lines=[{"sku": "PNL-600", "quantity": 3}])
    assert r.status_code == 422 and r.json["error"]["fields"]["lines.0.quantity"] == "More than the 2 damaged."
    r = _open(client, users["dealer1"], rec, lines=[{"sku": "STRIP", "quantity": 1}])
    assert r.status_code == 422 and "lines.0.sku" in r.json["error"]["fields"]
    r = _open(client, users["dealer1"], rec, lines=[{"sku": "DL-10W", "quantity": 3}])
    assert r.status_code == 201


@pytest.mark.parametrize("over, status, code", [
    ({"accept": False}, 409, "not_accepted"),
    ({"signed": False}, 422, "not_signed"),
    ({"document": False}, 422, "not_signed"),
    ({"party": "unknown"}, 422, "no_responsible_party"),
    ({"kind": "mass_breakage"}, 422, "not_damaged"),
])
def test_damaged_goods_without_an_accepted_signed_record_cannot_be_returned(app, client, users, over, status, code):
    from plugins.rma.models import Rma

    rec = _record(client, users, **over)
    r = _open(client, users["dealer1"], rec)
    assert r.status_code == status and r.json["error"]["code"] == code, r.json
    assert db.session.scalar(db.select(db.func.count(Rma.id))) == 0


def test_record_rules_permission_and_version(app, client, users):
    rec = _record(client, users)
    assert _open(client, users["dealer2"], rec).status_code == 404
    assert _open(client, users["order"], rec).status_code == 403  # head office does not file returns
    r = _open(client, users["dealer1"], rec, version=rec["version"] - 1)
    assert r.status_code == 409 and r.json["error"]["code"] == "stale_version"
    r = client.post(f"{URL}/{rec['id']}/open-rma", json={}, headers=api_headers(users["dealer1"]))
    assert r.status_code == 422 and "version" in r.json["error"]["fields"]


def test_pages_show_the_button_and_the_links(app, client, users):
    rec = _record(client, users)
    unsigned = _record(client, users, document=False)
    login_as(client, "dealer1")
    page = client.get(f"/logistics/{rec['id']}").get_data(as_text=True)
    assert f"/logistics/{rec['id']}/open-rma" in page
    page = client.get(f"/logistics/{unsigned['id']}").get_data(as_text=True)
    assert "open-rma" not in page and "signed exception record must be on the record" in page
    r = client.post(f"/logistics/{unsigned['id']}/open-rma", data={"version": unsigned["version"]})
    assert r.status_code == 303
    r = client.post(f"/logistics/{rec['id']}/open-rma", data={"version": rec["version"]})
    assert r.status_code == 302
    from plugins.logistics_rma.models import LogisticsRmaLink

    link = db.session.scalars(db.select(LogisticsRmaLink)).one()
    assert r.headers["Location"].endswith(f"/rma/{link.rma_id}")
    page = client.get(f"/logistics/{rec['id']}").get_data(as_text=True)
    assert "open-rma" not in page and f"/rma/{link.rma_id}" in page
    # the RMA page shows the exception record in its rma_detail_panels slot
    page = client.get(f"/rma/{link.rma_id}")
    assert page.status_code == 200 and rec["number"] in page.get_data(as_text=True)
    assert f"/logistics/{rec['id']}" in page.get_data(as_text=True)


def test_a_damaged_record_needs_its_damaged_quantity(app, client, users):
    h = api_headers(users["dealer1"])
    body = {"delivery_note": "DN-2", "carrier": "顺丰速运", "received_on": "2026-11-02", "kind": "damaged",
            "responsible_party": "carrier",
            "lines": [{"sku": "PNL-600", "expected_quantity": 12, "actual_quantity": 12, "description": "边框变形"}]}
    rec = client.post(URL, json=body, headers=h).json
    r = client.post(f"{URL}/{rec['id']}/file", json={"version": rec["version"]}, headers=h)
    assert r.status_code == 422 and "damaged quantity" in r.json["error"]["fields"]["lines"]
    body["lines"][0]["damaged_quantity"] = 13
    r = client.post(URL, json=body, headers=h)
    assert r.status_code == 422 and "lines.0.damaged_quantity" in r.json["error"]["fields"]


def test_resolved_record_still_opens_a_return_and_a_refused_one_says_why(app, client, users):
    rec = _record(client, users)
    rec = client.post(f"{URL}/{rec['id']}/resolve", json={"version": rec["version"], "outcome": "credit"},
                      headers=api_headers(users["order"])).json
    assert rec["state"] == "resolved"
    login_as(client, "dealer1")
    page = client.get(f"/logistics/{rec['id']}").get_data(as_text=True)
    assert "must accept the record" not in page and f"/logistics/{rec['id']}/open-rma" in page
    assert _open(client, users["dealer1"], rec).status_code == 201
    refused = _record(client, users, accept=False)
    refused = client.post(f"{URL}/{refused['id']}/refuse", json={"version": refused["version"], "comment": "no"},
                          headers=api_headers(users["order"])).json
    page = client.get(f"/logistics/{refused['id']}").get_data(as_text=True)
    assert "must accept the record" not in page and "refused this record" in page


def test_order_department_names_the_party_when_accepting(app, client, users):
    rec = _record(client, users, party="unknown", accept_body={"responsible_party": "carrier"})
    assert rec["state"] == "accepted" and rec["responsible_party"] == "carrier"
    assert _open(client, users["dealer1"], rec).status_code == 201
    bad = _record(client, users, party="unknown", accept=False)
    r = client.post(f"{URL}/{bad['id']}/accept", json={"version": bad["version"], "responsible_party": "nobody"},
                    headers=api_headers(users["order"]))
    assert r.status_code == 422
    login_as(client, "order")
    page = client.get(f"/logistics/{bad['id']}").get_data(as_text=True)
    assert 'name="responsible_party"' in page
    r = client.post(f"/logistics/{bad['id']}/accept", data={"version": bad["version"], "responsible_party": "company"})
    assert r.status_code == 302
    from plugins.logistics.models import LogisticsException

    db.session.expire_all()
    saved = db.session.get(LogisticsException, bad["id"])
    assert saved.state == "accepted" and saved.responsible_party == "company"


def test_the_opened_draft_is_edited_and_submitted(app, client, users):
    from plugins.rma.models import Rma

    rec = _record(client, users)
    rma_id = _open(client, users["dealer1"], rec).json["rma_id"]
    login_as(client, "dealer1")
    page = client.get(f"/rma/{rma_id}").get_data(as_text=True)
    assert f"/rma/{rma_id}/edit" in page
    form = client.get(f"/rma/{rma_id}/edit").get_data(as_text=True)
    assert 'value="2026-09-15"' in form and 'value="2"' in form
    rma = db.session.get(Rma, rma_id)
    data = {"version": rma.version, "submit": "1"}
    for i, ln in enumerate(rma.lines):
        data.update({f"lines-{i}-sku": ln.product.sku, f"lines-{i}-quantity": str(ln.quantity),
                     f"lines-{i}-issue": ln.issue, f"lines-{i}-production_date": ln.production_date.isoformat(),
                     f"lines-{i}-received_date": ln.received_date.isoformat(), f"lines-{i}-opened": "on",
                     f"lines-{i}-description": ln.description})
    r = client.post(f"/rma/{rma_id}/edit", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    db.session.expire_all()
    assert db.session.get(Rma, rma_id).state == "submitted"
