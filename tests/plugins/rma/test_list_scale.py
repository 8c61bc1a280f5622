"""The RMA list at scale (issue 8): a total that stops counting at ``rma.list_count_limit``
(``total_is_estimate``), keyset pagination with ``after``, and the indexes its queries use."""
from core.extensions import db
from core.toolkit import settings

from .test_queries import seed


def _ids(body):
    return [item["id"] for item in body["items"]]


def test_total_stops_at_the_count_limit_and_says_so(app, client, world):
    seed(world, 7)
    seed(world, 2, dealer=world.other, state="submitted")
    settings.set_value("rma.list_count_limit", 5)
    db.session.commit()
    body = client.get("/api/v1/rmas?per_page=2", headers=world.h["order"]).json
    assert (body["total"], body["total_is_estimate"], body["pages"]) == (5, True, 3)
    assert len(body["items"]) == 2
    # past the estimated pages the returns are still there
    assert len(client.get("/api/v1/rmas?per_page=2&page=5", headers=world.h["order"]).json["items"]) == 1
    # within the limit the count is exact, and says so
    exact = client.get("/api/v1/rmas?state=submitted", headers=world.h["order"]).json
    assert (exact["total"], exact["total_is_estimate"]) == (2, False)
    five = client.get("/api/v1/rmas?dealer_code=D1&state=reviewed&per_page=5&page=3",
                      headers=world.h["order"]).json  # an empty page: the total on its own
    assert (five["items"], five["total"], five["total_is_estimate"]) == ([], 5, True)
    mine = client.get("/api/v1/rmas", headers=world.h["d2"]).json
    assert (mine["total"], mine["total_is_estimate"]) == (2, False)


def test_after_pages_like_page_numbers(app, client, world):
    seed(world, 12)
    seed(world, 5, dealer=world.dist)
    h = world.h["a1"]
    by_page = [_ids(client.get(f"/api/v1/rmas?per_page=5&page={p}", headers=h).json) for p in range(1, 5)]
    by_cursor, after = [], None
    while True:
        body = client.get("/api/v1/rmas?per_page=5" + (f"&after={after}" if after else ""), headers=h).json
        if not body["items"]:
            break
        by_cursor.append(_ids(body))
        after = body["items"][-1]["id"]
        assert body["total"] == 5  # the agent sees its distributor's 5 (D1's 12 are not its)
    assert by_cursor == [p for p in by_page if p] and sum(map(len, by_cursor)) == 5
    # with filters and a page counted from the cursor
    h = world.h["order"]
    everything = _ids(client.get("/api/v1/rmas?per_page=50", headers=h).json)
    cut = everything[3]
    body = client.get(f"/api/v1/rmas?per_page=4&page=2&after={cut}&dealer_code=D1", headers=h).json
    d1 = _ids(client.get("/api/v1/rmas?per_page=50&dealer_code=D1", headers=h).json)
    assert _ids(body) == [i for i in d1 if i < cut][4:8]
    assert body["total"] == 12


def test_after_is_checked(app, client, world):
    for bad in ("0", "x", "-3", "99999999999"):
        r = client.get(f"/api/v1/rmas?after={bad}", headers=world.h["order"])
        assert r.status_code == 400 and "after" in r.json["error"]["fields"], bad


def test_openapi_documents_the_estimate_and_the_cursor(app, client, world):
    doc = client.get("/api/v1/openapi.json").json
    op = doc["paths"]["/api/v1/rmas"]["get"]
    assert any(p["name"] == "after" and "keyset" in p["schema"].get("description", "") for p in op["parameters"])
    envelope = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert "total_is_estimate" in envelope["properties"]
