"""Compile the zh_CN catalogs of the core and every plugin (run by ``make`` and by tests).

Babel names Simplified Chinese ``zh_Hans_CN``, and gettext looks for that folder, so the
sources kept as ``<dir>/zh_CN/LC_MESSAGES/messages.po`` compile to
``<dir>/zh_Hans_CN/LC_MESSAGES/messages.mo`` (build output, not committed).
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
ALIASES = {"zh_CN": "zh_Hans_CN"}


def catalogs():
    dirs = [ROOT / "core" / "translations"] + sorted((ROOT / "plugins").glob("*/translations"))
    for d in dirs:
        for po in sorted(d.glob("*/LC_MESSAGES/messages.po")):
            yield po


def compile_all(verbose: bool = False) -> list[Path]:
    written = []
    for po in catalogs():
        lang = po.parent.parent.name
        target = po.parent.parent.parent / ALIASES.get(lang, lang) / "LC_MESSAGES" / "messages.mo"
        if target.exists() and target.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as f:
            write_mo(f, catalog)
        written.append(target)
        if verbose:
            print(f"compiled {po.relative_to(ROOT)} -> {target.relative_to(ROOT)}")
    return written


if __name__ == "__main__":
    compile_all(verbose=True)
    sys.exit(0)
