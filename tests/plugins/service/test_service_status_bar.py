"""Issue 9: the service request page opens with a status bar: the path with the current step and the actions
the user may take now, each leading to its form; a reader sees the bar without buttons."""
from core.extensions import db
from core.testing import api_headers, record_status_bar
from tests.plugins.service.helpers_service import URL, body


def test_service_request_bar(app, client, world):
    u = world["users"]
    r = client.post(URL, json=body(), headers=api_headers(u["service"]))
    assert r.status_code == 201, r.get_json()
    record = r.get_json()
    for name in ("service", "order"):
        u[name].language = "zh_CN"
    db.session.commit()
    step, buttons = record_status_bar(app, "cs", f"/service/{record['id']}", "form-")
    assert step == "已受理"
    assert buttons == [("btn-primary", "reply"), ("btn-outline-danger", "cancel"), ("btn-outline-secondary", "assign")]
    step, buttons = record_status_bar(app, "order", f"/service/{record['id']}", "form-")
    assert step == "已受理" and buttons == []
