"""Pages: the dealer's form and uploads, the record page's actions, the queue, the dashboard widgets, the demo."""
import io
from datetime import date

import pytest

from core.extensions import db
from core.testing import count_queries, login_as
from helpers_logistics import act, create, get
from plugins.logistics.models import LogisticsException

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(date(2026, 11, 3))


def _form(**over):
    data = {"delivery_note": "DN-9", "carrier": "德邦物流", "waybill": "", "shipped_on": "", "received_on": "2026-11-02",
            "kind": "short", "responsible_party": "unknown", "description": "",
            "signer": "", "signed_at": "",
            "lines-0-sku": "PNL-600", "lines-0-expected_quantity": "10", "lines-0-actual_quantity": "7",
            "lines-0-description": "3 missing"}
    data.update(over)
    return data


def test_dealer_files_a_record_through_the_pages(app, client, world):
    login_as(client, "dealer1")
    page = client.get("/logistics/new")
    assert page.status_code == 200 and "产品运输异常记录表" in page.get_data(as_text=True)
    assert 'name="dealer_code"' not in page.get_data(as_text=True)  # a dealer files for itself
    r = client.post("/logistics/new", data=_form())
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    rec = db.session.scalars(db.select(LogisticsException)).one()
    assert rec.dealer.code == "D1" and rec.lines[0].actual_quantity == 7 and rec.state == "draft"
    page = client.get(f"/logistics/{rec.id}").get_data(as_text=True)
    assert "2026-11-04" in page  # the filing deadline is shown
    r = client.post(f"/logistics/{rec.id}/attachments", data={"purpose": "photo", "file": (io.BytesIO(PNG), "box.png")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    r = client.post(f"/logistics/{rec.id}/attachments", data={"purpose": "photo", "file": (io.BytesIO(b"text"), "x.txt")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "only PNG" in r.get_data(as_text=True)
    page = client.get(f"/logistics/{rec.id}").get_data(as_text=True)
    assert "box.png" in page
    db.session.expire_all()
    r = client.post(f"/logistics/{rec.id}/file", data={"version": rec.version + 1})
    assert r.status_code == 409  # stale
    r = client.post(f"/logistics/{rec.id}/file", data={"version": rec.version})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(LogisticsException, rec.id).state == "filed"


def test_form_errors_land_on_fields(app, client, world):
    login_as(client, "dealer1")
    r = client.post("/logistics/new", data=_form(**{"lines-0-sku": "NOPE", "received_on": "2026-12-01"}))
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert "unknown SKU" in text or "cannot be in the future" in text
    r = client.post("/logistics/new", data=_form(**{"lines-0-sku": ""}))
    assert r.status_code == 422
    assert db.session.scalar(db.select(db.func.count(LogisticsException.id))) == 0


def test_order_department_accepts_a_late_filing_on_the_page(app, client, world, clock):
    u = world["users"]
    rec = create(client, u["dealer1"], received_on="2026-11-02")
    clock.set(date(2026, 11, 6))
    assert act(client, u["dealer1"], rec, "file").status_code == 422
    rec = get(client, u["dealer1"], rec["id"]).json
    login_as(client, "order")
    queue = client.get("/logistics/queue").get_data(as_text=True)
    assert rec["number"] in queue
    page = client.get(f"/logistics/{rec['id']}").get_data(as_text=True)
    assert "late_reason" in page and "receiver bears the loss" in page
    r = client.post(f"/logistics/{rec['id']}/accept", data={"version": rec["version"], "late_reason": ""})
    assert r.status_code == 422
    r = client.post(f"/logistics/{rec['id']}/accept", data={"version": rec["version"], "late_reason": "运单延误"})
    assert r.status_code == 302
    assert get(client, u["order"], rec["id"]).json["state"] == "accepted"
    page = client.get(f"/logistics/{rec['id']}").get_data(as_text=True)
    assert "运单延误" in page


def test_pages_respect_record_rules_and_permissions(app, client, world):
    u = world["users"]
    rec = create(client, u["dealer1"])
    login_as(client, "dealer2")
    assert client.get(f"/logistics/{rec['id']}").status_code == 404
    assert client.get(f"/logistics/{rec['id']}/edit").status_code == 404
    assert client.post(f"/logistics/{rec['id']}/file", data={"version": rec["version"]}).status_code == 404
    assert rec["number"] not in client.get("/logistics/").get_data(as_text=True)
    assert client.get("/logistics/queue").status_code == 403


def test_list_and_dashboard_query_counts_are_constant(app, client, world):
    u = world["users"]
    api = app.test_client()  # bearer calls from a client without the browser session

    def make(n, start=0):
        for i in range(n):
            rec = create(api, u["dealer1"], carrier=f"承运商{(start + i) % 3}")
            if i % 2:
                act(api, u["dealer1"], rec, "file")

    login_as(client, "order")
    make(10)
    client.get("/logistics/?per_page=100")
    counts = {}
    for n, extra in ((10, 0), (60, 50)):
        if extra:
            make(extra, 10)
        for url in ("/logistics/?per_page=100", "/logistics/queue?per_page=100", "/"):
            with count_queries(app) as q:
                assert client.get(url).status_code == 200
            counts.setdefault(url, []).append(q.count)
    for url, (a, b) in counts.items():
        assert a == b, (url, a, b)


def test_dashboard_widgets(app, client, world, clock):
    u = world["users"]
    rec = create(client, u["dealer1"], kind="mass_breakage", responsible_party="carrier", carrier="顺丰速运",
                 lines=[{"sku": "PNL-600", "expected_quantity": 9, "actual_quantity": 9, "description": "broken"}])
    rec = act(client, u["order"], act(client, u["dealer1"], rec, "file").json, "accept").json
    act(client, u["order"], rec, "resolve", outcome="carrier_claim", claim_amount="1234.50")
    late = create(client, u["dealer2"], carrier="中通快运")
    clock.set(date(2026, 11, 20))
    act(client, u["dealer2"], late, "file")
    login_as(client, "order")
    page = client.get("/").get_data(as_text=True)
    assert 'id="widget-logistics-per_carrier"' in page and "顺丰速运" in page and "中通快运" in page and "2026-11" in page
    assert 'id="open-claims-count">1<' in page and "1234.50" in page
    assert 'id="late-count">1<' in page
    # a dealer's widgets count only its own records
    client.post("/logout", data={})
    login_as(client, "dealer1")
    page = client.get("/").get_data(as_text=True)
    assert 'id="late-count">0<' in page and "中通快运" not in page


def test_demo_data_loads_and_is_idempotent(app):
    from core.cli import load_demo_data

    load_demo_data()
    first = db.session.scalar(db.select(db.func.count(LogisticsException.id)))
    load_demo_data()
    assert db.session.scalar(db.select(db.func.count(LogisticsException.id))) == first == 6
    states = {r.state for r in db.session.scalars(db.select(LogisticsException))}
    assert states == {"draft", "filed", "accepted", "resolved"}


def test_a_line_error_lands_on_its_line_and_an_unplaced_one_is_flashed(app, client, world, monkeypatch):
    """One behaviour with every page (``toolkit.place_form_errors``): ``lines.1.damaged_quantity`` under
    that line's cell, a refusal whose field the form does not have flashed with its message."""
    import html

    login_as(client, "dealer1")
    r = client.post("/logistics/new", data=_form(**{
        "kind": "damaged", "lines-1-sku": "DL-10W", "lines-1-expected_quantity": "4", "lines-1-actual_quantity": "4",
        "lines-1-damaged_quantity": "9", "lines-1-description": "crushed"}))
    page = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 422
    cell = page[page.index('name="lines-1-damaged_quantity"'):]
    cell = cell[:cell.index("</td>")]
    assert "invalid-feedback" in cell
    other = page[page.index('name="lines-0-damaged_quantity"'):]
    assert "invalid-feedback" not in other[:other.index("</td>")]
    from core.errors import ValidationError
    from plugins.logistics import services

    def refuse(data, actor):
        raise ValidationError("the carrier is blocked", {"lines.0.sku": "not carried by this carrier",
                                                         "carrier_account": "the account is closed"})

    monkeypatch.setattr(services, "create_exception", refuse)
    r = client.post("/logistics/new", data=_form())
    page = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 422
    cell = page[page.index('name="lines-0-sku"'):]
    assert "not carried by this carrier" in cell[:cell.index("</td>")]
    alerts = [part.split("<")[0] for part in page.split('role="alert">')[1:]]
    assert "the carrier is blocked" in alerts and "the account is closed" in alerts
    assert "carrier_account" not in page  # the API's key is not shown to a person


def test_a_line_error_lands_on_the_row_it_came_from_when_a_row_above_is_blank(app, client, world):
    """The service numbers the lines it was sent; a blank row in between used to shift its errors one row up."""
    login_as(client, "dealer1")
    blank = {f"lines-{i}-{name}": "" for i in range(1, 5) for name in ("sku", "expected_quantity", "actual_quantity",
                                                                      "damaged_quantity", "production_date", "description")}
    r = client.post("/logistics/new", data=_form(**{  # as a browser sends it: every row, the blank ones too
        **blank, "kind": "damaged", "lines-0-damaged_quantity": "1",
        "lines-2-sku": "DL-10W", "lines-2-expected_quantity": "4", "lines-2-actual_quantity": "4",
        "lines-2-damaged_quantity": "9", "lines-2-description": "crushed"}))
    page = r.get_data(as_text=True)
    assert r.status_code == 422

    def cell(name):
        text = page[page.index(f'name="{name}"'):]
        return text[:text.index("</td>")]

    assert "invalid-feedback" in cell("lines-2-damaged_quantity")
    assert "invalid-feedback" not in cell("lines-1-damaged_quantity")
    r = client.post("/logistics/new", data=_form(**{**blank, "lines-2-sku": "DL-10W"}))  # no quantities on row 3
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "invalid-feedback" in cell("lines-2-sku")
    assert "invalid-feedback" not in cell("lines-1-sku")
