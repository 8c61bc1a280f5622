"""A Chinese user's bad input to the audit API reads in Chinese (issues 7 and 9): the message and
the field map of a 422, the message of a 409."""
from core.extensions import db
from helpers_audit import act, audit_body, post
from tests.english_words import english_words

A, N = "/api/v1/audits", "/api/v1/nonconformities"


def test_refusals_reach_a_chinese_auditor_in_chinese(app, client, world):
    auditor = world["users"]["auditor"]
    auditor.language = "zh_CN"
    db.session.commit()
    r = post(client, auditor, A, audit_body(departments=[], dealer_codes=[]), 422)
    error = r.json["error"]
    assert error["message"] == "审核信息无效"
    assert error["fields"]["departments"] == "请至少填写一个部门或经销商代码"
    r = post(client, auditor, A, audit_body(auditors=["nobody"]), 422)
    assert r.json["error"]["message"] == "未知用户" and r.json["error"]["fields"]["auditors"] == "未知的用户：nobody"
    audit = post(client, auditor, A, audit_body(departments=["hr"]), 201).json
    r = act(client, auditor, A, {**audit, "version": audit["version"] + 5}, "start", 409)
    assert r.json["error"]["message"].startswith("版本") and english_words(r.json["error"]["message"]) == []


def test_an_english_auditor_reads_the_same_refusal_in_english(app, client, world):
    r = post(client, world["users"]["auditor"], A, audit_body(departments=[], dealer_codes=[]), 422)
    assert r.json["error"]["message"] == "invalid audit"
    assert r.json["error"]["fields"]["departments"] == "name at least one department or dealer code"
