"""The ledger's and the applications list's own cells, written in Python (``Column.html``, issue 8):
the time in the reader's zone, the stock pool, the reference (an application's link or the RMA), in
both languages."""
import re

from core.extensions import db
from core.testing import api_headers, session_login
from core.web import local_dt
from plugins.spares.models import Application, Movement


def _cells(html, label):
    return re.findall(rf'<td class="[^"]*" data-label="{label}">(.*?)</td>', html)


def test_ledger_and_applications_show_time_pool_and_reference(app, client, world):
    hs, h1 = api_headers(world.service), api_headers(world.u1)
    for sku in ("DRV", "COB"):
        assert client.post("/api/v1/spare-movements", json={"sku": sku, "kind": "receipt", "quantity": 5},
                           headers=hs).status_code == 201
    assert client.post("/api/v1/spare-movements", json={"sku": "DRV", "kind": "issue_rma", "quantity": 1, "rma_id": 5,
                                                         "reason": "<b>x</b>"}, headers=hs).status_code == 201
    assert client.post("/api/v1/spare-movements", json={"sku": "COB", "kind": "repaired_return", "quantity": 1,
                                                         "reason": "back"}, headers=hs).status_code == 201
    a = client.post("/api/v1/spare-applications", json={"lines": [{"sku": "DRV", "quantity": 2}], "reason": "r"},
                    headers=h1).json
    a = client.post(f"/api/v1/spare-applications/{a['id']}/approve", json={"version": a["version"]}, headers=hs).json
    assert client.post(f"/api/v1/spare-applications/{a['id']}/ship", json={}, headers=hs).status_code == 200
    moves = db.session.scalars(db.select(Movement).order_by(Movement.id.desc())).all()
    session_login(client, world.service)
    for language, labels, pools in (("en", ("Time", "Stock", "Reference", "Submitted"), ("New", "Repaired")),
                                    ("zh_CN", ("时间", "库存类别", "关联单据", "已提交"), ("新品", "维修件"))):
        world.service.language = language
        db.session.commit()
        html = client.get("/spares/movements/").get_data(as_text=True)
        with app.test_request_context():
            assert _cells(html, labels[0]) == [local_dt(m.created_at) for m in moves]
        assert _cells(html, labels[1]) == [pools[0], pools[1], pools[0], pools[0], pools[0]]
        assert _cells(html, labels[2]) == [f'<a href="/spares/applications/{a["id"]}">{a["number"]}</a>', "", "RMA 5", "", ""]
        assert "&lt;b&gt;x&lt;/b&gt;" in html
        html = client.get("/spares/applications/").get_data(as_text=True)
        with app.test_request_context():
            assert _cells(html, labels[3]) == [local_dt(db.session.get(Application, a["id"]).submitted_at)]


# cProfile's function calls of the ledger's page of 25 with the session warm, about 10 % above what was
# measured (SQLite / PostgreSQL: 20,443 / 21,923); with the macro's Jinja loop and a caller block per
# cell: 33,435 / 35,057
LEDGER_CALLS = 24_000


def test_ledger_page_stays_within_its_function_call_budget(app, client, world):
    from core.testing import warm_get_calls

    hs = api_headers(world.service)
    for i in range(30):
        assert client.post("/api/v1/spare-movements", json={"sku": "DRV" if i % 2 else "COB", "kind": "receipt",
                                                             "quantity": 1 + i}, headers=hs).status_code == 201
    session_login(client, world.service)
    r, calls = warm_get_calls(client, "/spares/movements/")
    assert r.status_code == 200 and len(re.findall(r"<tr[ >]", r.get_data(as_text=True))) == 26
    assert calls <= LEDGER_CALLS, calls
