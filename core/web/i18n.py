from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import Babel, Domain, _get_current_context, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup
from werkzeug.utils import cached_property


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/") and request.headers.get("Accept-Language"):
        # an API client asking for a language gets it (its user's own language otherwise)
        wanted = request.accept_languages.best_match([lang.replace("_", "-") for lang in languages] + languages)
        if wanted:
            return wanted.replace("-", "_")
    if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    if session.get("lang") in languages:
        return session["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


class RequestDomain(Domain):
    """Flask-Babel's domain with the request's translations kept on the request: every ``_()`` (and
    lazy string, and template ``_``) found them again by re-reading the locale three context
    lookups deep and formatting its name as a cache key, several times the cost of translating.
    Kept with the locale they belong to, so ``force_locale`` (a notification in its recipient's
    language) gets its own, and the request's again afterwards."""

    def get_translations(self):
        found = _kept_translations()
        if found is not None:
            return found
        ctx = _get_current_context()
        if ctx is None:
            return super().get_translations()
        locale = getattr(ctx, "babel_locale", None)
        if locale is None:
            locale = get_locale()
        cached = getattr(ctx, "aftersales_translations", None)
        if cached is not None and cached[0] is locale:
            return cached[1]
        translations = super().get_translations()
        ctx.aftersales_translations = (locale, translations)
        return translations


def _kept_translations():
    """The translations :meth:`RequestDomain.get_translations` kept for the current locale, read
    without Flask-Babel's context lookups (``g`` through its proxy, ``hasattr``, the domain): None
    when there are none yet, the locale changed (``force_locale``) or another domain is the default."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return None
    babel_ns = app_ctx.g.__dict__.get("_flask_babel")
    if babel_ns is None:
        return None
    kept = babel_ns.__dict__
    cached = kept.get("aftersales_translations")
    if cached is None or cached[0] is not kept.get("babel_locale") or type(kept.get("babel_domain")) is not RequestDomain:
        return None
    return cached[1]


def request_translations():
    """The translations of the request's locale (as ``flask_babel.get_translations``)."""
    found = _kept_translations()
    return found if found is not None else get_translations()


class RequestBabel(Babel):
    """Babel whose default domain is a :class:`RequestDomain`; templates' ``_``/``gettext`` take
    the request's translations by :func:`request_translations` (a page shows 20-60 strings)."""

    @cached_property
    def domain_instance(self):
        return RequestDomain(domain=self.domain)

    def init_app(self, app, *args, **kwargs):
        super().init_app(app, *args, **kwargs)
        app.jinja_env.install_gettext_callables(
            gettext=lambda s: request_translations().ugettext(s),
            ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
            newstyle=True,
            pgettext=lambda c, s: request_translations().upgettext(c, s),
            npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        )
        # ``_`` and ``gettext`` in one call (Jinja's ``_`` looked ``gettext`` up and both went
        # through the context's call machinery): the same result as Jinja's newstyle gettext
        app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"] = template_gettext


@pass_eval_context
def template_gettext(eval_ctx, string, **variables):
    """A template's ``_()``, as Jinja's newstyle gettext: the translation is markup when autoescaping
    and always a format string (``%%`` is ``%``), the variables escaped into it."""
    rv = request_translations().ugettext(string)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables if variables or "%" in rv else rv
