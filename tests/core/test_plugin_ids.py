"""One id per plugin: everything a plugin adds carries its id (CKAN's name prefixes), and a
duplicate declaration stops start-up naming both plugins. Checked over every enabled
plugin of the all-plugins app, so a new plugin is checked the day it lands."""
from __future__ import annotations

import re
import textwrap

import pytest

# The core's JSON API resources (the core areas have no manifest to declare them in).
CORE_API_PATHS = ("/chatter", "/dealers", "/regions", "/product-categories", "/products", "/users", "/me", "/auth",
                  "/activity", "/openapi.json")
# Slots the core declares for every page (generic by design, used by every plugin).
CORE_SLOTS_UNPREFIXED = {"dashboard_top", "record_detail_side", "record_actions"}


@pytest.fixture(scope="module")
def registry():
    from core.testing import make_app

    app = make_app()
    return app, app.extensions["aftersales"]


def _prefix_ok(plugin: str, name: str, sep: str) -> bool:
    if plugin == "core":
        return name.startswith(("core" + sep, "core_"))
    return name.startswith(plugin + sep)


def _bad(kind, owners, sep="."):
    return [f"{kind} {name!r} of plugin {plugin!r} must start with {plugin + sep!r}"
            for name, plugin in owners.items() if not _prefix_ok(plugin, name, sep)]


def test_permissions_settings_menu_and_widgets_carry_their_plugin_id(registry):
    _app, reg = registry
    problems = (_bad("permission", reg.owners["permission"]) + _bad("setting", reg.owners["setting"])
                + _bad("menu item", reg.owners["menu"]) + _bad("dashboard widget", reg.owners["widget"]))
    assert not problems, "\n".join(problems)


def test_slots_carry_their_plugin_id(registry):
    _app, reg = registry
    owners = {k: v for k, v in reg.owners["slot"].items() if k not in CORE_SLOTS_UNPREFIXED}
    problems = _bad("template slot", owners, "_")
    assert not problems, "\n".join(problems)
    for slot, renderers in reg.renderers.items():
        assert slot in reg.slots, f"renderers for the undeclared slot {slot!r}"


def test_tables_carry_their_plugin_id(registry):
    from core.extensions import db
    from core.plugin_system import table_owner

    _app, reg = registry
    # Tables of throwaway plugins other tests define (outside core/ and plugins/) are not ours to check.
    foreign = {m.local_table.name for m in db.Model.registry.mappers
               if not m.class_.__module__.startswith(("core.", "plugins."))}
    orphans = [t.name for t in db.metadata.sorted_tables
               if t.name not in foreign and table_owner(t.name, reg.available) is None]
    assert not orphans, f"tables named after no plugin (use '<plugin id>_...' or 'core_...'): {orphans}"


def test_blueprints_endpoints_and_template_folders_carry_their_plugin_id(registry):
    from core import _by_plugin

    app, reg = registry
    problems = []
    for hook, suffix in ((reg.pm.hook.aftersales_blueprints, ""), (reg.pm.hook.aftersales_api_blueprints, "_api")):
        for plugin, blueprints in _by_plugin(hook):
            for bp in blueprints or ():
                # a plugin's pages that need no login may sit on a second blueprint "<id>_public"
                ok = (bp.name.startswith("core_") if plugin == "core"
                      else bp.name in ({plugin + suffix, plugin + "_public"} if not suffix else {plugin + suffix}))
                if not ok:
                    problems.append(f"blueprint {bp.name!r} of plugin {plugin!r} must be named {plugin + suffix!r}")
    known = {"static", "api"} | {name for name in app.blueprints}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.rsplit(".", 1)[0] not in known and rule.endpoint != "static":
            problems.append(f"endpoint {rule.endpoint!r} belongs to no plugin blueprint")
    for manifest in reg.manifests:
        for folder in ("templates",):  # static files are served under the blueprint's own URL
            base = manifest.path / folder
            if base.is_dir():
                extra = sorted(p.name for p in base.iterdir() if p.name != manifest.id and not p.name.startswith("."))
                if extra:
                    problems.append(f"{manifest.id}/{folder} holds {extra}: keep everything in {folder}/{manifest.id}/")
    assert not problems, "\n".join(problems)


def _path_pattern(prefix: str) -> re.Pattern:
    body = "/".join("[^/]+" if seg == "*" else re.escape(seg) for seg in prefix.split("/"))
    return re.compile(f"^{body}(?=/|$)")


def _api_owner(path: str, declared: dict[str, list[str]]) -> str | None:
    """The plugin whose declared (or default) prefix matches ``path`` longest."""
    best, owner = -1, None
    for plugin, prefixes in declared.items():
        patterns = [_path_pattern(p) for p in prefixes]
        if plugin != "core":
            slug = re.escape(plugin.replace("_", "-"))
            patterns.append(re.compile(f"^/{slug}(s|-[^/]+)?(?=/|\\.|$)"))
        for declared_path, pattern in zip([True] * len(prefixes) + [False], patterns):
            m = pattern.match(path)
            # a declared path beats a plugin-id pattern of the same length (/service-jobs of
            # supervision vs the service plugin's /service-...)
            length = len(m.group(0)) + (0.5 if declared_path else 0) if m else -1
            if m and length > best:
                best, owner = length, plugin
    return owner


def test_api_paths_carry_their_plugin_id(registry):
    """Every JSON API path of a plugin starts with its id (``/rmas``, ``/rma-penalties``) or a
    path it declares in manifest.toml ``api_paths``; no two plugins claim one path."""
    from core.api import API_PREFIX

    app, reg = registry
    declared = {"core": list(CORE_API_PATHS)} | {m.id: list(m.api_paths) for m in reg.manifests}
    seen: dict[str, str] = {}
    problems = []
    for plugin, prefixes in declared.items():
        for prefix in prefixes:
            if prefix in seen:
                problems.append(f"API path {prefix!r} declared by {seen[prefix]!r} and {plugin!r}")
            seen[prefix] = plugin
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        blueprint = rule.endpoint.split(".")[1]
        plugin = "core" if blueprint.startswith("core_") else blueprint.removesuffix("_api")
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix(API_PREFIX))
        owner = _api_owner(path, declared)
        if owner != plugin:
            problems.append(f"{rule.rule} ({rule.endpoint}) of plugin {plugin!r} "
                            f"{'matches ' + repr(owner) + ' paths' if owner else 'matches no declared path'}"
                            f": start it with /{plugin.replace('_', '-')} or list it in manifest.toml api_paths")
    assert not problems, "\n".join(problems)


def test_activity_action_ids_are_unambiguous(registry):
    """Every activity action id has one label (a second text for it fails start-up, below)."""
    _app, reg = registry
    assert str(reg.activity_labels["spares_rma.proposed"]) == "chargeback proposed"
    assert str(reg.activity_labels["proposed"]) == "proposed"
    assert set(reg.owners["activity"]) == set(reg.activity_labels)


# --- duplicates stop start-up ----------------------------------------------------------

def _plugin(tmp_path, monkeypatch, pid: str, body: str):
    import uuid

    module = f"{pid}_{uuid.uuid4().hex[:8]}_pkg"  # a fresh module: sys.modules keeps the last one
    pkg = tmp_path / module
    pkg.mkdir()
    (pkg / "manifest.toml").write_text(f'id = "{pid}"\nversion = "1"\n')
    (pkg / "__init__.py").write_text(
        "from core.toolkit import Permission, Setting, Slot, MenuItem, RoleDecl, hookimpl\n" + textwrap.dedent(body))
    monkeypatch.syspath_prepend(str(tmp_path))
    return (str(pkg), module)


@pytest.mark.parametrize("body, message", [
    ("@hookimpl\ndef aftersales_permissions():\n    return [Permission('rma.view', 'x', ())]\n",
     "permission 'rma.view' declared by plugin 'rma' and again by 'twin'"),
    ("@hookimpl\ndef aftersales_settings():\n    return [Setting('rma.sla_working_days', 3, 'x')]\n",
     "setting 'rma.sla_working_days' declared by plugin 'rma' and again by 'twin'"),
    ("@hookimpl\ndef aftersales_template_slots():\n    return [Slot('rma_detail_panels')]\n",
     "template slot 'rma_detail_panels' declared by plugin 'rma' and again by 'twin'"),
    ("@hookimpl\ndef aftersales_menu_items():\n    return [MenuItem('rma.mine', 'x', 'rma.list_rmas')]\n",
     "menu item 'rma.mine' declared by plugin 'rma' and again by 'twin'"),
    ("@hookimpl\ndef aftersales_roles():\n    return [RoleDecl('supervision', 'x', scope='dealer')]\n",
     "role 'supervision' declared with scope 'all' by plugin 'core' and with scope 'dealer' by 'twin'"),
    ("@hookimpl\ndef aftersales_activity_labels():\n    return {'proposed': 'twin proposed'}\n",
     "activity action 'proposed' labelled 'proposed' by plugin 'rma' and 'twin proposed' by 'twin'"),
])
def test_a_duplicate_declaration_fails_startup_naming_both_plugins(tmp_path, monkeypatch, body, message):
    from core import DuplicateDeclaration
    from core.testing import make_app

    twin = _plugin(tmp_path, monkeypatch, "twin", body)
    with pytest.raises(DuplicateDeclaration) as info:
        make_app(plugins=["rma", "twin"], AFTERSALES_PLUGIN_PATHS=[twin])
    assert message in str(info.value)


def test_same_role_scope_and_same_activity_label_are_fine(tmp_path, monkeypatch):
    from core.testing import make_app

    twin = _plugin(tmp_path, monkeypatch, "twin", """
        @hookimpl
        def aftersales_roles():
            return [RoleDecl('supervision', 'Supervision', scope='all')]

        @hookimpl
        def aftersales_activity_labels():
            return {'approve': 'approved'}
    """)
    app = make_app(plugins=["rma", "twin"], AFTERSALES_PLUGIN_PATHS=[twin])
    assert app.extensions["aftersales"].owners["role"]["supervision"] == "core"


def test_api_owner_takes_the_longest_declared_path():
    declared = {"core": ["/dealers"], "rma": ["/serials"], "logistics": ["/logistics-exceptions"],
                "logistics_rma": ["/rmas/*/logistics-exceptions"], "dealers": []}
    assert _api_owner("/rmas/{rma_id}/approve", declared) == "rma"
    assert _api_owner("/rmas/{rma_id}/logistics-exceptions", declared) == "logistics_rma"
    assert _api_owner("/serials/{serial}/history", declared) == "rma"
    assert _api_owner("/logistics-exceptions/{id}", declared) == "logistics"
    assert _api_owner("/dealers/{id}", declared) in ("core", "dealers")  # a clash the path test reports
