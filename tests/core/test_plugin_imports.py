"""Plugins import the core only through ``core.toolkit``; link plugins import their parents
only through the parent's ``public.py``. Parsed with ``ast`` (nothing is imported), so a
plugin that is not enabled is checked too."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "plugins"
ALLOWED_CORE = {"core.toolkit"}


def _modules():
    return sorted(p for p in PLUGINS.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path):
    """(line, module, names) for every import in ``path``; names is None for ``import x``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None


def _plugin_of(path: Path) -> str:
    return path.relative_to(PLUGINS).parts[0]


def _allowed_plugin_import(owner: str, module: str, names) -> bool:
    """A plugin imports itself freely; another plugin only as ``plugins.<id>.public``
    (``from plugins.<id> import public`` included)."""
    parts = module.split(".")
    if len(parts) < 2:
        return True
    target = parts[1]
    if target == owner:
        return True
    if len(parts) == 3 and parts[2] == "public":
        return True
    return len(parts) == 2 and names is not None and set(names) <= {"public"}


def test_plugins_import_core_only_through_the_toolkit():
    problems = []
    for path in _modules():
        rel = path.relative_to(ROOT)
        for line, module, names in _imports(path):
            if module == "core" or module.startswith("core."):
                if module not in ALLOWED_CORE:
                    problems.append(f"{rel}:{line}: imports {module} (use core.toolkit)")
                elif names:
                    private = [n for n in names if n.startswith("_")]
                    if private:
                        problems.append(f"{rel}:{line}: imports private {', '.join(private)} from {module}")
    assert not problems, "plugins must import the core only from core.toolkit:\n" + "\n".join(problems)


def test_plugins_import_each_other_only_through_public():
    problems = []
    for path in _modules():
        owner, rel = _plugin_of(path), path.relative_to(ROOT)
        for line, module, names in _imports(path):
            if module.startswith("plugins.") and not _allowed_plugin_import(owner, module, names):
                problems.append(f"{rel}:{line}: imports {module} (use plugins.{module.split('.')[1]}.public)")
            elif module.startswith("plugins.") and names:
                private = [n for n in names if n.startswith("_")]
                if private and module.split(".")[1] != owner:
                    problems.append(f"{rel}:{line}: imports private {', '.join(private)} from {module}")
    assert not problems, "link plugins import their parents only through public.py:\n" + "\n".join(problems)


def test_a_plugin_imports_only_plugins_it_depends_on():
    """A plugin importing another must declare it in manifest.toml ``depends``."""
    problems = []
    for path in _modules():
        owner = _plugin_of(path)
        manifest = PLUGINS / owner / "manifest.toml"
        if not manifest.exists():
            continue
        depends = set(tomllib.loads(manifest.read_text(encoding="utf-8")).get("depends", []))
        for line, module, _names in _imports(path):
            parts = module.split(".")
            if parts[0] == "plugins" and len(parts) > 1 and parts[1] not in (owner, *depends):
                problems.append(f"{path.relative_to(ROOT)}:{line}: imports {module} but {owner} does not depend on {parts[1]}")
    assert not problems, "\n".join(problems)


def test_the_import_rule_catches_offenders(tmp_path):
    """The checker itself: a core internal, a private toolkit name and a parent's internals are caught."""
    source = ("from core.security import scoped\nfrom core.toolkit import _private\n"
              "from plugins.rma.models import Rma\nfrom plugins.rma import public\n")
    path = tmp_path / "bad.py"
    path.write_text(source)
    found = list(_imports(path))
    assert [m for _l, m, _n in found] == ["core.security", "core.toolkit", "plugins.rma.models", "plugins.rma"]
    assert not _allowed_plugin_import("spares_rma", "plugins.rma.models", ["Rma"])
    assert _allowed_plugin_import("spares_rma", "plugins.rma", ["public"])
    assert _allowed_plugin_import("spares_rma", "plugins.rma.public", ["Rma"])


def _imports_own_api(path: Path, owner: str | None = None) -> list[int]:
    """Lines of ``path`` (a plugin's views module) that import that plugin's API module."""
    owner = owner or _plugin_of(path)
    api = f"plugins.{owner}.api"
    return [line for line, module, names in _imports(path)
            if module == api or module.startswith(api + ".") or (module == f"plugins.{owner}" and names
                                                                   and "api" in names)]


def test_views_never_import_their_api_module():
    """Pages and the JSON API share services (and queries), never each other: a view that
    imports the API module would pull request parsing, serialisation and route declarations
    into the page layer."""
    problems = [f"{path.relative_to(ROOT)}:{line}: imports the plugin's api module (use its services)"
                for path in sorted(PLUGINS.glob("*/views.py")) for line in _imports_own_api(path)]
    assert not problems, "\n".join(problems)


def test_the_views_rule_catches_offenders(tmp_path):
    for source in ("from plugins.rma.api import list_stmt\n", "from plugins.rma import api\n",
                   "def f():\n    from plugins.rma.api import send_file\n"):
        bad = tmp_path / "views.py"
        bad.write_text(source)
        assert _imports_own_api(bad, "rma"), source
    assert not _imports_own_api(bad, "logistics")
    assert _imports_own_api(PLUGINS / "rma" / "views.py") == []
