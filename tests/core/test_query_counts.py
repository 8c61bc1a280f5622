"""Every core list page and API call runs the same number of SQL queries at 10 and at 1000 rows."""
from decimal import Decimal

import pytest
from sqlalchemy import insert

from core.dealers.models import Dealer
from core.extensions import db
from core.products.models import Product, ProductPart
from core.testing import api_headers, count_queries, login_as, make_category, make_region, make_user
from core.users.models import User, user_roles


def _bulk(n, region, category):
    start = db.session.scalar(db.select(db.func.count()).select_from(Dealer)) or 0
    last_product = db.session.scalar(db.select(db.func.max(Product.id))) or 0
    agent_rows = [{"code": f"A{start + i:05d}", "name": f"Agent {i}", "kind": "agent", "region_id": region.id,
                   "status": "active", "abc_class": "A", "version": 1} for i in range(n)]
    db.session.execute(insert(Dealer), agent_rows)
    agents = db.session.scalars(db.select(Dealer).where(Dealer.kind == "agent", Dealer.code >= f"A{start:05d}")).all()
    db.session.execute(insert(Dealer), [{"code": f"S{start + i:05d}", "name": f"Dist {i}", "kind": "distributor",
                                        "parent_id": agents[i % len(agents)].id, "region_id": region.id,
                                        "status": "active", "abc_class": "B", "version": 1} for i in range(n)])
    db.session.execute(insert(Product), [{"sku": f"SKU{start + i:06d}", "name": f"Product {i}", "category_id": category.id,
                                         "unit_price": Decimal("9.90"), "status": "active", "is_spare_part": False,
                                         "version": 1} for i in range(n)])
    products = db.session.scalars(db.select(Product).where(Product.id > last_product).order_by(Product.id)).all()
    db.session.execute(insert(ProductPart), [{"product_id": products[i].id, "part_id": products[(i + 1) % len(products)].id,
                                             "quantity": 2} for i in range(n)])
    db.session.execute(insert(User), [{"username": f"user{start + i}", "display_name": f"U{i}", "password_hash": "x",
                                      "active": True, "language": "zh_CN", "failed_logins": 0} for i in range(n)])
    ids = db.session.scalars(db.select(User.id).where(User.username.like("user%"), ~User.roles.any())).all()
    db.session.execute(insert(user_roles), [{"user_id": uid, "role_id": "order_dept"} for uid in ids])
    db.session.commit()


API_PATHS = ["/api/v1/dealers?per_page=200", "/api/v1/products?per_page=200", "/api/v1/users?per_page=200",
             "/api/v1/regions", "/api/v1/product-categories", "/api/v1/dealers?q=Dist&kind=distributor",
             "/api/v1/products?q=Product&sort=-unit_price"]
PAGES = ["/dealers/?per_page=200", "/products/?per_page=200", "/admin/users/?per_page=200", "/regions/",
         "/categories/", "/dealers/?kind=distributor&sort=-name&q=Dist", "/dealers/1", "/products/1", "/regions/1",
         "/dealers/1/edit", "/products/1/edit", "/", "/notifications", "/admin/roles/", "/admin/settings"]


def _counts(app, client, paths, headers=None):
    result = {}
    for path in paths:
        with count_queries(app) as q:
            r = client.get(path, headers=headers or {})
        assert r.status_code == 200, (path, r.status_code)
        result[path] = q.count
    return result


def test_core_lists_constant_queries(app, client):
    admin = make_user("admin")
    region = make_region("EAST")
    category = make_category("LIGHTING")
    headers = api_headers(admin)
    login_as(client, "admin")
    _bulk(10, region, category)
    api_small = _counts(app, client, API_PATHS, headers)
    pages_small = _counts(app, client, PAGES)
    _bulk(990, region, category)
    api_large = _counts(app, client, API_PATHS, headers)
    pages_large = _counts(app, client, PAGES)
    assert api_small == api_large
    assert pages_small == pages_large
    assert max(api_large.values()) <= 10, api_large
    dashboard = pages_large.pop("/")
    dealer_page = pages_large.pop("/dealers/1")
    assert max(pages_large.values()) <= 12, pages_large
    # plus one count per smart button (returns, penalties, exceptions, applications, reports, requests)
    assert dealer_page <= 12 + 6, dealer_page
    assert dashboard <= 40, dashboard  # a composition of every enabled plugin's widgets


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/dealers/1", "/api/v1/products/1"])
def test_detail_calls_are_small(app, client, path):
    admin = make_user("admin")
    region = make_region("EAST")
    _bulk(3, region, make_category("LIGHTING"))
    headers = api_headers(admin)
    with count_queries(app) as q:
        assert client.get(path, headers=headers).status_code == 200
    assert q.count <= 6, q.statements
