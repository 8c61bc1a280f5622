"""The returns list page (HTML) and the exports read column by column like ``GET /rmas`` (issue 8):
the same rows, filters, ``after`` and capped total, in a fixed number of statements whatever the
page size.

Statements of the list page, with the session warm: the layout's 3 (the session's auth version and
generation in one, core.users.authcache.session_user; the unread notifications; the saved filters),
the page itself (returns, dealers, lines, SKUs and the capped total in one statement), the product
filter's choices, and for a dealer user its dealer (what the page offers it to file). Before: 11 (a
separate count, the returns, their lines, the products and their parts; the session took 4)."""
import csv
import io
import re
from datetime import date, timedelta

import pytest

from core.extensions import db
from core.testing import session_login, warm_get_statements
from core.toolkit import settings
from plugins.rma.models import Rma

from .test_queries import seed

LIST_PAGE = {"d1": 6, "a1": 6, "order": 5}
EXPORT = 2  # the token's auth version and the export's one statement (was 3: the returns, then their lines)


def _ids(html):
    return [int(n) for n in re.findall(r'href="/rma/(\d+)"', html)]


def _world(world):
    seed(world, 60)
    seed(world, 20, dealer=world.dist)
    seed(world, 20, dealer=world.agent)


@pytest.mark.parametrize("who,query", [("d1", ""), ("a1", ""), ("order", "state=reviewed&")])
def test_list_page_statements_do_not_grow_with_the_page(app, client, world, who, query):
    _world(world)
    session_login(client, world.users[who])
    counts = []
    for size in (25, 100):
        r, statements = warm_get_statements(app, client, f"/rma/?{query}per_page={size}")
        assert r.status_code == 200 and len(_ids(r.get_data(as_text=True))) == min(size, 60 if who == "d1" else 40 if who == "a1" else 100)
        counts.append(len(statements))
    assert counts == [LIST_PAGE[who], LIST_PAGE[who]]


@pytest.mark.parametrize("who", ["d1", "a1", "order"])
def test_list_page_lists_what_the_api_lists(app, client, world, who):
    _world(world)
    # a due date on some returns to sort by (and one overdue)
    for n, rma in enumerate(db.session.scalars(db.select(Rma).order_by(Rma.id))):
        rma.due_date = date.today() + timedelta(days=n % 7 - 3)
        if n % 5 == 0:
            rma.state = "submitted"
    db.session.commit()
    api = client.get("/api/v1/rmas?per_page=100", headers=world.h[who]).json["items"]
    session_login(client, world.users[who])
    html = client.get("/rma/?per_page=100").get_data(as_text=True)
    assert _ids(html) == [item["id"] for item in api]
    assert html.count("PNL-600×2, PNL-600×2, PNL-600×2") == len(api)
    by = {item["id"]: item for item in api}
    for sort, key in (("due", lambda i: (i["due_date"], -i["id"])), ("state", lambda i: (i["state"], -i["id"]))):
        assert _ids(client.get(f"/rma/?per_page=100&sort={sort}").get_data(as_text=True)) == \
            [i["id"] for i in sorted(api, key=key)]
    shown = _ids(client.get("/rma/?per_page=100&sort=-due").get_data(as_text=True))
    assert [by[i]["due_date"] for i in shown] == sorted((by[i]["due_date"] for i in shown), reverse=True)
    assert _ids(client.get("/rma/?per_page=100&sort=number").get_data(as_text=True)) == sorted(by)
    submitted = client.get("/api/v1/rmas?per_page=100&state=submitted", headers=world.h[who]).json["items"]
    assert _ids(client.get("/rma/?per_page=100&state=submitted").get_data(as_text=True)) == [i["id"] for i in submitted]


def test_list_page_honours_after(app, client, world):
    _world(world)
    session_login(client, world.users["order"])
    everything = _ids(client.get("/rma/?per_page=100").get_data(as_text=True))
    cut = everything[30]
    html = client.get(f"/rma/?per_page=25&after={cut}").get_data(as_text=True)
    assert _ids(html) == everything[31:56]
    assert f"after={cut}" in html  # the pager keeps the cursor
    second = client.get(f"/rma/?per_page=25&after={cut}&page=2").get_data(as_text=True)
    assert _ids(second) == everything[56:81]
    api = client.get(f"/api/v1/rmas?per_page=25&after={cut}&page=2", headers=world.h["order"]).json
    assert _ids(second) == [i["id"] for i in api["items"]]


def test_list_page_total_stops_at_the_count_limit_and_says_so(app, client, world):
    seed(world, 7)
    settings.set_value("rma.list_count_limit", 5)
    db.session.commit()
    session_login(client, world.users["order"])
    html = client.get("/rma/?per_page=25").get_data(as_text=True)
    assert len(_ids(html)) == 7 and "(5+)" in html and "more than 5 records" in html
    exact = client.get("/rma/?per_page=25&dealer_code=NONE").get_data(as_text=True)
    assert "(0)" in exact and "+)" not in exact
    settings.set_value("rma.list_count_limit", 1000)
    db.session.commit()
    html = client.get("/rma/?per_page=25").get_data(as_text=True)
    assert "(7)" in html and "7 records" in html and "more than" not in html


def test_export_is_one_statement_and_honours_after(app, client, world):
    seed(world, 4)
    seed(world, 2, dealer=world.other, state="submitted")
    h = world.h["order"]
    r, statements = warm_get_statements(app, client, "/api/v1/rmas/export.csv", headers=h)
    assert len(statements) == EXPORT, statements
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    rmas = db.session.scalars(db.select(Rma).order_by(Rma.id.desc())).unique().all()
    assert [(row[2], row[1], int(row[9]), row[10]) for row in rows[1:]] == \
        [(rma.dealer.code, rma.state, l.id, l.product.sku) for rma in rmas for l in rma.lines]
    assert rows[1][4] == "head_office" and rows[1][5] == rmas[0].created_at.isoformat()
    cut = rmas[2].id
    later = list(csv.reader(io.StringIO(client.get(f"/api/v1/rmas/export.csv?after={cut}", headers=h)
                                        .get_data(as_text=True))))
    assert {int(row[9]) for row in later[1:]} == {l.id for rma in rmas[3:] for l in rma.lines}
    # the page's export: the same read with the page's filters
    session_login(client, world.users["order"])
    r = client.get("/rma/export.csv?dealer_code=D2")
    assert r.status_code == 200, r.status_code
    mine = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert len(mine) == 1 + 2 * 3 and {row[2] for row in mine[1:]} == {"D2"}


def test_list_page_labels_are_translated_once_per_page_in_the_readers_language(app, client, world):
    """The column and state labels are resolved once per page (not once per cell), in the reader's
    language: each English reader and Chinese reader sees their own words on the same process."""
    seed(world, 3)
    zh = world.users["order2"]
    zh.language = "zh_CN"
    db.session.commit()
    session_login(client, world.users["order"])
    english = client.get("/rma/?per_page=25").get_data(as_text=True)
    other = app.test_client()
    session_login(other, zh)
    chinese = other.get("/rma/?per_page=25").get_data(as_text=True)
    assert english.count(">Reviewed</span>") == 3 and 'data-label="Number"' in english
    assert chinese.count(">已审核</span>") == 3 and 'data-label="单号"' in chinese and ">Reviewed<" not in chinese
