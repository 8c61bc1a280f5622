"""The core chatter on a service request: a comment posted from the page, @mentions that notify
only those who may see the request (a technician only its own), labels in Chinese, scope 404s."""
import io

from sqlalchemy import select

from core.extensions import db
from core.notifications import Notification
from core.testing import api_headers, login_as
from helpers_service import create, ok, png


def _mentions(user):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.title.like("%mentioned you%"))))


def test_service_request_chatter(app, client, world):
    users = world["users"]
    rec = create(client, users["service"], dealer_code="D1")
    rec = ok(client, users["service"], rec, "reply", answer="上门检查", on_site=True)
    rec = ok(client, users["service"], rec, "schedule", technician="technician1",
             window_from="2026-11-20T14:00:00+08:00", window_to="2026-11-20T16:00:00+08:00")
    page = f"/service/{rec['id']}"
    login_as(client, "cs")
    r = client.post(f"/chatter/service_request/{rec['id']}", data={
        "body": "带上梯子 @technician1 @technician2 @dealer1 @dealer2", "next": page,
        "files": (io.BytesIO(png()), "wall.png")}, content_type="multipart/form-data")
    assert r.status_code == 302 and r.headers["Location"].endswith(page + "#chatter")
    # technician2 is not on this request and dealer2 is another dealer: neither is told
    assert [len(_mentions(users[k])) for k in ("tech1", "tech2", "dealer1", "dealer2")] == [1, 0, 1, 0]
    users["tech1"].language = "zh_CN"
    db.session.commit()
    tech = app.test_client()
    login_as(tech, "technician1")
    html = tech.get(page).get_data(as_text=True)
    assert "带上梯子 @technician1" in html and "wall.png" in html
    assert "状态: 已答复 → 已安排" in html and "replied →" not in html and "state:" not in html
    # a user id reads as the user, a moment in the business time zone
    assert "维修技师: — → technician1" in html and "预约开始: — → 2026-11-20 14:00" in html
    assert "technician id" not in html and "T06:00:00" not in html
    url = f"/api/v1/chatter/service_request/{rec['id']}"
    for who in ("tech2", "dealer2"):
        h = api_headers(users[who])
        assert client.get(url, headers=h).status_code == 404
        assert client.post(url, json={"body": "x"}, headers=h).status_code == 404
    other = app.test_client()
    login_as(other, "technician2")
    assert other.post(f"/chatter/service_request/{rec['id']}", data={"body": "x"}).status_code == 404
    assert other.get(page).status_code == 404
