"""The core chatter on a return: comments, @mentions that notify, files, activity with human labels."""
import io

from sqlalchemy import select

from core.extensions import db
from core.notifications import Notification
from core.testing import login_as

from .test_workflow_api import walk_to

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_comment_with_mention_and_file_on_the_page(app, client, world):
    rma = walk_to(client, world, "reviewed")
    login_as(client, "order")
    r = client.post(f"/chatter/rma/{rma['id']}", data={
        "body": "please check @d1 and @tech and @d2", "next": f"/rma/{rma['id']}",
        "files": (io.BytesIO(PNG), "box.png")}, content_type="multipart/form-data")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/rma/{rma['id']}#chatter")
    notified = {n.user_id for n in db.session.scalars(select(Notification).where(
        Notification.title.like("%mentioned you%")))}
    # d1 and tech see the return; d2 (another dealer) does not, so it is not told
    assert notified == {world.users["d1"].id, world.users["tech"].id}
    client = app.test_client()
    login_as(client, "d1")
    page = client.get(f"/rma/{rma['id']}").get_data(as_text=True)
    assert "please check @d1" in page and "box.png" in page
    # activity with human labels, never raw ids
    assert "State: Submitted → Reviewed" in page
    assert "state:" not in page and "reviewed →" not in page
    data = client.get(f"/api/v1/chatter/rma/{rma['id']}", headers=world.h["d1"]).get_json()
    files = [f for i in data["items"] for f in i["files"]]
    assert files[0]["filename"] == "box.png"
    assert client.get(f"/chatter/rma/{rma['id']}/files/{files[0]['id']}").data == PNG


def test_chatter_api_scope_and_language(app, client, world):
    rma = walk_to(client, world, "submitted")
    url = f"/api/v1/chatter/rma/{rma['id']}"
    assert client.get(url, headers=world.h["d2"]).status_code == 404  # another dealer's return
    assert client.post(url, json={"body": "x"}, headers=world.h["d2"]).status_code == 404
    assert client.get("/api/v1/chatter/nothing/1", headers=world.h["d1"]).status_code == 404
    assert client.post(url, json={"body": ""}, headers=world.h["d1"]).status_code == 422
    r = client.post(url, json={"body": "hello @rm_east"}, headers=world.h["d1"])
    assert r.status_code == 201 and r.get_json()["body"] == "hello @rm_east"
    world.users["rm_east"].language = "zh_CN"
    db.session.commit()
    items = client.get(url, headers=world.h["rm_east"]).get_json()["items"]
    assert items[0]["kind"] == "comment"
    submitted = [i for i in items if i["kind"] == "activity"][0]
    assert submitted["changes"][0]["field"] == "状态" and submitted["changes"][0]["new"] == "已提交"
    login_as(client, "rm_east")
    inbox = client.get("/notifications").get_data(as_text=True)
    assert "提到了你" in inbox
