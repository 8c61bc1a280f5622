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
    ``Widget``, ``Slot``, ``SlotRenderer``, ``Setting``, ``RecordRule``, ``DemoContext``.
Errors
    ``DomainError``, ``BadRequest`` (400), ``PermissionDenied`` (403), ``NotFound`` (404),
    ``Conflict`` (409), ``ValidationError`` (422 with a field map).
API and pages
    ``route``, ``Schema``, ``OutSchema``, ``ListQuery``, ``paginate`` (the API's list),
    ``parse_body``, ``validate`` (pydantic → 422 field map); pages: ``Column``, ``Filter``,
    ``Page``, ``paginate_page``, ``Crud``.
Security
    ``require`` (view guard), ``check`` (service guard), ``scoped``, ``get_scoped``,
    ``can_see``, ``scope_clause``, ``visible_dealers_clause``; role groups
    ``STAFF_ROLES``, ``HEAD_OFFICE_ROLES``, ``DEALER_ROLES``; ``acting_dealer(user, code)``;
    ``ensure_dealer_may_file(dealer)``.
Workflow, activity, events
    ``Workflow``, ``Transition``; modules ``activity``, ``events`` (``emit``, ``commit``),
    ``settings``, ``attachments``, ``sequences`` (``next_number``).
Messages
    ``notify(users, N_("…%(x)s"), N_("…"), link, x=...)``: rendered in each reader's
    language when read; ``N_`` marks a message id; ``users_with_role(role_id)``.
Time
    ``now()`` and ``today()`` in the business time zone (setting ``core.time_zone``,
    default ``Asia/Shanghai``); ``add_months``; China's working days: ``is_workday``,
    ``add_working_days``, ``working_days_between``.
Users
    ``create_user(data, actor=None)``: the core's user service (demo data creating its users;
    role conflicts and password rules apply).
Exports
    ``safe_cell`` and ``export_response(filename, header, rows, fmt)``: CSV (UTF-8 BOM)
    or xlsx, with formula-looking cells neutralised.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from core import activity, attachments, events, sequences, settings  # noqa: F401  (re-exported modules)
from core.api import ListQuery, OutSchema, Schema, paginate, route  # noqa: F401
from core.api import _parse_body as parse_body  # noqa: F401
from core.calendar import add_working_days, is_workday, working_days_between  # noqa: F401
from core.dealers.models import Dealer, Region, region_managers  # noqa: F401
from core.declarations import (DemoContext, MenuItem, Permission, RecordRule, Setting, Slot,  # noqa: F401
                               SlotRenderer, Widget)
from core.declarations import Role as RoleDecl  # noqa: F401
from core.errors import (BadRequest, Conflict, DomainError, NotFound, PermissionDenied,  # noqa: F401
                         ValidationError)
from core.extensions import db  # noqa: F401
from core.model_utils import Timestamped, UTCDateTime, Versioned, utcnow  # noqa: F401
from core.notifications import N_, notify, users_with_role  # noqa: F401
from core.plugin_system import hookimpl, hookspec  # noqa: F401
from core.products.models import Product, ProductCategory, ProductPart  # noqa: F401
from core.security import (can_see, check, get_scoped, require, scope_clause, scoped,  # noqa: F401
                           visible_dealers_clause)
from core.sequences import next_number  # noqa: F401
from core.users.models import Role, User  # noqa: F401
from core.users.services import create_user  # noqa: F401
from core.web.crud import Crud  # noqa: F401
from core.web.listing import Column, Filter, Page, paginate_page  # noqa: F401
from core.workflow import Transition, Workflow  # noqa: F401

# --- role groups (declared once; plugins never copy their own tuples) ------------------
HEAD_OFFICE_ROLES = ("admin", "order_dept", "technical", "customer_service", "supervision", "hr", "auditor")
STAFF_ROLES = ("admin", "regional_manager") + HEAD_OFFICE_ROLES[1:]
DEALER_ROLES = ("dealer",)
DEFAULT_TIME_ZONE = "Asia/Shanghai"


def validate(schema, data: dict):
    """Validate a plain dict (a form, a CSV row) with a pydantic schema; 422 with a field map."""
    import pydantic

    from core.api import pydantic_fields

    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError("invalid input", pydantic_fields(exc)) from None


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


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    return day + relativedelta(months=months)


# --- dealers --------------------------------------------------------------------------

def acting_dealer(user, dealer_code: str | None = None, field: str = "dealer_code") -> Dealer:
    """The dealer a caller acts for: a dealer user its own dealer (naming another is 422);
    staff name one by code, within their record-rule scope (unknown or hidden: 422)."""
    from sqlalchemy import select

    if getattr(user, "scope", None) == "dealer":
        own = user.dealer
        if own is None:
            raise ValidationError("no dealer", {field: "your login is not linked to a dealer"})
        if dealer_code and dealer_code != own.code:
            raise ValidationError("staff only", {field: "only head-office staff may name a dealer"})
        return own
    if not dealer_code:
        raise ValidationError("dealer required", {field: "required"})
    dealer = db.session.scalar(scoped(select(Dealer).where(Dealer.code == dealer_code), Dealer, user))
    if dealer is None:
        raise ValidationError("unknown dealer", {field: f"no dealer with code {dealer_code!r}"})
    return dealer


def ensure_dealer_may_file(dealer) -> None:
    """One rule for every plugin: a suspended or disqualified dealer files nothing new (409)."""
    if dealer is not None and dealer.status in ("suspended", "disqualified"):
        raise Conflict(f"dealer {dealer.code} is {dealer.status} and cannot file new records",
                       code=f"dealer_{dealer.status}")


# --- exports --------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell value a spreadsheet will not run as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _xlsx_value(value):
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
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(h) for h in header])
    for i, row in enumerate(rows):
        if i >= max_rows:
            break
        writer.writerow([safe_cell("" if c is None else str(c)) for c in row])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})
