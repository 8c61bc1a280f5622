"""aftersales core: the app factory.

``create_app(config=None, plugins=None)`` builds an app with the configured plugins
(``AFTERSALES_PLUGINS``, default every built-in plugin) plus their dependency closure and
``auto_install`` link plugins, in dependency order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from inspect import CO_COROUTINE
from pathlib import Path
from types import FunctionType, MethodType

from flask import Flask

from core import config as config_module

from core.extensions import csrf, db, login_manager, migrate
from core.plugin_system import Manifest, create_plugin_manager, discover, load, resolve

CORE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = CORE_DIR.parent / "migrations"

# Core areas register through the same hooks as plugins (one way to add anything).
CORE_AREAS = ("core.users.plugin", "core.dealers.plugin", "core.products.plugin",
              "core.web.plugin", "core.api.plugin", "core.benchdata")


@dataclass
class Registry:
    """What the enabled plugins declared, collected once at start-up."""
    pm: object
    manifests: list[Manifest]
    available: dict[str, Manifest]
    roles: dict = field(default_factory=dict)
    permissions: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    menu: list = field(default_factory=list)
    widgets: list = field(default_factory=list)
    slots: dict = field(default_factory=dict)
    renderers: dict = field(default_factory=dict)
    record_rules: dict = field(default_factory=dict)
    activity_labels: dict = field(default_factory=dict)
    owners: dict = field(default_factory=dict)  # kind -> {declared id: plugin id ("core" for core areas)}
    chatter: dict = field(default_factory=dict)
    field_labels: dict = field(default_factory=dict)
    value_labels: dict = field(default_factory=dict)
    role_conflicts: list = field(default_factory=list)  # [(role_id, role_id)], see aftersales_role_conflicts

    @property
    def enabled_ids(self) -> list[str]:
        return [m.id for m in self.manifests]

    def enabled(self, plugin_id: str) -> bool:
        return plugin_id in self.enabled_ids


def _flatten(results):
    return [item for result in results if result for item in result]


class App(Flask):
    """Flask, with the per-request machinery this app runs on every request made cheaper."""

    def ensure_sync(self, func):
        """A plain ``def`` function or method as it is, told by its code flags: Flask asks
        ``inspect.iscoroutinefunction`` (nine calls through ``ismethod``, ``_unwrap_partial``,
        ``isfunction``) for each before-request, view, after-request and teardown function of every
        request. Anything else (partials, callable objects, ``async def``, a function marked as a
        coroutine) goes to Flask as before."""
        function = func.__func__ if type(func) is MethodType else func
        if type(function) is FunctionType and not function.__code__.co_flags & CO_COROUTINE \
                and "_is_coroutine_marker" not in function.__dict__:
            return func
        return super().ensure_sync(func)


def create_app(config: dict | None = None, plugins: list[str] | None = None) -> Flask:
    app = App(__name__, instance_path=config_module.instance_path().as_posix(),
                static_folder="web/static", template_folder="web/templates")
    from core.jsonenc import OrjsonProvider

    app.json = OrjsonProvider(app)
    app.config.update(config_module.DEFAULTS)
    app.config.update(config_module.from_environment())
    if config:
        app.config.update(config)
    if plugins is not None:
        app.config["AFTERSALES_PLUGINS"] = plugins

    import core.models  # noqa: F401  (every core table in the metadata)

    available = discover(app.config.get("AFTERSALES_PLUGIN_PATHS"))
    manifests = resolve(app.config["AFTERSALES_PLUGINS"], available)
    pm = create_plugin_manager()
    import importlib

    for area in CORE_AREAS:
        pm.register(importlib.import_module(area), name=area)
    load(pm, manifests)
    pm.check_pending()
    registry = Registry(pm=pm, manifests=manifests, available=available)
    app.extensions["aftersales"] = registry
    _collect(app, registry)

    db.init_app(app)
    _init_migrations(app, manifests)
    login_manager.init_app(app)
    csrf.init_app(app)
    _init_babel(app, manifests)

    from core.api import register_error_handlers
    from core.web import init_web

    register_error_handlers(app)
    from core.api import reject_out_of_range_path_ints

    app.url_value_preprocessor(reject_out_of_range_path_ints)
    _register_blueprints(app, pm, manifests)
    init_web(app)
    for command in _flatten(pm.hook.aftersales_cli_commands()):
        app.cli.add_command(command)
    return app


def _by_plugin(hook_caller):
    """(plugin id, result) for each implementation of a no-argument hook, in registration order
    (the core areas first, then plugins in dependency order)."""
    for impl in hook_caller.get_hookimpls():
        yield _owner(impl.plugin_name), impl.function()


def _owner(plugin_name: str) -> str:
    """The id a declaration is attributed to: core areas are ``core``."""
    return "core" if plugin_name.startswith("core.") else plugin_name


class DuplicateDeclaration(RuntimeError):
    """Two plugins (or one, twice) declared the same permission, setting, slot, menu id, ...: start-up stops."""


def _claim(owners: dict, kind: str, key, plugin: str) -> None:
    if key in owners:
        first = owners[key]
        where = f"by plugin {first!r} and again by {plugin!r}" if first != plugin else f"twice by plugin {plugin!r}"
        raise DuplicateDeclaration(f"{kind} {key!r} declared {where}")
    owners[key] = plugin


def _collect(app: Flask, reg: Registry) -> None:
    """Collect every declaration once, remembering which plugin made it (``reg.owners``);
    a duplicate permission, setting, slot, menu id, activity label with another text, or
    role with another scope stops start-up naming both plugins."""
    hook = reg.pm.hook
    owners = reg.owners = {kind: {} for kind in ("role", "permission", "setting", "slot", "menu", "activity", "widget")}
    for plugin, roles in _by_plugin(hook.aftersales_roles):
        for role in roles or ():
            known = reg.roles.get(role.id)
            if known is not None and known.scope != role.scope:
                raise DuplicateDeclaration(
                    f"role {role.id!r} declared with scope {known.scope!r} by plugin {owners['role'][role.id]!r} "
                    f"and with scope {role.scope!r} by {plugin!r}")
            owners["role"].setdefault(role.id, plugin)
            reg.roles.setdefault(role.id, role)
    for plugin, perms in _by_plugin(hook.aftersales_permissions):
        for perm in perms or ():
            _claim(owners["permission"], "permission", perm.id, plugin)
            reg.permissions[perm.id] = perm
    for plugin, declared in _by_plugin(hook.aftersales_settings):
        for setting in declared or ():
            _claim(owners["setting"], "setting", setting.key, plugin)
            reg.settings[setting.key] = setting
    menu = []
    for plugin, items in _by_plugin(hook.aftersales_menu_items):
        for item in items or ():
            _claim(owners["menu"], "menu item", item.id, plugin)
            menu.append(item)
    reg.menu = sorted(menu, key=lambda m: (m.section, m.order, m.id))
    widgets = []
    for plugin, declared in _by_plugin(hook.aftersales_dashboard_widgets):
        for widget in declared or ():
            _claim(owners["widget"], "dashboard widget", widget.id, plugin)
            widgets.append(widget)
    reg.widgets = sorted(widgets, key=lambda w: (w.order, w.id))
    for plugin, slots in _by_plugin(hook.aftersales_template_slots):
        for slot in slots or ():
            _claim(owners["slot"], "template slot", slot.name, plugin)
            reg.slots[slot.name] = slot
    for plugin, renderers in _by_plugin(hook.aftersales_slot_renderers):
        for renderer in renderers or ():
            _check_renderer(reg, plugin, renderer)
            reg.renderers.setdefault(renderer.slot, []).append(renderer)
    for renderers in reg.renderers.values():
        renderers.sort(key=lambda r: r.priority)
    for plugin, labels in _by_plugin(hook.aftersales_activity_labels):
        for action, label in (labels or {}).items():
            known = reg.activity_labels.get(action)
            # One id, one meaning: the same generic verb ("approve") may be declared by several
            # plugins with the same text; another text for it would silently lose one label.
            if known is not None and _msgid(known) != _msgid(label):
                raise DuplicateDeclaration(
                    f"activity action {action!r} labelled {_msgid(known)!r} by plugin {owners['activity'][action]!r} "
                    f"and {_msgid(label)!r} by {plugin!r}: give one of them a prefixed id ('<plugin>.{action}')")
            owners["activity"].setdefault(action, plugin)
            reg.activity_labels.setdefault(action, label)
    for a, b in _flatten(hook.aftersales_role_conflicts()):
        pair = tuple(sorted((a, b)))
        if pair not in reg.role_conflicts:
            reg.role_conflicts.append(pair)
    for rule in _flatten(hook.aftersales_record_rules()):
        reg.record_rules.setdefault(rule.model, []).append(rule)
    from core.activity import model_name

    for decl in _flatten(hook.aftersales_chatter()):
        reg.chatter[model_name(decl.model)] = decl
    for labels in _flatten(hook.aftersales_field_labels()):
        reg.field_labels.update(labels.fields)
        for key, values in labels.values.items():
            reg.value_labels.setdefault(key, {}).update(values)


def _check_renderer(reg: Registry, plugin: str, renderer) -> None:
    """A renderer must accept exactly the arguments its slot declares (pages pass them all)."""
    import inspect

    slot = reg.slots.get(renderer.slot)
    if slot is None:
        return  # a slot of a plugin that is not enabled: the renderer is simply unused
    try:
        inspect.signature(renderer.render).bind(**{arg: None for arg in slot.args})
    except TypeError as exc:
        raise SlotSignatureError(
            f"plugin {plugin!r} renders slot {slot.name!r} with {getattr(renderer.render, '__qualname__', renderer.render)}"
            f"{inspect.signature(renderer.render)}, but the slot passes {slot.args}: {exc}") from None
    except ValueError:  # a builtin without a signature: nothing to check
        return


class SlotSignatureError(TypeError):
    """A slot renderer that cannot take the slot's declared arguments: start-up stops."""


def _msgid(label) -> str:
    """The untranslated text of a (lazy) label."""
    return getattr(label, "_args", (str(label),))[0] if hasattr(label, "_args") else str(label)


def _register_blueprints(app: Flask, pm, manifests) -> None:
    from core.api import API_PREFIX
    from flask import Blueprint

    for bp in _flatten(pm.hook.aftersales_blueprints()):
        app.register_blueprint(bp)
    api = Blueprint("api", __name__, url_prefix=API_PREFIX)
    for bp in _flatten(pm.hook.aftersales_api_blueprints()):
        api.register_blueprint(bp)
    csrf.exempt(api)  # bearer-token clients; browser sessions are CSRF-checked in core.api.plugin
    from core.api.plugin import before_api_request

    api.before_request(before_api_request)
    app.register_blueprint(api)


def _init_migrations(app: Flask, manifests) -> None:
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    locations = [str(MIGRATIONS_DIR / "versions")]
    locations += [str(m.migrations_path / "versions") for m in manifests if (m.migrations_path / "versions").is_dir()]
    app.config["AFTERSALES_MIGRATION_LOCATIONS"] = locations


@migrate.configure
def _configure_alembic(alembic_config):
    from flask import current_app

    alembic_config.set_main_option("version_locations", " ".join(current_app.config["AFTERSALES_MIGRATION_LOCATIONS"]))
    alembic_config.set_main_option("path_separator", "space")
    return alembic_config


def _init_babel(app: Flask, manifests) -> None:
    from core.web.i18n import RequestBabel, select_locale, select_timezone

    dirs = [str(CORE_DIR / "translations")] + [str(m.translations_path) for m in manifests if m.translations_path.is_dir()]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(dirs)
    # One Babel per app: Flask-Babel caches merged catalogs on its instance, keyed by locale only,
    # so apps with different plugin sets in one process (tests) must not share it.
    RequestBabel().init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
