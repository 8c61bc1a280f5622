"""The spare-part application as people use it: a part picker with stock, approval beside the stock,
a confirmation before approving what cannot ship, and customer service told of each new application."""
import html
import re

from flask_babel import force_locale

from core.extensions import db
from core.notifications import Notification
from core.testing import api_headers, login_as, make_user
from plugins.spares.models import Application


def stock(client, world, sku, qty):
    r = client.post("/api/v1/spare-movements", json={"sku": sku, "kind": "receipt", "quantity": qty},
                    headers=api_headers(world.service))
    assert r.status_code == 201, r.json


def apply(client, user, lines, reason="customer waiting", **extra):
    r = client.post("/api/v1/spare-applications", json={"lines": lines, "reason": reason, **extra},
                    headers=api_headers(user))
    assert r.status_code == 201, r.json
    return r.json


def test_approval_page_shows_stock_and_asks_before_approving_what_cannot_ship(app, client, world):
    stock(client, world, "DRV", 5)
    short = apply(client, world.u1, [{"sku": "DRV", "quantity": 10}, {"sku": "COB", "quantity": 1}])
    login_as(client, "service")
    page = client.get(f"/spares/applications/{short['id']}").get_data(as_text=True)
    table = page[page.index('id="application-lines"'):page.index("</table>", page.index('id="application-lines"'))]
    assert "Head-office stock" in table
    assert re.search(r"DRV Product DRV</td><td class=\"text-end\">10</td><td class=\"text-end\">5\b", table), table
    assert re.search(r"COB Product COB</td><td class=\"text-end\">1</td><td class=\"text-end\">0\b", table), table
    alert = page[page.index('id="application-shortages"'):]
    assert "DRV: 10 applied for, 5 in stock; COB: 1 applied for, 0 in stock" in html.unescape(alert[:400])
    form = page[page.index('id="act-approve"'):page.index("</form>", page.index('id="act-approve"'))]
    assert 'name="confirmed" value="1"' in form and "Approve anyway?" in form  # the browser asks (data-confirm)
    assert 'form="act-approve"' not in page  # the status bar no longer approves in one click
    # a post without the confirmation (a stale page, a second tab) is sent back with the warning
    r = client.post(f"/spares/applications/{short['id']}/approve", data={"version": short["version"]})
    assert r.status_code == 302 and db.session.get(Application, short["id"]).state == "submitted"
    warned = client.get(f"/spares/applications/{short['id']}").get_data(as_text=True)
    assert "Confirm to approve anyway" in warned
    r = client.post(f"/spares/applications/{short['id']}/approve", data={"version": short["version"], "confirmed": "1"})
    db.session.expire_all()
    assert db.session.get(Application, short["id"]).state == "approved"
    # enough stock: no warning, one click
    fine = apply(client, world.u1, [{"sku": "DRV", "quantity": 5}])
    page = client.get(f"/spares/applications/{fine['id']}").get_data(as_text=True)
    assert 'id="application-shortages"' not in page and 'form="act-approve"' in page
    client.post(f"/spares/applications/{fine['id']}/approve", data={"version": fine["version"]})
    db.session.expire_all()
    assert db.session.get(Application, fine["id"]).state == "approved"
    # the dealer sees its application, but not head office's stock
    client.post("/logout")
    login_as(client, "u1")
    page = client.get(f"/spares/applications/{short['id']}").get_data(as_text=True)
    assert "Head-office stock" not in page and "in stock" not in page


def test_application_form_picks_parts_in_rows_with_stock(app, client, world):
    stock(client, world, "DRV", 7)
    login_as(client, "service")
    page = client.get("/spares/applications/new").get_data(as_text=True)
    assert re.search(r'<option value="DRV">Product DRV · head-office stock: 7</option>', page)
    assert re.search(r'<option value="COB">Product COB · head-office stock: 0</option>', page)
    assert 'name="lines-0-sku"' in page and 'list="spares-parts"' in page and 'id="spares-add-line"' in page
    assert 'src="/spares/spares.js"' in page and "<textarea" in page  # the reason; no free-text lines
    js = client.get("/spares/spares.js")
    assert js.status_code == 200 and js.mimetype == "text/javascript" and b"spares-add-line" in js.data
    client.post("/logout")
    login_as(client, "u1")
    page = client.get("/spares/applications/new").get_data(as_text=True)
    assert "Product DRV · in stock at head office" in page and "Product COB · out of stock at head office" in page
    assert "head-office stock:" not in page  # dealers see whether head office has a part, not how many
    # rows as the browser posts them after adding and removing some: gaps and empty rows are fine
    r = client.post("/spares/applications/new", data={"lines-0-sku": "DRV", "lines-0-quantity": "2",
                                                      "lines-1-sku": "", "lines-1-quantity": "",
                                                      "lines-4-sku": "COB", "lines-4-quantity": "1",
                                                      "reason": "two lamps down"})
    assert r.status_code == 302, r.get_data(as_text=True)
    created = db.session.scalars(db.select(Application)).one()
    assert sorted((l.part.sku, l.quantity) for l in created.lines) == [("COB", 1), ("DRV", 2)]
    # an error shows beside its row, and the rows typed are kept
    r = client.post("/spares/applications/new", data={"lines-0-sku": "DRV", "lines-0-quantity": "1",
                                                      "lines-1-sku": "NOPE", "lines-1-quantity": "3",
                                                      "lines-2-sku": "COB", "lines-2-quantity": "0", "reason": "x"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "COB: enter a quantity of at least 1." in page
    assert 'value="NOPE"' in page and 'value="COB"' in page
    r = client.post("/spares/applications/new", data={"lines-0-sku": "NOPE", "lines-0-quantity": "3", "reason": "x"})
    page = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 422 and "no product with SKU 'NOPE'" in page and 'is-invalid" list="spares-parts"' in page
    r = client.post("/spares/applications/new", data={"reason": "x"})
    assert r.status_code == 422 and "Add at least one spare part." in r.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 1


def test_customer_service_is_told_of_each_new_application(app, client, world):
    second = make_user("service2", roles=["customer_service"])
    make_user("gone", roles=["customer_service"], active=False)
    db.session.commit()
    a = apply(client, world.u1, [{"sku": "DRV", "quantity": 1}], reason="lamp at the hotel")
    got = db.session.scalars(db.select(Notification).order_by(Notification.user_id)).all()
    assert sorted(n.user_id for n in got) == sorted([world.service.id, second.id])  # not the dealer, admin or order dept
    assert {n.link for n in got} == {f"/spares/applications/{a['id']}"}
    with app.test_request_context(), force_locale("en"):
        assert got[0].display_title == f"Spare-part application {a['number']} to approve"
        assert "D1" in got[0].display_body and "lamp at the hotel" in got[0].display_body
    with app.test_request_context(), force_locale("zh_CN"):  # rendered in the reader's language when read
        assert got[0].display_title == f"待审批的备件申请 {a['number']}"
