"""ABC classification and the contact schedule: boundaries, reclassification, scope, reminders."""
from datetime import date, timedelta

from core.testing import api_headers
from core.notifications import Notification
from sqlalchemy import select

SCHEDULE = "/api/v1/dealer-contact-schedule"


def contact(client, user, code, on, kind="visit", **extra):
    return client.post("/api/v1/dealer-contacts", headers=api_headers(user),
                       json={"dealer_code": code, "contacted_on": on.isoformat(), "kind": kind,
                             "summary": "talked", **extra})


def row(client, user, code, **params):
    resp = client.get(SCHEDULE, headers=api_headers(user), query_string={"per_page": 200, **params})
    assert resp.status_code == 200, resp.json
    return next((r for r in resp.json["items"] if r["dealer_code"] == code), None)


def test_class_a_due_on_day_7_overdue_on_day_8(app, client, world, clock):
    rm = world["users"]["rm_east"]
    start = date(2026, 11, 2)
    clock.set(start)
    assert contact(client, rm, "D1", start).status_code == 201
    clock.set(start + timedelta(days=7))
    r = row(client, rm, "D1")
    assert r == {"dealer_code": "D1", "dealer_name": "Dealer D1", "region_code": "EAST", "abc_class": "A",
                 "last_contact_on": "2026-11-02", "next_due_on": "2026-11-09", "days_overdue": 0}
    assert row(client, rm, "D1", overdue="true") is None
    clock.set(start + timedelta(days=8))
    assert row(client, rm, "D1")["days_overdue"] == 1
    assert row(client, rm, "D1", overdue="true")["days_overdue"] == 1
    assert row(client, rm, "D1", overdue="false") is None


def test_reclassification_recomputes_due_date_and_keeps_history(app, client, world, clock):
    rm = world["users"]["rm_east"]
    clock.set(date(2026, 11, 2))
    contact(client, rm, "D1", date(2026, 10, 1))
    assert row(client, rm, "D1")["days_overdue"] == 25  # A: due 10-08
    resp = client.post("/api/v1/dealer-classifications", headers=api_headers(rm),
                       json={"dealer_code": "D1", "abc_class": "B", "reason": "smaller orders this year"})
    assert resp.status_code == 201, resp.json
    assert resp.json["previous_class"] == "A" and resp.json["by"] == "rm_east"
    r = row(client, rm, "D1")
    assert (r["abc_class"], r["next_due_on"], r["days_overdue"]) == ("B", "2026-10-31", 2)
    client.post("/api/v1/dealer-classifications", headers=api_headers(rm),
                json={"dealer_code": "D1", "abc_class": "C", "reason": "dormant"})
    r = row(client, rm, "D1")
    assert (r["next_due_on"], r["days_overdue"]) == ("2027-04-01", 0)
    history = client.get("/api/v1/dealer-classifications?dealer_code=D1", headers=api_headers(rm)).json
    assert [(h["previous_class"], h["abc_class"]) for h in history["items"]] == [("B", "C"), ("A", "B")]
    assert row(client, rm, "D1", **{"class": "C"})["dealer_code"] == "D1"
    assert row(client, rm, "D1", **{"class": "A"}) is None


def test_interval_is_a_setting(app, client, world, clock):
    from core import settings

    rm = world["users"]["rm_east"]
    clock.set(date(2026, 11, 20))
    contact(client, rm, "D1", date(2026, 11, 10))
    assert row(client, rm, "D1")["days_overdue"] == 3
    settings.set_value("dealers.interval_days_a", "14")
    from core.extensions import db

    db.session.commit()
    assert row(client, rm, "D1")["days_overdue"] == 0


def test_never_contacted_is_due_from_its_classification(app, client, world, clock):
    rm = world["users"]["rm_east"]
    from core.toolkit import today

    r = row(client, rm, "D1")
    assert r["last_contact_on"] is None and r["next_due_on"] == today().isoformat()  # the dealer was created today
    clock.set(today() + timedelta(days=1))
    assert row(client, rm, "D1")["days_overdue"] == 1


def test_regional_manager_sees_their_regions_only(app, client, world, clock):
    east = client.get(SCHEDULE, headers=api_headers(world["users"]["rm_east"])).json
    assert sorted(r["dealer_code"] for r in east["items"]) == ["A1", "D1", "S1"]
    south = client.get(SCHEDULE + "?region=SOUTH", headers=api_headers(world["users"]["rm_south"])).json
    assert [r["dealer_code"] for r in south["items"]] == ["D2"]
    assert client.get(SCHEDULE + "?region=SOUTH", headers=api_headers(world["users"]["rm_east"])).json["total"] == 0
    everyone = client.get(SCHEDULE, headers=api_headers(world["users"]["order"])).json
    assert everyone["total"] == 4
    # a dealer user has no access to the relationship records
    assert client.get(SCHEDULE, headers=api_headers(world["users"]["dealer1"])).status_code == 403
    # a manager cannot record or classify outside their regions
    resp = contact(client, world["users"]["rm_east"], "D2", clock.value)
    assert resp.status_code == 422 and "dealer_code" in resp.json["error"]["fields"]


def test_contacts_list_filters_and_record_rules(app, client, world, clock):
    rm = world["users"]["rm_east"]
    c = contact(client, rm, "D1", clock.value, kind="phone", next_steps="send catalogue").json
    assert c["by"] == "rm_east" and c["kind"] == "phone" and c["next_steps"] == "send catalogue"
    contact(client, world["users"]["rm_south"], "D2", clock.value, kind="visit")
    items = client.get("/api/v1/dealer-contacts?kind=phone", headers=api_headers(world["users"]["order"])).json["items"]
    assert [i["dealer_code"] for i in items] == ["D1"]
    assert client.get(f"/api/v1/dealer-contacts/{c['id']}", headers=api_headers(world["users"]["rm_south"])).status_code == 404
    assert client.get(f"/api/v1/dealer-contacts/{c['id']}", headers=api_headers(rm)).status_code == 200
    # only its author (or an administrator) deletes it
    assert client.delete(f"/api/v1/dealer-contacts/{c['id']}", headers=api_headers(world["users"]["order"])).status_code == 403
    assert client.delete(f"/api/v1/dealer-contacts/{c['id']}", headers=api_headers(rm)).status_code == 204


def test_contact_bad_input(app, client, world, clock):
    rm = world["users"]["rm_east"]
    h = api_headers(rm)
    bad = [({"dealer_code": "D1", "contacted_on": "2026-11-01", "kind": "email", "summary": "x"}, "kind"),
           ({"dealer_code": "D1", "contacted_on": "2026-11-01", "kind": "visit", "summary": ""}, "summary"),
           ({"dealer_code": "D1", "contacted_on": "2026-11-01", "kind": "visit", "summary": "x" * 4001}, "summary"),
           ({"dealer_code": "NOPE", "contacted_on": "2026-11-01", "kind": "visit", "summary": "x"}, "dealer_code"),
           ({"dealer_code": "D1", "contacted_on": "2027-01-01", "kind": "visit", "summary": "x"}, "contacted_on"),
           ({"dealer_code": "D1", "contacted_on": "2026-11-01", "kind": "visit", "summary": "x", "by": "dealer1"}, "by"),
           ({"dealer_code": "D1", "contacted_on": "2026-11-01", "kind": "visit", "summary": "x", "extra": 1}, "extra")]
    for body, field in bad:
        resp = client.post("/api/v1/dealer-contacts", headers=h, json=body)
        assert resp.status_code == 422, (body, resp.json)
        assert field in resp.json["error"]["fields"], (field, resp.json)
    for body, field in [({"dealer_code": "D1", "abc_class": "D", "reason": "x"}, "abc_class"),
                        ({"dealer_code": "D1", "abc_class": "B", "reason": ""}, "reason"),
                        ({"dealer_code": "D1", "abc_class": "A", "reason": "same"}, "abc_class")]:
        resp = client.post("/api/v1/dealer-classifications", headers=h, json=body)
        assert resp.status_code == 422 and field in resp.json["error"]["fields"], resp.json
    assert client.get(SCHEDULE + "?per_page=500", headers=h).status_code == 400
    assert client.get(SCHEDULE + "?class=X", headers=h).status_code == 400
    # a technician sees the schedule but may not classify
    resp = client.post("/api/v1/dealer-classifications", headers=api_headers(world["users"]["tech"]),
                       json={"dealer_code": "D1", "abc_class": "B", "reason": "x"})
    assert resp.status_code == 403


def test_remind_notifies_the_responsible_manager(app, client, world, clock):
    rm_east, rm_south = world["users"]["rm_east"], world["users"]["rm_south"]
    clock.set(date(2026, 11, 20))
    contact(client, rm_east, "D1", date(2026, 11, 10))  # A: due 11-17, overdue
    contact(client, rm_east, "A1", date(2026, 11, 1))  # C: due in 2027
    contact(client, rm_east, "S1", date(2026, 11, 1))
    contact(client, rm_south, "D2", date(2026, 10, 23))  # B: due 11-22, this week
    result = app.test_cli_runner().invoke(args=["dealers", "remind"])
    assert result.exit_code == 0, result.output
    assert "rm_east: 0 due, 1 overdue" in result.output and "rm_south: 1 due, 0 overdue" in result.output
    from core.extensions import db

    east = db.session.scalars(select(Notification).where(Notification.user_id == rm_east.id)).all()
    assert len(east) == 1 and "D1" in east[0].display_body
    assert east[0].message["args"]["overdue"] == 1 and east[0].message["args"]["due"] == 0
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        assert "0 due this week, 1 overdue" in east[0].display_title


def test_schedule_sorting_and_page(app, client, world, clock):
    from core.testing import login_as

    rm = world["users"]["order"]
    clock.set(date(2026, 12, 1))
    contact(client, world["users"]["rm_east"], "D1", date(2026, 11, 1))  # A: 23 days overdue
    contact(client, world["users"]["rm_south"], "D2", date(2026, 11, 20))  # B: due 12-20
    items = client.get(SCHEDULE + "?sort=-days_overdue", headers=api_headers(rm)).json["items"]
    assert items[0]["dealer_code"] == "D1" and items[0]["days_overdue"] == 23
    items = client.get(SCHEDULE + "?sort=-next_due_on", headers=api_headers(rm)).json["items"]
    assert items[0]["dealer_code"] == "D2"
    assert client.get(SCHEDULE + "?sort=name", headers=api_headers(rm)).status_code == 400
    login_as(client, "order")
    page = client.get("/dealers/schedule?overdue=1&sort=-days_overdue").get_data(as_text=True)
    assert "D1 Dealer D1" in page and "D2 Dealer D2" not in page
    assert "Nothing matches" in client.get("/dealers/schedule?region=NOPE").get_data(as_text=True)
