"""Settings' section titles, the API docs page, error pages, CSV import errors and validation
messages read in the user's language (issue 9, language; issue 7, every message)."""
import pytest
from flask_babel import force_locale

from core.testing import api_headers, login_as, make_user, session_login
from tests.english_words import english_words, visible_text


def _page(client, url):
    r = client.get(url)
    return r, r.get_data(as_text=True)


def test_settings_section_titles_in_the_users_language(app, client):
    session_login(client, make_user("zh_admin", roles=["admin"], language="zh_CN"))
    r, page = _page(client, "/admin/settings")
    assert r.status_code == 200
    for title in ("内部审核", "监督与月度考核", "认证（GB/T 27922）", "售后配件", "经销商关系", "通用"):
        assert f'<div class="card-header">{title}</div>' in page, title
    assert "Supervision and monthly assessment" not in page and "Internal audit" not in page
    assert english_words(visible_text(page)) == []


def test_every_plugin_name_has_a_chinese_translation(app):
    manifests = app.extensions["aftersales"].manifests
    assert len(manifests) >= 13
    with app.test_request_context(), force_locale("zh_CN"):
        untranslated = [m.name for m in manifests if m.title == m.name]
    assert not untranslated


def test_api_docs_page_in_the_users_language(app, client):
    zh, en = make_user("zh_admin", roles=["admin"], language="zh_CN"), make_user("en_admin", roles=["admin"])
    session_login(client, zh)
    r, page = _page(client, "/api-docs")
    assert r.status_code == 200 and "/api/v1/rmas/{rma_id}" in page
    assert "查看退货" in page or "查看" in page  # the permission labels, translated
    assert english_words(visible_text(page)) == []
    other = app.test_client()
    session_login(other, en)
    _r, english = _page(other, "/api-docs")
    assert "Approve (order department): the number and labels are issued." in english


def test_error_pages_in_the_users_language(app):
    from werkzeug.exceptions import InternalServerError

    def boom():
        raise RuntimeError("boom")

    app.add_url_rule("/test-boom", "test_boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    make_user("zh_dealer_staff", roles=["technical"], language="zh_CN")
    login_as(client, "zh_dealer_staff")
    r, page = _page(client, "/admin/users/")
    assert r.status_code == 403 and "您无权执行此操作" in page and "not allowed" not in page
    r, page = _page(client, "/test-boom")
    assert r.status_code == 500 and "系统出错" in page and InternalServerError.description not in page
    r, page = _page(client, "/no-such-page")
    assert r.status_code == 404 and english_words(visible_text(page)) == []


def test_api_errors_follow_accept_language_or_the_users_language(app, client):
    r = client.get("/api/v1/rmas", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert r.status_code == 401 and r.get_json()["error"]["message"] == "需要登录认证"
    r = client.get("/api/v1/rmas", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert r.get_json()["error"]["message"] == "authentication required"
    user = make_user("zh_admin", roles=["admin"], language="zh_CN")
    r = client.get("/api/v1/no-such-thing", headers=api_headers(user))
    assert r.status_code == 404 and r.get_json()["error"]["message"] == "未找到。"


@pytest.mark.parametrize("body, field, chinese", [
    ({"name": "East"}, "code", "必填"),
    ({"code": "E" * 40, "name": "East"}, "code", "最多 32 个字符"),
    ({"code": "E", "name": "East", "surprise": 1}, "surprise", "未知字段"),
    ({"code": 5, "name": "East"}, "code", "必须是文本"),
])
def test_validation_messages_in_the_users_language(app, client, body, field, chinese):
    user = make_user("zh_admin", roles=["admin"], language="zh_CN")
    r = client.post("/api/v1/regions", json=body, headers=api_headers(user))
    assert r.status_code == 422
    message = r.get_json()["error"]["fields"][field]
    assert message == chinese and english_words(message) == []


def test_validation_messages_in_english_for_an_english_user(app, client):
    user = make_user("en_admin", roles=["admin"])
    r = client.post("/api/v1/regions", json={"code": "E" * 40, "name": "East", "x": 1}, headers=api_headers(user))
    assert r.get_json()["error"]["fields"] == {"code": "at most 32 characters", "x": "unknown field"}


def test_every_pydantic_error_type_reads_in_chinese(app):
    """Each error type the schemas can raise has a message of its own (no English fallback)."""
    from decimal import Decimal
    from datetime import date
    from typing import Literal

    from pydantic import BaseModel, Field, ValidationError, conint

    from core.api import pydantic_fields

    class Probe(BaseModel):
        n: conint(ge=1, le=5)
        d: date
        amount: Decimal = Field(max_digits=4, decimal_places=1)
        kind: Literal["a", "b"]
        items: list[int] = Field(max_length=1)
        flag: bool

    with pytest.raises(ValidationError) as info:
        Probe.model_validate({"n": 9, "d": "soon", "amount": "1.25", "kind": "c", "items": [1, 2], "flag": "maybe"})
    with app.test_request_context(), force_locale("zh_CN"):
        fields = pydantic_fields(info.value)
    assert fields == {"n": "不能大于 5", "d": "必须是日期（YYYY-MM-DD）", "amount": "最多 1 位小数",
                      "kind": "必须是以下之一：'a', 'b'", "items": "最多 1 项", "flag": "必须是 true 或 false"}


def test_csv_import_errors_in_the_users_language(app, client):
    from io import BytesIO

    session_login(client, make_user("zh_admin", roles=["admin"], language="zh_CN"))
    csv = "code,name,kind\nX1,One,dealer\nX1,Again,dealer\nX2,Two,wizard\n".encode()
    r = client.post("/dealers/import", data={"file": (BytesIO(csv), "dealers.csv")},
                    content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "第 3 行" in page and "与第 2 行重复" in page and "第 4 行" in page
    assert "row 3" not in page and "duplicate of row" not in page


def test_no_message_is_translated_inside_an_f_string():
    """Babel's extractor does not look inside f-strings (Python 3.11): a ``_()`` there is never
    extracted, so the catalogue test cannot see it miss a translation (the supervision chart's label)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    call = re.compile(r"""\bf(['"]).*\{[^}]*\b(?:_|gettext|pgettext|ngettext|_l|lazy_gettext)\(""")
    found = [f"{path.relative_to(root)}:{n}" for tree in ("core", "plugins") for path in (root / tree).rglob("*.py")
             if "migrations" not in path.parts
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if call.search(line)]
    assert not found, found


def test_a_label_given_to_a_notification_reads_in_the_readers_language(app):
    """A department passed as its label is stored as a message id: the HR clerk reading in Chinese
    sees the Chinese department, in English the English one (was the raw id ``technical``)."""
    from core.notifications import N_, notify, render
    from plugins.supervision.models import DEPARTMENT_LABELS

    reader = make_user("hr_clerk", roles=["hr"], language="zh_CN")
    [row] = notify([reader], N_("Monthly assessment %(month)s (%(department)s) awaits confirmation"), "", "/x",
                   month="2026-10", department=DEPARTMENT_LABELS["technical"])
    assert row["message"]["args"]["department"] == {"msgid": "Technical department"}
    with app.test_request_context(), force_locale("zh_CN"):
        chinese = render(row["message"], "title")
    with app.test_request_context(), force_locale("en"):
        english = render(row["message"], "title")
    assert chinese == "2026-10 月度考核（技术部门）待确认"
    assert english == "Monthly assessment 2026-10 (Technical department) awaits confirmation"
