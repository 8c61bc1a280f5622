"""The list table's rows written in Python (``core.web.listing.list_rows``, issue 8) show what the
macro's Jinja loop showed: links, badges, escaped values, the page's own cells (a ``caller`` block
or ``Column.html``); and ``local_dt`` writes what Babel's ``format_datetime`` wrote."""
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from flask import render_template_string
from flask_babel import format_datetime

from core.web import local_dt
from core.web.listing import Column, Page

TEMPLATE = """{% from "web/macros.html" import list_table %}
{%- call(r, c) list_table(page, columns, 'rma.detail', link_arg='rma_id', saved=False, extra_heads=extra,
                          row_class=row_class) -%}
{%- if c is none %}<td>extra {{ r.id }}</td>{% else %}<i>{{ r.name }}</i>{% endif -%}
{%- endcall %}"""


@pytest.fixture
def enabled_plugins():
    return ["rma"]  # a record endpoint to link to


def _render(app, columns, extra=(), row_class=None):
    rows = [SimpleNamespace(id=7, name="<b>seven</b>", tone="success"), SimpleNamespace(id=12, name="a&b", tone="danger")]
    page = Page(items=rows, total=2, page=1, per_page=25, sort="number")
    with app.test_request_context("/rma/"):
        return render_template_string(TEMPLATE, page=page, columns=columns, extra=extra, row_class=row_class)


def test_rows_show_links_badges_escaped_values_and_the_pages_own_cells(app):
    columns = [Column("Number", lambda r: f"N{r.id}", None, "number", link=True),
               Column("Name", lambda r: r.name, css="small"),
               Column("State", lambda r: r.tone, key="state", badge=lambda r: r.tone),
               Column("Own", None, key="own", custom=True),
               Column("Python", None, key="py", custom=True, html=lambda r: f"<u>{r.id}</u>")]
    html = _render(app, columns, extra=["More"], row_class=lambda r: "hot" if r.id == 7 else "")
    assert ('<tr class="hot"><td class="" data-label="Number"><a href="/rma/7">N7</a></td>'
            '<td class="small" data-label="Name">&lt;b&gt;seven&lt;/b&gt;</td>'
            '<td class="" data-label="State"><span class="badge text-bg-success">success</span></td>'
            '<td class="" data-label="Own"><i>&lt;b&gt;seven&lt;/b&gt;</i></td>'
            '<td class="" data-label="Python"><u>7</u></td><td>extra 7</td></tr>') in html
    assert '<tr class=""><td class="" data-label="Number"><a href="/rma/12">N12</a></td>' in html
    assert '<td class="small" data-label="Name">a&amp;b</td>' in html
    assert "<th scope=\"col\">More</th>" in html


def test_rows_without_a_row_class_or_a_link_endpoint(app):
    columns = [Column("Number", lambda r: r.id, None, "number", link=True), Column("None", lambda r: None)]
    rows = [SimpleNamespace(id=3)]
    page = Page(items=rows, total=1, page=1, per_page=25, sort="number")
    with app.test_request_context("/"):
        html = render_template_string('{% from "web/macros.html" import list_table %}'
                                      '{{ list_table(page, columns, saved=False) }}', page=page, columns=columns)
    assert '<tr><td class="" data-label="Number">3</td><td class="" data-label="None">None</td></tr>' in html


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York", "Australia/Lord_Howe"])
def test_local_dt_writes_what_babel_wrote(app, zone):
    app.config["BABEL_DEFAULT_TIMEZONE"] = zone  # the zone the user's times are shown in
    try:
        with app.test_request_context("/"):
            moments = [datetime(2026, 3, 8, 6, 59), datetime(2026, 3, 8, 7, 0, 30), datetime(2026, 11, 1, 5, 59),
                       datetime(2026, 11, 1, 6, 1), datetime(999, 1, 2, 3, 4), datetime(2026, 4, 4, 15, 30),
                       datetime(2026, 12, 31, 23, 59, tzinfo=timezone.utc),
                       datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=-7)))]
            moments += [datetime(2026, 1, 1) + timedelta(minutes=97 * i) for i in range(400)]
            for moment in moments:
                assert local_dt(moment) == format_datetime(moment, "yyyy-MM-dd HH:mm"), moment
            assert local_dt(date(2026, 5, 6)) == format_datetime(date(2026, 5, 6), "yyyy-MM-dd HH:mm")
            assert local_dt(None) == ""
            assert local_dt(datetime(2026, 7, 1, 12, 0)) == {"Asia/Shanghai": "2026-07-01 20:00", "UTC": "2026-07-01 12:00",
                                                             "America/New_York": "2026-07-01 08:00",
                                                             "Australia/Lord_Howe": "2026-07-01 22:30"}[zone]
    finally:
        app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Shanghai"
