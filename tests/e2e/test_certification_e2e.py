"""An auditor scores a criterion of this year's GB/T 27922 self-assessment in the browser and sees the score move."""
import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_auditor_scores_an_assessment(page):
    login(page, "auditor")
    page.goto("/certification/")
    page.wait_for_selector("#certification-trend-chart canvas", timeout=15000)  # drawn by the shipped ECharts
    rows = page.locator("#assessments tbody tr")
    assert rows.count() == 2
    rows.first.locator("a").click()  # the newest year: the draft
    assert "Draft" in page.locator("#state").inner_text()
    before = page.locator("#score").inner_text()
    item = page.locator("#c-C2\\.3")
    item.locator("input[name=points]").fill("3")
    item.locator("input[name=notes]").fill("投诉月度分析")
    item.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#score").inner_text() != before
    assert page.locator("#c-C2\\.3 input[name=notes]").input_value() == "投诉月度分析"
    page.select_option("select[name=kind]", "bonus")
    page.fill("textarea[name=reason]", "省级售后服务先进单位")
    page.click("form[action$='/specials'] button[type=submit]")
    page.wait_for_load_state()
    assert "省级售后服务先进单位" in page.locator("#specials").inner_text()
    # submitting with criteria still unscored is refused with a message
    page.click("#submit-assessment")
    page.wait_for_load_state()
    assert "every applicable criterion needs points" in page.content()
    assert "Draft" in page.locator("#state").inner_text()
    # last year's approved assessment shows its level as stars
    page.goto("/certification/")
    page.locator("#assessments tbody tr").nth(1).locator("a").click()
    assert "Approved" in page.locator("#state").inner_text()
    assert page.locator("#level .bi-star-fill").count() >= 3
