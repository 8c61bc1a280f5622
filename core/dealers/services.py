"""Regions and dealers, with CSV import/export. Free of the Flask request."""
from __future__ import annotations

import csv
import io
import re

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from core import activity, events, settings
from core.dealers.models import Dealer, Region
from core.dealers.schemas import DealerIn, DealerPatch, RegionIn, RegionPatch
from core.errors import Conflict, DomainError, NotFound, ValidationError
from core.extensions import db
from core.model_utils import utcnow
from core.users.services import validate

# --- regions --------------------------------------------------------------------------


def _managers(usernames: list[str]):
    from core.users.models import User

    if not usernames:
        return []
    users = list(db.session.scalars(select(User).where(User.username.in_(usernames))))
    missing = sorted(set(usernames) - {u.username for u in users})
    if missing:
        raise ValidationError(_("unknown users"), {"manager_usernames": _("unknown user(s): %(missing)s", missing=", ".join(missing))})
    not_managers = sorted(u.username for u in users if "regional_manager" not in u.role_ids)
    if not_managers:
        raise ValidationError(_("not regional managers"), {
            "manager_usernames": _("without the regional_manager role: %(not_managers)s", not_managers=", ".join(not_managers))})
    return users


def _unique(model, column, value, field, exclude_id=None):
    if db.session.scalar(select(exists().where(column == value, model.id != (exclude_id or -1)))):
        raise ValidationError(_("duplicate"), {field: _("%(value)r is already used", value=value)})


def create_region(data, actor=None) -> Region:
    body = data if isinstance(data, RegionIn) else validate(RegionIn, data)
    _unique(Region, Region.code, body.code, "code")
    region = Region(code=body.code, name=body.name, managers=_managers(body.manager_usernames))
    db.session.add(region)
    db.session.flush()
    activity.log(region, "created", {"code": (None, region.code), "name": (None, region.name)}, actor=actor)
    return region


def update_region(region: Region, data, actor=None) -> Region:
    body = data if isinstance(data, RegionPatch) else validate(RegionPatch, data)
    values = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    if "code" in values:
        _unique(Region, Region.code, values["code"], "code", region.id)
    changes = {}
    if "manager_usernames" in values:
        managers = _managers(values.pop("manager_usernames"))
        old = sorted(u.username for u in region.managers)
        new = sorted(u.username for u in managers)
        if old != new:
            region.managers = managers
            changes["manager_usernames"] = (old, new)
    changes.update(activity.apply_changes(region, values))
    if changes:
        activity.log(region, "updated", changes, actor=actor)
    return region


def delete_region(region: Region, actor=None) -> None:
    if db.session.scalar(select(exists().where(Dealer.region_id == region.id))):
        raise Conflict(_("dealers belong to this region; move them first"), code="in_use")
    activity.log(region, "deleted", {"code": (region.code, None)}, actor=actor)
    db.session.delete(region)
    db.session.flush()


def serialize_region(region: Region) -> dict:
    return {"id": region.id, "code": region.code, "name": region.name,
            "manager_usernames": sorted(u.username for u in region.managers)}


def get_region(region_id) -> Region:
    region = db.session.get(Region, region_id)
    if region is None:
        raise NotFound(_("region %(region_id)s not found", region_id=region_id))
    return region


# --- dealers --------------------------------------------------------------------------

def _region_by_code(code):
    if not code:
        return None
    region = db.session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise ValidationError(_("unknown region"), {"region_code": _("no region with code %(code)r", code=code)})
    return region


def _parent_by_code(code, kind):
    if kind != "distributor":
        if code:
            raise ValidationError(_("parent only for distributors"), {"parent_code": _("only a distributor has a parent agent")})
        return None
    if not code:
        raise ValidationError(_("parent required"), {"parent_code": _("a distributor must name its agent")})
    parent = db.session.scalar(select(Dealer).where(Dealer.code == code))
    if parent is None:
        raise ValidationError(_("unknown agent"), {"parent_code": _("no dealer with code %(code)r", code=code)})
    if parent.kind != "agent":
        raise ValidationError(_("parent not an agent"), {"parent_code": _("%(code)r is not an agent", code=code)})
    return parent


def create_dealer(data, actor=None) -> Dealer:
    body = data if isinstance(data, DealerIn) else validate(DealerIn, data)
    _unique(Dealer, Dealer.code, body.code, "code")
    region = _region_by_code(body.region_code)
    parent = _parent_by_code(body.parent_code, body.kind)
    dealer = Dealer(code=body.code, name=body.name, kind=body.kind, parent=parent, region=region,
                    status=body.status, status_reason=body.status_reason, abc_class=body.abc_class,
                    contact=body.contact, phone=body.phone, address=body.address)
    if body.status != "active":
        dealer.status_changed_at = utcnow()
        dealer.status_changed_by_id = actor.id if actor else None
    db.session.add(dealer)
    db.session.flush()
    activity.log(dealer, "created", {"code": (None, dealer.code), "name": (None, dealer.name),
                                     "status": (None, dealer.status)}, actor=actor)
    return dealer


def update_dealer(dealer: Dealer, data, actor=None) -> Dealer:
    body = data if isinstance(data, DealerPatch) else validate(DealerPatch, data)
    values = body.model_dump(exclude_unset=True)
    version = values.pop("version", None)
    if version is not None and version != dealer.version:
        raise Conflict(_("stale version %(version)s; current is %(dealer_version)s", version=version, dealer_version=dealer.version), code="stale_version")
    for key in ("code", "name", "kind", "status", "abc_class", "contact", "phone", "address", "status_reason"):
        if key in values and values[key] is None:
            values.pop(key)
    changes = {}
    if "code" in values:
        _unique(Dealer, Dealer.code, values["code"], "code", dealer.id)
    kind = values.get("kind", dealer.kind)
    if "region_code" in values:
        region = _region_by_code(values.pop("region_code"))
        if region is not dealer.region:
            changes["region_code"] = (dealer.region.code if dealer.region else None, region.code if region else None)
            dealer.region = region
    if "parent_code" in values or "kind" in values:
        if "parent_code" in values:
            code = values.pop("parent_code")
        else:  # a kind change keeps the agent only while the dealer stays a distributor
            code = dealer.parent.code if dealer.parent and kind == "distributor" else None
        parent = _parent_by_code(code, kind)
        if parent is not None and parent.id == dealer.id:
            raise ValidationError(_("own parent"), {"parent_code": _("a dealer cannot be its own agent")})
        if parent is not dealer.parent:
            changes["parent_code"] = (dealer.parent.code if dealer.parent else None, parent.code if parent else None)
            dealer.parent = parent
    if kind != "agent" and dealer.kind == "agent" and db.session.scalar(
            select(exists().where(Dealer.parent_id == dealer.id))):
        raise ValidationError(_("agent has distributors"), {"kind": _("this agent still has distributors")})
    new_status = values.pop("status", dealer.status)
    reason = values.pop("status_reason", None)
    changes.update(activity.apply_changes(dealer, values))
    if new_status != dealer.status:
        change_status(dealer, new_status, reason or "", actor, changes)
    elif reason is not None and reason != dealer.status_reason:
        changes.update(activity.apply_changes(dealer, {"status_reason": reason}))
    if changes:
        activity.log(dealer, "updated", changes, actor=actor)
    return dealer


def change_status(dealer: Dealer, status: str, reason: str, actor, changes: dict | None = None) -> None:
    """Set a dealer's status with its reason and who changed it; fires the event after commit."""
    old = dealer.status
    dealer.status = status
    dealer.status_reason = reason
    dealer.status_changed_at = utcnow()
    dealer.status_changed_by_id = actor.id if actor else None
    if changes is None:
        activity.log(dealer, "status_changed", {"status": (old, status)}, comment=reason, actor=actor)
    else:
        changes["status"] = (old, status)
        changes["status_reason"] = ("", reason)
    events.emit("aftersales_dealer_status_changed", dealer=dealer, old_status=old, new_status=status, actor=actor)


def delete_dealer(dealer: Dealer, actor=None) -> None:
    from core.users.models import User

    if db.session.scalar(select(exists().where(or_(Dealer.parent_id == dealer.id)))):
        raise Conflict(_("this agent has distributors"), code="in_use")
    if db.session.scalar(select(exists().where(User.dealer_id == dealer.id))):
        raise Conflict(_("users belong to this dealer"), code="in_use")
    activity.log(dealer, "deleted", {"code": (dealer.code, None)}, actor=actor)
    try:
        with db.session.begin_nested():
            db.session.delete(dealer)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("records refer to this dealer; set its status instead"), code="in_use")


def get_dealer_by_code(code: str) -> Dealer | None:
    return db.session.scalar(select(Dealer).where(Dealer.code == code))


def dealer_search_clause(q: str):
    like = f"%{q}%"
    return or_(Dealer.code.ilike(like), Dealer.name.ilike(like), Dealer.contact.ilike(like))


def serialize_dealer(d: Dealer) -> dict:
    return {"id": d.id, "code": d.code, "name": d.name, "kind": d.kind,
            "parent_code": d.parent.code if d.parent else None, "region_code": d.region.code if d.region else None,
            "status": d.status, "status_reason": d.status_reason or "",
            "status_changed_at": d.status_changed_at.isoformat() if d.status_changed_at else None,
            "abc_class": d.abc_class, "contact": d.contact or "", "phone": d.phone or "", "address": d.address or "",
            "version": d.version}


# --- CSV ------------------------------------------------------------------------------

DEALER_CSV_FIELDS = ["code", "name", "kind", "parent_code", "region_code", "status", "abc_class", "contact", "phone", "address"]


def dealer_export_rows(dealers):
    """One row of DEALER_CSV_FIELDS per dealer (the export helper neutralises formulas)."""
    for d in dealers:
        row = serialize_dealer(d)
        yield [row[k] or "" for k in DEALER_CSV_FIELDS]


def export_dealers_csv(dealers) -> str:
    from core.toolkit import csv_text

    return csv_text(DEALER_CSV_FIELDS, dealer_export_rows(dealers))


MAX_REPORTED_ERRORS = 100


def max_import_rows() -> int:
    return settings.get("core.import_max_rows")


def too_many_rows(limit: int) -> ValidationError:
    return ValidationError(_("too many rows"), {"file": _("more than %(limit)d rows: split the file", limit=limit)})


def first_errors(errors: dict) -> dict:
    """The first MAX_REPORTED_ERRORS row errors and a count of the rest (a 300,000-row file with
    an error on every row made a 27 MB error page)."""
    if len(errors) <= MAX_REPORTED_ERRORS:
        return errors
    kept = dict(list(errors.items())[:MAX_REPORTED_ERRORS])
    kept["more"] = _("%(n)d more row(s) with errors not shown", n=len(errors) - MAX_REPORTED_ERRORS)
    return kept


def row_label(key: str) -> str:
    """An import error's key (``row 3``, ``more``, ``file``; kept as they are in the API's field
    map) as a person reads it on a page, in the reader's language."""
    match = re.fullmatch(r"row (\d+)", key)
    if match:
        return _("Row %(row)s", row=match.group(1))
    return {"more": "…", "file": _("File")}.get(key, key)


def read_csv(data: bytes | str, required: list[str], max_rows: int | None = None,
             aliases: dict[str, str] | None = None) -> list[dict]:
    """Rows of a CSV file as dicts (``__row__``: the spreadsheet line), parsed row by row and
    refused past ``max_rows`` (setting ``core.import_max_rows``) without reading further.

    ``aliases`` maps a header as written (stripped, lower case: ``"数量"``, ``"qty"``) to the
    column name the rows use (``"quantity"``), so a file headed in Chinese reads like one in English."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                data = data.decode("gb18030")  # Excel in China saves CSV as GBK
            except UnicodeDecodeError:
                raise ValidationError(_("unreadable file"), {"file": _("not UTF-8 or GB18030 text")})
    limit = max_rows or max_import_rows()
    reader = csv.DictReader(io.StringIO(data))
    if aliases and reader.fieldnames:
        reader.fieldnames = [aliases.get(f.strip().lower(), f) if isinstance(f, str) else f for f in reader.fieldnames]
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(_("missing columns"), {"file": _("missing column(s): %(missing)s", missing=", ".join(missing))})
    rows = []
    for number, row in enumerate(reader, start=2):  # spreadsheet line numbers; the header is line 1
        if number - 1 > limit:
            raise too_many_rows(limit)
        clean = {k.strip(): (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        clean["__row__"] = number
        rows.append(clean)
    return rows


def import_rows(rows: list[dict], upsert, key: str) -> dict:
    """All-or-nothing import: every row validated; any error and nothing is written.

    Returns ``{"created": n, "updated": n}``; raises ValidationError whose fields map
    ``row N`` (the spreadsheet line number, header = 1) to the problem.
    """
    errors: dict = {}
    created = updated = 0
    seen = {}
    for row in rows:
        index = row.pop("__row__")
        value = row.get(key)
        if value and value in seen:
            errors[f"row {index}"] = _("%(column)s: duplicate of row %(row)s", column=key, row=seen[value])
            continue
        seen[value] = index
        try:
            with db.session.begin_nested():
                was_created = upsert(row)
                db.session.flush()
        except DomainError as exc:
            detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items()) or exc.message
            errors[f"row {index}"] = detail
            continue
        created += was_created
        updated += not was_created
    if errors:
        db.session.rollback()
        raise ValidationError(_("%(count)s row(s) have errors; nothing was imported", count=len(errors)), first_errors(errors))
    return {"created": created, "updated": updated}


def _dealer_row(actor):
    def upsert(row: dict) -> bool:
        data = {k: (row.get(k) or None) if k in ("parent_code", "region_code") else row.get(k, "")
                for k in DEALER_CSV_FIELDS if k in row}
        for k in ("kind", "status", "abc_class"):
            if not data.get(k):
                data.pop(k, None)
        existing = get_dealer_by_code(data.get("code", ""))
        if existing is None:
            create_dealer(data, actor)
            return True
        data.pop("code")
        update_dealer(existing, data, actor)
        return False
    return upsert


def import_dealers_csv(data: bytes | str, actor=None) -> dict:
    rows = read_csv(data, ["code", "name"])
    # agents first, so distributors in the same file can name them
    rows.sort(key=lambda r: 0 if r.get("kind") == "agent" else 1)
    return import_rows(rows, _dealer_row(actor), "code")
