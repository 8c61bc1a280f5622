"""A Chinese user's bad input to the dealers API reads in Chinese (issues 7 and 9): the message and
the field map of a 422, the message of a 409."""
from core.extensions import db
from core.testing import api_headers

URL = "/api/v1/dealer-status-changes"


def _propose(client, user, to_status="warned"):
    return client.post(URL, headers=api_headers(user), json={"dealer_code": "D1", "to_status": to_status,
                                                              "reason": "两次人为损坏退货"})


def test_refusals_reach_a_chinese_user_in_chinese(app, client, world):
    u = world["users"]
    u["rm_east"].language = u["order"].language = "zh_CN"
    db.session.commit()
    change = _propose(client, u["rm_east"]).json
    resp = _propose(client, u["rm_east"], to_status="suspended")
    assert resp.status_code == 409 and resp.json["error"]["message"] == "经销商 D1 已有进行中的资格变更"
    resp = client.post(f"{URL}/{change['id']}/reject", headers=api_headers(u["order"]),
                       json={"version": change["version"], "note": ""})
    assert resp.status_code == 422
    assert resp.json["error"]["message"] == "请填写原因"
    assert resp.json["error"]["fields"]["note"] == "请说明驳回变更的原因"


def test_an_english_user_reads_the_same_refusal_in_english(app, client, world):
    u = world["users"]
    change = _propose(client, u["rm_east"]).json
    resp = client.post(f"{URL}/{change['id']}/reject", headers=api_headers(u["order"]),
                       json={"version": change["version"], "note": ""})
    assert resp.json["error"]["message"] == "reason required"
    assert resp.json["error"]["fields"]["note"] == "say why the change is rejected"
