"""A month in a browser: supervision computes and submits it, HR confirms, the head distributes."""
from decimal import Decimal

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def _logout(page):
    page.click("a.dropdown-toggle:has(i.bi-person-circle)")
    page.click("button:has-text('Log out')")


def test_a_month_from_draft_to_distribution(page):
    login(page, "supervisor")
    page.goto("/supervision/assessments?state=draft")
    page.locator("table tbody tr a").first.click()
    assert "Draft" in page.locator("#state").inner_text()
    page.click("button:has-text('Recompute')")
    page.click("button:has-text('Submit to HR')")
    assert "Submitted" in page.locator("#state").inner_text()
    url = page.url
    _logout(page)
    login(page, "hr")
    page.goto(url)
    page.click("button:has-text('Confirm')")
    assert "Confirmed" in page.locator("#state").inner_text()
    net = Decimal(page.locator("#net strong").inner_text())
    _logout(page)
    login(page, "service")
    page.goto(url)
    half = (net / 2).quantize(Decimal("0.01"))
    page.fill("textarea[name=lines]", f"service {half}\nservice2 {half - Decimal('1.00')}")
    page.click("button:has-text('Distribute')")
    assert "add up" in page.content() or "sum" in page.content()
    page.fill("textarea[name=lines]", f"service {half}\nservice2 {net - half}")
    page.click("button:has-text('Distribute')")
    assert "Distributed" in page.locator("#state").inner_text()
    page.goto("/supervision/assessments/chart")
    page.wait_for_selector("#supervision-assessment-chart canvas", timeout=15000)  # drawn by the shipped ECharts


def test_public_suggestion_without_login(page):
    page.goto("/suggest?place=Mall")
    page.fill("textarea[name=text]", "Open on Sundays, please")
    page.click("main form button[type=submit]")
    assert page.locator("#thanks").is_visible()
