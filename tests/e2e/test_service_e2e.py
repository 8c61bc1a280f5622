"""A technician on a phone (390 px): start the visit, record it, have the customer sign on the canvas, complete."""
import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_technician_records_a_co_signed_visit_on_a_phone(browser, live_app):
    context = browser.new_context(base_url=live_app.url, locale="en-US", viewport={"width": 390, "height": 844},
                                  has_touch=True, is_mobile=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "technician1")
    page.goto("/service/queue")
    assert page.locator("table tbody tr").count() == 2  # this technician's: one on site, one scheduled
    rows = page.locator("table tbody tr", has_text="Scheduled")
    assert rows.count() == 1
    rows.first.locator("a").first.click()
    page.click("#form-start_visit button")
    assert "On site" in page.locator("#state").inner_text()
    page.click("#visit-link")
    page.check("input[name=tools][value='万用表']")
    page.check("input[name=problem_confirmed]")
    page.fill("textarea[name=actual_fault]", "驱动电源损坏")
    page.fill("textarea[name=work_done]", "更换驱动电源")
    page.fill("textarea[name=parts_used]", "DRV-20W 1")
    page.click("#visit-form button[type=submit]")
    # with spares enabled the driver is issued from head-office stock, its movement shown
    assert "Parts issued from head-office stock" in page.locator("[id^=parts-issued-]").inner_text()
    # completing before the customer signs is refused
    page.fill("input[name=signer_name]", "李经理")
    page.click("#signature-save")
    assert "Draw the signature first." in page.locator("#signature-error").inner_text()
    box = page.locator("#signature-pad").bounding_box()
    assert box["width"] <= 390
    page.mouse.move(box["x"] + 30, box["y"] + 60)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 30 + i * 25, box["y"] + 60 + (i % 3) * 30)
    page.mouse.up()
    page.click("#signature-save")
    page.wait_for_selector("#signature-image")
    image = page.locator("#signature-image")
    # evaluated from outside, not wait_for_function (its polling uses eval, which the page's CSP refuses)
    for _ in range(100):
        if image.evaluate("i => i.complete && i.naturalWidth > 0"):
            break
        page.wait_for_timeout(50)
    natural = page.evaluate("document.getElementById('signature-image').naturalWidth")
    assert natural == 600  # the PNG drawn on the canvas
    page.click("#complete-visit")
    page.wait_for_selector("#report-link")
    assert "co-signed by 李经理" in page.content()
    context.close()
    assert not errors, errors
