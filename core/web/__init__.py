"""The UI shell: layout, navigation from the menu hook, template slots, errors, security headers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app, flash, g, has_request_context, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import format_datetime, get_locale, get_timezone, gettext as _
from flask_login import current_user
from markupsafe import Markup

from core.extensions import login_manager

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "font-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SlotArgumentsError(TypeError):
    """A page passed a slot arguments its declaration does not list (raised in tests and debug)."""


_SECURITY_HEADER_ITEMS = tuple((key.lower(), key, value) for key, value in SECURITY_HEADERS.items())


class UnknownSlot(KeyError):
    pass


def render_slot(name: str, /, **context) -> Markup:
    """``{{ hook("slot_name", record=...) }}``: what the enabled plugins put in that slot."""
    reg = current_app.extensions["aftersales"]
    if name not in reg.slots:
        if current_app.debug or current_app.testing:
            raise UnknownSlot(f"template slot {name!r} is not declared by any enabled plugin")
        return Markup("")
    if current_app.debug or current_app.testing:
        extra = sorted(set(context) - set(reg.slots[name].args))
        if extra:
            raise SlotArgumentsError(f"template slot {name!r} takes {reg.slots[name].args}, "
                                     f"the page passed {', '.join(extra)} too")
    parts = []
    for renderer in reg.renderers.get(name, []):
        out = renderer.render(**context)
        if out:
            parts.append(Markup(out))
    return Markup("\n").join(parts)


@dataclass
class MenuGroup:
    id: str
    label: object
    items: list

    group = True


def menu_for(user) -> dict:
    """The menu ``user`` may see, by section; in ``main``, grouped items become one MenuGroup."""
    reg = current_app.extensions["aftersales"]
    sections: dict = {}
    groups: dict = {}
    for item in reg.menu:
        if item.permission and not user.can(item.permission):
            continue
        if item.roles and not user.has_role(*item.roles):
            continue
        if item.visible is not None and not item.visible(user):
            continue
        entries = sections.setdefault(item.section, [])
        if item.group and item.section == "main":
            group = groups.get(item.group)
            if group is None:
                group = groups[item.group] = MenuGroup(item.group, item.group_label or item.label, [])
                entries.append(group)
            group.items.append(item)
        else:
            entries.append(item)
    # a group with a single item shows as that item
    for name, entries in sections.items():
        sections[name] = [e.items[0] if isinstance(e, MenuGroup) and len(e.items) == 1 else e for e in entries]
    return sections


NAV_MENU_MAX = 512  # rendered menus kept per app (menus x languages x pages): emptied when full


def nav_menu(menu: dict) -> Markup:
    """The navigation bar's menu (``web/_nav_menu.html``) for ``menu`` (``menu_for``, computed per
    request from the user's permissions, roles and ``visible`` rules, so a role change shows at the
    next request), rendered once per app for the same items, language, page (the active entry) and
    script root, and kept: the template, its ~40 ``url_for`` and its translated labels ran on every page."""
    structure = tuple((section, tuple((e.id, tuple(i.id for i in e.items)) if isinstance(e, MenuGroup) else e.id
                                      for e in entries)) for section, entries in menu.items())
    key = (structure, str(get_locale()), request.endpoint, request.script_root)
    kept = current_app.extensions.setdefault("aftersales_nav_menus", {})
    html = kept.get(key)
    if html is None:
        if len(kept) >= NAV_MENU_MAX:
            kept.clear()
        html = kept[key] = Markup(render_template("web/_nav_menu.html", menu=menu))
    return html


class _Layout:
    """The base template's fixed strings in one language (see :func:`layout`)."""

    def __init__(self):
        from core.web.i18n import request_translations

        translations = request_translations()

        def text(string):  # as a template's ``_()`` writes it (newstyle gettext: markup, ``%`` applied)
            return Markup(translations.ugettext(string)) % {}

        def static(filename):
            return url_for("static", filename=filename)

        self.title = text("After-sales service")
        self.menu, self.close = text("Menu"), text("Close")
        self.notifications_title = text("Notifications")
        self.change_password_label, self.api_docs_label = text("Change password"), text("API documentation")
        self.log_out_label = text("Log out")
        self.css_bootstrap = static("vendor/bootstrap/bootstrap.min.css")
        self.css_icons = static("vendor/bootstrap-icons/bootstrap-icons.min.css")
        self.css_app, self.favicon = static("app/app.css"), static("app/favicon.svg")
        self.js_bootstrap, self.js_app = static("vendor/bootstrap/bootstrap.bundle.min.js"), static("app/app.js")
        self.dashboard = url_for("core_web.dashboard")
        self.notifications = url_for("core_web.notifications_inbox")
        self.change_password, self.api_docs = url_for("core_web.change_password"), url_for("core_web.api_docs")
        self.logout = url_for("core_web.logout")
        self.languages = [(url_for("core_web.set_language", lang=code), name)
                          for code, name in (("zh_CN", "中文"), ("en", "English"))]


def layout() -> _Layout:
    """The base template's fixed strings and addresses (its title, labels, static files, the
    account menu's links), worked out once per app, language and script root: they were a dozen
    ``url_for`` and ``_()`` on every page."""
    key = (str(get_locale()), request.script_root)
    kept = current_app.extensions.setdefault("aftersales_layouts", {})
    found = kept.get(key)
    if found is None:
        if len(kept) >= NAV_MENU_MAX:
            kept.clear()
        found = kept[key] = _Layout()
    return found


def local_dt(value):
    """``yyyy-MM-dd HH:mm`` in the user's time zone, as Babel's ``format_datetime`` with that pattern
    writes it (naive values are UTC). The pattern has no locale-dependent part, so a datetime is
    formatted directly: Babel parsed the pattern and looked up the locale for every cell (0.1 ms each,
    a list page of 50 shows 50). Anything else (a date) still goes through Babel."""
    if not value:
        return ""
    if type(value) is not datetime:
        return format_datetime(value, "yyyy-MM-dd HH:mm")
    zone = get_timezone()
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(zone)
    if hasattr(zone, "normalize"):  # pytz: the zone's offset at that moment
        value = zone.normalize(value)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"


def render_domain_error(exc):
    status = exc.status
    return render_template("web/error.html", status=status, message=exc.message, fields=exc.fields), status


def http_error_message(code: int) -> str:
    """Werkzeug's error descriptions are English: each page error says what happened in the user's language."""
    messages = {400: _("The request could not be understood (a form field may be missing or wrong)."),
                401: _("Please log in."), 403: _("You are not allowed to do this."), 404: _("Not found."),
                405: _("This address does not accept this kind of request."),
                409: _("This record changed meanwhile, or the action is not allowed in its current state."),
                413: _("The upload is too large."), 429: _("Too many requests; please wait a moment."),
                500: _("Something went wrong on our side; please try again later."),
                503: _("The service is unavailable for a moment; please try again later.")}
    return messages.get(code, _("The request could not be completed."))


def render_http_error(exc):
    return render_template("web/error.html", status=exc.code, message=http_error_message(exc.code or 500),
                           fields={}), exc.code


class SessionInterface(SecureCookieSessionInterface):
    """Session cookies are ``Secure`` whenever the request came over HTTPS (as ProxyFix reports it
    behind the documented proxy), not only when ``SESSION_COOKIE_SECURE`` says so."""

    def get_cookie_secure(self, app):
        return bool(super().get_cookie_secure(app) or (has_request_context() and request.is_secure))

    def get_signing_serializer(self, app):
        """Built once per secret key (Flask built it on every request, for reading and for writing
        the cookie); a changed key or fallback list builds it again."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = self.__dict__.get("_serializer")
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]

    def open_session(self, app, request):
        """A request without a ``Cookie`` header (an API client sending its Bearer token) gets an
        empty session at once: Flask parsed the absent header into an empty cookie dict first."""
        if "HTTP_COOKIE" not in request.environ and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        """An empty session nothing changed (every Bearer-token request) sets no cookie: only
        ``Vary: Cookie`` if it was read, as Flask does, without first working out the cookie's
        domain, path and flags as Flask did on every response."""
        if not session and not session.modified:
            if session.accessed:
                if "Vary" in response.headers:
                    response.vary.add("Cookie")
                else:  # what ``vary.add`` writes when there is none, without parsing and rewriting it
                    response.headers.add("Vary", "Cookie")
            return
        super().save_session(app, session, response)


def init_web(app):

    app.session_interface = SessionInterface()
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    login_manager.login_view = "core_web.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def load_user(user_id):
        from flask import session

        from core.users.authcache import session_user
        from core.web.plugin import session_is_current

        try:
            user = session_user(int(user_id))  # one statement once cached (core.users.authcache)
        except (TypeError, ValueError, OverflowError):
            return None
        if user is None or not user.active or not session_is_current(user):
            session.clear()
            return None
        return user

    @login_manager.request_loader
    def load_user_from_token(req):
        header = req.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            from core.users.services import user_for_token

            user = user_for_token(header[7:].strip())
            if user is not None:
                g.token_auth = True
            return user
        return None

    @login_manager.unauthorized_handler
    def unauthorized():
        from core.api import error_response

        if request.path.startswith("/api/"):
            return error_response(401, "unauthorized", _("authentication required"))
        return redirect(url_for("core_web.login", next=request.full_path if request.query_string else request.path))

    @app.after_request
    def security_headers(response):
        headers = response.headers
        present = {key.lower() for key, _value in headers}  # one pass (setdefault scanned them per header)
        for lowered, key, value in _SECURITY_HEADER_ITEMS:
            if lowered not in present:
                headers.add(key, value)
        if app.config.get("SESSION_COOKIE_SECURE") or request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith("/api/") or (request.endpoint != "static" and current_user.is_authenticated):
            # personal data: never kept by a shared cache or the browser's back-button cache
            if "cache-control" in present:
                headers["Cache-Control"] = "no-store"
            else:  # as setting it, without looking for one to replace
                headers.add("Cache-Control", "no-store")
        from core.events import fire_ready

        fire_ready()  # events of a transaction committed outside core.events.commit()
        return response

    @app.context_processor
    def shell_context():
        from core import notifications

        ctx = {"hook": render_slot, "enabled_plugins": app.extensions["aftersales"].enabled_ids}
        if current_user.is_authenticated:
            # once per request and user: a page rendering templates inside itself (the chatter)
            # runs the context processors again, and the menu and unread count are the page's
            user = current_user._get_current_object()  # the menu asks it a dozen times: not through the proxy
            shell = g.get("_aftersales_shell")
            if shell is None or shell[0] is not user:
                shell = g._aftersales_shell = (user, menu_for(user), notifications.unread_count(user))
            ctx["menu"], ctx["unread_notifications"] = shell[1], shell[2]
        return ctx

    app.jinja_env.filters["local_dt"] = local_dt
    app.jinja_env.filters["action_label"] = lambda action: app.extensions["aftersales"].activity_labels.get(action, action)
    app.jinja_env.globals["hook"] = render_slot
    from core.security import field_value

    app.jinja_env.globals["field_value"] = field_value
    app.jinja_env.globals["chatter"] = render_chatter
    app.jinja_env.globals["state_tone"] = state_tone
    app.jinja_env.globals["activity_changes"] = _activity_changes
    app.jinja_env.globals["saved_filters"] = _saved_filters
    app.jinja_env.globals["nav_menu"] = nav_menu
    app.jinja_env.globals["layout"] = layout
    app.jinja_env.globals["chart_data"] = chart_data
    from core.web.listing import list_rows

    app.jinja_env.globals["list_rows"] = list_rows


def _saved_filters():
    """The current user's saved filters for the list page being rendered."""
    from core import saved_filters

    if not current_user.is_authenticated:
        return []
    return saved_filters.shown_for_list(current_user, request.path)


def chart_data(spec) -> str:
    """A chart's description as JSON for a ``data-chart`` attribute (the CSP forbids inline scripts)."""
    import json

    return json.dumps(spec, ensure_ascii=False, default=str, separators=(",", ":"))


STATE_TONES = {
    "draft": "secondary", "cancelled": "secondary", "deleted": "secondary",
    "rejected": "danger", "refused": "danger", "disqualified": "danger", "overdue": "danger",
    "submitted": "warning", "filed": "warning", "proposed": "warning", "open": "warning", "claimed": "warning",
    "reviewed": "info", "accepted": "info", "approved": "info",
    "shipped": "primary", "received": "primary", "inspected": "primary", "returned": "primary",
    "resolved": "success", "closed": "success", "confirmed": "success", "settled": "success", "done": "success",
    "waived": "secondary",
}


def state_tone(state) -> str:
    """The Bootstrap colour of a state by its meaning: waiting (warning), under way (info/primary),
    done (success), refused (danger), draft or withdrawn (secondary)."""
    return STATE_TONES.get(str(state), "secondary")


def render_chatter(record) -> Markup:
    """``{{ chatter(record) }}``: the record's comments, files and activity (a declared model)."""
    from core import activity, chatter

    model = activity.model_name(record)
    if model not in chatter.declarations():
        raise KeyError(f"model {model!r} declares no chatter (aftersales_chatter hook)")
    return Markup(render_template("web/chatter.html", record=record, model=model, items=chatter.stream(record),
                                  takes_files=chatter.declarations()[model].files))


def _activity_changes(entry):
    from core import chatter

    return chatter.describe(entry)


def flash_errors(exc):
    flash(exc.message or _("Please correct the errors below."), "danger")


