"""The transport-exception list pages against their API twins, in-process (issue 8: a list page within
2 ms of its API twin). Not part of the suite (the name does not start with ``test_``); run it by path:

    .venv/bin/python -m pytest -p no:xdist -s tests/plugins/logistics/profile_pages.py

Prints function calls per request (cProfile, deterministic) and the best CPU time over seven batches;
writes ``<name>.prof`` to ``$PROF_OUT`` (default /tmp).
"""
from sqlalchemy import insert, select

from core.extensions import db
from core.testing import api_headers, session_login
from helpers_logistics import URL
from plugins.logistics.models import LogisticsException, LogisticsExceptionLine

from test_logistics_budgets import _records
from tests.plugins.rma.profile_requests import prof


def _copies(times):
    """Each record ``times`` more times (a new number, its lines too): enough for a page of 50."""
    records = LogisticsException.__table__
    lines = LogisticsExceptionLine.__table__
    originals = db.session.execute(select(records)).mappings().all()
    for k in range(times):
        for rec in originals:
            values = {**rec, "number": f"{rec['number']}-{k}"}
            del values["id"]
            new_id = db.session.execute(insert(records).values(values).returning(records.c.id)).scalar()
            for line in db.session.execute(select(lines).where(lines.c.exception_id == rec["id"])).mappings():
                db.session.execute(insert(lines).values({**{k2: v for k2, v in line.items() if k2 != "id"},
                                                         "exception_id": new_id}))
    db.session.commit()


def test_profile_list_pages_against_their_api_twins(app, world, clock):
    app.config["API_VALIDATE_RESPONSES"] = False  # as in production
    _records(app, world, clock)
    _copies(5)
    users = world["users"]
    for who, page, api in (("order", "/logistics/?per_page=50", f"{URL}?per_page=50"),
                           ("order", "/logistics/queue?per_page=50", f"{URL}?per_page=50&state=filed"),
                           ("dealer1", "/logistics/?per_page=50", f"{URL}?per_page=50")):
        browser = app.test_client()
        name = f"{who}_{page.split('?')[0].strip('/').replace('/', '_')}"

        def get(path, headers=None, c=browser):
            def call():
                r = c.get(path, headers=headers or {})
                assert r.status_code == 200, (path, r.status_code)
            return call

        prof(f"logistics_api_{name}", get(api, api_headers(users[who])))
        session_login(browser, users[who])
        prof(f"logistics_page_{name}", get(page))
