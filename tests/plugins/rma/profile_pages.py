"""Profile of the fixed cost of requests in-process (issue 8): the API's empty page and detail
read with a bearer token, and HTML pages of a cookie session (the RMA detail page, an empty
list page).

Not part of the suite (the name does not start with ``test_``); run it by path:

    .venv/bin/python -m pytest -p no:xdist -s tests/plugins/rma/profile_pages.py

Prints function calls per request (cProfile, deterministic) and the best CPU time over seven
batches, and the statements per request; writes ``<name>.prof`` to ``$PROF_OUT`` (default /tmp).
"""
from core.extensions import db
from core.testing import count_queries, session_login
from plugins.rma.models import Rma

from .profile_requests import prof
from .test_queries import seed


def test_profile_fixed_cost(app, client, world):
    w = world
    app.config["API_VALIDATE_RESPONSES"] = False  # as in production
    seed(w, 5)
    rid = db.session.scalar(db.select(Rma.id))
    order = w.h["order"]

    def get(path, headers=None):
        def call():
            r = client.get(path, headers=headers or {})
            assert r.status_code == 200, (path, r.status_code)
        return call

    prof("tiny", get("/api/v1/rmas?per_page=1&state=closed", order))
    prof("detail", get(f"/api/v1/rmas/{rid}", order))
    session_login(client, w.users["order"])
    prof("html_detail", get(f"/rma/{rid}"))
    prof("html_empty_list", get("/rma/?state=closed"))
    prof("html_notifications", get("/notifications"))  # the shell around an empty core list
    for path in (f"/rma/{rid}", "/rma/?state=closed"):
        with count_queries(app) as q:
            get(path)()
        print(f"STATEMENTS {path}: {len(q.statements)}")
        for s in q.statements:
            print("   ", " ".join(s.split())[:160])


def test_profile_list_pages_against_their_api_twins(app, client, world):
    """A returns list page of 50 against ``GET /api/v1/rmas`` of 50 for the same user (issue 8: a
    list page within 2 ms of its API twin). 500 products, as the bench's product filter offers."""
    from core.products.models import Product

    w = world
    app.config["API_VALIDATE_RESPONSES"] = False  # as in production
    category_id = db.session.scalar(db.select(Product.category_id))
    db.session.add_all(Product(sku=f"BULK-{i:04d}", name=f"Bulk product {i}", category_id=category_id,
                               unit_price=10) for i in range(500))
    db.session.commit()
    seed(w, 60)
    seed(w, 20, dealer=w.dist)

    for who, page, api in (("d1", "/rma/?per_page=50", "/api/v1/rmas?per_page=50"),
                           ("a1", "/rma/?per_page=50", "/api/v1/rmas?per_page=50"),
                           ("order", "/rma/queue/approve?per_page=50", "/api/v1/rmas?per_page=50&state=reviewed")):
        browser = app.test_client()

        def get(path, headers=None, c=browser):
            def call():
                r = c.get(path, headers=headers or {})
                assert r.status_code == 200, (path, r.status_code)
            return call

        prof(f"api_{who}", get(api, w.h[who]))
        session_login(browser, w.users[who])
        prof(f"page_{who}", get(page))
