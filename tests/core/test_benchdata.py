"""``aftersales bench-data``: counts, realistic logins and tokens, idempotence, reset."""
import json

from sqlalchemy import func, select

from core import benchdata
from core.dealers.models import Dealer, Region
from core.extensions import db
from core.products.models import Product, ProductPart
from core.testing import make_user
from core.users.models import ApiToken, User


def run(app, *args):
    return app.test_cli_runner().invoke(args=["bench-data", *args])


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_generates_tiny_dataset_the_api_lists(app, client, tmp_path):
    creds_file = tmp_path / "creds.json"
    result = run(app, "--dealers", "20", "--products", "50", "--regions", "3", "--credentials", str(creds_file))
    assert result.exit_code == 0, result.output
    assert "20  dealers" in result.output and "50  products" in result.output

    assert count(Dealer) == 20 and count(Region) == 3 and count(Product) == 50
    assert count(Product, Product.is_spare_part.is_(True)) == 5
    assert count(Dealer, Dealer.kind == "agent") == 2 and count(Dealer, Dealer.kind == "distributor") == 5
    assert db.session.scalar(select(func.count()).select_from(Dealer).where(
        Dealer.kind == "distributor", Dealer.parent_id.is_(None))) == 0
    units = count(Product, Product.is_spare_part.is_(False))
    assert units <= count(ProductPart) <= 3 * units
    assert count(ApiToken) == count(User) > 0

    creds = json.loads(creds_file.read_text())
    admin = creds["users"]["admin"][0]
    h = {"Authorization": f"Bearer {admin['token']}"}
    r = client.get("/api/v1/products?per_page=200", headers=h)
    assert r.status_code == 200 and r.json["total"] == 50
    assert all(item["sku"].startswith("BP") for item in r.json["items"])
    assert any(item["parts"] for item in r.json["items"])
    r = client.get("/api/v1/dealers?per_page=200", headers=h)
    assert r.status_code == 200 and r.json["total"] == 20

    # dealer users are real dealer users: their own dealer only, active products only
    dealer_user = next(u for u in creds["users"]["dealer"]
                       if db.session.get(Dealer, u["dealer_id"]).kind == "dealer")
    h = {"Authorization": f"Bearer {dealer_user['token']}"}
    r = client.get("/api/v1/dealers", headers=h)
    assert r.status_code == 200 and [d["id"] for d in r.json["items"]] == [dealer_user["dealer_id"]]
    r = client.get("/api/v1/products?per_page=200", headers=h)
    assert r.json["total"] == count(Product, Product.status == "active")
    assert client.get("/api/v1/me", headers=h).json["username"] == dealer_user["username"]

    # regional managers manage the bench regions
    manager = creds["users"]["regional_manager"][0]
    r = client.get("/api/v1/dealers?per_page=200", headers={"Authorization": f"Bearer {manager['token']}"})
    assert 0 < r.json["total"] < 20

    # password logins work too (the benchmark logs in through the form)
    r = client.post("/api/v1/auth/token", json={"username": admin["username"], "password": creds["password"]})
    assert r.status_code == 200

    # plugin generators find what was made
    with db.engine.connect() as conn:
        data = benchdata.existing(conn)
    assert len(data.dealer_ids) == 20 and len(data.part_ids) == 5 and len(data.product_ids) == 45
    assert {u["username"] for u in data.users["dealer"]} == {u["username"] for u in creds["users"]["dealer"]}


def test_refuses_twice_and_resets(app):
    assert run(app, "--dealers", "5", "--products", "5").exit_code == 0
    names = list(db.session.scalars(select(Dealer.name).order_by(Dealer.code)))
    db.session.remove()

    result = run(app, "--dealers", "7", "--products", "5")
    assert result.exit_code != 0 and "already holds bench data" in result.output
    assert count(Dealer) == 5  # nothing written

    result = run(app, "--dealers", "5", "--products", "8", "--reset")
    assert result.exit_code == 0, result.output
    assert count(Dealer) == 5 and count(Product) == 8
    assert list(db.session.scalars(select(Dealer.name).order_by(Dealer.code))) == names  # same seed, same data


def test_reset_refused_on_a_database_with_real_users(app):
    make_user("alice")
    assert run(app, "--dealers", "3", "--products", "3").exit_code == 0
    db.session.remove()
    result = run(app, "--dealers", "3", "--products", "3", "--reset")
    assert result.exit_code != 0 and "not bench users" in result.output
    assert db.session.scalar(select(User).where(User.username == "alice")) is not None
