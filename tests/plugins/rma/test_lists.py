"""The returns list through the shared list macro: sortable columns (whitelisted), pagination,
saved filters; the dealer page's smart buttons; the dashboard's charts."""
import re

from core.testing import chart_specs, login_as, make_user

from .conftest import line
from .test_workflow_api import file


def _numbers(html):
    return re.findall(r'href="/rma/(\d+)"', html)


def test_returns_sort_by_whitelisted_columns_and_keep_the_filters(app, client, world):
    ids = [file(client, world, "d1", lines=[line(serial=f"S{i}")])["id"] for i in range(3)]
    login_as(client, "admin")
    page = client.get("/rma/?state=submitted").get_data(as_text=True)
    assert [int(n) for n in _numbers(page)] == sorted(ids, reverse=True)  # newest first by default
    # the headers are sort links that keep the filter
    assert 'href="/rma/?state=submitted&amp;sort=number' in page or 'href="/rma/?state=submitted&amp;sort=-number' in page
    assert "sort=due" in page and "sort=created" in page and "sort=state" in page
    ascending = client.get("/rma/?state=submitted&sort=number").get_data(as_text=True)
    assert [int(n) for n in _numbers(ascending)] == sorted(ids)
    for bad in ("bogus", "-dealer", "products", "id;drop", "-"):
        r = client.get(f"/rma/?sort={bad}")
        assert r.status_code == 200, bad  # an unknown key is ignored, never a 500
    assert client.get("/rma/?per_page=100000&page=999999999").status_code == 200


def test_returns_list_paginates_with_the_page_size_bounded(app, client, world):
    for i in range(27):
        file(client, world, "d1", lines=[line(serial=f"P{i}")])
    login_as(client, "admin")
    page = client.get("/rma/").get_data(as_text=True)
    assert len(_numbers(page)) == 25 and "27 records" in page and 'aria-label="Rows per page"' in page
    second = client.get("/rma/?page=2").get_data(as_text=True)
    assert len(_numbers(second)) == 2
    assert len(_numbers(client.get("/rma/?per_page=50").get_data(as_text=True))) == 27
    assert len(_numbers(client.get("/rma/?per_page=7").get_data(as_text=True))) == 25  # not an offered size


def test_saved_filter_on_the_returns_list(app, client, world):
    file(client, world, "d1")
    login_as(client, "admin")
    page = client.get("/rma/?state=submitted&dealer_code=D1").get_data(as_text=True)
    assert "Save this filter" in page
    r = client.post("/saved-filters", data={"list_path": "/rma/", "name": "D1 waiting",
                                            "query": "state=submitted&dealer_code=D1&page=3"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/rma/?state=submitted&dealer_code=D1")
    page = client.get("/rma/").get_data(as_text=True)
    assert 'href="/rma/?state=submitted&amp;dealer_code=D1">D1 waiting</a>' in page
    # another user neither sees nor deletes it
    other = app.test_client()
    login_as(other, "order")
    assert "D1 waiting" not in other.get("/rma/").get_data(as_text=True)
    from core.saved_filters import SavedFilter
    from core.extensions import db

    saved = db.session.scalar(db.select(SavedFilter))
    assert other.post(f"/saved-filters/{saved.id}/delete").status_code == 404
    assert 'data-confirm="Delete the saved filter D1 waiting?"' in page
    r = client.post(f"/saved-filters/{saved.id}/delete")
    assert r.status_code == 302 and r.headers["Location"].endswith("/rma/")
    assert "D1 waiting" not in client.get("/rma/").get_data(as_text=True)
    # bad input: a form message, never a 500
    r = client.post("/saved-filters", data={"list_path": "/rma/", "name": "x" * 81, "query": "a=b"},
                    follow_redirects=True)
    assert r.status_code == 200 and "At most 80 characters." in r.get_data(as_text=True)
    r = client.post("/saved-filters", data={"list_path": "//evil.example/", "name": "n", "query": "a=b"})
    assert r.status_code == 302 and "evil" not in r.headers["Location"]


def test_penalties_and_claims_lists_use_the_list_macro(app, client, world):
    login_as(client, "admin")
    for path in ("/rma/penalties", "/rma/claims"):
        html = client.get(path + "?sort=bogus").get_data(as_text=True)
        assert "empty-state" in html and "Saved filters" in html


def test_dealer_page_smart_buttons_count_its_returns(app, client, world):
    for i in range(2):
        file(client, world, "d1", lines=[line(serial=f"B{i}")])
    file(client, world, "d2")
    login_as(client, "admin")
    html = client.get(f"/dealers/{world.dealer.id}").get_data(as_text=True)
    button = re.search(r'<a class="btn btn-outline-secondary smart-button" data-key="rma.returns" href="([^"]+)">'
                       r'.*?<strong class="smart-count">(\d+)</strong>', html, re.S)
    assert button and button.group(2) == "2"
    listed = client.get(button.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(_numbers(listed)) == 2
    assert 'data-key="rma.penalties"' in html


def test_dashboard_charts_carry_returns_by_cause_and_sla(app, client, world):
    file(client, world, "d1")
    make_user("boss", roles=["admin"])
    login_as(client, "boss")
    html = client.get("/").get_data(as_text=True)
    charts = chart_specs(html)
    causes = charts["rma-causes-chart"]
    assert causes["kind"] == "stacked" and len(causes["categories"]) == 6
    assert sum(sum(s["data"]) for s in causes["series"]) == 1
    assert charts["rma-sla-chart"]["series"][0]["name"] == "Share resolved within the SLA, percent"
    assert "<script>" not in html and "echarts.common.min.js" in html


def test_dealer_page_penalties_button_lists_only_its_penalties(app, client, world):
    from decimal import Decimal

    from core.extensions import db
    from plugins.rma.models import Rma, RmaPenalty

    first = file(client, world, "d1")
    second = file(client, world, "d2")
    for body, reason in ((first, "damaged by dealer one"), (second, "damaged by dealer two")):
        rma = db.session.get(Rma, body["id"])
        db.session.add(RmaPenalty(rma_id=rma.id, dealer_id=rma.dealer_id, amount=Decimal("100.00"), reason=reason))
    db.session.commit()
    login_as(client, "admin")
    html = client.get(f"/dealers/{world.dealer.id}").get_data(as_text=True)
    button = re.search(r'data-key="rma.penalties" href="([^"]+)">.*?<strong class="smart-count">(\d+)</strong>', html, re.S)
    assert button and button.group(2) == "1"
    listed = client.get(button.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "damaged by dealer one" in listed and "damaged by dealer two" not in listed
    everything = client.get("/rma/penalties").get_data(as_text=True)
    assert "damaged by dealer one" in everything and "damaged by dealer two" in everything
