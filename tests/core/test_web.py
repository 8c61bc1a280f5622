"""The UI shell and admin pages as a user sees them: login, lockout, CSRF, forms, CSV, i18n."""
import re

from core.dealers.models import Dealer
from core.extensions import db
from core.products.models import Product
from core.testing import TEST_PASSWORD, login_as, make_app, make_category, make_dealer, make_region, make_user


def test_dashboard_widget_counts_dealers_by_status(app, client):
    make_user("admin")
    make_dealer("D1")
    make_dealer("D2", status="suspended")
    login_as(client, "admin")
    page = client.get("/").get_data(as_text=True)
    assert "Dealers by status" in page and "Suspended" in page
    card = page[page.index('id="widget-core-dealers"'):]
    card = card[:card.index("</table>")]
    # the card shows a table with links, not its HTML as text
    assert "&lt;" not in card and '<a href="/dealers/?status=suspended">Suspended</a>' in card


def test_every_dashboard_widget_renders_markup_not_escaped_text():
    """A widget returning render_template()'s plain str showed its HTML as text (&lt;table&gt;)."""
    from markupsafe import Markup

    app = make_app()
    with app.app_context():
        admin = make_user("admin")
        make_dealer("D1")
        db.session.commit()
        client = app.test_client()
        login_as(client, "admin")
        widgets = app.extensions["aftersales"].widgets
        assert len(widgets) > 10
        with app.test_request_context("/"):
            from flask_login import login_user

            login_user(admin)
            for widget in widgets:
                body = widget.render()
                assert body is None or isinstance(body, Markup), (widget.id, type(body))
        page = client.get("/").get_data(as_text=True)
        assert "&lt;table" not in page and "&lt;div" not in page


def test_login_page_and_dashboard(app, client):
    make_user("admin")
    assert client.get("/").status_code == 302  # to the login page
    r = login_as(client, "admin")
    assert r.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "aftersales" in page and "admin" in page


def test_wrong_password_then_lockout_in_the_form(app, client):
    make_user("bob")
    for _ in range(4):
        r = client.post("/login", data={"username": "bob", "password": "nope"})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "bob", "password": "nope"})
    assert r.status_code == 401
    r = login_as(client, "bob")
    assert r.status_code == 401  # locked even with the right password
    from core.users.models import User

    user = db.session.scalar(db.select(User).where(User.username == "bob"))
    assert user.locked_until is not None


def test_csrf_is_enforced_on_forms_and_session_api_calls():
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("admin")
        client = app.test_client()
        r = client.post("/login", data={"username": "admin", "password": TEST_PASSWORD})
        assert r.status_code == 400  # no token: the form is refused
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        r = client.post("/login", data={"username": "admin", "password": TEST_PASSWORD, "csrf_token": token})
        assert r.status_code == 302
        r = client.post("/api/v1/regions", json={"code": "X", "name": "X"})
        assert r.status_code == 400 and r.json["error"]["code"] == "csrf"
        token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
        r = client.post("/api/v1/regions", json={"code": "X", "name": "X"}, headers={"X-CSRFToken": token})
        assert r.status_code == 201


def test_security_headers(app, client):
    r = client.get("/login")
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_dealer_form_shows_field_errors_and_writes_nothing(app, client):
    make_user("admin")
    login_as(client, "admin")
    r = client.post("/dealers/new", data={"code": "bad code!", "name": "", "kind": "distributor", "status": "active",
                                          "abc_class": "A"})
    assert r.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Dealer)) == 0
    r = client.post("/dealers/new", data={"code": "D1", "name": "Shop", "kind": "distributor", "status": "active",
                                          "abc_class": "A", "parent_code": ""})
    assert r.status_code == 422
    assert "a distributor must name its agent" in r.get_data(as_text=True)
    r = client.post("/dealers/new", data={"code": "D1", "name": "Shop", "kind": "dealer", "status": "active",
                                          "abc_class": "A"})
    assert r.status_code == 302
    dealer = db.session.scalar(db.select(Dealer).where(Dealer.code == "D1"))
    detail = client.get(f"/dealers/{dealer.id}").get_data(as_text=True)
    assert "Shop" in detail and "created" in detail  # the activity log


def test_duplicate_product_sku_in_form(app, client):
    make_user("admin")
    cat = make_category("LIGHTING")
    login_as(client, "admin")
    data = {"sku": "P1", "name": "Lamp", "category_code": cat.code, "unit_price": "12.50", "status": "active"}
    assert client.post("/products/new", data=data).status_code == 302
    r = client.post("/products/new", data=data)
    assert r.status_code == 422 and "already used" in r.get_data(as_text=True)
    r = client.post("/products/new", data={**data, "sku": "P2", "unit_price": "twelve"})
    assert r.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 1


def test_delete_asks_for_confirmation_then_deletes(app, client):
    make_user("admin")
    region = make_region("EAST")
    login_as(client, "admin")
    r = client.get(f"/regions/{region.id}/delete")
    assert r.status_code == 200 and "This cannot be undone" in r.get_data(as_text=True)
    assert client.post(f"/regions/{region.id}/delete").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(type(region))) == 0


def test_delete_refused_while_in_use(app, client):
    make_user("admin")
    region = make_region("EAST")
    make_dealer("D1", region=region)
    login_as(client, "admin")
    r = client.post(f"/regions/{region.id}/delete", follow_redirects=True)
    assert "dealers belong to this region" in r.get_data(as_text=True)


def test_csv_import_reports_row_numbers_and_writes_nothing(app, client):
    make_user("admin")
    make_region("EAST")
    login_as(client, "admin")
    csv_text = ("code,name,kind,parent_code,region_code\n"
                "A1,Agent,agent,,EAST\n"
                "S1,Dist,distributor,A1,EAST\n"
                "X1,,dealer,,EAST\n"
                "X2,Bad region,dealer,,NOWHERE\n")
    from io import BytesIO

    r = client.post("/dealers/import", data={"file": (BytesIO(csv_text.encode()), "d.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Row 4" in page and "Row 5" in page and "Row 2" not in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Dealer)) == 0
    good = csv_text.rsplit("X1", 1)[0]
    r = client.post("/dealers/import", data={"file": (BytesIO(good.encode()), "d.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Dealer)) == 2
    export = client.get("/dealers/export.csv").get_data(as_text=True)
    assert "S1,Dist,distributor,A1,EAST" in export


def test_product_csv_round_trip(app, client):
    from core.products.services import export_products_csv, import_products_csv

    make_user("admin")
    make_category("LIGHTING")
    result = import_products_csv("sku,name,category_code,unit_price,parts\nPNL,Panel,LIGHTING,99.00,DRV:2\n"
                                 "DRV,Driver,LIGHTING,10.00,\n")
    db.session.commit()
    assert result == {"created": 2, "updated": 0}
    products = db.session.scalars(db.select(Product).order_by(Product.sku)).all()
    text = export_products_csv(products)
    assert "PNL,Panel,LIGHTING,99.00,active,,false,DRV:2" in text


def test_language_switch_and_chinese_default(app, client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page and 'lang="zh-CN"' in page
    client.post("/language/en", data={"next": "/login"})
    assert "Log in" in client.get("/login").get_data(as_text=True)


def test_user_language_decides_the_page_language(app, client):
    make_user("zhang", roles=["admin"], language="zh_CN")
    login_as(client, "zhang")
    page = client.get("/dealers/").get_data(as_text=True)
    assert "经销商" in page and "暂无记录" in page
    client.post("/language/en", data={"next": "/dealers/"})
    assert "Nothing here yet." in client.get("/dealers/").get_data(as_text=True)


def test_every_catalog_compiles_and_translates_its_menu():
    from babel.messages.pofile import read_po

    from core.i18n_build import catalogs

    for po in catalogs():
        with po.open("rb") as f:
            catalog = read_po(f)
        untranslated = [m.id for m in catalog if m.id and not m.string]
        assert not untranslated, f"{po}: untranslated {untranslated[:5]}"


def test_user_admin_pages_and_own_password(app, client):
    make_user("admin")
    login_as(client, "admin")
    r = client.post("/admin/users/new", data={"username": "clerk", "password": "short", "roles": ["order_dept"],
                                              "language": "en", "active": "y", "dealer_code": ""})
    assert r.status_code == 422 and "at least 8 characters" in r.get_data(as_text=True)
    r = client.post("/admin/users/new", data={"username": "clerk", "password": "long-enough-1", "roles": ["order_dept"],
                                              "language": "en", "active": "y", "dealer_code": ""})
    assert r.status_code == 302
    other = app.test_client()
    assert login_as(other, "clerk", "long-enough-1").status_code == 302
    r = other.post("/account/password", data={"current_password": "wrong", "new_password": "another-pass-2",
                                              "confirm": "another-pass-2"})
    assert "current password is wrong" in r.get_data(as_text=True)
    r = other.post("/account/password", data={"current_password": "long-enough-1", "new_password": "another-pass-2",
                                              "confirm": "another-pass-2"})
    assert r.status_code == 302
    assert login_as(app.test_client(), "clerk", "another-pass-2").status_code == 302


def test_settings_page_validates_and_changes_a_rule(app, client):
    from core import settings

    make_user("admin")
    login_as(client, "admin")
    r = client.post("/admin/settings", data={"core.login_max_failures": "zero"})
    assert r.status_code == 422
    r = client.post("/admin/settings", data={"core.login_max_failures": "3"})
    assert r.status_code == 302
    assert settings.get("core.login_max_failures") == 3


def test_roles_page_edits_grants(app, client):
    make_user("admin")
    login_as(client, "admin")
    assert "core.dealers.manage" in client.get("/admin/roles/").get_data(as_text=True)
    r = client.post("/admin/roles/hr", data={"permissions": ["core.dealers.view"]})
    assert r.status_code == 302
    hr = make_user("hruser", roles=["hr"])
    assert hr.can("core.dealers.view") and not hr.can("core.products.view")


def test_dealer_user_sees_only_own_dealer_pages(app, client):
    east = make_region("EAST")
    mine = make_dealer("D1", region=east)
    other = make_dealer("D2", region=east)
    make_user("shop", roles=["dealer"], dealer=mine)
    login_as(client, "shop")
    listing = client.get("/dealers/").get_data(as_text=True)
    assert "D1" in listing and "D2" not in listing
    assert client.get(f"/dealers/{other.id}").status_code == 404
    assert client.get("/dealers/new").status_code == 403
    assert client.get("/admin/users/").status_code == 403


import pytest  # noqa: E402

LONG = "x" * 400
FORM_CASES = [
    ("/regions/new", {"code": "", "name": LONG}, ["code", "name"]),
    ("/categories/new", {"code": "C", "name": "n", "warranty_months": "-3", "retention_months": "abc"}, ["warranty_months"]),
    ("/dealers/new", {"code": "D" * 40, "name": "n", "kind": "dealer", "status": "active", "abc_class": "A"}, ["code"]),
    ("/dealers/new", {"code": "D1", "name": "n", "kind": "dealer", "status": "active", "abc_class": "A", "region_code": "NOPE"}, ["region_code"]),
    ("/products/new", {"sku": "P1", "name": "n", "category_code": "NOPE", "unit_price": "1", "status": "active"}, ["category_code"]),
    ("/products/new", {"sku": "P1", "name": "n", "category_code": "L", "unit_price": "-1", "status": "active"}, ["unit_price"]),
    ("/products/new", {"sku": "P1", "name": "n", "category_code": "L", "unit_price": "1", "status": "active", "parts": "GHOST 1"}, ["parts"]),
    ("/admin/users/new", {"username": "", "password": "long-enough-1", "language": "en"}, ["username"]),
    ("/admin/users/new", {"username": "u1", "password": "long-enough-1", "language": "en", "email": "nope"}, ["email"]),
]


@pytest.mark.parametrize("path,data,fields", FORM_CASES, ids=[f"{c[0]}-{'-'.join(c[2])}" for c in FORM_CASES])
def test_every_form_rejects_bad_input_and_writes_nothing(app, client, path, data, fields):
    from core.activity import ActivityEntry

    make_user("admin")
    make_category("L")
    before = db.session.scalar(db.select(db.func.count()).select_from(ActivityEntry))
    login_as(client, "admin")
    r = client.post(path, data=data)
    assert r.status_code in (400, 422), r.status_code
    page = r.get_data(as_text=True)
    assert "invalid-feedback" in page or "alert-danger" in page
    after = db.session.scalar(db.select(db.func.count()).select_from(ActivityEntry))
    assert after == before


def test_translations_are_per_app_not_shared_between_plugin_sets():
    """An app with fewer plugins must not leave its catalogue cached for the next app."""
    from flask_babel import force_locale, gettext

    from core.testing import make_app

    small = make_app(plugins=[])
    with small.test_request_context("/"), force_locale("zh_CN"):
        assert gettext("Log in") == "登录"
        assert gettext("Returns") == "Returns"  # not in the core catalogue
    full = make_app(plugins=["rma"])
    with full.test_request_context("/"), force_locale("zh_CN"):
        assert gettext("Returns") == "退货"
