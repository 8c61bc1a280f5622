"""A Chinese auditor's bad input to the certification API reads in Chinese (issues 7 and 9): the
message and the field map of a 422, the message of a 409."""
from datetime import date

from core.extensions import db
from core.testing import api_headers
from helpers_certification import SA, add_special, open_assessment


def test_refusals_reach_a_chinese_auditor_in_chinese(app, client, users, clock):
    clock.set(date(2026, 11, 23))
    auditor = users["auditor"]
    auditor.language = "zh_CN"
    db.session.commit()
    r = client.post(SA, json={"year": 2027}, headers=api_headers(auditor))
    assert r.status_code == 422
    assert r.json["error"]["message"] == "年度尚未到来"
    assert r.json["error"]["fields"]["year"] == "不能对尚未开始的年度进行自评"
    a = open_assessment(client, auditor, 2025)
    r = add_special(client, auditor, a, "deduction", "退货超期")
    assert r.status_code == 422
    assert r.json["error"]["message"] == "请填写整改措施"
    assert r.json["error"]["fields"]["rectification"] == "扣分项必须写明整改措施"
    r = client.post(SA, json={"year": 2025}, headers=api_headers(auditor))
    assert r.status_code == 409 and r.json["error"]["message"] == "2025 年度已有自评"


def test_an_english_auditor_reads_the_same_refusal_in_english(app, client, users, clock):
    clock.set(date(2026, 11, 23))
    r = client.post(SA, json={"year": 2027}, headers=api_headers(users["auditor"]))
    assert r.json["error"]["message"] == "future year"
    assert r.json["error"]["fields"]["year"] == "cannot assess a year that has not begun"
