"""The status bar on a return's page: states, the current one, the user's actions (primary first),
the record_actions slot; blind counts and empty verdict/resolution choices; an approval comment."""
import re

from core.testing import login_as

from .test_workflow_api import act, walk_to


def _bar(page):
    return page.split('class="status-bar', 1)[1].split("</ol>", 1)[0]


def test_status_bar_shows_states_and_the_users_actions(app, client, world):
    rma = walk_to(client, world, "reviewed")
    login_as(client, "order")
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    bar = _bar(page)
    assert re.search(r'class="btn btn-sm btn-primary" type="submit" form="approve"', bar)
    assert 'btn-outline-danger" href="#reject"' in bar
    assert re.search(r'status-step current text-bg-info" aria-current="step">Reviewed<', bar)
    assert bar.count("status-step done") == 2  # draft, submitted
    assert 'id="comment-approve"' in page
    r = client.post(f"/rma/{rma['id']}/do/approve", data={"version": rma["version"], "comment": "ok, urgent customer"})
    assert r.status_code == 302
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert "ok, urgent customer" in page
    dealer = app.test_client()
    login_as(dealer, "d1")
    bar = _bar(dealer.get(f"/rma/{rma['id']}").get_data(as_text=True))
    assert 'href="#ship"' in bar and 'form="approve"' not in bar


def test_receiving_is_blind_and_choices_start_empty(app, client, world):
    rma = walk_to(client, world, "shipped")
    login_as(client, "order")
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert 'name="boxes_received" value=""' in page
    assert re.search(r'name="qty-\d+" value=""', page)
    rma = walk_to(client, world, "received")
    tech = app.test_client()
    login_as(tech, "tech")
    page = tech.get(f"/rma/{rma['id']}").get_data(as_text=True)
    verdict = page.split('name="verdict-', 1)[1].split("</select>", 1)[0]
    assert '<option value="">' in verdict and "selected" not in verdict
    rma = act(client, world, "tech", rma, "inspect", lines=[{"line_id": l["id"], "verdict": "no_fault_found"}
                                                            for l in rma["lines"]])
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    resolution = page.split('name="resolution-', 1)[1].split("</select>", 1)[0]
    assert '<option value="">' in resolution and "selected" not in resolution
    assert "Repair" not in resolution  # only what a no-fault line may resolve as


def test_the_page_shows_everything_filed_and_unknown_warranty(app, client, world):
    from .conftest import line
    from .test_workflow_api import file

    rma = file(client, world, submit=False, lines=[
        line(description="flickers after an hour", installed=False, opened=True, purchase_date="2026-01-05"),
        line(production_date=None, serial="SN-2")])
    login_as(client, "d1")
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert "flickers after an hour" in page and "Package opened" in page and "2026-01-05" in page
    assert "warranty unknown" in page  # the second line has no date at all
    assert "out of warranty" not in page


def test_copy_a_rejected_return_and_file_again(app, client, world):
    from plugins.rma.models import Rma
    from core.extensions import db

    from .test_workflow_api import file

    rma = file(client, world)
    rma = act(client, world, "rm_east", rma, "reject", reason="blurred photos")
    login_as(client, "d1")
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert "Copy and file again" in page
    r = client.post(f"/rma/{rma['id']}/copy")
    assert r.status_code == 302
    copy = db.session.scalars(db.select(Rma).where(Rma.id != rma["id"])).one()
    assert copy.state == "draft" and copy.lines[0].serial == "SN-1" and r.headers["Location"].endswith(f"/rma/{copy.id}")
    other = app.test_client()
    login_as(other, "d2")
    assert other.post(f"/rma/{rma['id']}/copy").status_code == 404


def test_penalty_shows_how_it_was_computed(app, client, world):
    rma = walk_to(client, world, "received")
    rma = act(client, world, "tech", rma, "inspect", lines=[{"line_id": l["id"], "verdict": "human_damage"}
                                                            for l in rma["lines"]])
    login_as(client, "order")
    for path in ("/rma/penalties", f"/rma/{rma['id']}"):
        page = client.get(path).get_data(as_text=True)
        # 2 × PNL-600 at 268.00 = 536.00; × 2 = 1072.00, visible before confirmation
        assert "268.00" in page and "Batch value 536.00 × 2 = 1072.00" in page, path
