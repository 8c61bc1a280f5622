"""Every plugin's HTML list page against its API twin, in-process (issue 8: a list page within 2 ms
of its API twin), on the demo data with each listed table filled to a page of 50
(``list_pages_demo.py``). Not part of the suite (the name does not start with ``test_``); run it by path:

    .venv/bin/python -m pytest -p no:xdist -s tests/core/profile_list_pages.py [-k logistics]

Prints, per page and twin, function calls per request (cProfile, deterministic) and the best CPU time
over seven batches of 20; writes ``<name>.prof`` files to ``$PROF_OUT`` (default /tmp). The same user
(the demo administrator) asks both.
"""
import pytest

from core.testing import api_headers, session_login
from tests.core.list_pages_demo import PAIRS, load
from tests.plugins.rma.profile_requests import prof


@pytest.mark.parametrize("name,page,api,table", PAIRS, ids=[p[0] for p in PAIRS])
def test_profile_page_against_its_api_twin(app, name, page, api, table):
    admin = load(app)
    browser = app.test_client()
    headers = api_headers(admin)

    def get(path, h=None):
        def call():
            r = browser.get(path, headers=h or {})
            assert r.status_code == 200, (path, r.status_code)
        return call

    if api:
        twin = f"{api}{'&' if '?' in api else '?'}per_page=50"
        body = browser.get(twin, headers=headers).json
        prof(f"twin_{name}", get(twin, headers))
        print(f"ROWS {name}: {len(body['items'])} of {body.get('total')}")
    session_login(browser, admin)
    prof(f"page_{name}", get(f"{page}{'&' if '?' in page else '?'}per_page=50"))
