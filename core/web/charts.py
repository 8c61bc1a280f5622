"""Chart descriptions for the ``chart`` macro (ECharts draws them in the browser, see app.js).

One helper for every plugin: a chart is categories (the x axis) and named series of values.
The description travels as JSON in a ``data-chart`` attribute; tests read it from the page.
"""
from __future__ import annotations

from typing import Any, Iterable


def series_chart(categories: Iterable[Any], rows: Iterable[tuple[Any, dict]], kind: str = "bar", *,
                 title: Any = None, y_name: Any = None, y_min: float | None = None, y_max: float | None = None,
                 types: dict | None = None, second_axis: Iterable[Any] = (), y2_name: Any = None) -> dict:
    """``rows``: ``[(series name, {category: value})]``; a missing category is 0 for bars, a gap for lines.

    ``kind``: ``bar``, ``line`` or ``stacked`` (stacked bars); ``types`` gives a series another
    type (``{"Complaints": "bar"}`` on a line chart); series named in ``second_axis`` use a
    right-hand y axis titled ``y2_name``.
    """
    second = {str(n) for n in second_axis}
    categories = [str(c) for c in categories]
    series = []
    for name, values in rows:
        values = {str(k): v for k, v in values.items()}
        default = None if kind == "line" else 0
        data = [_plain(values.get(c, default)) for c in categories]
        entry = {"name": str(name), "data": data}
        if types and str(name) in {str(k) for k in types}:
            entry["type"] = {str(k): v for k, v in types.items()}[str(name)]
        if str(name) in second:
            entry["yAxisIndex"] = 1
        series.append(entry)
    spec = {"kind": kind, "categories": categories, "series": series}
    for key, value in (("title", title), ("yName", y_name), ("yMin", y_min), ("yMax", y_max),
                       ("y2Name", y2_name if second else None)):
        if value is not None:
            spec[key] = str(value) if key in ("title", "yName", "y2Name") else value
    return spec


def _plain(value):
    if value is None or isinstance(value, (int, float)):
        return value
    try:
        return float(value)  # Decimal
    except (TypeError, ValueError):
        return None
