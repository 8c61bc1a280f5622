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


def test_action_loader_builds_the_objects_the_orm_would(app, client, world):
    """``queries.load_for_action`` builds the return, its lines, products, categories and dealers
    from one Core SELECT (bench/README.md, sixth pass): the same values as the ORM's load, the
    lines in id order, persistent in the session; a column it leaves out loads when read; outside
    the caller's scope a 404; a return the session already holds comes from the ORM's load."""
    from flask_login import login_user

    from core.errors import NotFound
    from plugins.rma import queries

    lines = [line(serial=f"L-{i}", sku=("PNL-600", "STRIP-1M")[i % 2]) for i in range(3)]
    filed = client.post("/api/v1/rmas", headers=world.h["d1"], json={"lines": lines}).json
    name, address, d2 = world.dealer.name, world.dealer.address, world.users["d2"].id
    with app.test_request_context():
        login_user(world.users["order"])
        db.session.expunge_all()  # a request's session starts empty

        def read(rma):
            return (rma.number, rma.state, rma.version, rma.dealer.code, rma.dealer.kind, rma.receiving_dealer,
                    [(l.id, l.serial, l.product.sku, l.product.category.warranty_months, l.rma is rma)
                     for l in rma.lines])
        with count_queries(app) as q:
            rma = queries.load_for_action(filed["id"])
            built = read(rma)
        assert q.count == 1, q.statements
        assert rma in db.session and not db.session.dirty
        db.session.expunge_all()
        assert built == read(queries._load_with_orm(filed["id"]))
        assert [l[0] for l in built[-1]] == sorted(l["id"] for l in filed["lines"])
        db.session.expunge_all()
        rma = queries.load_for_action(filed["id"])
        with count_queries(app) as q:
            assert (rma.dealer.name, rma.dealer.address) == (name, address)
        assert q.count == 1  # the columns left out, read once
        with count_queries(app) as q:
            assert queries.load_for_action(filed["id"]) is rma  # held by the session: the ORM's load
        assert q.count == 1
        dealer = rma.dealer
        db.session.expunge(rma)  # and its lines
        db.session.expire(dealer)  # held, expired: the ORM's load refreshes it
        again = queries.load_for_action(filed["id"])
        assert again is not rma and again.dealer is dealer and read(again) == built
        db.session.expunge_all()
        login_user(db.session.get(type(world.users["order"]), d2))
        with pytest.raises(NotFound):
            queries.load_for_action(filed["id"])
