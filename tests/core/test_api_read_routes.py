"""``toolkit.list_route`` / ``toolkit.detail_route``: a resource's list and one record declared in one
call each, with what every ``route`` has (OpenAPI, permission, 404 outside scope, endpoint names)
and the list's two statements whatever the page size."""
import pytest
from flask import Blueprint
from sqlalchemy import select

from core.dealers.models import Region
from core.testing import api_headers, count_queries, make_region, make_user


@pytest.fixture
def enabled_plugins():
    return []


@pytest.fixture
def regions_api(app):
    from core.api import API_PREFIX
    from core.api.plugin import before_api_request
    from core.toolkit import ListQuery, NotFound, OutSchema, detail_route, list_route

    class RegionOut(OutSchema):
        code: str
        name: str
        managers: int

    def get(record_id):
        region = app.extensions["sqlalchemy"].session.get(Region, record_id)
        if region is None:
            raise NotFound("no such region")
        return region

    bp = Blueprint("demo_api", __name__, url_prefix=API_PREFIX + "/demo")
    bp.before_request(before_api_request)
    list_route(bp, "/regions", lambda query: select(Region).order_by(Region.code),
               lambda r, counts: {"code": r.code, "name": r.name, "managers": counts.get(r.code, 0)},
               extras=lambda rows: {r.code: len(r.code) for r in rows}, query=ListQuery, response=RegionOut,
               permission="core.dealers.view", tag="demo", endpoint="list_regions", summary="Regions, by code.")
    detail_route(bp, "/regions/<int:record_id>", get, lambda r: {"code": r.code, "name": r.name, "managers": 0},
                 response=RegionOut, permission="core.dealers.view", tag="demo", endpoint="get_region",
                 summary="One region.")
    app.register_blueprint(bp)
    return bp


def test_a_list_and_a_detail_declared_in_one_call_each(app, client, regions_api):
    from core.api import openapi_document

    admin, clerk = make_user("admin"), make_user("clerk", roles=[])
    east, _south, _west = make_region("EAST"), make_region("SOUTH"), make_region("WEST")
    headers = api_headers(admin)
    r = client.get("/api/v1/demo/regions?per_page=2", headers=headers)
    assert r.status_code == 200
    assert r.json == {"items": [{"code": "EAST", "name": "Region EAST", "managers": 4},
                                {"code": "SOUTH", "name": "Region SOUTH", "managers": 5}],
                      "total": 3, "page": 1, "per_page": 2, "pages": 2}
    counts = []
    for per_page in (1, 3):
        with count_queries(app) as q:
            assert client.get(f"/api/v1/demo/regions?per_page={per_page}", headers=headers).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1]  # the count and the page, whatever the page size: no query per row
    one = client.get(f"/api/v1/demo/regions/{east.id}", headers=api_headers(admin))
    assert one.status_code == 200 and one.json["code"] == "EAST"
    assert client.get("/api/v1/demo/regions/99999", headers=api_headers(admin)).status_code == 404
    assert client.get("/api/v1/demo/regions", headers=api_headers(clerk)).status_code == 403
    assert client.get("/api/v1/demo/regions").status_code == 401
    assert {"demo_api.list_regions", "demo_api.get_region"} <= set(app.view_functions)
    paths = openapi_document(app)["paths"]
    listed, got = paths["/api/v1/demo/regions"]["get"], paths["/api/v1/demo/regions/{record_id}"]["get"]
    assert listed["summary"] == "Regions, by code." and listed["operationId"] == "demo_api.list_regions_get"
    assert {p["name"] for p in listed["parameters"]} >= {"page", "per_page"}
    assert "items" in listed["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
    assert got["summary"] == "One region." and got["parameters"][0]["name"] == "record_id"
