"""The core chatter on a transport exception record: human labels for the late-filing path, comments."""
from datetime import date

from core.testing import login_as
from helpers_logistics import act, create, get


def test_late_filing_reads_as_labels_in_the_chatter(app, client, world, clock):
    clock.set(date(2026, 11, 3))
    u = world["users"]
    rec = create(client, u["dealer1"], received_on="2026-11-02")
    clock.set(date(2026, 11, 6))
    assert act(client, u["dealer1"], rec, "file").status_code == 422
    login_as(client, "order")
    page = client.get(f"/logistics/{rec['id']}").get_data(as_text=True)
    assert "filing refused: too late" in page and "filing_refused_late" not in page
    assert "Late: no → yes" in page
    r = client.post(f"/chatter/logistics_exception/{rec['id']}", data={"body": "@dealer1 please send the signed record"})
    assert r.status_code == 302
    login_as(client, "dealer1")
    assert "please send the signed record" in client.get(f"/logistics/{rec['id']}").get_data(as_text=True)
    assert get(client, u["dealer1"], rec["id"]).status_code == 200
