"""A Chinese user's bad input to the service API reads in Chinese (issues 7 and 9): the field map
of a 422 and of a malformed upload, the message of a 409."""
from core.extensions import db
from core.testing import api_headers
from helpers_service import URL, act, body, create, ok, sign, to_on_site, visit
from tests.english_words import english_words


def test_refusals_reach_a_chinese_user_in_chinese(client, world):
    cs = world["users"]["service"]
    for user in world["users"].values():
        user.language = "zh_CN"
    db.session.commit()
    r = client.post(URL, json=body(customer_phone="12345"), headers=api_headers(cs))
    assert r.status_code == 422
    assert english_words(r.json["error"]["message"]) == []
    assert english_words(r.json["error"]["fields"]["customer_phone"]) == []
    rec = ok(client, cs, create(client, cs), "cancel", reason="客户撤回")
    r = act(client, cs, rec, "assign", assignee="technician1")
    assert r.status_code == 409 and r.json["error"]["message"] == "状态为 'cancelled' 的记录不能执行 分派"
    v = visit(client, world["users"]["tech1"], to_on_site(client, world))
    r = sign(client, world["users"]["tech1"], v, kind="stamped")
    assert r.status_code == 400 and r.json["error"]["message"] == "未知类别"
    assert r.json["error"]["fields"]["kind"] == "请选择手写板签名（drawn）或纸质签名（paper）"


def test_an_english_user_reads_the_same_refusal_in_english(client, world):
    cs = world["users"]["service"]
    rec = ok(client, cs, create(client, cs), "cancel", reason="客户撤回")
    r = act(client, cs, rec, "assign", assignee="technician1")
    assert r.json["error"]["message"] == "cannot assign a record in state 'cancelled'"
