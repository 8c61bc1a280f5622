"""Plugin discovery, dependency resolution and loading.

Manifests (``manifest.toml``) are read *without importing* plugin code, so a disabled
plugin's models, routes, menus and migrations never exist in the process. Built-in
plugins live in ``plugins/<id>/``; third-party ones are found through the entry-point
group ``aftersales.plugins`` (the entry point's value is the plugin's top-level module).
"""
from __future__ import annotations

import importlib
import importlib.util
import tomllib
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

import pluggy

PROJECT = "aftersales"
ENTRY_POINT_GROUP = "aftersales.plugins"
BUILTIN_DIR = Path(__file__).resolve().parent.parent.parent / "plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class PluginError(RuntimeError):
    """A plugin set that cannot start: unknown id, missing dependency, cycle, bad manifest."""


@dataclass(frozen=True)
class Manifest:
    id: str
    name: str
    version: str
    summary: str
    depends: tuple[str, ...]
    auto_install: bool
    module: str
    path: Path
    builtin: bool = True
    settings: dict = field(default_factory=dict, hash=False, compare=False)
    # JSON API paths (under /api/v1) this plugin owns besides the default ``/<id>...``
    # (``/<id>s``, ``/<id>-...``); ``*`` stands for one path segment. Checked by a test.
    api_paths: tuple[str, ...] = ()

    @property
    def migrations_path(self) -> Path:
        return self.path / "migrations"

    @property
    def translations_path(self) -> Path:
        return self.path / "translations"

    @property
    def title(self) -> str:
        """``name`` in the reader's language: the plugin's catalogue translates its manifest name."""
        from flask_babel import gettext

        return gettext(self.name)


def read_manifest(path: Path, module: str, builtin: bool) -> Manifest:
    manifest_file = path / "manifest.toml"
    try:
        data = tomllib.loads(manifest_file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PluginError(f"plugin module {module!r} has no manifest.toml at {manifest_file}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PluginError(f"{manifest_file}: {exc}") from exc
    plugin_id = data.get("id")
    if not plugin_id:
        raise PluginError(f"{manifest_file}: 'id' is required")
    if builtin and plugin_id != path.name:
        raise PluginError(f"{manifest_file}: id {plugin_id!r} must equal the folder name {path.name!r}")
    return Manifest(
        id=plugin_id,
        name=data.get("name", plugin_id),
        version=str(data.get("version", "0.0.0")),
        summary=data.get("summary", ""),
        depends=tuple(data.get("depends", [])),
        auto_install=bool(data.get("auto_install", False)),
        module=module,
        path=path,
        builtin=builtin,
        settings=data.get("settings", {}),
        api_paths=tuple(data.get("api_paths", [])),
    )


def discover(extra_paths: list[tuple[str, str]] | None = None) -> dict[str, Manifest]:
    """Every installed plugin, built-in and third-party, keyed by id.

    ``extra_paths`` lists ``(folder, module)`` pairs of plugins outside the built-in folder and
    not installed with pip (``AFTERSALES_PLUGIN_PATHS``: development and tests).
    """
    found: dict[str, Manifest] = {}
    if BUILTIN_DIR.is_dir():
        for child in sorted(BUILTIN_DIR.iterdir()):
            if (child / "manifest.toml").is_file():
                manifest = read_manifest(child, f"plugins.{child.name}", builtin=True)
                found[manifest.id] = manifest
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        spec = importlib.util.find_spec(ep.value)
        if spec is None or not spec.submodule_search_locations:
            raise PluginError(f"entry point {ep.name!r}: module {ep.value!r} is not an importable package")
        manifest = read_manifest(Path(list(spec.submodule_search_locations)[0]), ep.value, builtin=False)
        if manifest.id in found:
            raise PluginError(f"two plugins share the id {manifest.id!r}")
        found[manifest.id] = manifest
    for path, module in extra_paths or []:
        manifest = read_manifest(Path(path), module, builtin=False)
        found[manifest.id] = manifest
    return found


def resolve(requested: list[str] | None, available: dict[str, Manifest]) -> list[Manifest]:
    """The enabled set: requested ids + dependency closure + auto_install, in dependency order."""
    if requested is None:
        requested = [m.id for m in available.values() if m.builtin]
    unknown = [pid for pid in requested if pid not in available]
    if unknown:
        raise PluginError(f"unknown plugin id(s): {', '.join(sorted(unknown))}; installed: {', '.join(sorted(available))}")
    enabled: set[str] = set()

    def add(pid: str, wanted_by: str | None) -> None:
        if pid in enabled:
            return
        if pid not in available:
            raise PluginError(f"plugin {wanted_by!r} depends on {pid!r}, which is not installed")
        enabled.add(pid)
        for dep in available[pid].depends:
            add(dep, pid)

    for pid in requested:
        add(pid, None)
    changed = True
    while changed:  # link plugins switch themselves on once everything they join is enabled
        changed = False
        for m in available.values():
            if m.auto_install and m.id not in enabled and m.depends and all(d in enabled for d in m.depends):
                add(m.id, None)
                changed = True
    return [available[pid] for pid in _topological(enabled, available)]


def _topological(enabled: set[str], available: dict[str, Manifest]) -> list[str]:
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(pid: str, path: list[str]) -> None:
        if state.get(pid) == 2:
            return
        if state.get(pid) == 1:
            cycle = path[path.index(pid):] + [pid]
            raise PluginError(f"plugin dependency cycle: {' -> '.join(cycle)}")
        state[pid] = 1
        for dep in sorted(available[pid].depends):
            visit(dep, path + [pid])
        state[pid] = 2
        order.append(pid)

    for pid in sorted(enabled):
        visit(pid, [])
    return order


def create_plugin_manager() -> pluggy.PluginManager:
    from core import hookspecs

    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def load(pm: pluggy.PluginManager, manifests: list[Manifest]) -> None:
    """Import enabled plugins, add the hookspecs they offer, then register their hookimpls."""
    modules = []
    for manifest in manifests:
        if (manifest.path / "hookspecs.py").is_file():
            pm.add_hookspecs(_import(f"{manifest.module}.hookspecs", manifest))
    for manifest in manifests:
        modules.append((manifest, _import(manifest.module, manifest)))
    for manifest, module in modules:
        pm.register(module, name=manifest.id)


def _import(module_name: str, manifest: Manifest):
    try:
        return importlib.import_module(module_name)
    except Exception as exc:  # a plugin that cannot load stops start-up, naming itself
        raise PluginError(f"plugin {manifest.id!r} failed to load ({module_name}): {exc!r}") from exc


def table_owner(table_name: str, plugin_ids) -> str | None:
    """The plugin owning a table: the longest id the name starts with (``spares_rma_x`` is ``spares_rma``'s)."""
    if table_name.startswith("core_") or table_name == "alembic_version":
        return "core"
    owners = [pid for pid in plugin_ids if table_name.startswith(pid + "_")]
    return max(owners, key=len) if owners else None


def enabled_tables(app, metadata):
    """Tables of the core and the enabled plugins, in dependency order."""
    reg = app.extensions["aftersales"]
    enabled = {"core", *reg.enabled_ids}
    return [t for t in metadata.sorted_tables if table_owner(t.name, reg.available) in enabled]
