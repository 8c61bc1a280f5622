"""A spare-part application names its return by the number people quote (picked from the dealer's
returns), and its page links to that return; the API still takes ``rma_id``."""
from core.extensions import db
from core.testing import api_headers, login_as
from plugins.spares.models import Application
from tests.plugins.spares_rma.test_spares_rma import make_rma

BODY = {"lines": [{"sku": "DRV", "quantity": 1}], "reason": "driver failed"}


def numbered(world, dealer, number, filing_number=None):
    rma = make_rma(dealer, world.filed, [{"product": world.lamp}])
    rma.number, rma.filing_number = number, filing_number
    db.session.commit()
    return rma


def test_api_takes_the_rma_number_and_still_the_id(app, client, world):
    own = numbered(world, world.d1, "RMA-2026-000101", "RMAF-2026-000007")
    other = numbered(world, world.d2, "RMA-2026-000102")
    h1 = api_headers(world.u1)
    r = client.post("/api/v1/spare-applications", json={**BODY, "rma_number": "rma-2026-000101"}, headers=h1)
    assert r.status_code == 201, r.json
    assert (r.json["rma_id"], r.json["rma_number"]) == (own.id, "RMA-2026-000101")
    r = client.post("/api/v1/spare-applications", json={**BODY, "rma_number": "RMAF-2026-000007"}, headers=h1)
    assert r.status_code == 201 and r.json["rma_id"] == own.id  # the filing number works before approval too
    r = client.post("/api/v1/spare-applications", json={**BODY, "rma_number": other.number}, headers=h1)
    assert r.status_code == 422 and "rma_number" in r.json["error"]["fields"]  # another dealer's return
    r = client.post("/api/v1/spare-applications", json={**BODY, "rma_number": own.number, "rma_id": other.id},
                    headers=h1)
    assert r.status_code == 422 and "rma_number" in r.json["error"]["fields"]
    r = client.post("/api/v1/spare-applications", json={**BODY, "rma_number": "x" * 33}, headers=h1)
    assert r.status_code == 422 and "rma_number" in r.json["error"]["fields"]
    r = client.post("/api/v1/spare-applications", json={**BODY, "rma_id": own.id}, headers=h1)  # older clients
    assert r.status_code == 201 and (r.json["rma_id"], r.json["rma_number"]) == (own.id, own.number)
    assert client.get(f"/api/v1/spare-applications/{r.json['id']}", headers=h1).json["rma_number"] == own.number


def test_the_form_picks_a_return_by_number_and_the_page_links_to_it(app, client, world):
    own = numbered(world, world.d1, "RMA-2026-000201")
    numbered(world, world.d1, "RMA-2026-000202")
    theirs = numbered(world, world.d2, "RMA-2026-000299")
    login_as(client, "u1")
    page = client.get("/spares/applications/new").get_data(as_text=True)
    assert '<option value="RMA-2026-000201">' in page and "RMA-2026-000299" not in page
    assert 'data-lookup-url="/spares/applications/rma-lookup"' in page and 'list="spares-rmas"' in page
    items = client.get("/spares/applications/rma-lookup?q=0002").json["items"]
    assert [i["number"] for i in items] == ["RMA-2026-000202", "RMA-2026-000201"]  # own returns, newest first
    assert client.get("/spares/applications/rma-lookup?q=000299").json["items"] == []
    assert client.get("/spares/applications/rma-lookup?q=%25").json["items"] == []  # a literal %, not a wildcard
    r = client.post("/spares/applications/new", data={"lines-0-sku": "DRV", "lines-0-quantity": "1",
                                                      "reason": "driver", "rma_number": theirs.number})
    assert r.status_code == 422 and "no return numbered RMA-2026-000299 of this dealer" in r.get_data(as_text=True)
    r = client.post("/spares/applications/new", data={"lines-0-sku": "DRV", "lines-0-quantity": "1",
                                                      "reason": "driver", "rma_number": own.number})
    assert r.status_code == 302
    application = db.session.scalars(db.select(Application)).one()
    assert application.rma_id == own.id
    page = client.get(f"/spares/applications/{application.id}").get_data(as_text=True)
    assert f'<a href="/rma/{own.id}" id="application-rma">RMA-2026-000201</a>' in page
    # head office looks up any dealer's returns, narrowed to the dealer chosen on the form
    client.post("/logout")
    login_as(client, "service")
    assert [i["number"] for i in client.get("/spares/applications/rma-lookup?q=2026&dealer=D2").json["items"]] == [
        "RMA-2026-000299"]
    assert len(client.get("/spares/applications/rma-lookup?q=2026").json["items"]) == 3
