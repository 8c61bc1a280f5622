"""The public API for plugins (CKAN's ``plugins.toolkit``, Odoo's ``odoo.api``/``fields``).

A plugin imports the core only from here (and from the model and declaration modules
this re-exports); a test fails on any other ``core.*`` import under ``plugins/``. Every
name below is part of the contract and documented in ``docs/plugins.md``.

Data and models
    ``db``; mixins ``Timestamped``, ``Versioned``, the column type ``UTCDateTime`` and
    ``utcnow()``; the core models ``User``, ``Role``, ``Dealer``, ``Region``,
    ``Product``, ``ProductCategory``, ``ProductPart`` and the ``region_managers`` table.
Declarations (what hooks return)
    ``hookimpl``, ``hookspec``, ``Role`` (as ``RoleDecl``), ``Permission``, ``MenuItem``,
    ``Widget``, ``Slot``, ``SlotRenderer``, ``Setting``, ``RecordRule`` (``mode="widen"|"narrow"``,
    ``roles``), ``FieldMask``, ``DemoContext``,

    ``Chatter`` (a model's chatter: hook ``aftersales_chatter``; the page renders
    ``{{ chatter(record) }}``), ``FieldLabels`` (labels of fields and values in activity logs).
Chatter and status bar
    module ``chatter`` (``post(record, body, actor, files)``, ``stream(record)``,
    ``describe(entry)``); pages: ``{% from "web/macros.html" import status_bar %}``.
Errors
    ``DomainError``, ``BadRequest`` (400), ``PermissionDenied`` (403), ``NotFound`` (404),
    ``Conflict`` (409), ``ValidationError`` (422 with a field map).
API and pages
    ``route``, ``Schema``, ``OutSchema``, ``ListQuery``, ``paginate`` (the API's list),
    ``list_route(bp, rule, stmt, serialize, query=, response=, endpoint=, summary=, permission=, tag=,
    extras=)`` and ``detail_route(bp, rule, get, serialize, response=, endpoint=, summary=, ...)`` (a
    resource's paginated list and one record, declared in one call each, built on ``route``),
    ``parse_body``, ``validate`` (pydantic → 422 field map), ``CrudApi`` (the five CRUD routes of
    a resource at once); pages: ``Column``, ``Filter``,
    ``Page``, ``paginate_page``, ``page_args`` / ``resolve_sort`` (a page's bounded page number and size,
    its whitelisted sort: for lists that read columns themselves), ``Crud``, ``place_form_errors(form, exc, aliases=None)`` (a refused
    action's field map onto a form: nested ``lines.0.qty`` on that FieldList entry's field, the rest
    flashed with the error's message, nothing lost), ``form_action(form, run, redirect_to, render,
    success=None)`` (a form page's submit: validate → service → commit → flash → redirect; refused:
    rollback, errors on the form, ``render(422)`` or 409; 403 aborts), ``with_badge`` / ``custom`` (column tweaks), ``Column.html`` (a cell written in Python, no
    Jinja call per row), ``fixed_texts`` / ``translated_filters`` (a list page's fixed texts and fixed filter
    choices, once per language), ``state_tone``, ``local_dt`` (a time in the user's zone, as the filter); every
    list page renders ``{% from "web/macros.html" import list_table %}`` (sortable headers,
    empty state, pagination with an ellipsis, page size, saved filters); charts:
    ``series_chart(categories, rows, kind)`` builds the spec the ``chart`` macro draws
    (ECharts, shipped in core static; the data travel as JSON in ``data-chart``).
Security
    ``require`` (view guard), ``check`` (service guard), ``scoped``, ``get_scoped``,
    ``scoped_once`` (a loader's own statement built once per scope), ``count_for_dealer``,
    ``can_see``, ``rate_limited(scope, limit, window_seconds, address=None)`` (a per-address
    limit counted in the database, shared by every host: the login throttle's), ``scope_clause``, ``visible_dealers_clause``, ``visible_regions_clause``;
    a model declares ``__scope__ = "dealer"`` (with ``__dealer_column__``, default
    ``dealer_id``), ``"region"`` (``__region_column__``) or ``"none"`` (``model_scope``);
    field-level: ``FieldMask`` on ``__field_masks__``, ``field_value(record, field, user)``,
    ``mask_fields(model, row_dict, user)``, ``field_readable``, ``mask_phone``; role groups
    ``STAFF_ROLES``, ``HEAD_OFFICE_ROLES``, ``DEALER_ROLES``; ``acting_dealer(user, code)``;
    ``ensure_dealer_may_file(dealer)``; ``change_dealer_status(dealer, status, reason, actor)`` (the
    one service that sets a dealer's status, logs it and fires ``aftersales_dealer_status_changed``).
Users
    ``create_user(data, actor)`` and ``update_user(user, data, actor)``: the core user services
    (validation, password policy, the dealer link, activity log), for plugins that manage logins.
Workflow, activity, events
    ``Workflow``, ``Transition`` (``message``: the page's success message; ``role_guards``: who may,
    checked with the permission), ``checking_once()``; ``TransitionRoutes`` and ``Action``: a
    workflow's actions declared once, generating ``POST /api/v1/<resource>/<id>/<action-with-dashes>``
    and the page's form handler (``form_route`` / ``handle_form``), with one check per request (see
    ``docs/plugins.md``); ``refresh_references(record)`` (a flushed record's many-to-one references
    set through their ids, refreshed before serializing without a reload); ``commit_or_conflict(flush_only=False)``
    (one commit per action, a concurrent writer's win a 409 ``stale_version``) and
    ``flushed_answer(record, serialize)`` (a write's response from the flushed session, then the commit); modules ``activity``, ``events`` (``emit``, ``commit``),
    ``settings``, ``attachments``, ``sequences`` (``next_number``); ``sqlite_write_locked()`` (a writing
    request's SQLite transaction holds the write lock from BEGIN: a next free id read in it stays valid). Files:
    ``attachments.add(model, record_id, filename, data, actor, field=..., accept=...)`` stores
    one (``accept=attachments.PDF_AND_PHOTOS`` for documents); ``attachments.check_type(data,
    accept, field)`` the type sniffed from the first bytes, or 422 with a field map.
Messages
    ``notify(users, N_("…%(x)s"), N_("…"), link, x=...)``: rendered in each reader's
    language when read; ``N_`` marks a message id; ``users_with_role(role_id)``;
    ``notifications.Recipients`` (groups as SQL, one ``INSERT .. SELECT``) and
    ``notifications.batched()`` (every group of a request in one statement); the inbox model
    ``Notification`` and ``unread_count(user)``.
Queries
    ``in_ids(column, ids)``: ``column IN ids`` for a list of any length (None = no restriction
    when the list is too long for one statement's parameters; filter the rows in Python then).
Time
    ``now()`` and ``today()`` in the business time zone (setting ``core.time_zone``,
    default ``Asia/Shanghai``); ``period_bounds(date_from, date_to)`` (the aware datetimes
    ``[start, end)`` of a range of business dates, to compare timestamps with); ``add_months``; China's working days: ``is_workday``,
    ``add_working_days``, ``working_days_between``.
Hooks plugins offer each other
    ``plugin_hook()``: the hook relay (``plugin_hook().audit_review_inputs(...)``).
Enumerations
    ``Choice(("value", _l("Label")), ...)``: an enum's values and labels declared once;
    iterates over the values, ``.labels`` (dict), ``.label(v)``, ``.choices()`` for WTForms
    and filters, ``.literal`` for pydantic schemas.
Users
    ``create_user(data, actor=None)``: the core's user service (demo data creating its users;
    role conflicts and password rules apply).
Exports
    ``attachment_response(att)``: an attachment's bytes (inline for images, never cached);
    ``safe_cell`` and ``export_response(filename, header, rows, fmt)``: CSV (UTF-8 BOM)
    or xlsx, with formula-looking cells neutralised; ``read_csv(data, required)`` parses
    an uploaded CSV into dicts (UTF-8 or GB18030, refused past ``max_import_rows()``,
    the setting ``core.import_max_rows``, with ``too_many_rows(limit)``); ``first_errors(errors)``
    (the first 100 row errors and a count of the rest); ``row_label(key)`` an import error's key
    (``row 3``) as a page shows it ("第 3 行"); ``csv_text(header, rows)`` the CSV as text.
More modules and core services
    ``calendar`` (working days), ``notifications``, ``benchdata`` (bench data generators:
    ``existing``, ``rng``, ``insert_batches``, for ``bench.py`` files), ``commit`` (events'
    commit-then-emit), ``Attachment``, ``Sequence``; ``pydantic_fields`` (pydantic error →
    field map); dealer constants ``ABC_CLASSES``, ``DEALER_KINDS``
    (labels: ``DEALER_KIND_LABELS``); dealer services
    ``change_status(dealer, status, reason, actor)``; ``get_product_by_sku``;
    ``create_user(data)``, ``create_product(data)`` and ``DEMO_PASSWORD`` for demo data.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _

from core import activity, attachments, benchdata, calendar, chatter, events, notifications, sequences, settings  # noqa: F401
from core.api import (ListQuery, OutSchema, Schema, detail_route, list_route, paginate, pydantic_fields,  # noqa: F401
                      route)
from core.attachments import Attachment  # noqa: F401
from core.api import _parse_body as parse_body  # noqa: F401
from core.api.crud import CrudApi  # noqa: F401
from core.calendar import add_working_days, is_workday, working_days_between  # noqa: F401
from core.dealers.models import ABC_CLASSES, DEALER_KIND_LABELS, DEALER_KINDS, Dealer, Region, region_managers  # noqa: F401
from core.dealers.services import (change_status, first_errors, max_import_rows, read_csv, row_label,  # noqa: F401
                                   too_many_rows)
from core.declarations import (Chatter, DemoContext, FieldLabels, FieldMask, MenuItem, Permission, RecordRule, Setting,  # noqa: F401
                               Slot, SlotRenderer, SmartButton, Widget)
from core.declarations import Role as RoleDecl  # noqa: F401
from core.errors import (BadRequest, Conflict, DomainError, NotFound, PermissionDenied,  # noqa: F401
                         ValidationError)
from core.events import commit  # noqa: F401
from core.extensions import db, sqlite_write_locked  # noqa: F401
from core.model_utils import Timestamped, UTCDateTime, Versioned, utcnow  # noqa: F401
from core.dealers.services import change_status as change_dealer_status  # noqa: F401
from core.notifications import N_, Notification, notify, unread_count, users_with_role  # noqa: F401
from core.users.services import create_user, update_user, validate  # noqa: F401
from core.plugin_system import hookimpl, hookspec  # noqa: F401
from core.products.models import Product, ProductCategory, ProductPart  # noqa: F401
from core.products.services import create_product, get_product_by_sku  # noqa: F401
from core.security import (can_see, check, count_for_dealer, field_readable, field_value, get_scoped,  # noqa: F401
                           mask_fields, mask_phone, model_scope, rate_limited, require, scope_clause, scoped,
                           scoped_once,
                           visible_dealers_clause,
                           visible_regions_clause)
from core.sequences import Sequence, next_number  # noqa: F401
from core.users.models import Role, User  # noqa: F401
from core.users.plugin import DEMO_PASSWORD  # noqa: F401
from core.web.crud import Crud  # noqa: F401
from core.web import local_dt, state_tone  # noqa: F401
from core.web.forms import form_action, place_form_errors  # noqa: F401
from core.web.charts import series_chart  # noqa: F401
from core.web.listing import (Column, Filter, Page, custom, fixed_texts, page_args, paginate_page, resolve_sort,  # noqa: F401
                              translated_filters, with_badge)
from core.workflow import Transition, Workflow, checking_once  # noqa: F401
from core.workflow_routes import (Action, TransitionRoutes, commit_or_conflict, flushed_answer,  # noqa: F401
                                  refresh_references)

# --- role groups (declared once; plugins never copy their own tuples) ------------------
HEAD_OFFICE_ROLES = ("admin", "order_dept", "technical", "customer_service", "supervision", "hr", "auditor")
STAFF_ROLES = ("admin", "regional_manager") + HEAD_OFFICE_ROLES[1:]
DEALER_ROLES = ("dealer",)
DEFAULT_TIME_ZONE = "Asia/Shanghai"


# --- enumerations ---------------------------------------------------------------------

class Choice:
    """An enum declared once (Odoo's ``Selection``): values in order, each with its label.

    ``FLAGS = Choice(("opened", _l("Package opened")), ...)``; ``for v in FLAGS`` gives the
    values, ``"opened" in FLAGS`` tests one, ``FLAGS.labels["opened"]``/``FLAGS.label(v)``
    the label (the value itself when unknown), ``FLAGS.choices()`` ``[(value, label)]`` for
    WTForms select fields and list filters, ``FLAGS.literal`` a ``typing.Literal`` for schemas.
    """

    def __init__(self, *pairs):
        self.values = tuple(value for value, _label in pairs)
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"duplicate values in {self.values}")
        self.labels = dict(pairs)

    def __iter__(self):
        return iter(self.values)

    def __len__(self):
        return len(self.values)

    def __contains__(self, value):
        return value in self.labels

    def __getitem__(self, index):
        return self.values[index]

    def __add__(self, other):
        return self.values + tuple(other)

    def __radd__(self, other):
        return tuple(other) + self.values

    def __repr__(self):
        return f"Choice{self.values}"

    def label(self, value):
        return self.labels.get(value, value)

    def choices(self, blank=None) -> list:
        out = [(value, label) for value, label in self.labels.items()]
        return ([("", blank)] + out) if blank is not None else out

    @property
    def literal(self):
        from typing import Literal

        return Literal[self.values]


def plugin_hook():
    """The plugin manager's hook relay, to call a hook a plugin offers (``plugin_hook().rma_line_checks(...)``)."""
    from flask import current_app

    return current_app.extensions["aftersales"].pm.hook


# --- time -----------------------------------------------------------------------------

def business_zone() -> ZoneInfo:
    """The company's time zone: deadlines and "today" are counted in it."""
    try:
        name = settings.get("core.time_zone")
    except (KeyError, RuntimeError):
        name = DEFAULT_TIME_ZONE
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def now() -> datetime:
    """The current time in the business time zone (aware)."""
    return utcnow().astimezone(business_zone())


def today() -> date:
    """Today's date in the business time zone."""
    return now().date()


def local_date(moment: datetime) -> date:
    """The business-time-zone date of an aware datetime."""
    return moment.astimezone(business_zone()).date()


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """``[start, end)`` as aware datetimes: ``date_from`` 00:00 to the day after ``date_to``, business zone."""
    from datetime import time

    zone = business_zone()
    return (datetime.combine(date_from, time.min, tzinfo=zone),
            datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone))


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb).

    What ``day + relativedelta(months=months)`` gives, by arithmetic: ten times faster, and every
    line of every RMA list page computes its warranty end with it."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    last = _MONTH_DAYS[month] if month != 2 or year % 4 or (not year % 100 and year % 400) else 29
    return day.replace(year=year, month=month, day=day.day if day.day <= last else last)


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # index 2: a common year


# --- warranty -------------------------------------------------------------------------

WARRANTY_BASES = ("purchase_voucher", "sale_label", "production")


class WarrantyPeriod(NamedTuple):
    """A unit's warranty: first day, last covered day, and the date it was counted from."""
    start: date | None
    end: date | None
    basis: str | None  # one of WARRANTY_BASES, None without any date

    def covers(self, day: date) -> bool:
        """In warranty on ``day``: through the last covered day inclusive; never without a date."""
        return self.end is not None and day <= self.end


def warranty_period(months: int, purchase_date: date | None = None, sale_date: date | None = None,
                    production_date: date | None = None) -> WarrantyPeriod:
    """The warranty rule of returns and service requests (seed 004): counted from the purchase
    voucher, else the sale-date label, else the production date, for the product category's
    ``months``; it covers through the day before the same date ``months`` later
    (bought 2023-11-21 with 36 months: covered through 2026-11-20). Pure, so remembered for the
    last few thousand arguments (each line of an RMA list page asks)."""
    return _warranty_period(months, purchase_date, sale_date, production_date)


@lru_cache(maxsize=4096)
def _warranty_period(months: int, purchase_date: date | None, sale_date: date | None,
                     production_date: date | None) -> WarrantyPeriod:
    for start, basis in ((purchase_date, "purchase_voucher"), (sale_date, "sale_label"),
                         (production_date, "production")):
        if start:
            return WarrantyPeriod(start, add_months(start, months) - timedelta(days=1), basis)
    return WarrantyPeriod(None, None, None)


# --- dealers --------------------------------------------------------------------------

def acting_dealer(user, dealer_code: str | None = None, field: str = "dealer_code") -> Dealer:
    """The dealer a caller acts for: a dealer user its own dealer (naming another is 422);
    staff name one by code, within their record-rule scope (unknown or hidden: 422)."""
    from sqlalchemy import select

    if getattr(user, "scope", None) == "dealer":
        own = user.dealer
        if own is None:
            raise ValidationError(_("no dealer"), {field: _("your login is not linked to a dealer")})
        if dealer_code and dealer_code != own.code:
            raise ValidationError(_("staff only"), {field: _("only head-office staff may name a dealer")})
        return own
    if not dealer_code:
        raise ValidationError(_("dealer required"), {field: _("required")})
    dealer = db.session.scalar(scoped(select(Dealer).where(Dealer.code == dealer_code), Dealer, user))
    if dealer is None:
        raise ValidationError(_("unknown dealer"), {field: _("no dealer with code %(dealer_code)r", dealer_code=dealer_code)})
    return dealer


def ensure_dealer_may_file(dealer) -> None:
    """One rule for every plugin: a suspended or disqualified dealer files nothing new (409)."""
    if dealer is not None and dealer.status in ("suspended", "disqualified"):
        raise Conflict(_("dealer %(dealer_code)s is %(dealer_status)s and cannot file new records", dealer_code=dealer.code, dealer_status=dealer.status),
                       code=f"dealer_{dealer.status}")


MAX_IN_IDS = 900  # SQLite's historical bound-parameter limit is 999


def in_ids(column, ids):
    """``column IN ids``, or None (no restriction) when ``ids`` is too long for one statement:
    the caller then keeps only the rows whose id is in ``ids`` (one query either way)."""
    ids = list(ids)
    if len(ids) > MAX_IN_IDS:
        return None
    return column.in_(ids)


class StatementShapes:
    """Statements built once per shape and run with each request's values (issue 8).

    Building a wide select (and its cache key) can cost more than running it. ``get(kind, shape_of,
    build)`` keys the statement on ``kind`` and the cache key of ``shape_of``, a small clause or
    select built per request (scope, filters, sort): the first request of a shape builds
    ``build()`` from it (its own values bound in), later ones get that statement back with their
    values for its parameters, passed by the keys the first one's cache key listed in the same
    order (same key: same SQL but for the bound values). At most ``limit`` shapes are kept."""

    def __init__(self, limit: int = 500):
        self.limit, self._built = limit, {}

    def get(self, kind: str, shape_of, build):
        key = shape_of._generate_cache_key()
        if key is None:  # an element SQLAlchemy does not cache: built every time
            return build(), {}
        entry = self._built.get((kind, key.key))
        if entry is None:
            if len(self._built) >= self.limit:
                self._built.clear()
            built = build()
            self._built[(kind, key.key)] = (built, key.bindparams)
            return built, {}
        built, params = entry
        return built, {p.key: v.effective_value for p, v in zip(params, key.bindparams)}


# --- exports --------------------------------------------------------------------------

def attachment_response(att):
    """An attachment's bytes: inline for images, a download otherwise; private and never cached."""
    from urllib.parse import quote

    from flask import Response

    disposition = "inline" if att.content_type.startswith("image/") else "attachment"
    resp = Response(att.data, mimetype=att.content_type)
    resp.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(att.filename)}"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell value a spreadsheet will not run as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _xlsx_value(value):
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters cannot be stored in xlsx
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(business_zone()).replace(tzinfo=None)
    if value is not None and not isinstance(value, (str, int, float, date, datetime)):
        return str(value)
    return value


def export_response(filename: str, header: list, rows, fmt: str = "csv", max_rows: int = 100_000):
    """A download of ``rows`` (iterables of cells) as CSV (UTF-8 with BOM, for Excel) or xlsx."""
    from flask import Response

    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append([str(h) for h in header])
        for i, row in enumerate(rows):
            if i >= max_rows:
                break
            ws.append([safe_cell(_xlsx_value(c)) for c in row])
        out = io.BytesIO()
        wb.save(out)
        return Response(out.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'})
    return Response("\ufeff" + csv_text(header, rows, max_rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})


def csv_text(header: list, rows, max_rows: int = 100_000) -> str:
    """CSV text of ``rows`` with formula-looking text cells neutralised (numbers stay numbers)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(h) for h in header])
    for i, row in enumerate(rows):
        if i >= max_rows:
            break
        writer.writerow(["" if c is None else str(safe_cell(c)) for c in row])
    return out.getvalue()
