"""Product categories, products and their bills of materials, with CSV import/export."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from core import activity
from core.dealers.services import import_rows, read_csv
from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.products.models import Product, ProductCategory, ProductPart
from core.products.schemas import CategoryIn, CategoryPatch, ProductIn, ProductPatch
from core.users.services import validate


def _unique(model, column, value, field, exclude_id=None):
    if db.session.scalar(select(exists().where(column == value, model.id != (exclude_id or -1)))):
        raise ValidationError(_("duplicate"), {field: _("%(value)r is already used", value=value)})


# --- categories -----------------------------------------------------------------------

def create_category(data, actor=None) -> ProductCategory:
    body = data if isinstance(data, CategoryIn) else validate(CategoryIn, data)
    _unique(ProductCategory, ProductCategory.code, body.code, "code")
    cat = ProductCategory(**body.model_dump())
    db.session.add(cat)
    db.session.flush()
    activity.log(cat, "created", {k: (None, v) for k, v in body.model_dump().items()}, actor=actor)
    return cat


def update_category(cat: ProductCategory, data, actor=None) -> ProductCategory:
    body = data if isinstance(data, CategoryPatch) else validate(CategoryPatch, data)
    values = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    if "code" in values:
        _unique(ProductCategory, ProductCategory.code, values["code"], "code", cat.id)
    changes = activity.apply_changes(cat, values)
    if changes:
        activity.log(cat, "updated", changes, actor=actor)
    return cat


def delete_category(cat: ProductCategory, actor=None) -> None:
    if db.session.scalar(select(exists().where(Product.category_id == cat.id))):
        raise Conflict(_("products belong to this category"), code="in_use")
    activity.log(cat, "deleted", {"code": (cat.code, None)}, actor=actor)
    db.session.delete(cat)
    db.session.flush()


def get_category(cat_id) -> ProductCategory:
    cat = db.session.get(ProductCategory, cat_id)
    if cat is None:
        raise NotFound(_("category %(cat_id)s not found", cat_id=cat_id))
    return cat


def serialize_category(c: ProductCategory) -> dict:
    return {"id": c.id, "code": c.code, "name": c.name, "warranty_months": c.warranty_months,
            "retention_months": c.retention_months, "whole_unit_returns": bool(c.whole_unit_returns)}


# --- products -------------------------------------------------------------------------

def _category_by_code(code: str) -> ProductCategory:
    cat = db.session.scalar(select(ProductCategory).where(ProductCategory.code == code))
    if cat is None:
        raise ValidationError(_("unknown category"), {"category_code": _("no category with code %(code)r", code=code)})
    return cat


def _resolve_parts(parts, product_sku: str) -> list[tuple[Product, int]]:
    skus = [p.sku for p in parts]
    dupes = sorted({s for s in skus if skus.count(s) > 1})
    if dupes:
        raise ValidationError(_("duplicate parts"), {"parts": _("listed twice: %(dupes)s", dupes=", ".join(dupes))})
    if product_sku in skus:
        raise ValidationError(_("self part"), {"parts": _("a product cannot be a part of itself")})
    found = {p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(skus)))} if skus else {}
    missing = [s for s in skus if s not in found]
    if missing:
        raise ValidationError(_("unknown parts"), {"parts": _("unknown SKU(s): %(missing)s", missing=", ".join(missing))})
    return [(found[p.sku], p.quantity) for p in parts]


def _status_fields(status: str, discontinued_on: date | None) -> dict:
    if status == "discontinued":
        return {"status": status, "discontinued_on": discontinued_on or date.today()}
    if discontinued_on is not None:
        raise ValidationError(_("date only when discontinued"), {"discontinued_on": _("only a discontinued product has this date")})
    return {"status": status, "discontinued_on": None}


def create_product(data, actor=None) -> Product:
    body = data if isinstance(data, ProductIn) else validate(ProductIn, data)
    _unique(Product, Product.sku, body.sku, "sku")
    cat = _category_by_code(body.category_code)
    parts = _resolve_parts(body.parts, body.sku)
    product = Product(sku=body.sku, name=body.name, category=cat, unit_price=body.unit_price,
                      is_spare_part=body.is_spare_part, **_status_fields(body.status, body.discontinued_on))
    product.parts = [ProductPart(part=p, quantity=q) for p, q in parts]
    db.session.add(product)
    db.session.flush()
    activity.log(product, "created", {"sku": (None, product.sku), "unit_price": (None, product.unit_price),
                                      "status": (None, product.status)}, actor=actor)
    return product


def update_product(product: Product, data, actor=None) -> Product:
    body = data if isinstance(data, ProductPatch) else validate(ProductPatch, data)
    values = body.model_dump(exclude_unset=True)
    version = values.pop("version", None)
    if version is not None and version != product.version:
        raise Conflict(_("stale version %(version)s; current is %(product_version)s", version=version, product_version=product.version), code="stale_version")
    for key in ("sku", "name", "category_code", "unit_price", "status", "is_spare_part"):
        if key in values and values[key] is None:
            values.pop(key)
    changes = {}
    if "sku" in values:
        _unique(Product, Product.sku, values["sku"], "sku", product.id)
    if "category_code" in values:
        cat = _category_by_code(values.pop("category_code"))
        if cat.id != product.category_id:
            changes["category_code"] = (product.category.code, cat.code)
            product.category = cat
    if "parts" in values:
        values.pop("parts")
        parts = _resolve_parts(body.parts or [], values.get("sku", product.sku))
        old = sorted((pp.part.sku, pp.quantity) for pp in product.parts)
        new = sorted((p.sku, q) for p, q in parts)
        if old != new:
            product.parts = [ProductPart(part=p, quantity=q) for p, q in parts]
            changes["parts"] = (old, new)
    if "status" in values or "discontinued_on" in values:
        status = values.pop("status", product.status)
        on = values.pop("discontinued_on", product.discontinued_on if status == "discontinued" else None)
        values.update(_status_fields(status, on))
    changes.update(activity.apply_changes(product, values))
    if changes:
        activity.log(product, "updated", changes, actor=actor)
    return product


def delete_product(product: Product, actor=None) -> None:
    if db.session.scalar(select(exists().where(ProductPart.part_id == product.id))):
        raise Conflict(_("this product is a part of other products"), code="in_use")
    activity.log(product, "deleted", {"sku": (product.sku, None)}, actor=actor)
    try:
        with db.session.begin_nested():
            db.session.delete(product)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("records refer to this product; discontinue it instead"), code="in_use")


def sees_whole_catalogue(user) -> bool:
    """Head office and regional managers see discontinued products too; dealers the active catalogue."""
    return user.scope in ("all", "region")


def get_product(product_id) -> Product:
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound(_("product %(product_id)s not found", product_id=product_id))
    return product


def get_product_by_sku(sku: str) -> Product | None:
    return db.session.scalar(select(Product).where(Product.sku == sku))


def product_search_clause(q: str):
    like = f"%{q}%"
    return or_(Product.sku.ilike(like), Product.name.ilike(like))


def serialize_product(p: Product) -> dict:
    return {"id": p.id, "sku": p.sku, "name": p.name, "category_code": p.category.code,
            "unit_price": f"{p.unit_price:.2f}", "status": p.status,
            "discontinued_on": p.discontinued_on.isoformat() if p.discontinued_on else None,
            "is_spare_part": bool(p.is_spare_part),
            "parts": [{"sku": pp.part.sku, "quantity": pp.quantity} for pp in p.parts], "version": p.version}


# --- CSV ------------------------------------------------------------------------------

PRODUCT_CSV_FIELDS = ["sku", "name", "category_code", "unit_price", "status", "discontinued_on", "is_spare_part", "parts"]


def _parts_text(parts) -> str:
    return ";".join(f"{pp.part.sku}:{pp.quantity}" for pp in parts)


def _parse_parts(text: str) -> list[dict]:
    parts = []
    for chunk in filter(None, (c.strip() for c in text.split(";"))):
        sku, _, qty = chunk.partition(":")
        parts.append({"sku": sku.strip(), "quantity": qty.strip() or "1"})
    return parts


def product_export_rows(products):
    """One row of PRODUCT_CSV_FIELDS per product (the export helper neutralises formulas)."""
    for p in products:
        row = {"sku": p.sku, "name": p.name, "category_code": p.category.code,
               "unit_price": f"{p.unit_price:.2f}", "status": p.status,
               "discontinued_on": p.discontinued_on.isoformat() if p.discontinued_on else "",
               "is_spare_part": "true" if p.is_spare_part else "false", "parts": _parts_text(p.parts)}
        yield [row[k] for k in PRODUCT_CSV_FIELDS]


def export_products_csv(products) -> str:
    from core.toolkit import csv_text

    return csv_text(PRODUCT_CSV_FIELDS, product_export_rows(products))


def import_products_csv(data: bytes | str, actor=None) -> dict:
    rows = read_csv(data, ["sku", "name", "category_code", "unit_price"])
    # parts before the products made of them
    rows.sort(key=lambda r: 0 if not r.get("parts") else 1)

    def upsert(row: dict) -> bool:
        payload = {k: row[k] for k in ("sku", "name", "category_code", "unit_price") if k in row}
        if row.get("status"):
            payload["status"] = row["status"]
        if row.get("discontinued_on"):
            payload["discontinued_on"] = row["discontinued_on"]
        if row.get("is_spare_part"):
            payload["is_spare_part"] = row["is_spare_part"]
        payload["parts"] = _parse_parts(row.get("parts", ""))
        existing = get_product_by_sku(payload.get("sku", ""))
        if existing is None:
            create_product(payload, actor)
            return True
        update_product(existing, payload, actor)
        return False

    return import_rows(rows, upsert, "sku")
