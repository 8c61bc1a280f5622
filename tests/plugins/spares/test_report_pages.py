"""Stock reports as a dealer files them: a warning before a second count for the same day drops obliged
parts, a template to fill in, Chinese column headers, and import errors in the reader's language."""
import csv
import html
import io
from datetime import date, timedelta

from openpyxl import Workbook, load_workbook

from core.extensions import db
from core.testing import api_headers, login_as
from plugins.spares import services
from plugins.spares.models import StockReport


def oblige(client, world):
    for sku, qty in (("DRV", 2), ("COB", 1)):
        r = client.post("/api/v1/spare-obligations", json={"sku": sku, "quantity": qty}, headers=api_headers(world.service))
        assert r.status_code == 201, r.json


def reports():
    db.session.expire_all()
    return db.session.scalars(db.select(StockReport).order_by(StockReport.id)).all()


def xlsx(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_second_count_for_the_same_day_that_drops_obliged_parts_asks_first(app, client, world):
    oblige(client, world)
    today = date.today().isoformat()
    r = client.post("/api/v1/spare-stock-reports", json={"reported_on": today, "lines": [
        {"sku": "DRV", "quantity": 2}, {"sku": "COB", "quantity": 1}]}, headers=api_headers(world.u1))
    assert r.status_code == 201
    login_as(client, "u1")
    r = client.post("/spares/reports/new", data={"reported_on": today, "lines": "DRV 3"})
    page = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 200 and len(reports()) == 1  # nothing saved yet
    warning = page[page.index('id="report-omitted"'):page.index("</div>", page.index('id="report-omitted"'))]
    assert "COB Product COB: required 1, 1 in the report it replaces" in warning and "DRV" not in warning
    assert 'name="confirm_omitted" value="1"' in page and "Save anyway" in page and "DRV 3</textarea>" in page
    r = client.post("/spares/reports/new", data={"reported_on": today, "lines": "DRV 3", "confirm_omitted": "1"})
    assert r.status_code == 302 and len(reports()) == 2
    assert services.dealer_compliance(world.d1)["rate"] == "50.0"  # knowingly: COB now counts as none
    # an upload comes back as lines, so the confirmation does not need the file again
    r = client.post("/spares/reports/new", data={"reported_on": today, "file": (io.BytesIO(b"sku,quantity\nCOB,4\n"), "s.csv")},
                    content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="report-omitted"' in page and "COB 4</textarea>" in page and len(reports()) == 2
    # no warning when every obliged part is there, or for another day's first count
    r = client.post("/spares/reports/new", data={"reported_on": today, "lines": "DRV 2\nCOB 1"})
    assert r.status_code == 302 and len(reports()) == 3
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    r = client.post("/spares/reports/new", data={"reported_on": yesterday, "lines": "DRV 1"})
    assert r.status_code == 302 and len(reports()) == 4


def test_template_downloads_list_the_obliged_parts_and_import_back(app, client, world):
    oblige(client, world)
    login_as(client, "u1")
    page = client.get("/spares/reports/new").get_data(as_text=True)
    assert 'href="/spares/reports/template.xlsx"' in page and 'href="/spares/reports/template.csv"' in page
    r = client.get("/spares/reports/template.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [["sku", "name", "quantity"], ["COB", "Product COB", ""], ["DRV", "Product DRV", ""]]
    filled = "\ufeff" + "\n".join(",".join(row[:2] + ["3"]) for row in rows[1:])
    r = client.post("/spares/reports/new", data={"reported_on": date.today().isoformat(), "file": (
        io.BytesIO(("sku,name,quantity\n" + filled.lstrip("\ufeff")).encode()), "filled.csv")},
        content_type="multipart/form-data")
    assert r.status_code == 302 and sorted((l.part.sku, l.quantity) for l in reports()[0].lines) == [("COB", 3), ("DRV", 3)]
    r = client.get("/spares/reports/template.xlsx")
    sheet = load_workbook(io.BytesIO(r.data)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["sku", "name", "quantity"] and sheet.max_row == 3
    world.u1.language = "zh_CN"
    db.session.commit()
    sheet = load_workbook(io.BytesIO(client.get("/spares/reports/template.xlsx").data)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["型号", "名称", "数量"]  # the seeds' words (型号, 数量)


def test_chinese_column_headers_are_read_like_english_ones(app, client, world):
    login_as(client, "u1")
    today = date.today().isoformat()
    r = client.post("/spares/reports/new", data={"reported_on": today, "file": (
        io.BytesIO("型号,名称,数量\nDRV,驱动,5\n".encode("gb18030")), "库存.csv")}, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    r = client.post("/spares/reports/new", data={"reported_on": today, "confirm_omitted": "1", "file": (
        io.BytesIO(xlsx([["物料编码", "数量"], ["COB", 2]])), "库存.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    assert [[(l.part.sku, l.quantity) for l in rep.lines] for rep in reports()] == [[("DRV", 5)], [("COB", 2)]]
    r = client.post("/spares/reports/new", data={"reported_on": today, "file": (
        io.BytesIO("编号,个数\nDRV,1\n".encode()), "x.csv")}, content_type="multipart/form-data")
    assert r.status_code == 422 and "missing column(s): sku, quantity" in r.get_data(as_text=True)


def test_import_errors_read_in_the_users_language_with_row_numbers(app, client, world):
    world.u1.language = "zh_CN"
    db.session.commit()
    login_as(client, "u1")
    bad = "型号,数量\nDRV,3\nNOPE,1\nCOB,-2\nDRV,1\n,4\n"
    r = client.post("/spares/reports/new", data={"reported_on": date.today().isoformat(),
                                                 "file": (io.BytesIO(bad.encode()), "stock.csv")},
                    content_type="multipart/form-data")
    page = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 422
    assert "第 3 行：没有物料号为 'NOPE' 的产品" in page, page[page.index("invalid-feedback"):][:600]
    assert "第 4 行：COB：数量 '-2' 不是大于或等于 0 的整数" in page
    assert "第 5 行：DRV 重复列出（第 2 行）" in page and "第 6 行：缺少物料号" in page
    assert "row " not in page and "Row " not in page


def test_the_api_warns_of_omitted_obliged_parts_and_can_check_first(app, client, world):
    oblige(client, world)
    today = date.today().isoformat()
    url, h = "/api/v1/spare-stock-reports", api_headers(world.u1)
    r = client.post(url, json={"reported_on": today, "lines": [{"sku": "DRV", "quantity": 2}, {"sku": "COB", "quantity": 1}]},
                    headers=h)
    assert r.status_code == 201 and r.json["warnings"] == []  # the day's first count: nothing to warn of
    # check_only: 200 with the warning, nothing saved
    r = client.post(url, json={"reported_on": today, "lines": [{"sku": "DRV", "quantity": 3}], "check_only": True},
                    headers=h)
    assert r.status_code == 200 and len(reports()) == 1
    assert r.json["saved"] is False
    [warning] = r.json["warnings"]
    assert warning["code"] == "obliged_parts_omitted" and "already exists" in warning["message"]
    assert warning["parts"] == [{"sku": "COB", "name": "Product COB", "required": 1, "before": 1}]
    # every check of a save runs in a check too (a 422 is a 422), still nothing saved
    r = client.post(url, json={"reported_on": today, "lines": [{"sku": "NOPE", "quantity": 1}], "check_only": True},
                    headers=h)
    assert r.status_code == 422 and len(reports()) == 1
    r = client.post(url, json={"reported_on": today, "lines": [{"sku": "DRV", "quantity": 3}, {"sku": "COB", "quantity": 1}],
                               "check_only": True}, headers=h)
    assert r.status_code == 200 and r.json["warnings"] == []
    # an existing client (no flag) still saves, and reads the same warning in the answer
    r = client.post(url, json={"reported_on": today, "lines": [{"sku": "DRV", "quantity": 3}]}, headers=h)
    assert r.status_code == 201 and len(reports()) == 2 and r.json["id"] == reports()[1].id
    assert [w["code"] for w in r.json["warnings"]] == ["obliged_parts_omitted"]
    assert [p["sku"] for p in r.json["warnings"][0]["parts"]] == ["COB"]
    # in the caller's language
    world.u1.language = "zh_CN"
    db.session.commit()
    r = client.post(url, json={"reported_on": today, "lines": [{"sku": "DRV", "quantity": 3}], "check_only": True},
                    headers=h)
    assert r.json["warnings"][0]["message"].startswith(f"{today} 已有库存报告。")
    # the OpenAPI document says so
    doc = client.get("/api/v1/openapi.json").json
    op = doc["paths"]["/api/v1/spare-stock-reports"]["post"]
    assert set(op["responses"]) >= {"200", "201"}
    body = doc["components"]["schemas"][op["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]
    assert "check_only" in body["properties"]
    created = doc["components"]["schemas"][op["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]
    assert "warnings" in created["properties"]
    checked = doc["components"]["schemas"][op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]
    assert set(checked["properties"]) == {"saved", "warnings"}
