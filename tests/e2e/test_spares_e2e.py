"""A dealer applies for spare parts with the part picker and the return picker; customer service sees
head-office stock beside each line and is asked before approving what cannot ship."""
import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_dealer_applies_with_pickers_and_service_confirms_a_short_approval(page, live_app):
    login(page, "dealer1")
    page.goto("/spares/applications/new")
    assert "out of stock at head office" in page.locator("#spares-parts option[value='FR-600']").inner_text()
    page.fill("input[name=lines-0-sku]", "DRV-20W")
    page.fill("input[name=lines-0-quantity]", "2")
    page.click("#spares-add-line")
    assert page.locator(".spares-line").count() == 2
    assert page.input_value("input[name=lines-1-sku]") == ""  # a new line starts empty
    page.fill("input[name=lines-1-sku]", "LS-COB-10")
    page.fill("input[name=lines-1-quantity]", "9")
    page.click("#spares-add-line")
    page.fill("input[name=lines-2-sku]", "FR-600")
    page.fill("input[name=lines-2-quantity]", "4")
    page.locator(".spares-line").nth(1).locator(".spares-remove-line").click()  # LS-COB-10 was a mistake
    assert page.locator(".spares-line").count() == 2 and page.input_value("input[name=lines-1-sku]") == "FR-600"
    page.fill("textarea[name=reason]", "E2E hotel downlights")
    numbers = page.request.get("/spares/applications/rma-lookup?q=").json()["items"]
    assert numbers, "dealer1 has returns in the demo data"
    page.fill("input[name=rma_number]", numbers[0]["number"][:6])
    page.locator("#spares-rmas option").first.wait_for(state="attached")  # no wait_for_function: its polling uses eval (CSP)
    page.fill("input[name=rma_number]", numbers[0]["number"])
    page.click("main form button.btn-primary")
    page.wait_for_url("**/spares/applications/*")
    assert page.locator("#application-rma").inner_text() == numbers[0]["number"]
    assert page.locator("#application-rma").get_attribute("href") == numbers[0]["url"]
    lines = page.locator("#application-lines tbody tr")
    assert lines.count() == 2 and "Head-office stock" not in page.content()
    url = page.url

    page.context.clear_cookies()
    login(page, "service")
    page.goto(url)
    assert "Head-office stock" in page.locator("#application-lines thead").inner_text()
    assert "FR-600: 4 applied for, 0 in stock" in page.locator("#application-shortages").inner_text()
    page.once("dialog", lambda d: d.dismiss())
    page.click("#act-approve button")
    page.goto(url)
    assert page.locator("#act-approve").count() == 1  # still waiting for approval
    page.once("dialog", lambda d: d.accept())
    page.click("#act-approve button")
    page.wait_for_load_state()
    assert page.locator("#act-approve").count() == 0 and page.locator("#act-ship").count() == 1
