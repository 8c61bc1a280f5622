"""Every message in the code has a zh_CN translation: Babel's extractor runs over the core
and every plugin (Python and templates, the same keywords the app uses) and each msgid must
be translated in that tree's catalogue (or the core's, which is always loaded)."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("**/migrations/**", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None,
            "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}


def _trees():
    plugins = sorted(p for p in (ROOT / "plugins").iterdir() if (p / "manifest.toml").is_file())
    return [ROOT / "core"] + plugins


def _catalogue(tree: Path) -> dict:
    po = tree / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po"
    if not po.is_file():
        return {}
    with po.open("rb") as f:
        catalog = read_po(f, locale="zh_CN")
    out = {}
    for message in catalog:
        if message.id:
            key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
            text = message.string if isinstance(message.string, str) else (message.string or ("",))[0]
            out[key] = text
    return out


def untranslated(tree: Path, core: dict) -> list[str]:
    own = _catalogue(tree)
    missing = []
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(tree), METHODS, keywords=KEYWORDS,
            options_map={"**/templates/**.html": {"extensions": "jinja2.ext.do"}}):
        msgid = message if isinstance(message, str) else message[0]
        if not (own.get((context, msgid)) or core.get((context, msgid))):
            where = f"{tree.relative_to(ROOT)}/{filename}:{lineno}"
            missing.append(f"{where}: {msgid!r}" + (f" (context {context!r})" if context else ""))
    return missing


@pytest.mark.parametrize("tree", _trees(), ids=lambda p: p.name)
def test_every_message_has_a_chinese_translation(tree):
    missing = untranslated(tree, _catalogue(ROOT / "core"))
    catalogue = "core" if tree.name == "core" else f"plugins/{tree.name}"
    assert not missing, (f"{len(missing)} message(s) without a zh_CN translation in "
                         f"{catalogue}/translations/zh_CN/LC_MESSAGES/messages.po:\n" + "\n".join(missing))


def test_domain_errors_reach_a_chinese_user_in_chinese(app):
    from flask_babel import force_locale

    from core.errors import ValidationError
    from core.testing import make_user
    from core.toolkit import acting_dealer

    staff = make_user("clerk", roles=["order_dept"])
    with app.test_request_context(), force_locale("zh_CN"):
        with pytest.raises(ValidationError) as info:
            acting_dealer(staff, "NOPE")
    assert info.value.message == "未知的经销商"
    assert info.value.fields == {"dealer_code": "没有编码为 'NOPE' 的经销商"}


def test_an_api_error_in_the_callers_language(app):
    from core.testing import api_headers, make_user

    user = make_user("zh_admin", roles=["admin"], language="zh_CN")
    r = app.test_client().post("/api/v1/regions", json={"code": "E", "name": "East", "manager_usernames": ["ghost"]},
                               headers=api_headers(user))
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"]["manager_usernames"] == "未知的用户：ghost"
