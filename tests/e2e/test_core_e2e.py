"""A person in a browser: log in, create a dealer through the form, find it, see the activity log."""
import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_admin_creates_a_dealer_and_finds_it(page):
    login(page, "admin")
    page.goto("/dealers/new")
    page.fill("input[name=code]", "E2E1")
    page.fill("input[name=name]", "Browser Test Lighting")
    page.select_option("select[name=region_code]", "EAST")
    page.click("main form button.btn-primary")
    assert page.locator("h1").inner_text().startswith("E2E1")
    assert page.locator(".activity-log").inner_text().count("created") == 1
    page.goto("/dealers/?q=Browser")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1 and "E2E1" in rows.first.inner_text()


def test_form_errors_show_next_to_the_field(page):
    login(page, "admin")
    page.goto("/dealers/new")
    page.fill("input[name=code]", "D001")  # the demo data has it
    page.fill("input[name=name]", "Duplicate")
    page.click("main form button.btn-primary")
    assert "already used" in page.locator(".invalid-feedback").first.inner_text()


def test_dealer_user_switches_to_chinese_and_sees_only_its_dealer(page):
    login(page, "dealer1")
    page.goto("/dealers/")
    assert "D001" in page.content() and "D002" not in page.content()
    page.click("a.dropdown-toggle:has(i.bi-person-circle)")
    page.click("button:has-text('中文')")
    page.wait_for_load_state()
    assert "经销商" in page.locator("h1").inner_text()
