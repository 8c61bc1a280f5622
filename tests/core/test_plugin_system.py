"""The plugin system: manifests, dependency closure, order, errors, hooks, and every plugin subset."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.plugin_system import Manifest, PluginError, discover, resolve


def _m(pid, depends=(), auto=False, builtin=True):
    return Manifest(id=pid, name=pid, version="1", summary="", depends=tuple(depends), auto_install=auto,
                    module=f"x.{pid}", path=Path("."), builtin=builtin)


def test_closure_and_order():
    available = {m.id: m for m in [_m("a"), _m("b", ["a"]), _m("c", ["b"])]}
    assert [m.id for m in resolve(["c"], available)] == ["a", "b", "c"]


def test_auto_install_link_plugin_joins_when_parents_enabled():
    available = {m.id: m for m in [_m("x"), _m("y"), _m("x_y", ["x", "y"], auto=True)]}
    assert [m.id for m in resolve(["x"], available)] == ["x"]
    assert [m.id for m in resolve(["x", "y"], available)] == ["x", "y", "x_y"]


def test_unknown_missing_and_cycle_are_clear_errors():
    available = {m.id: m for m in [_m("a", ["ghost"]), _m("p", ["q"]), _m("q", ["p"])]}
    with pytest.raises(PluginError, match="unknown plugin id.*nope"):
        resolve(["nope"], available)
    with pytest.raises(PluginError, match="'a' depends on 'ghost'"):
        resolve(["a"], available)
    with pytest.raises(PluginError, match="cycle: p -> q -> p"):
        resolve(["p"], available)


def test_default_is_every_builtin_plugin():
    available = {m.id: m for m in [_m("a"), _m("third", builtin=False)]}
    assert [m.id for m in resolve(None, available)] == ["a"]


def test_builtin_manifests_are_valid_and_dependency_closed():
    available = discover()
    for manifest in available.values():
        for dep in manifest.depends:
            assert dep in available, f"{manifest.id} depends on missing {dep}"
    resolve(None, available)  # no cycle


BUILTIN = sorted(discover())


@pytest.mark.parametrize("plugin_id", [None] + BUILTIN, ids=lambda p: p or "no-plugins")
def test_app_starts_with_each_plugin_alone_and_serves_dashboard(plugin_id):
    from core.testing import login_as, make_app, make_user
    from core.extensions import db

    app = make_app(plugins=[plugin_id] if plugin_id else [])
    with app.app_context():
        enabled = app.extensions["aftersales"].enabled_ids
        if plugin_id:
            assert plugin_id in enabled
        make_user("admin")
        client = app.test_client()
        login_as(client, "admin")
        assert client.get("/").status_code == 200
        assert client.get("/api/v1/openapi.json").status_code == 200
        db.session.remove()
        db.engine.dispose()


def test_app_starts_with_all_plugins_and_demo_data_loads():
    from core.cli import load_demo_data
    from core.testing import make_app

    app = make_app()
    with app.app_context():
        ctx = load_demo_data()
        again = load_demo_data()  # idempotent
        assert len(ctx.logins) == len(again.logins) > 5
        client = app.test_client()
        client.post("/login", data={"username": "admin", "password": ctx.logins[0][1]})
        assert client.get("/").status_code == 200


def test_disabled_plugin_is_never_imported():
    code = textwrap.dedent("""
        import sys
        from core.testing import make_app
        make_app(plugins=[])
        leaked = [m for m in sys.modules if m.startswith("plugins.")]
        assert not leaked, leaked
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


THROWAWAY = {
    "manifest.toml": 'id = "throwaway"\nname = "Throwaway"\nversion = "0.1"\nsummary = "test plugin"\n',
    "__init__.py": textwrap.dedent('''
        from flask import Blueprint
        from core.declarations import MenuItem, Permission, Slot, SlotRenderer
        from core.plugin_system import hookimpl
        from core.security import require

        bp = Blueprint("throwaway", __name__)

        @bp.route("/throwaway/hello")
        @require("throwaway.greet")
        def hello():
            from flask import render_template_string
            return render_template_string("hello {{ hook('throwaway_slot', name='x') }}")

        @hookimpl
        def aftersales_blueprints():
            return [bp]

        @hookimpl
        def aftersales_permissions():
            return [Permission("throwaway.greet", "Greet", ("admin",))]

        @hookimpl
        def aftersales_menu_items():
            return [MenuItem("throwaway", "Throwaway menu", "throwaway.hello", "throwaway.greet", section="main")]

        @hookimpl
        def aftersales_template_slots():
            return [Slot("throwaway_slot", args=("name",))]

        @hookimpl
        def aftersales_slot_renderers():
            return [SlotRenderer("throwaway_slot", lambda name: f"slot-for-{name}")]
    '''),
}


@pytest.fixture
def throwaway_plugin(tmp_path, monkeypatch):
    pkg = tmp_path / "throwaway_pkg"
    pkg.mkdir()
    for name, text in THROWAWAY.items():
        (pkg / name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    return [(str(pkg), "throwaway_pkg")]


def test_throwaway_plugin_adds_route_menu_permission_and_slot(throwaway_plugin):
    from core.testing import login_as, make_app, make_user

    app = make_app(plugins=["throwaway"], AFTERSALES_PLUGIN_PATHS=throwaway_plugin)
    with app.app_context():
        make_user("admin")
        make_user("clerk", roles=["order_dept"])
        client = app.test_client()
        login_as(client, "admin")
        assert "Throwaway menu" in client.get("/").get_data(as_text=True)
        r = client.get("/throwaway/hello")
        assert r.status_code == 200 and r.get_data(as_text=True) == "hello slot-for-x"
        other = app.test_client()
        login_as(other, "clerk")
        assert other.get("/throwaway/hello").status_code == 403
        assert "Throwaway menu" not in other.get("/").get_data(as_text=True)


def test_unknown_slot_raises_in_tests(throwaway_plugin):
    from flask import render_template_string

    from core.testing import make_app
    from core.web import UnknownSlot

    app = make_app(plugins=[])
    with app.test_request_context():
        with pytest.raises(UnknownSlot):
            render_template_string("{{ hook('no_such_slot') }}")


def test_misspelled_hookimpl_fails_at_startup(tmp_path, monkeypatch):
    from core.testing import make_app

    pkg = tmp_path / "typo_pkg"
    pkg.mkdir()
    (pkg / "manifest.toml").write_text('id = "typo"\nversion = "1"\n')
    (pkg / "__init__.py").write_text(
        "from core.plugin_system import hookimpl\n@hookimpl\ndef aftersales_menu_itemz():\n    return []\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(Exception, match="aftersales_menu_itemz"):
        make_app(plugins=["typo"], AFTERSALES_PLUGIN_PATHS=[(str(pkg), "typo_pkg")])


def test_every_hookspec_is_documented():
    import inspect

    from core import hookspecs

    specs = [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("aftersales_")]
    assert len(specs) >= 12
    for f in specs:
        assert f.__doc__ and len(f.__doc__.strip()) > 20, f"{f.__name__} lacks a docstring"
    for manifest in discover().values():
        path = manifest.path / "hookspecs.py"
        if path.exists():
            import importlib

            module = importlib.import_module(f"{manifest.module}.hookspecs")
            for name, f in inspect.getmembers(module, inspect.isfunction):
                if name.startswith(manifest.id + "_"):
                    assert f.__doc__ and f.__doc__.strip(), f"{manifest.id}: {name} lacks a docstring"


def test_plugins_command_lists_plugins():
    from core.testing import make_app

    app = make_app(plugins=[])
    result = app.test_cli_runner().invoke(args=["plugins"])
    assert result.exit_code == 0
    assert "id" in result.output and "enabled" in result.output
    for pid in BUILTIN:
        assert pid in result.output


def test_menu_groups_and_visibility_rules():
    from core.declarations import MenuItem
    from core.testing import make_app, make_user
    from core.web import menu_for

    app = make_app(plugins=[])
    with app.app_context():
        reg = app.extensions["aftersales"]
        reg.menu = reg.menu + [
            MenuItem("g.a", "A", "core_web.dashboard", None, group="g", group_label="Group"),
            MenuItem("g.b", "B", "core_web.notifications_inbox", None, group="g"),
            MenuItem("g.c", "C", "core_web.dashboard", None, group="g", visible=lambda u: u.username == "boss"),
            MenuItem("solo", "Solo", "core_web.dashboard", None, group="s", group_label="Single"),
        ]
        user = make_user("clerk", roles=["order_dept"])
        main = menu_for(user)["main"]
        group = next(e for e in main if getattr(e, "group", None) is True)
        assert group.label == "Group" and [i.id for i in group.items] == ["g.a", "g.b"]
        assert any(getattr(e, "id", None) == "solo" for e in main)  # a one-item group is a plain item
        boss = make_user("boss", roles=["order_dept"])
        group = next(e for e in menu_for(boss)["main"] if getattr(e, "group", None) is True)
        assert [i.id for i in group.items] == ["g.a", "g.b", "g.c"]
