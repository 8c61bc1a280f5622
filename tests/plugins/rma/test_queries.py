"""Constant SQL query counts: reads <= 10, writes <= 20, whatever the number of rows."""
import pytest

from core.extensions import db
from core.testing import count_queries
from plugins.rma import services
from plugins.rma.models import Rma, RmaLine

from .conftest import line


def seed(world, n, dealer=None, state="reviewed"):
    dealer = dealer or world.dealer
    for i in range(n):
        items, _invalid = services._line_inputs([line(serial=f"S{i}-{k}") for k in range(3)])
        products = services._products({item.sku for item in items})
        rma = Rma(dealer_id=dealer.id, state=state, created_by_id=world.users["d1"].id,
                  lines=[RmaLine(product=products[item.sku], **services._line_values(item)) for item in items])
        db.session.add(rma)
    db.session.commit()


@pytest.mark.parametrize("n", [10, 60])
def test_dealer_list_and_approval_queue_are_constant(app, client, world, n):
    seed(world, n)
    client.get("/api/v1/rmas", headers=world.h["d1"])  # warm caches (e.g. Babel)
    with count_queries(app) as q:
        r = client.get("/api/v1/rmas?per_page=50", headers=world.h["d1"])
    assert r.status_code == 200 and len(r.json["items"]) == min(n, 50)
    assert q.count <= 10, q.statements
    with count_queries(app) as q:
        r = client.get("/api/v1/rmas?state=reviewed&per_page=50", headers=world.h["order"])
    assert r.status_code == 200 and r.json["total"] == n
    assert q.count <= 10, q.statements


def test_detail_read_is_bounded(app, client, world):
    seed(world, 1)
    rma_id = db.session.scalar(db.select(Rma.id))
    with count_queries(app) as q:
        r = client.get(f"/api/v1/rmas/{rma_id}", headers=world.h["order"])
    assert r.status_code == 200 and len(r.json["lines"]) == 3
    assert q.count <= 10, q.statements


def test_filing_five_lines_and_approving_are_bounded(app, client, world):
    with count_queries(app) as q:
        r = client.post("/api/v1/rmas", json={"lines": [line(serial=f"X{i}") for i in range(5)], "submit": True},
                        headers=world.h["d1"])
    assert r.status_code == 201
    assert q.count <= 22, q.statements  # + the filing-number sequence
    rma = r.json
    rma = client.post(f"/api/v1/rmas/{rma['id']}/review", json={"version": rma["version"]},
                      headers=world.h["rm_east"]).json
    with count_queries(app) as q:
        r = client.post(f"/api/v1/rmas/{rma['id']}/approve", json={"version": rma["version"]},
                        headers=world.h["order"])
    assert r.status_code == 200 and r.json["state"] == "approved"
    assert q.count <= 20, q.statements
