"""A return walked through in a browser by every role: the head-office route and the distributor route.

Set AFTERSALES_E2E_SHOTS=/some/dir to keep a screenshot of each step.
"""
import re
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import as_user, login, shot

pytestmark = pytest.mark.e2e

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")




# what the page says once an action was done: each transition's own message (plugins/rma/services.py)
DONE = {"Review": ("Return reviewed: it goes to the order department for approval.",
                   "Return approved: the distributor sends it to its agent."),
        "Approve": ("Return approved: its number and box labels are issued.",),
        "Mark shipped": ("Return marked shipped.",), "Record receipt": ("Receipt recorded.",),
        "Record inspection": ("Inspection recorded.",), "Resolve": ("Return resolved.",),
        "Record the return shipment": ("Return shipment recorded.",),
        "Confirm receipt": ("Receipt of the goods sent back confirmed.",),
        "Cancel return": ("Return cancelled.",), "Close": ("Return closed.",)}


def said_done(page, label):
    text = page.locator(".alert-success").inner_text()
    assert any(message in text for message in DONE[label]), page.locator("main").inner_text()


def act(page, rma_url, action_label, shot_name=None):
    """Press an action button on the detail page and check the page says it was done."""
    page.goto(rma_url)
    page.click(f"main form button:text-is('{action_label}')")
    page.wait_for_load_state()
    if shot_name:
        shot(page, shot_name)
    said_done(page, action_label)


def state(page):
    return page.locator("h1 .badge").first.inner_text()


def file_return(page, sku, qty, serial, issue="quality_defect"):
    page.goto("/rma/")
    page.click("main a:has-text('File a return')")
    page.fill("input[name=lines-0-sku]", sku)
    page.fill("input[name=lines-0-quantity]", str(qty))
    page.select_option("select[name=lines-0-issue]", issue)
    page.fill("input[name=lines-0-serial]", serial)
    page.fill("input[name=lines-0-production_date]", (date.today() - timedelta(days=200)).isoformat())
    page.fill("input[name=lines-0-description]", "does not light up")
    page.wait_for_selector(".rma-line .eligibility .alert-success")  # live eligibility: accepted, in warranty
    assert "✔" in page.locator(".rma-line .eligibility").inner_text()
    shot(page, f"file-{serial}")
    page.click("button:has-text('Submit for review')")
    page.wait_for_url(re.compile(r"/rma/\d+$"))
    assert "Return saved." in page.locator(".alert-success").inner_text()
    return page.url


def test_head_office_route_by_every_role(page, live_app):
    # dealer1 files a return with a photo
    login(page, "dealer1")
    url = file_return(page, "PNL-600", 2, "E2E-SN-1")
    path = url.replace(live_app.url, "")
    assert state(page) == "Submitted"
    page.set_input_files("#photo-file", files=[{"name": "lamp.txt", "mimeType": "text/plain", "buffer": b"hello"}])
    page.click("#photos button[type=submit]")
    assert "Only PNG, JPEG" in page.locator("#photo-error").inner_text()  # next to the field
    page.set_input_files("#photo-file", files=[{"name": "lamp.png", "mimeType": "image/png", "buffer": PNG}])
    page.click("#photos button[type=submit]")
    page.wait_for_selector("#photos img[alt='lamp.png']")
    photo_src = page.locator("#photos img").get_attribute("src")
    assert page.request.get(photo_src).body() == PNG
    shot(page, "1-submitted")

    # another dealer cannot see it, nor its photo
    as_user(page, "dealer2")
    assert page.goto(path).status == 404
    assert page.goto(photo_src).status == 404

    # rm_east reviews from the review queue
    as_user(page, "rm_east")
    page.goto("/rma/queue/review")
    page.click(f"a[href='{path}']")
    assert page.locator("#photos img[alt='lamp.png']").count() == 1
    act(page, path, "Review", "2-reviewed")
    assert state(page) == "Reviewed"

    # the order department approves: a number is issued
    as_user(page, "order")
    page.goto("/rma/queue/approve")
    assert page.locator(f"a[href='{path}']").count() == 1
    act(page, path, "Approve", "3-approved")
    number = page.locator("h1").inner_text().split()[0]
    assert re.fullmatch(rf"RMA-{date.today().year}-\d{{6}}", number)

    # dealer1 prints the labels and marks it shipped
    as_user(page, "dealer1")
    page.goto(path)
    assert page.locator("#photo-file").count() == 0  # approved: no more photos
    # the box count is asked where the labels are printed: 2 boxes print "box 1 of 2" and "box 2 of 2"
    assert page.locator("a:has-text('Print box labels')").count() == 0
    page.fill("#print-labels input[name=boxes]", "2")
    page.click("#print-labels button")
    page.wait_for_load_state()
    labels = page.locator("a:has-text('Print box labels (2 boxes)')").get_attribute("href")
    pdf = page.request.get(labels)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page[^s]", pdf.body())) == 2
    assert page.locator("#ship input[name=boxes]").input_value() == "2"  # shipping keeps the count
    page.fill("#ship input[name=carrier]", "SF Express")
    page.fill("#ship input[name=tracking]", "SF-E2E-1")
    act_button(page, "Mark shipped")
    assert state(page) == "Shipped"

    # the order department receives it by typing the number at receiving
    as_user(page, "order")
    page.goto("/rma/receiving")
    page.fill("input[name=number]", number)
    page.click("button:has-text('Look up')")
    page.wait_for_url(re.compile(rf"{path}#receive$"))
    page.fill("#receive input[name=boxes_received]", "2")
    count_received(page)
    act_button(page, "Record receipt")
    assert state(page) == "Received" and "boxes received: 2" in page.locator("main dl").inner_text()

    # the technical department inspects
    as_user(page, "tech")
    page.goto("/rma/queue/inspect")
    page.click(f"a[href='{path}']")
    page.select_option("#inspect select", "quality_fault")
    page.fill("#inspect textarea[name^=findings]", "driver capacitor failed")
    act_button(page, "Record inspection")
    assert state(page) == "Inspected"

    # the order department resolves and sends the replacement back; closing waits for the dealer
    as_user(page, "order")
    page.goto("/rma/queue/resolve")
    page.click(f"a[href='{path}']")
    page.select_option("#resolve select", "replace")
    act_button(page, "Resolve")
    assert state(page) == "Resolved"
    assert page.locator(".status-bar button:text-is('Close')").count() == 0
    page.click(".status-bar a:text-is('Record the return shipment')")
    page.fill("#return_ship input[name=boxes]", "1")
    page.fill("#return_ship input[name=carrier]", "SF Express")
    page.fill("#return_ship input[name=tracking]", "SF-BACK-1")
    act_button(page, "Record the return shipment")
    assert state(page) == "Sent back" and "SF-BACK-1" in page.locator("#return-shipment").inner_text()
    pdf = page.request.get(page.locator("#return-labels").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"

    # dealer1 is told, sees the technician's findings and confirms receipt from the status bar
    as_user(page, "dealer1")
    page.goto(path)
    assert "driver capacitor failed" in page.locator("main table").first.inner_text()
    page.click(".status-bar button:text-is('Confirm receipt')")
    page.wait_for_load_state()
    said_done(page, "Confirm receipt")
    assert state(page) == "Receipt confirmed"

    as_user(page, "order")
    act(page, path, "Close", "4-closed")
    assert state(page) == "Closed"
    timeline = page.locator("ol[aria-label=Timeline] li")
    assert timeline.count() == 10 and page.locator("ol[aria-label=Timeline] li.list-group-item-success").count() == 10
    assert "Replace" in page.locator("main table").first.inner_text()

    # the dashboard's return widgets are real markup, not escaped text
    page.goto("/")
    assert page.locator("#rma-overdue-count").is_visible() and "<table" not in page.locator("main").inner_text()
    shot(page, "5-dashboard")


def count_received(page):
    """Blind count at receiving: type each line's quantity (the form starts empty), as filed."""
    for field in page.locator("#receive input[name^='qty-']").all():
        filed = re.search(r"(\d+)\)", field.locator("xpath=..").inner_text()).group(1)
        field.fill(filed)


def act_button(page, label):
    page.click(f"main form button:text-is('{label}')")
    page.wait_for_load_state()
    said_done(page, label)


def test_distributor_route_to_its_agent(page, live_app):
    login(page, "distributor1")
    url = file_return(page, "DL-10W", 3, "E2E-DL-1", issue="safety")
    path = url.replace(live_app.url, "")

    as_user(page, "rm_east")
    act(page, path, "Review")
    assert state(page) == "Approved"  # straight to the agent
    assert "Agent" in page.locator("#receiving-unit").inner_text()

    as_user(page, "distributor1")
    page.goto(path)
    page.fill("#print-labels input[name=boxes]", "1")
    page.click("#print-labels button")
    page.wait_for_load_state()
    page.fill("#ship input[name=carrier]", "Deppon")
    page.fill("#ship input[name=tracking]", "DB-E2E-1")
    act_button(page, "Mark shipped")

    as_user(page, "order")  # head office is not the receiving unit
    page.goto(path)
    assert page.locator("#receive").count() == 0

    as_user(page, "agent1")
    page.goto("/rma/receiving")
    assert page.locator(f"main ul a[href='{path}']").count() == 1  # on its way to this agent
    page.goto(path)
    page.fill("#receive input[name=boxes_received]", "1")
    count_received(page)
    act_button(page, "Record receipt")
    shot(page, "d-received")

    as_user(page, "tech")
    page.goto(path)
    page.select_option("#inspect select", "no_fault_found")
    act_button(page, "Record inspection")

    as_user(page, "agent1")
    page.goto(path)
    # no fault found: the choice starts empty and offers only sending the goods back
    offered = [v for v in page.locator("#resolve select option").evaluate_all("os => os.map(o => o.value)") if v]
    assert page.locator("#resolve select").input_value() == "" and offered == ["return_to_sender"]
    page.select_option("#resolve select", "return_to_sender")
    act_button(page, "Resolve")
    assert state(page) == "Resolved"
    shot(page, "d-resolved")

    # a safety problem: the distributor claims its freight with the receipt, the order department approves
    as_user(page, "distributor1")
    page.goto("/rma/claims")
    row = page.locator("tr", has=page.locator(f"a[href='{path}']"))
    row.locator("input[name=amount]").fill("23.50")
    row.locator("input[name=receipt]").fill("FP-E2E-1")
    row.locator("button:text-is('Claim')").click()
    page.wait_for_load_state()
    row = page.locator("tr", has=page.locator(f"a[href='{path}']"))
    assert "Attach the receipt" in row.locator(".invalid-feedback").inner_text()
    assert row.locator("input[name=amount]").input_value() == "23.50"  # kept
    row.locator("input[type=file]").set_input_files(
        files=[{"name": "fapiao.png", "mimeType": "image/png", "buffer": PNG}])
    row.locator("button:text-is('Claim')").click()
    page.wait_for_load_state()
    assert "Freight claim filed." in page.locator(".alert-success").inner_text()
    shot(page, "d-claimed")

    as_user(page, "order")
    page.goto("/rma/claims")
    row = page.locator("tr", has=page.locator(f"a[href='{path}']"))
    href = row.locator("a:has-text('fapiao.png')").get_attribute("href")
    assert page.request.get(href).body() == PNG
    row.locator("button:text-is('Approve')").click()
    page.wait_for_load_state()
    row = page.locator("tr", has=page.locator(f"a[href='{path}']"))
    assert "Approved" in row.inner_text() and "23.50" in row.inner_text()
    shot(page, "d-claim-approved")


def test_dealer_edits_a_draft(page, live_app):
    """Save a draft, then add an empty line, change one, remove one and submit it from the edit page."""
    login(page, "dealer1")
    page.goto("/rma/new")
    page.fill("input[name=lines-0-sku]", "PNL-600")
    page.fill("input[name=lines-0-quantity]", "4")
    page.select_option("select[name=lines-0-issue]", "doa")
    page.fill("input[name=lines-0-serial]", "E2E-ED-1")
    page.click("button:has-text('Save draft')")
    page.wait_for_url(re.compile(r"/rma/\d+$"))
    path = page.url.replace(live_app.url, "")
    assert state(page) == "Draft"
    page.click("#edit-draft")
    page.wait_for_url(re.compile(r"/rma/\d+/edit$"))
    assert page.locator("input[name=lines-0-serial]").input_value() == "E2E-ED-1"
    # no warranty date yet: "unknown", not "out of warranty"
    page.wait_for_selector(".rma-line .eligibility .alert-danger")
    verdict = page.locator(".rma-line .eligibility").first.inner_text()
    assert "warranty unknown" in verdict and "out of warranty" not in verdict and "✔" not in verdict
    page.click("#add-line")
    new = page.locator("#lines .rma-line").nth(1)
    # an empty line, not a copy of the first one
    assert new.locator("input[name$=-sku]").input_value() == ""
    assert new.locator("input[name$=-serial]").input_value() == ""
    assert new.locator("select[name$=-issue]").input_value() == "quality_defect"
    new.locator("input[name$=-sku]").fill("PNL-600")
    new.locator("input[name$=-serial]").fill("E2E-ED-2")
    new.locator("input[name$=-production_date]").fill((date.today() - timedelta(days=100)).isoformat())
    page.locator("#lines .rma-line").first.locator(".remove-line").click()  # the first line goes
    assert page.locator("#lines .rma-line").count() == 1
    page.wait_for_selector(".rma-line .eligibility .alert-success")
    shot(page, "draft-edit")
    page.click("button:has-text('Submit for review')")
    page.wait_for_url(re.compile(rf"{path}$"))
    assert state(page) == "Submitted"
    table = page.locator("main table").first.inner_text()
    assert "E2E-ED-2" in table and "E2E-ED-1" not in table


def test_cancel_asks_for_confirmation(page, live_app):
    login(page, "dealer1")
    url = file_return(page, "PNL-600", 1, "E2E-SN-2")
    page.once("dialog", lambda d: d.dismiss())
    page.click("main form button:text-is('Cancel return')")
    page.goto(url)
    assert state(page) == "Submitted"
    page.once("dialog", lambda d: d.accept())
    act_button(page, "Cancel return")
    assert state(page) == "Cancelled"


def test_two_approvers_and_a_penalty_confirmation(page, live_app):
    # the demo's submitted return: rm_east reviews it, then two order users open it at once
    login(page, "rm_east")
    page.goto("/rma/queue/review")
    path = page.locator("main table tbody a").first.get_attribute("href")
    act(page, path, "Review")
    as_user(page, "order")
    page.goto(path)
    other = page.context.new_page()
    other.goto(path)
    other.click("main form button:text-is('Approve')")
    other.wait_for_load_state()
    said_done(other, "Approve")
    other.close()
    page.click("main form button:text-is('Approve')")  # this tab's form is stale
    page.wait_for_load_state()
    assert "changed by someone else; reload it" in page.locator(".alert-danger").inner_text()
    assert state(page) == "Approved"

    # confirming a penalty (money) asks first; dismissing changes nothing
    page.goto("/rma/penalties")
    messages = []
    page.once("dialog", lambda d: (messages.append(d.message), d.dismiss()))
    page.locator("button:text-is('Confirm')").first.click()
    assert messages and "a penalty of 536.00" in messages[0]
    page.goto("/rma/penalties")
    assert "Proposed" in page.locator("main table tbody tr").first.inner_text()


def test_list_product_filter_offers_skus_when_focused_and_filters(page, live_app):
    """The returns list's product filter: a SKU field whose choices arrive when it is first focused."""
    login(page, "dealer1")
    file_return(page, "PNL-600", 1, "E2E-FILTER-1")
    page.goto("/rma/")
    field = page.locator("input[list=rma-filter-skus]")
    assert page.locator("#rma-filter-skus option").count() == 0  # nothing rendered into the page
    field.focus()
    # a locator wait: wait_for_function's polling evaluates its text with eval, which the page's
    # CSP refuses (a race: it only polled when the choices had not arrived at the first check)
    page.locator("#rma-filter-skus option").first.wait_for(state="attached")
    offered = page.locator("#rma-filter-skus option").evaluate_all("os => os.map(o => o.value)")
    assert "PNL-600" in offered and offered == sorted(offered)
    field.fill("PNL-600")
    page.click("main form button:text-is('Filter')")
    page.wait_for_url(re.compile(r"sku=PNL-600"))
    assert page.locator("input[list=rma-filter-skus]").input_value() == "PNL-600"
    rows = page.locator("#rma-list tbody tr")
    assert rows.count() > 0 and all("PNL-600" in rows.nth(i).inner_text() for i in range(rows.count()))
    field = page.locator("input[list=rma-filter-skus]")
    field.fill("NO-SUCH-SKU")
    page.click("main form button:text-is('Filter')")
    page.wait_for_url(re.compile(r"sku=NO-SUCH-SKU"))
    assert "Nothing matches these filters." in page.locator("main").inner_text()
