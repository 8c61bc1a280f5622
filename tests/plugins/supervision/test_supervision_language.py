"""A Chinese supervisor's bad input to the supervision API reads in Chinese (issues 7 and 9): the
message and the field map of a 422, the message of a 409."""
from core.extensions import db
from tests.english_words import english_words


def test_refusals_reach_a_chinese_supervisor_in_chinese(world):
    world.users["sup"].language = "zh_CN"
    db.session.commit()
    c = world.complaint("2026-05-03T10:00:00")
    r = world.post("sup", f"/complaints/{c['id']}/steps", {"version": c["version"], "step": "facts", "note": "x"}, 409)
    assert r.get_json()["error"]["message"] == "步骤须按顺序记录：下一步应为 'thanked'，而不是 'facts'"
    c = world.post("sup", f"/complaints/{c['id']}/steps", {"version": c["version"], "step": "thanked"}, 200).get_json()
    r = world.post("sup", f"/complaints/{c['id']}/steps", {"version": c["version"], "step": "listened"}, 422)
    error = r.get_json()["error"]
    assert error["message"] == "请填写备注"
    assert error["fields"]["note"] == "请说明沟通内容、查明的事实、顾客诉求或给予的补偿"
    r = world.post("sup", "/monthly-assessments", {"month": "2099-01"}, 422)
    assert r.get_json()["error"]["fields"]["month"] == "该月尚未开始"
    assert english_words(r.get_json()["error"]["message"]) == []


def test_an_english_supervisor_reads_the_same_refusal_in_english(world):
    c = world.complaint("2026-05-03T10:00:00")
    c = world.post("sup", f"/complaints/{c['id']}/steps", {"version": c["version"], "step": "thanked"}, 200).get_json()
    r = world.post("sup", f"/complaints/{c['id']}/steps", {"version": c["version"], "step": "listened"}, 422)
    assert r.get_json()["error"]["message"] == "note required"
    assert r.get_json()["error"]["fields"]["note"] == "describe what was said, found, wished or given"
