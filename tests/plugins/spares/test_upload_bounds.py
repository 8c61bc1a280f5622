"""Stock-report uploads: a row limit (setting), a streamed parse, the first 100 errors only."""
import io
from datetime import date

from openpyxl import Workbook

from core import settings
from core.extensions import db
from core.testing import login_as
from plugins.spares.models import StockReport


def upload(client, name, data):
    return client.post("/spares/reports/new", data={"reported_on": date.today().isoformat(),
                                                    "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def xlsx(rows):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["sku", "quantity"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_huge_xlsx_is_refused_quickly_with_a_short_page(app, client, world):
    login_as(client, "u1")
    data = xlsx(([f"SKU{i}", "x"] for i in range(60_000)))
    r = upload(client, "stock.xlsx", data)
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "more than 5000 rows" in page  # before: every row parsed and reported
    assert len(page) < 100_000, len(page)  # before: 60,000 row errors on the page


def test_only_the_first_100_errors_are_reported_with_a_count_of_the_rest(app, client, world):
    login_as(client, "u1")
    settings.set_value("core.import_max_rows", 1000)
    db.session.commit()
    bad = "sku,quantity\n" + "".join(f"NOPE{i},x\n" for i in range(300))
    r = upload(client, "stock.csv", bad.encode())
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "Row 101" in page and "Row 102:" not in page and "Row 301" not in page
    assert "200 more row(s) with errors" in page
    too_many = "sku,quantity\n" + "DRV,1\n" * 1001
    r = upload(client, "stock.csv", too_many.encode())
    assert r.status_code == 422 and "more than 1000 rows" in r.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(StockReport.id))) == 0
