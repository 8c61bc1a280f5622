"""The core's own refusals read in the user's language (issues 7 and 9): an integer no column can
hold, a role clash, the last administrator."""
from core.testing import api_headers, make_user

NC = {"title": "投诉记录缺少顾客反馈", "severity": "minor", "department": "customer_service", "source": "other",
      "due_on": "2099-04-30", "audit_id": 3_000_000_000}


def test_core_refusals_reach_a_chinese_admin_in_chinese(app, client):
    admin = make_user("zh_admin", roles=["admin"], language="zh_CN")
    r = client.post("/api/v1/nonconformities", json=NC, headers=api_headers(admin))
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["fields"] == {"audit_id": "必须在 -2147483648 到 2147483647 之间"}
    r = client.post("/api/v1/users", json={"username": "both", "password": "long-password-1",
                                           "roles": ["supervision", "customer_service"]}, headers=api_headers(admin))
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["message"].startswith("职责分离：同一用户不能同时担任 ")
    assert error["fields"]["roles"].startswith("这些角色不能同时担任：")
    r = client.patch(f"/api/v1/users/{admin.id}", json={"active": False}, headers=api_headers(admin))
    assert r.status_code == 409 and r.get_json()["error"]["message"] == "最后一位有效的系统管理员不能取消管理员角色或被停用"
    r = client.post("/api/v1/users", json={"username": "weak", "password": "weakweak-weak", "roles": ["hr"]},
                    headers=api_headers(admin))
    assert r.status_code == 422
    assert r.get_json()["error"] == {"code": "validation_error", "message": "密码强度不足",
                                     "fields": {"password": "密码不能包含用户名"}}


def test_an_english_admin_reads_them_in_english(app, client):
    admin = make_user("en_admin", roles=["admin"])
    r = client.post("/api/v1/nonconformities", json=NC, headers=api_headers(admin))
    assert r.get_json()["error"]["fields"] == {"audit_id": "must be between -2147483648 and 2147483647"}
    r = client.patch(f"/api/v1/users/{admin.id}", json={"active": False}, headers=api_headers(admin))
    message = r.get_json()["error"]["message"]
    assert message == "the last active administrator cannot lose the admin role or be deactivated"
