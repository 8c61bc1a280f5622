"""The audit loop in a browser: an auditor plans and runs an audit, an owner finishes the last action of a
reopened nonconformity, an auditor verifies it early with a reason, management opens a review."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import as_user

pytestmark = pytest.mark.e2e



def press(page, label):
    page.click(f"main form button:text-is('{label}')")
    page.wait_for_load_state()


def test_audit_loop_in_the_browser(page):
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    year = today.year
    as_user(page, "auditor")
    page.goto("/audit/audits/new")
    page.fill("input[name=title]", "专项内审：人力资源")
    page.fill("input[name=planned_on]", f"{year}-12-31")
    page.select_option("select[name=departments]", ["hr"])
    page.fill("input[name=auditees]", "hr")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert f"IA-{year}-003" in page.locator("h1").inner_text()
    press(page, "Start the audit")
    assert page.locator("#state").inner_text() == "In progress"
    page.fill("#report-text", "人力资源培训记录齐全。")
    press(page, "Submit the report")
    assert page.locator("#state").inner_text() == "Reported"
    press(page, "Close the audit")
    assert page.locator("#state").inner_text() == "Closed"

    # the owner completes the second-round action of the reopened nonconformity
    as_user(page, "service")
    page.goto("/audit/nonconformities/?state=actions_planned")
    page.click(f"main table a:has-text('NC-{year}-0002')")
    page.wait_for_load_state()
    url = page.url
    page.fill("main input[name=note]", "系统已强制填写反馈")
    press(page, "Done")
    assert page.locator("#state").inner_text() == "Verifying"

    # an auditor verifies early, with a reason
    as_user(page, "auditor")
    page.goto(url)
    page.select_option("#verdict", "effective")
    page.fill("#verify-evidence", "抽查 11 月投诉记录，反馈均已填写")
    page.fill("#early_reason", "认证监督审核前确认")
    press(page, "Record the effectiveness check")
    assert page.locator("#state").inner_text() == "Closed"
    assert "认证监督审核前确认" in page.locator("main").inner_text()

    # management opens a review of the year; its inputs are shown and the minutes are a PDF
    as_user(page, "boss")
    page.goto("/audit/reviews/new")
    page.fill("input[name=period_from]", f"{year}-07-01")
    page.fill("input[name=period_to]", today.isoformat())
    page.fill("input[name=participants]", "auditor, tech")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert f"MR-{year}-02" in text and "Decisions of the previous review" in text and "Returns (RMA)" in text
    assert page.locator("#minutes-link").get_attribute("href").endswith("minutes.pdf")
    page.goto("/")
    assert page.locator("#audit-count").inner_text() == "3/2"
