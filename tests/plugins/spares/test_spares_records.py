"""Record rules, uploads, reminders, retention, pages and query counts."""
import io
from datetime import date, timedelta

from click.testing import CliRunner
from openpyxl import Workbook

from core.extensions import db
from core.notifications import Notification
from core.testing import api_headers, count_queries, login_as, make_category, make_product
from plugins.spares import services
from plugins.spares.models import StockReport


def report(client, user, lines, on=None, **extra):
    r = client.post("/api/v1/spare-stock-reports", json={"reported_on": (on or date.today()).isoformat(),
                                                          "lines": lines, **extra}, headers=api_headers(user))
    assert r.status_code == 201, r.json
    return r.json


def test_dealer_never_sees_another_dealers_reports_or_applications(app, client, world):
    mine = report(client, world.u1, [{"sku": "DRV", "quantity": 1}])
    theirs = report(client, world.u2, [{"sku": "DRV", "quantity": 2}])
    a2 = client.post("/api/v1/spare-applications", json={"lines": [{"sku": "DRV", "quantity": 1}], "reason": "x"},
                     headers=api_headers(world.u2)).json
    h1 = api_headers(world.u1)
    assert client.get(f"/api/v1/spare-stock-reports/{theirs['id']}", headers=h1).status_code == 404
    assert client.get(f"/api/v1/spare-stock-reports/{mine['id']}", headers=h1).status_code == 200
    assert [r["id"] for r in client.get("/api/v1/spare-stock-reports", headers=h1).json["items"]] == [mine["id"]]
    assert client.get(f"/api/v1/spare-applications/{a2['id']}", headers=h1).status_code == 404
    assert client.post(f"/api/v1/spare-applications/{a2['id']}/receive", json={}, headers=h1).status_code == 404
    assert client.get("/api/v1/spare-applications", headers=h1).json["total"] == 0
    assert client.get("/api/v1/spare-compliance?dealer_code=D2", headers=h1).status_code == 404
    login_as(client, "u1")
    assert client.get(f"/spares/reports/{theirs['id']}").status_code == 404
    assert client.get(f"/spares/applications/{a2['id']}").status_code == 404
    assert client.get("/spares/?dealer=D2").status_code == 404
    assert "D2" not in client.get("/spares/reports/").get_data(as_text=True)


def test_csv_upload_all_or_nothing_and_xlsx(app, client, world):
    login_as(client, "u1")
    bad = "sku,quantity\nDRV,3\nNOPE,1\nCOB,-2\nDRV,1\n"
    r = client.post("/spares/reports/new", data={"reported_on": date.today().isoformat(),
                                                 "file": (io.BytesIO(bad.encode()), "stock.csv")},
                    content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "Row 3:" in page and "Row 4:" in page and "Row 5:" in page and "Row 2:" not in page
    assert db.session.scalar(db.select(db.func.count(StockReport.id))) == 0
    wb = Workbook()
    ws = wb.active
    ws.append(["sku", "quantity"])
    ws.append(["DRV", 5])
    ws.append(["COB", 2])
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post("/spares/reports/new", data={"reported_on": date.today().isoformat(),
                                                 "file": (io.BytesIO(buf.getvalue()), "stock.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    saved = db.session.scalars(db.select(StockReport)).one()
    assert saved.dealer_id == world.d1.id and sorted((l.part.sku, l.quantity) for l in saved.lines) == [("COB", 2), ("DRV", 5)]
    r = client.post("/spares/reports/new", data={"reported_on": date.today().isoformat(), "lines": "DRV 4\nCOB x"})
    assert r.status_code == 422 and db.session.scalar(db.select(db.func.count(StockReport.id))) == 1
    r = client.post("/spares/reports/new", data={"reported_on": date.today().isoformat(), "lines": "DRV 4\nCOB 1"})
    assert r.status_code == 302


def test_reminder_after_max_age_days(app, client, world):
    client.post("/api/v1/spare-obligations", json={"sku": "DRV", "quantity": 1}, headers=api_headers(world.service))
    client.post("/api/v1/spare-obligations", json={"sku": "DRV", "quantity": 0, "dealer_code": "A1"},
                headers=api_headers(world.service))
    today = date(2026, 6, 30)
    services.create_stock_report(world.d1, today - timedelta(days=30), [("DRV", 1)])
    services.create_stock_report(world.d2, today - timedelta(days=31), [("DRV", 1)])
    db.session.commit()
    assert [d.code for d, _ in services.overdue_dealers(today)] == ["D2"]  # A1 is exempt (0 required)
    runner = CliRunner()
    result = runner.invoke(app.cli, ["spares", "remind", "--today", today.isoformat()], catch_exceptions=False)
    assert "reminded 1 dealer(s): D2" in result.output
    notes = db.session.scalars(db.select(Notification)).all()
    assert [n.user_id for n in notes] == [world.u2.id] and notes[0].link == "/spares/reports/new"
    from core.settings import set_value

    set_value("spares.report_max_age_days", 29)
    db.session.commit()
    assert [d.code for d, _ in services.overdue_dealers(today)] == ["D1", "D2"]


def test_retention_end_dates_and_zero_stock(app, client, world):
    disc = date(2024, 1, 31)
    strip_drv = make_product("SDRV", category=world.elec, is_spare_part=True)
    make_product("STRIP", category=world.strip, parts=[(strip_drv, 1)], status="discontinued", discontinued_on=disc)
    make_product("OLD", category=world.elec, parts=[(world.drv, 1)], status="discontinued", discontinued_on=disc)
    services.move_stock(world.drv, 2, "receipt")
    db.session.commit()
    h = api_headers(world.service)
    rows = client.get("/api/v1/spare-retention?in_force=false&on=2020-01-01", headers=h).json["items"]
    assert rows == []
    rows = {r["product_sku"]: r for r in client.get("/api/v1/spare-retention?on=2026-01-31", headers=h).json["items"]}
    assert rows["STRIP"]["ends_on"] == "2026-01-31" and rows["STRIP"]["retention_months"] == 24  # the product's category
    assert rows["STRIP"]["zero_stock"] is True and rows["OLD"]["zero_stock"] is False
    assert rows["OLD"]["ends_on"] == "2027-01-31"
    later = client.get("/api/v1/spare-retention?on=2026-02-01", headers=h).json["items"]
    assert [r["product_sku"] for r in later] == ["OLD"]  # the strip's retention ended the day before
    zero = client.get("/api/v1/spare-retention?on=2026-01-31&zero_stock=true", headers=h).json["items"]
    assert [r["sku"] for r in zero] == ["SDRV"]
    assert services.add_months(date(2024, 2, 29), 24) == date(2026, 2, 28)
    assert client.get("/api/v1/spare-retention", headers=api_headers(world.u1)).status_code == 403


def test_pages_render_for_staff_and_dealer(app, client, world):
    client.post("/api/v1/spare-obligations", json={"sku": "DRV", "quantity": 1}, headers=api_headers(world.service))
    report(client, world.u1, [{"sku": "DRV", "quantity": 0}])
    login_as(client, "admin")
    for url in ("/", "/spares/", "/spares/?dealer=D1", "/spares/non-compliant?by=part", "/spares/obligations/",
                "/spares/obligations/new", "/spares/obligations/1", "/spares/reports/", "/spares/reports/new",
                "/spares/applications/", "/spares/applications/new", "/spares/stock/", "/spares/movements/",
                "/spares/retention?show=all"):
        assert client.get(url).status_code == 200, url
    page = client.get("/").get_data(as_text=True)
    assert "widget-spares-compliance_rate" in page and "0.0 %" in page
    client.post("/logout")
    login_as(client, "u1")
    assert client.get("/spares/").status_code == 200
    assert "Product DRV" in client.get("/spares/").get_data(as_text=True)
    assert client.get("/spares/stock/").status_code == 403
    assert client.get("/spares/obligations/").status_code == 403


def test_query_counts_constant(app, client, world):
    h = api_headers(world.admin)
    client.post("/api/v1/spare-obligations", json={"sku": "DRV", "quantity": 1}, headers=h)
    client.post("/api/v1/spare-obligations", json={"sku": "COB", "quantity": 1, "abc_class": "A"}, headers=h)
    services.move_stock(world.drv, 1000, "receipt")
    db.session.commit()

    def fill(n):
        from plugins.spares.schemas import ApplicationIn

        for i in range(n):
            services.create_stock_report(world.d1 if i % 2 else world.d2, date.today() - timedelta(days=i), [("DRV", i), ("COB", 1)])
            a = services.create_application(ApplicationIn(dealer_code="D1", lines=[{"sku": "DRV", "quantity": 1}],
                                                          reason="r"), world.admin)
            services.act(a, "approve", world.admin)
            services.act(a, "ship", world.admin)
        db.session.commit()

    urls = ["/api/v1/spare-compliance?dealer_code=D1", "/api/v1/spare-stock-reports?per_page=200", "/api/v1/spare-applications?per_page=200",
            "/api/v1/spare-movements?per_page=200", "/api/v1/spare-compliance/rates?by=dealer",
            "/api/v1/spare-compliance/non-compliant", "/api/v1/spare-stock"]
    counts = {}
    for n in (10, 50):
        fill(n if n == 10 else 40)
        client.get(urls[0], headers=h)  # the token and settings caches warm, as on a running server
        for url in urls:
            with count_queries(app) as q:
                assert client.get(url, headers=h).status_code == 200
            counts.setdefault(url, []).append(q.count)
    for url, (small, big) in counts.items():
        assert small == big, (url, counts[url])
    login_as(client, "admin")
    page_counts = []
    for n in (0, 20):
        fill(n)
        client.get("/spares/stock/")  # settings cache warm (the login changed the user)
        with count_queries(app) as q:
            for url in ("/spares/applications/", "/spares/reports/", "/spares/movements/", "/spares/stock/"):
                assert client.get(url).status_code == 200
        page_counts.append(q.count)
    assert page_counts[0] == page_counts[1]


def test_every_string_has_a_chinese_translation():
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parents[3] / "plugins/spares/translations/zh_CN/LC_MESSAGES/messages.po"
    catalog = read_po(po.open("rb"))
    assert len(catalog) > 100
    assert [m.id for m in catalog if m.id and not m.string] == []
