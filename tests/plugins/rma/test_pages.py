"""The RMA pages: portal, filing form, detail with actions, queues, receiving, export, penalties, claims."""
import io

from sqlalchemy import select

from core.extensions import db
from core.testing import login_as
from plugins.rma.models import Rma

from .conftest import line, recent
from .test_workflow_api import act, file, walk_to


def test_dealer_files_a_return_through_the_form(app, client, world):
    login_as(client, "d1")
    assert client.get("/rma/new").status_code == 200
    assert client.get("/rma/rma.js").status_code == 200
    form = {"lines-0-sku": "PNL-600", "lines-0-quantity": "2", "lines-0-issue": "quality_defect",
            "lines-0-production_date": recent(100), "lines-0-serial": "F-1", "submit": "1"}
    r = client.post("/rma/new", data=form)
    assert r.status_code == 302
    rma = db.session.scalars(select(Rma)).one()
    assert rma.state == "submitted" and rma.lines[0].serial == "F-1" and rma.lines[0].label_intact
    page = client.get(f"/rma/{rma.id}").get_data(as_text=True)
    assert "F-1" in page and "PNL-600" in page
    bad = dict(form, **{"lines-0-production_date": "2010-01-01", "lines-0-issue": "quality_defect"})
    r = client.post("/rma/new", data=bad)
    assert r.status_code == 422 and "paid repair" in r.get_data(as_text=True)
    assert db.session.query(Rma).count() == 1
    listing = client.get("/rma/?state=submitted").get_data(as_text=True)
    assert "PNL-600" in listing


def test_detail_actions_through_the_page(app, client, world):
    rma = walk_to(client, world, "reviewed")
    login_as(client, "order")
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert 'action="/rma/%d/do/approve"' % rma["id"] in page
    r = client.post(f"/rma/{rma['id']}/do/approve", data={"version": rma["version"]})
    assert r.status_code == 302 and db.session.get(Rma, rma["id"]).state == "approved"
    r = client.post(f"/rma/{rma['id']}/do/approve", data={"version": rma["version"]}, follow_redirects=True)
    assert r.status_code == 200 and db.session.get(Rma, rma["id"]).state == "approved"  # stale: flashed, no change
    r = client.get(f"/rma/{rma['id']}/labels.pdf")  # the dealer gives the box count first
    assert r.status_code == 302 and "#print-labels" in r.headers["Location"]


def test_page_actions_flash_the_transitions_message_in_the_users_language(app, client, world):
    """The transition declares its message once; the page flashes it translated (before: "Done: Approve")."""
    rma = walk_to(client, world, "reviewed")
    world.users["order"].language = "zh_CN"
    db.session.commit()
    login_as(client, "order")
    page = client.post(f"/rma/{rma['id']}/do/approve", data={"version": rma["version"], "comment": "好"},
                       follow_redirects=True).get_data(as_text=True)
    assert "退货单已批准,已生成退货单号和箱标签。" in page
    page = client.post(f"/rma/{rma['id']}/do/approve", data={"version": rma["version"]},
                       follow_redirects=True).get_data(as_text=True)
    assert "该退货单已被他人修改,请刷新后重试。" in page
    dealer = app.test_client()
    login_as(dealer, "d1")  # a role refusal on the page is a 403, nothing changed
    assert dealer.post(f"/rma/{rma['id']}/do/close", data={"version": rma["version"] + 1}).status_code == 403
    assert db.session.get(Rma, rma["id"]).state == "approved"


def test_bulk_approve_and_queues(app, client, world):
    a = walk_to(client, world, "reviewed")
    b = walk_to(client, world, "reviewed")
    login_as(client, "order")
    page = client.get("/rma/queue/approve").get_data(as_text=True)
    assert f'value="{a["id"]}:{a["version"]}"' in page
    r = client.post("/rma/queue/approve", data={"rma": [f"{a['id']}:{a['version']}", f"{b['id']}:999"]})
    assert r.status_code == 302
    assert db.session.get(Rma, a["id"]).state == "approved" and db.session.get(Rma, b["id"]).state == "reviewed"
    for path in ("/rma/queue/resolve", "/rma/penalties", "/rma/claims", "/rma/serials/SN-1", "/", "/rma/receiving"):
        assert client.get(path).status_code == 200, path
    assert client.get("/rma/queue/inspect").status_code == 403  # the technical department's queue


def test_receiving_lookup_page(app, client, world):
    rma = walk_to(client, world, "shipped")
    login_as(client, "order")
    r = client.get(f"/rma/receiving?number={rma['number']}")
    assert r.status_code == 302 and f"/rma/{rma['id']}" in r.headers["Location"]
    r = client.get("/rma/receiving?number=RMA-2020-000999")
    assert r.status_code == 200 and "not processed" in r.get_data(as_text=True)


def test_export_csv_and_xlsx(app, client, world):
    walk_to(client, world, "approved", lines=[line(serial="EXP-1")])
    login_as(client, "order")
    r = client.get("/rma/export.csv?state=approved")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "EXP-1" in text and text.count("\n") == 2
    r = client.get("/rma/export.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(r.data)).active
    assert ws.max_row == 2 and ws.cell(1, 1).value == "number"
    dealer = app.test_client()
    login_as(dealer, "d1")
    assert dealer.get("/rma/export.csv").status_code == 403


def test_pages_respect_scope_and_permissions(app, client, world):
    rma = file(client, world)
    login_as(client, "d2")
    assert client.get(f"/rma/{rma['id']}").status_code == 404
    assert client.get("/rma/queue/approve").status_code == 403
    assert f'href="/rma/{rma["id"]}"' not in client.get("/rma/").get_data(as_text=True)


def test_demo_data_loads_and_is_idempotent(app):
    from core.cli import load_demo_data

    load_demo_data()
    states = sorted(db.session.scalars(select(Rma.state)))
    assert states == ["approved", "inspected", "received", "shipped", "submitted"]
    shipped = db.session.scalars(select(Rma).where(Rma.state == "shipped")).one()
    assert shipped.receiving_dealer is not None and shipped.dealer.kind == "distributor"
    load_demo_data()
    assert db.session.query(Rma).count() == 5


def test_dealer_edits_a_draft_through_the_page(app, client, world):
    w = world
    rma = file(client, w, submit=False, lines=[line(serial="A-1"), line(serial="B-2", quantity=5)])
    login_as(client, "d1")
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert f'href="/rma/{rma["id"]}/edit"' in page
    form = client.get(f"/rma/{rma['id']}/edit").get_data(as_text=True)
    assert 'value="A-1"' in form and 'value="B-2"' in form and 'id="line-template"' in form
    # the second line is removed (not posted), the first changed, a new one added
    data = {"version": rma["version"], "submit": "0",
            "lines-0-sku": "PNL-600", "lines-0-quantity": "3", "lines-0-issue": "quality_defect",
            "lines-0-serial": "A-1", "lines-0-production_date": recent(100), "lines-0-description": "dim",
            "lines-2-sku": "STRIP-1M", "lines-2-quantity": "1", "lines-2-issue": "doa",
            "lines-2-production_date": recent(10)}
    r = client.post(f"/rma/{rma['id']}/edit", data=data)
    assert r.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Rma, rma["id"])
    assert saved.state == "draft"
    assert [(l.product.sku, l.quantity, l.serial, l.description) for l in saved.lines] == [
        ("PNL-600", 3, "A-1", "dim"), ("STRIP-1M", 1, "", "")]
    r = client.post(f"/rma/{rma['id']}/edit", data=dict(data, version=rma["version"]))  # stale form
    assert r.status_code == 409 or r.status_code == 422
    bad = dict(data, version=saved.version, submit="1", **{"lines-2-production_date": "2010-01-01"})
    r = client.post(f"/rma/{rma['id']}/edit", data=bad)
    assert r.status_code == 422 and "STRIP-1M" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Rma, rma["id"]).state == "draft"
    other = app.test_client()
    login_as(other, "d2")
    assert other.get(f"/rma/{rma['id']}/edit").status_code == 404
    r = client.post(f"/rma/{rma['id']}/edit", data=dict(data, version=saved.version, submit="1"))
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Rma, rma["id"]).state == "submitted"
    assert client.get(f"/rma/{rma['id']}/edit").status_code == 302  # no longer a draft
