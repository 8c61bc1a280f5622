"""At 390 px (a phone) the main lists stay readable: no table cell narrower than a word, and the
dashboard's charts are drawn by the shipped ECharts without a CSP violation."""
import pytest

from tests.e2e.conftest import login

MIN_CELL_PX = 60
LISTS = ["/rma/", "/rma/penalties", "/logistics/", "/spares/applications/", "/dealers/", "/products/",
         "/service/", "/audit/audits/", "/activity"]


@pytest.fixture
def phone(browser, live_app):
    context = browser.new_context(base_url=live_app.url, locale="en-US", viewport={"width": 390, "height": 844})
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield page
    context.close()
    assert not problems, problems


def test_main_lists_have_no_narrow_cells_at_390_px(phone):
    login(phone, "admin")
    checked = 0
    for path in LISTS:
        response = phone.goto(path)
        assert response.status == 200, path
        widths = phone.eval_on_selector_all(
            "table.list-table td", "cells => cells.filter(c => c.offsetParent !== null).map(c => c.getBoundingClientRect().width)")
        if not widths:
            continue
        checked += 1
        assert min(widths) >= MIN_CELL_PX, (path, min(widths))
        overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, (path, overflow)
    assert checked >= 4  # the demo data fills most lists


def test_dashboard_charts_are_drawn(phone):
    login(phone, "admin")
    phone.goto("/")
    phone.wait_for_selector("#rma-causes-chart canvas", timeout=15000)
    assert phone.evaluate("typeof echarts") == "object"
