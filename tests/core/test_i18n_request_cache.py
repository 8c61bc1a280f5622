"""The request's translations are looked up once per request and locale (core.web.i18n.RequestDomain):
every ``_()`` used to find them again through the locale and a formatted cache key. A forced
locale (a message in its recipient's language) still gets its own, and the request's after."""
import flask_babel
from flask_babel import force_locale, gettext as _


def test_translations_once_per_request_and_locale(app, monkeypatch):
    looked_up = []
    original = flask_babel.Domain.get_translations

    def counting(self):
        looked_up.append(str(flask_babel.get_locale()))
        return original(self)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counting)
    # each request its own app context (its own g), as in production
    with app.app_context(), app.test_request_context("/api/v1/me", headers={"Accept-Language": "en"}):
        assert [_("Notifications") for _i in range(5)] == ["Notifications"] * 5
        with force_locale("zh_CN"):
            assert _("Notifications") == "通知" and _("Notifications") == "通知"
        assert _("Notifications") == "Notifications"
    assert looked_up == ["en", "zh_Hans_CN", "en"]
    with app.app_context(), app.test_request_context("/"):  # another request: its locale, looked up again
        assert _("Notifications") == "通知"
    assert looked_up == ["en", "zh_Hans_CN", "en", "zh_Hans_CN"]
