"""List pages: search, filters, sorting and pagination with a constant number of queries."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import request, url_for
from sqlalchemy import func, select

from core.extensions import db

PER_PAGE_CHOICES = (25, 50, 100, 200)


@dataclass
class Column:
    label: Any
    value: Callable[[Any], Any]
    sort: Any = None  # SQL expression to order by, or None
    key: str = ""
    link: bool = False  # the cell links to the record


@dataclass
class Filter:
    name: str
    label: Any
    choices: Callable[[], list[tuple[str, Any]]]
    apply: Callable[[Any, str], Any]  # (stmt, value) -> stmt


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    sort: str
    args: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def url(self, **changes) -> str:
        args = {k: v for k, v in {**self.args, **changes}.items() if v not in (None, "")}
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    def sort_url(self, key: str) -> str:
        new = f"-{key}" if self.sort == key else key
        return self.url(sort=new, page=1)


def paginate_page(stmt, columns: list[Column], default_sort: str, per_page: int = 25) -> Page:
    args = request.args.to_dict()
    try:
        page = min(max(1, int(args.get("page", 1))), 1_000_000)  # past that: OverflowError in OFFSET
    except ValueError:
        page = 1
    try:
        per_page = int(args.get("per_page", per_page))
    except ValueError:
        pass
    per_page = per_page if per_page in PER_PAGE_CHOICES else PER_PAGE_CHOICES[0]
    sorts = {c.key: c.sort for c in columns if c.sort is not None and c.key}
    sort = args.get("sort", default_sort)
    key = sort.lstrip("-")
    if key not in sorts:
        sort, key = default_sort, default_sort.lstrip("-")
    expr = sorts[key]
    stmt = stmt.order_by(expr.desc() if sort.startswith("-") else expr.asc())
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(items=list(items), total=total, page=page, per_page=per_page, sort=sort, args=args)
