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
