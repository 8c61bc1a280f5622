"""Availability: sizes, ranges and error pages that cannot take a worker down."""
import pytest

from core.testing import api_headers, login_as, make_dealer, make_region, make_user

HUGE = "99999999999999999999999"
BIG64 = str(2**63)


@pytest.mark.parametrize("path", [f"/api/v1/dealers/{HUGE}", f"/api/v1/dealers/{BIG64}", f"/api/v1/users/{2**31}",
                                  f"/api/v1/regions/{HUGE}"])
def test_huge_ids_in_api_paths_are_404(app, client, path):
    h = api_headers(make_user("admin"))
    for method in ("get", "patch", "delete"):
        r = getattr(client, method)(path, headers=h, **({"json": {}} if method == "patch" else {}))
        assert r.status_code == 404, (method, path, r.status_code)  # before: 500


@pytest.mark.parametrize("query", [f"page={HUGE}", f"page={BIG64}", f"per_page={HUGE}", "page=-1", f"q=x&page={2**40}"])
def test_huge_page_numbers_in_api_lists_are_400(app, client, query):
    h = api_headers(make_user("admin"))
    r = client.get(f"/api/v1/dealers?{query}", headers=h)
    assert r.status_code == 400 and r.json["error"]["code"] == "bad_query"  # before: 500


def test_huge_ids_and_pages_on_pages_never_500(app, client):
    make_user("admin")
    login_as(client, "admin")
    assert client.get(f"/dealers/{HUGE}").status_code == 404
    assert client.get(f"/dealers/?page={HUGE}").status_code == 200
    assert client.get(f"/users/{BIG64}").status_code == 404


def test_huge_integers_in_bodies_and_query_filters_are_refused(app, client):
    h = api_headers(make_user("admin"))
    region = make_region("EAST")
    dealer = make_dealer("D1", region=region)
    r = client.patch(f"/api/v1/dealers/{dealer.id}", json={"version": int(HUGE), "name": "x"}, headers=h)
    assert r.status_code == 422 and "version" in r.json["error"]["fields"]
    r = client.get(f"/api/v1/activity?model=dealer&id={HUGE}", headers=h)
    assert r.status_code == 400


def test_an_error_page_after_a_database_error_rolls_back_first(app, client):
    """A DataError in a view (PostgreSQL aborts the transaction) renders a 400 page whose own
    queries (menu, unread count) run in a fresh transaction."""
    from flask import Blueprint
    from sqlalchemy import text

    from core.extensions import db

    make_user("admin")
    bp = Blueprint("probe", __name__)

    @bp.route("/probe-overflow")
    def probe():
        db.session.execute(text("SELECT CAST(:v AS INTEGER) + 2147483647"), {"v": 2147483647}).scalar()
        return "unreachable on PostgreSQL"

    app.register_blueprint(bp)
    login_as(client, "admin")
    r = client.get("/probe-overflow")
    if db.engine.dialect.name == "postgresql":
        assert r.status_code == 400 and "admin" in r.get_data(as_text=True)  # before: 500 InFailedSqlTransaction


def test_csv_imports_are_bounded_in_rows_and_reported_errors(app, client):
    from core import settings
    from core.dealers.services import import_dealers_csv
    from core.errors import ValidationError
    from core.extensions import db

    settings.set_value("core.import_max_rows", 500)
    db.session.commit()
    bad = "code,name,kind\n" + "".join(f"X{i},Name,nonsense\n" for i in range(300))
    with pytest.raises(ValidationError) as err:
        import_dealers_csv(bad)
    fields = err.value.fields
    assert len(fields) == 101 and fields["more"] == "另有 200 行错误未显示"  # before: 300 errors (default language: Chinese)
    with pytest.raises(ValidationError) as err:
        import_dealers_csv("code,name\n" + "".join(f"D{i},Name\n" for i in range(501)))
    assert "超过 500 行" in err.value.fields["file"]
    db.session.rollback()


@pytest.mark.parametrize("path", ["/api/v1/users/{id}", "/api/v1/regions/{id}", "/api/v1/product-categories/{id}",
                                  "/api/v1/products/{id}"])
def test_patch_and_delete_answer_404_to_those_who_may_not_read(app, client, path):
    from core.testing import make_category, make_product

    admin = make_user("admin")
    region = make_region("EAST")
    category = make_category()
    product = make_product("P1", category=category)
    dealer_user = make_user("d", roles=["dealer"], dealer=make_dealer("D1", region=region))
    existing = {"users": admin.id, "regions": region.id, "product-categories": category.id, "products": product.id}
    record_id = existing[path.split("/")[3]]
    h = api_headers(dealer_user)
    readable = client.get(path.format(id=record_id), headers=h).status_code == 200
    for method in ("patch", "delete"):
        there = getattr(client, method)(path.format(id=record_id), headers=h, json={} if method == "patch" else None)
        absent = getattr(client, method)(path.format(id=999999), headers=h, json={} if method == "patch" else None)
        if readable:
            assert there.status_code == 403 and absent.status_code == 404
        else:
            assert there.status_code == absent.status_code == 404, method  # before: 403 vs 404 told ids apart
