"""List pages: search, filters, sorting and pagination with a constant number of queries.

Every list page renders ``list_table`` from ``web/macros.html`` with a :class:`Page` from
:func:`paginate_page`: sortable headers (only the columns declaring ``sort`` are sortable, an
unknown ``sort`` argument falls back to the default), pagination with an ellipsis, a bounded
page size, an empty state and the user's saved filters.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import request, url_for
from flask_babel.speaklater import LazyString
from jinja2.runtime import Undefined
from markupsafe import Markup, escape
from sqlalchemy import func, select

from core.extensions import db

PER_PAGE_CHOICES = (25, 50, 100, 200)
MAX_PAGE = 1_000_000  # past that: OverflowError in OFFSET


@dataclass
class Column:
    label: Any
    value: Callable[[Any], Any] | None
    sort: Any = None  # SQL expression to order by, or None
    key: str = ""
    link: bool = False  # the cell links to the record
    badge: Callable[[Any], str] | None = None  # (record) -> tone: the value shows as a coloured badge
    custom: bool = False  # the page renders the cell itself (the ``caller`` of ``list_table``)
    css: str = ""  # classes of the cell (``text-end`` for amounts)
    # (record) -> the cell's HTML (escaped: Markup), written in Python: a custom cell without a
    # Jinja ``caller`` call per row (each is a macro call, the bulk of a list page's rendering)
    html: Callable[[Any], Any] | None = None


@dataclass
class Filter:
    name: str
    label: Any
    choices: Callable[[], list[tuple[str, Any]]]
    apply: Callable[[Any, str], Any]  # (stmt, value) -> stmt
    # the choices are fixed (they read neither the data nor the user): ``translated_filters`` translates
    # them once per language rather than on every page
    static: bool = False


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    sort: str
    args: dict = field(default_factory=dict)
    sortable: tuple = ()  # the keys this list may be sorted by
    total_is_estimate: bool = False  # the count stopped at a limit: ``total`` is a lower bound

    @property
    def pages(self) -> int:
        pages = max(1, math.ceil(self.total / self.per_page))
        # past a capped count there is always a next page to offer
        return max(pages, self.page + 1) if self.total_is_estimate else pages

    @property
    def per_page_choices(self) -> tuple:
        return PER_PAGE_CHOICES

    @property
    def filtered(self) -> bool:
        """Whether the reader narrowed the list (the empty state says so)."""
        return any(v not in (None, "") for k, v in self.args.items() if k not in ("page", "per_page", "sort"))

    def url(self, **changes) -> str:
        args = {k: v for k, v in {**self.args, **changes}.items() if v not in (None, "")}
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    def sort_url(self, key: str) -> str:
        new = f"-{key}" if self.sort == key else key
        return self.url(sort=new, page=1)

    def window(self, around: int = 1) -> list[int | None]:
        """Page numbers to show, ``None`` where an ellipsis stands: 1 … 4 5 6 … 20."""
        shown = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers = sorted(p for p in shown if 1 <= p <= self.pages)
        out: list[int | None] = []
        for p in numbers:
            if out and p - out[-1] == 2:
                out.append(p - 1)  # one hidden page: show it rather than an ellipsis
            elif out and p - out[-1] > 2:
                out.append(None)
            out.append(p)
        return out


def page_args(default_per_page: int = 25) -> tuple[int, int]:
    """The requested page and page size, bounded (a size outside the choices falls back)."""
    args = request.args
    try:
        page = min(max(1, int(args.get("page", 1))), MAX_PAGE)
    except ValueError:
        page = 1
    try:
        per_page = int(args.get("per_page", default_per_page))
    except ValueError:
        per_page = default_per_page
    return page, per_page if per_page in PER_PAGE_CHOICES else PER_PAGE_CHOICES[0]


def resolve_sort(columns: list[Column], default_sort: str, requested: str | None):
    """The whitelisted sort (``key`` or ``-key``) ``requested`` names, else the default; its column's
    SQL expression; the sortable keys."""
    sorts = {c.key: c.sort for c in columns if c.sort is not None and c.key}
    sort = requested or default_sort
    key = sort.lstrip("-")
    if key not in sorts:
        sort, key = default_sort, default_sort.lstrip("-")
    return sort, sorts[key], tuple(sorts)


def order_by_sort(stmt, columns: list[Column], default_sort: str, requested: str | None):
    """``stmt`` ordered by a whitelisted column key (``-key`` descending); anything else: the default."""
    sort, expr, sortable = resolve_sort(columns, default_sort, requested)
    return stmt.order_by(expr.desc() if sort.startswith("-") else expr.asc()), sort, sortable


def paginate_page(stmt, columns: list[Column], default_sort: str, per_page: int = 25) -> Page:
    args = request.args.to_dict()
    page, per_page = page_args(per_page)
    stmt, sort, sortable = order_by_sort(stmt, columns, default_sort, args.get("sort"))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(items=list(items), total=total, page=page, per_page=per_page, sort=sort, args=args,
                sortable=sortable)


def with_badge(columns: list[Column], tone: Callable[[Any], str], key: str = "state") -> list[Column]:
    """``columns`` with the column ``key`` shown as a badge coloured by ``tone(record)``."""
    from dataclasses import replace

    return [replace(c, badge=tone) if c.key == key else c for c in columns]


def custom(columns: list[Column], *keys: str) -> list[Column]:
    """``columns`` with the cells of ``keys`` rendered by the page (the caller of ``list_table``)."""
    from dataclasses import replace

    return [replace(c, custom=True) if c.key in keys else c for c in columns]


# markupsafe's escape of a plain ``str`` (the same five entities), one C call instead of four: the
# value of most cells of a list page is a plain string
_ESCAPES = str.maketrans({"&": "&amp;", ">": "&gt;", "<": "&lt;", "'": "&#39;", '"': "&#34;"})

_LINK_SENTINEL = 987654321987  # an id no record has: the link is built once and the id put in its place


def _record_link(endpoint: str, arg: str) -> Callable[[Any], str]:
    """``record id -> escaped URL of endpoint``: ``url_for`` once per page, not once per row (each
    call matches the rule and quotes its arguments), where the URL holds the id verbatim once."""
    marker = str(_LINK_SENTINEL)
    url = url_for(endpoint, **{arg: _LINK_SENTINEL})
    head, found, tail = url.partition(marker)
    if found and marker not in tail:
        head, tail = str(escape(head)), str(escape(tail))
        return lambda rid: f"{head}{rid}{tail}" if type(rid) is int else str(escape(url_for(endpoint, **{arg: rid})))
    return lambda rid: str(escape(url_for(endpoint, **{arg: rid})))


def list_rows(items, columns: list[Column], labels, link_endpoint=None, link_arg="record_id", row_class=None,
              caller=None, extra=False, extra_cells=None) -> Markup:
    """The ``<tr>`` rows of ``list_table`` (web/macros.html), written in Python: the same cells as the
    macro's loop wrote (a link, a badge, the value, or the page's own cell: ``Column.html`` or the
    ``caller`` block; the trailing cells: ``extra_cells(record)`` or the ``caller``), at a fraction of
    the cost of Jinja's per-cell expressions and macro calls. A lazy label (a state's, a kind's) is
    translated once per page, not once per cell."""
    if isinstance(caller, Undefined):
        caller = None
    link = _record_link(link_endpoint, link_arg) if link_endpoint and any(c.link for c in columns) else None
    translated: dict[int, tuple] = {}

    def text(value) -> str:
        """``escape(value)``: a plain string escaped in one call (most cells), a lazy label's escaped
        translation worked out once per page."""
        if type(value) is str:
            return value.translate(_ESCAPES)
        if isinstance(value, LazyString):
            hit = translated.get(id(value))
            if hit is None:  # the lazy string is kept with its text: its id cannot be reused meanwhile
                hit = translated[id(value)] = (value, str(value).translate(_ESCAPES))
            return hit[1]
        return escape(value)

    cells = []
    for c, label in zip(columns, labels):
        head = f'<td class="{escape(c.css)}" data-label="{escape(label)}">'
        if c.html is not None:
            cell = c.html
        elif c.custom:
            cell = (lambda col: lambda r: caller(r, col))(c)
        elif c.link and link:
            cell = (lambda value: lambda r: f'<a href="{link(r.id)}">{text(value(r))}</a>')(c.value)
        elif c.badge:
            cell = (lambda value, tone: lambda r: (f'<span class="badge text-bg-{text(tone(r))}">'
                                                   f'{text(value(r))}</span>'))(c.value, c.badge)
        else:
            cell = (lambda value: lambda r: text(value(r)))(c.value)
        cells.append((head, cell))
    trailing = (extra_cells or (lambda r: caller(r, None))) if extra else None
    out = []
    # a row in one join: three appends per cell were a third of a list page's function calls
    for r in items:
        row = "".join([f"{head}{cell(r)}</td>" for head, cell in cells])
        start = f'\n    <tr class="{escape(row_class(r))}">' if row_class else "\n    <tr>"
        out.append(f"{start}{row}{trailing(r)}</tr>" if trailing else f"{start}{row}</tr>")
    return Markup("".join(out))


def fixed_texts(name: str, build: Callable[[], Any]) -> Any:
    """``build()`` (a list page's fixed texts: its badges, column titles, cell labels) in the request's
    language, worked out once per app and language and kept: translating and formatting them cost
    every page of a list again. ``name`` tells one page's texts from another's."""
    from flask import current_app
    from flask_babel import get_locale

    kept = current_app.extensions.setdefault("aftersales_list_texts", {})
    key = (name, str(get_locale()))
    found = kept.get(key)
    if found is None:
        found = kept[key] = build()
    return found


def translated_filters(name: str, filters: list[Filter]) -> list[Filter]:
    """``filters`` with their labels, and the choices of the ``static`` ones, translated once per app
    and language (``fixed_texts``): the filter bar showed each lazy label by translating it again, on
    every page. The others' choices are still asked for on each page (they read the data)."""
    from dataclasses import replace

    def build():
        out = []
        for f in filters:
            if f.static:
                choices = [(value, str(label)) for value, label in f.choices()]
                out.append(replace(f, label=str(f.label), choices=lambda choices=choices: choices))
            else:
                out.append(replace(f, label=str(f.label)))
        return out
    return fixed_texts(f"filters {name}", build)
