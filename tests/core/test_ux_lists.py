"""The shared list macro's pagination window, the global activity page, the core lists' sorting."""
from core.activity import ActivityEntry
from core.extensions import db
from core.testing import login_as, make_dealer, make_user
from core.web.listing import Page


def test_pagination_window_has_an_ellipsis():
    def window(page, pages):
        return Page(items=[], total=pages * 25, page=page, per_page=25, sort="id").window()

    assert window(5, 20) == [1, None, 4, 5, 6, None, 20]
    assert window(1, 20) == [1, 2, None, 20]
    assert window(3, 5) == [1, 2, 3, 4, 5]  # one hidden page is shown, not an ellipsis
    assert window(1, 1) == [1]


def test_core_dealer_list_sorts_keeps_filters_and_paginates_with_an_ellipsis(app, client):
    make_user("admin")
    for i in range(130):
        make_dealer(f"D{i:03d}", status="suspended" if i % 2 else "active")
    login_as(client, "admin")
    html = client.get("/dealers/?status=suspended&page=1").get_data(as_text=True)
    assert 'href="/dealers/?status=suspended&amp;page=1&amp;sort=-code"' in html  # the sort link keeps the filter
    assert "65 records" in html and "page-gap" not in html  # 3 pages: no gap
    html = client.get("/dealers/?per_page=25&page=1").get_data(as_text=True)
    assert "…" in html and ">6</a>" in html and "130 records" in html
    html = client.get("/dealers/?sort=-code").get_data(as_text=True)
    assert html.index("D129") < html.index("D128")
    assert client.get("/dealers/?sort=password_hash").status_code == 200
    assert "Nothing matches these filters." in client.get("/dealers/?q=zzzz").get_data(as_text=True)


def test_activity_page_for_admins_and_auditors_with_filters_and_human_labels(app, client):
    admin = make_user("admin")
    make_user("aud", roles=["auditor"])
    make_user("tech", roles=["technical"])
    dealer = make_dealer("D1")
    db.session.add(ActivityEntry(model="core_dealer", record_id=dealer.id, action="status_changed", actor_id=admin.id,
                                 changes={"status": ["active", "suspended"]}))
    db.session.commit()
    login_as(client, "tech")
    assert client.get("/activity").status_code == 403
    for user in ("admin", "aud"):
        c = app.test_client()
        login_as(c, user)
        html = c.get("/activity?model=core_dealer&who=admin").get_data(as_text=True)
        assert f"Dealer #{dealer.id}" in html and "status changed" in html and "Suspended" in html
        assert "core_dealer #" not in html and "status_changed" not in html
        assert "Nothing matches" in c.get("/activity?who=aud").get_data(as_text=True)
    r = client.get("/activity?date_from=yesterday")
    assert r.status_code == 403
    c = app.test_client()
    login_as(c, "admin")
    r = c.get("/activity?date_from=not-a-date&sort=bogus")
    assert r.status_code == 422 and "YYYY-MM-DD" in r.get_data(as_text=True)
    assert c.get("/activity?date_from=2000-01-01&date_to=2999-12-31").status_code == 200
