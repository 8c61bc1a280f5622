"""Create or update a zh_CN catalog from a .pot and a JSON dict of translations (a dev tool).

usage: python tools/fill_po.py POT PO TRANSLATIONS.json
Keeps existing translations, adds new ones from the JSON, and lists msgids still untranslated.
"""
import json
import sys

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def main(pot_path, po_path, json_path):
    with open(pot_path, "rb") as f:
        template = read_po(f)
    try:
        with open(po_path, "rb") as f:
            catalog = read_po(f, locale="zh_CN")
    except FileNotFoundError:
        catalog = Catalog(locale="zh_CN", domain="messages")
    catalog.update(template, no_fuzzy_matching=True)
    with open(json_path, encoding="utf-8") as f:
        table = json.load(f)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in table:
            message.string = table[key]
            message.flags.discard("fuzzy")
        elif not message.string:
            missing.append(key)
    catalog.obsolete.clear()
    with open(po_path, "wb") as f:
        write_po(f, catalog, width=100, omit_header=False)
    for key in missing:
        print("untranslated:", key)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
