"""English words that must not appear in the Chinese UI (issues 7 and 9: "no English in the Chinese
UI"), shared by the page walk (tests/core/test_ui_language_walk.py) and the browser walk
(tests/e2e/test_language_walk_e2e.py).

``visible_text(html)`` is what a person reads on a page: text outside scripts and styles plus
``title``, ``placeholder``, ``aria-label``, ``alt`` and the ``value`` of buttons.
``english_words(text, allowed=...)`` lists the words of the list it contains, after taking out
what is data rather than chrome (product codes and SKUs, numbers, usernames, e-mail addresses,
URLs and API paths). ``chinese_chrome(html)`` finds Chinese characters in the English UI's chrome.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

# The English UI's vocabulary: labels, buttons, column heads and states of every plugin's pages.
UI_WORDS = """
new edit save cancel submit approve approved reject rejected review reviewed status state draft submitted
search filter filters export import delete remove add create update close closed open reopen back send
dealer dealers distributor agent region regions return returns line lines quantity qty date dates
yes no none next previous prev page pages of total actions action details detail view list all
name description notes note comment comments reason type kind category categories product products
serial warranty customer phone address contact email user users role roles permission permissions
language settings setting dashboard home logout login password inbox notifications notification
report reports download upload file files attachment attachments photo photos print label labels
confirm confirmed waive waived propose proposed proposal penalty penalties amount price unit
inspection inspect inspected receive received receiving ship shipped shipping carrier tracking
resolution resolve resolved verdict repair replace replacement credit refund accept accepted
refuse refused pending overdue due late active inactive enabled disabled required optional
from to by on at in and or the with for is are was this that
spare spares part parts stock application applications obligation obligations compliance compliant
exception exceptions claim claims freight damage damaged lost missing responsible party
audit audits finding findings nonconformity corrective improvement effectiveness check checks
management minutes period plan planned complete completed done cancelled
service request requests visit visits schedule scheduled quote technician signature job jobs
complaint complaints follow feedback assessment assessments inspector alias aliases suggestion
certification indicator indicators evidence document documents version versions training
calibration equipment level score points self root cause containment severity reopened
supervision supervisor hr auditor admin administrator order technical
sort ascending descending apply reset clear show hide more less loading empty unknown
from until since today yesterday week month year months days day hours
created updated by owner assigned assignee
""".split()

# Raw ids that leak when a label is not rendered (states, kinds, roles, languages, flags).
RAW_IDS = """
draft submitted reviewed approved rejected received inspected resolved closed cancelled shipped
human_damage quality_fault no_fault not_accepted filing_refused_late out_of_warranty in_warranty
zh_CN en_US regional_manager order_dept customer_service dealer_admin
""".split()

# Tokens of the English alphabet that are fine in a Chinese page: acronyms and units people
# use as they are (also in Chinese documents), brand and standard names.
ALLOWED = {"PDF", "CSV", "XLSX", "xlsx", "csv", "pdf", "QR", "SKU", "API", "ID", "OK", "ABC", "GB", "T", "SLA",
           "RMA", "HTTP", "JSON", "OpenAPI", "Excel", "ZIP", "zip", "URL", "A", "B", "C", "D", "E", "ECharts",
           "kg", "km", "h", "x", "v", "Bearer", "aftersales", "English", "IA", "NC", "IMP", "MR"}

WORDS = frozenset(w.lower() for w in UI_WORDS + RAW_IDS)

_DATA_PATTERNS = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),                  # e-mail addresses
    re.compile(r"https?://\S+"),                                     # URLs
    re.compile(r"(?<![\w])/[\w\-./<>{}:]*"),                         # paths (API paths, links)
    re.compile(r"\b[A-Z][A-Z0-9]*(?:[-_][A-Za-z0-9]+)+\b"),        # product and document codes (LED-PANEL, HR-01)
    re.compile(r"\b[A-Za-z]*\d[\w\-./]*"),                          # codes with a digit: SKUs, numbers, serials
    re.compile(r"\b\w+(?:\.\w+)+\b"),                               # file names and dotted keys (photo.jpg)
]
_WORD = re.compile(r"[A-Za-z][A-Za-z_]*")


class _Visible(HTMLParser):
    # <code>, <kbd> and <samp> hold identifiers a person types or reads as they are (a setting's
    # key, a permission id, CSV column names, API paths), not words of the interface.
    SKIP = {"script", "style", "noscript", "template", "code", "kbd", "samp"}
    ATTRS = ("title", "placeholder", "aria-label", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in self.SKIP:
            self.skip += 1
            return
        for name in self.ATTRS:
            if a.get(name):
                self.parts.append(a[name])
        if tag == "input" and (a.get("type") or "").lower() in ("submit", "button", "reset") and a.get("value"):
            self.parts.append(a["value"])

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def data_pattern(values) -> re.Pattern | None:
    """One pattern matching any of ``values`` (data: names, addresses, usernames) as a whole token."""
    values = sorted({v for v in values if v and v.strip()}, key=len, reverse=True)
    if not values:
        return None
    return re.compile(r"(?<![A-Za-z0-9_])(?:" + "|".join(re.escape(v) for v in values) + r")(?![A-Za-z0-9_])")


_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def stored_data_pattern(extra=()) -> re.Pattern | None:
    """Data, as one pattern: every text value stored in the database (names, addresses, typed
    notes) except raw ids (``draft``, ``customer_service``: a leaked one must still fail), words of
    the list and stored notification texts (what they render to is what is checked); plus ``extra``.
    Needs an app context."""
    from sqlalchemy import JSON, String, Text, inspect, select

    from core.extensions import db

    values = set(extra)
    present = set(inspect(db.engine).get_table_names())  # tests may declare models of their own
    for table in db.metadata.sorted_tables:
        if "notification" in table.name or table.name not in present:
            continue
        for column in table.columns:
            if isinstance(column.type, (String, Text)):
                found = db.session.scalars(select(column).distinct().limit(5000))
            elif isinstance(column.type, JSON):  # lists of typed names (assessors, tools)
                found = [v for row in db.session.scalars(select(column).limit(5000)) if isinstance(row, list)
                         for v in row if isinstance(v, str)]
            else:
                continue
            values.update(v for v in found if v and not _IDENTIFIER.match(v) and v.lower() not in WORDS)
    return data_pattern(values)


def _without(text: str, allowed) -> str:
    if allowed is None:
        return text
    pattern = allowed if isinstance(allowed, re.Pattern) else data_pattern(allowed)
    return pattern.sub(" ", text) if pattern is not None else text


def english_words(text: str, allowed=None) -> list[str]:
    """The UI words of the English list in ``text`` once data (codes, numbers, usernames,
    e-mails, paths and the ``allowed`` strings or pattern) is taken out; sorted, each once."""
    text = _without(text, allowed)
    for pattern in _DATA_PATTERNS:
        text = pattern.sub(" ", text)
    found = set()
    for word in _WORD.findall(text):
        if word in ALLOWED:
            continue
        if word.lower() in WORDS or word in RAW_IDS:
            found.add(word)
    return sorted(found)


_HAN = re.compile(r"[\u4e00-\u9fff]+")


# Chinese the English UI shows on purpose: the language switcher's own name for Chinese, and the
# official Chinese names of the seed's forms and levels given as a gloss beside the English.
GLOSSES = {"中文", "产品运输异常记录表", "建议表", "达标", "意见反馈表", "上门服务记录", "服务报告"}


def chinese_chrome(text: str, allowed=None) -> list[str]:
    """Runs of Chinese characters in ``text`` once data (``allowed``: names, addresses, ...) and
    the glosses are out; sorted, each once."""
    for gloss in GLOSSES:
        text = text.replace(gloss, " ")
    text = _without(text, allowed)
    return sorted(set(_HAN.findall(text)))
