"""docs/plugins.md has a heading for every core hook, every hook a plugin offers, every
template slot and every setting of the all-plugins app (Datasette's ``test_docs.py``)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def _headings() -> set[str]:
    names = set()
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            names.update(re.findall(r"`([^`]+)`", line))
    return names


@pytest.fixture(scope="module")
def registry():
    from core.testing import make_app

    return make_app().extensions["aftersales"]


def _required(reg) -> dict[str, list[str]]:
    hooks = sorted(name for name in vars(reg.pm.hook) if not name.startswith("_"))
    return {
        "core hook": [h for h in hooks if h.startswith("aftersales_")],
        "plugin hook": [h for h in hooks if not h.startswith("aftersales_")],
        "template slot": sorted(reg.slots),
        "setting": sorted(reg.settings),
    }


def test_every_hook_slot_and_setting_has_a_heading(registry):
    documented = _headings()
    missing = [f"{kind} `{name}`" for kind, names in _required(registry).items() for name in names
               if name not in documented]
    assert not missing, "docs/plugins.md lacks a heading (### `name`) for:\n" + "\n".join(missing)


def test_nothing_is_documented_that_does_not_exist(registry):
    """Headings of the reference sections name things that exist (no stale entries)."""
    required = {name for names in _required(registry).values() for name in names}
    text = DOC.read_text(encoding="utf-8")
    reference = text[text.index("## Core hooks"):]
    stale = [name for line in reference.splitlines() if line.startswith("### ")
             for name in re.findall(r"`([^`]+)`", line) if name not in required]
    assert not stale, f"docs/plugins.md documents what no enabled plugin declares: {stale}"


def test_slot_renderers_take_the_slot_arguments(registry):
    """Every renderer can be called with exactly its slot's declared arguments (checked at
    start-up too; this says it for the all-plugins app)."""
    import inspect

    for slot, renderers in registry.renderers.items():
        args = registry.slots[slot].args
        for renderer in renderers:
            inspect.signature(renderer.render).bind(**{a: None for a in args})


def test_a_renderer_with_the_wrong_signature_stops_startup(tmp_path, monkeypatch):
    import uuid

    from core import SlotSignatureError
    from core.testing import make_app

    module = f"badslot_{uuid.uuid4().hex[:8]}"
    pkg = tmp_path / module
    pkg.mkdir()
    (pkg / "manifest.toml").write_text('id = "badslot"\nversion = "1"\n')
    (pkg / "__init__.py").write_text(
        "from core.toolkit import SlotRenderer, hookimpl\n"
        "def panel(rma):\n    return 'x'\n"
        "@hookimpl\ndef aftersales_slot_renderers():\n    return [SlotRenderer('record_actions', panel)]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(SlotSignatureError, match="plugin 'badslot' renders slot 'record_actions'"):
        make_app(plugins=["badslot"], AFTERSALES_PLUGIN_PATHS=[(str(pkg), module)])


def test_a_page_passing_an_undeclared_slot_argument_raises_in_tests():
    from flask import render_template_string

    from core.testing import make_app
    from core.web import SlotArgumentsError

    app = make_app(plugins=[])
    with app.test_request_context():
        assert render_template_string("{{ hook('record_actions', record=None) }}") == ""
        with pytest.raises(SlotArgumentsError, match="record_actions"):
            render_template_string("{{ hook('record_actions', record=None, rma=None) }}")
