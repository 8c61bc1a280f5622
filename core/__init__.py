"""aftersales core: the app factory.

``create_app(config=None, plugins=None)`` builds an app with the configured plugins
(``AFTERSALES_PLUGINS``, default every built-in plugin) plus their dependency closure and
``auto_install`` link plugins, in dependency order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from core import config as config_module
from flask_babel import Babel

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
    role_conflicts: list = field(default_factory=list)  # [(role_id, role_id)], see aftersales_role_conflicts

    @property
    def enabled_ids(self) -> list[str]:
        return [m.id for m in self.manifests]

    def enabled(self, plugin_id: str) -> bool:
        return plugin_id in self.enabled_ids


def _flatten(results):
    return [item for result in results if result for item in result]


def create_app(config: dict | None = None, plugins: list[str] | None = None) -> Flask:
    app = Flask(__name__, instance_path=config_module.instance_path().as_posix(),
                static_folder="web/static", template_folder="web/templates")
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
    _register_blueprints(app, pm, manifests)
    init_web(app)
    for command in _flatten(pm.hook.aftersales_cli_commands()):
        app.cli.add_command(command)
    return app


def _collect(app: Flask, reg: Registry) -> None:
    hook = reg.pm.hook
    for role in _flatten(hook.aftersales_roles()):
        reg.roles[role.id] = role
    for perm in _flatten(hook.aftersales_permissions()):
        if perm.id in reg.permissions:
            raise RuntimeError(f"permission {perm.id!r} declared twice")
        reg.permissions[perm.id] = perm
    for setting in _flatten(hook.aftersales_settings()):
        if setting.key in reg.settings:
            raise RuntimeError(f"setting {setting.key!r} declared twice")
        reg.settings[setting.key] = setting
    reg.menu = sorted(_flatten(hook.aftersales_menu_items()), key=lambda m: (m.section, m.order, m.id))
    reg.widgets = sorted(_flatten(hook.aftersales_dashboard_widgets()), key=lambda w: (w.order, w.id))
    for slot in _flatten(hook.aftersales_template_slots()):
        reg.slots[slot.name] = slot
    for renderer in _flatten(hook.aftersales_slot_renderers()):
        reg.renderers.setdefault(renderer.slot, []).append(renderer)
    for renderers in reg.renderers.values():
        renderers.sort(key=lambda r: r.priority)
    for labels in hook.aftersales_activity_labels():
        reg.activity_labels.update(labels or {})
    for a, b in _flatten(hook.aftersales_role_conflicts()):
        pair = tuple(sorted((a, b)))
        if pair not in reg.role_conflicts:
            reg.role_conflicts.append(pair)
    for rule in _flatten(hook.aftersales_record_rules()):
        reg.record_rules.setdefault(rule.model, []).append(rule)


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
    from core.web.i18n import select_locale, select_timezone

    dirs = [str(CORE_DIR / "translations")] + [str(m.translations_path) for m in manifests if m.translations_path.is_dir()]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(dirs)
    # One Babel per app: Flask-Babel caches merged catalogs on its instance, keyed by locale only,
    # so apps with different plugin sets in one process (tests) must not share it.
    Babel().init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
