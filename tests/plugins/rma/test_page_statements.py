"""Statement budget of the RMA detail page (HTML) of a cookie session, warm as on a running server
(SQLite's explicit BEGIN is not a statement of the request): one statement authenticates the
session (core.users.authcache.session_user), the menu and the unread count are read once per
request although the page renders its chatter as a template of its own."""
from core.extensions import db
from core.testing import auth_statements, count_queries, session_login
from plugins.rma.models import Rma

from .test_queries import seed

# Reached, asserted as a ceiling (the page's own reads may shrink). Before: 15 (4 to authenticate
# the session, the unread count twice).
DETAIL_PAGE_BUDGET = 12


def test_detail_page_budget(app, client, world):
    seed(world, 1)
    rma_id = db.session.scalar(db.select(Rma.id))
    session_login(client, world.users["order"])
    assert client.get(f"/rma/{rma_id}").status_code == 200
    with count_queries(app) as q:
        page = client.get(f"/rma/{rma_id}")
    assert page.status_code == 200 and world.dealer.name in page.get_data(as_text=True)
    statements = [s for s in q.statements if not s.lstrip().upper().startswith("BEGIN")]
    auth = auth_statements(statements)
    assert len(auth) == 1 and "session_generation" in auth[0], statements
    assert sum("core_notification" in s for s in statements) == 1, statements
    assert len(statements) <= DETAIL_PAGE_BUDGET, statements
