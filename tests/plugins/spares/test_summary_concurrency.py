"""Concurrent writers keep the compliance summary right (issue 8): a stock report filed while a rule
for every dealer changes is never overwritten by a summary computed without it. On PostgreSQL each
recompute locks its dealers' summary rows (no longer the whole table) before computing them; on
SQLite the database lock serialises writers."""
import threading
import time
from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.testing import api_headers, database_url, make_app, make_category, make_dealer, make_product, make_user
from plugins.spares import services, summary
from plugins.spares.models import ComplianceSummary, Obligation


def _app(tmp_path):
    if database_url().startswith("sqlite"):
        # a real file with a connection per thread: the in-memory test database has only one
        return make_app(plugins=["spares"], SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/race.db",
                        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"check_same_thread": False, "timeout": 15}})
    return make_app(plugins=["spares"])


def _rows():
    return {r.dealer_id: (r.report_id, r.obliged, r.compliant, r.missing)
            for r in db.session.scalars(select(ComplianceSummary))}


def test_report_filed_while_every_dealers_rule_changes(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        cat = make_category("E")
        make_product("DRV", category=cat, is_spare_part=True)
        dealers = [make_dealer(f"D{i}") for i in range(4)]
        admin = make_user("admin", roles=["admin"])
        ob = services.create_obligation({"sku": "DRV", "quantity": 2}, actor=admin)
        db.session.commit()
        ob_id, target, headers = ob.id, dealers[2].id, api_headers(admin)
        sqlite = db.engine.dialect.name == "sqlite"
    results, reported = {}, threading.Event()

    def file_report():  # A: files D2's report, holds its transaction open after the recompute
        with app.app_context():
            try:
                from core.toolkit import Dealer

                services.create_stock_report(db.session.get(Dealer, target), date.today(), [("DRV", 5)])
                summary.sync()
                reported.set()
                time.sleep(0.5)  # B now changes the rule for every dealer
                db.session.commit()
                results["a"] = "ok"
            finally:
                reported.set()
                db.session.remove()

    def change_rule():  # B: raises the rule for every dealer to 4 while A is open
        reported.wait(10)
        if sqlite:  # a writing request: its transaction takes the write lock first (BEGIN IMMEDIATE)
            r = app.test_client().patch(f"/api/v1/spare-obligations/{ob_id}", json={"quantity": 4}, headers=headers)
            results["b"] = "ok" if r.status_code == 200 else r.get_data(as_text=True)
            return
        with app.app_context():
            try:
                db.session.get(Obligation, ob_id).quantity = 4
                db.session.commit()
                results["b"] = "ok"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=file_report), threading.Thread(target=change_rule)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {"a": "ok", "b": "ok"}
    with app.app_context():
        got = _rows()
        assert got[target][1:] == (1, 1, "")  # 5 held of 4 required: B's recompute saw A's report
        summary.rebuild()
        assert _rows() == got
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
