from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.dealers.views import ImportForm, csv_import_page
from core.errors import NotFound
from core.extensions import db
from core.products import services
from core.products.models import PRODUCT_STATUSES, Product, ProductCategory
from core.security import require
from core.web.crud import Crud
from core.web.listing import Column, Filter

bp = Blueprint("core_products", __name__, template_folder="templates")

STATUS_LABELS = {"active": _l("Active"), "discontinued": _l("Discontinued")}


class CategoryForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    warranty_months = IntegerField(_l("Warranty (months)"), validators=[DataRequired(), NumberRange(0, 600)])
    retention_months = IntegerField(_l("Spare-part retention after discontinuation (months)"),
                                    validators=[DataRequired(), NumberRange(0, 600)])
    whole_unit_returns = BooleanField(_l("Whole units may be returned"))


categories_crud = Crud(
    name="categories", model=ProductCategory, title=_l("Product categories"), singular=_l("Product category"),
    view_permission="core.products.view", manage_permission="core.products.manage",
    columns=[Column(_l("Code"), lambda c: c.code, ProductCategory.code, "code", link=True),
             Column(_l("Name"), lambda c: c.name, ProductCategory.name, "name"),
             Column(_l("Warranty (months)"), lambda c: c.warranty_months, ProductCategory.warranty_months, "warranty_months"),
             Column(_l("Retention (months)"), lambda c: c.retention_months, ProductCategory.retention_months, "retention_months"),
             Column(_l("Whole units may be returned"), lambda c: _("yes") if c.whole_unit_returns else _("no"))],
    default_sort="code", form=CategoryForm,
    create=services.create_category, update=services.update_category, delete=services.delete_category,
    load=services.get_category,
    to_data=lambda f: {"code": f.code.data.strip(), "name": f.name.data.strip(), "warranty_months": f.warranty_months.data,
                       "retention_months": f.retention_months.data, "whole_unit_returns": bool(f.whole_unit_returns.data)},
    from_record=services.serialize_category,
    search=lambda q: ProductCategory.code.ilike(f"%{q}%") | ProductCategory.name.ilike(f"%{q}%"),
    detail=lambda c: [(_l("Code"), c.code), (_l("Name"), c.name), (_l("Warranty (months)"), c.warranty_months),
                      (_l("Retention (months)"), c.retention_months),
                      (_l("Whole units may be returned"), _("yes") if c.whole_unit_returns else _("no"))],
    label=lambda c: f"{c.code} {c.name}",
).register(bp)


class ProductForm(FlaskForm):
    sku = StringField(_l("SKU / model"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    category_code = SelectField(_l("Category"), choices=[], validate_choice=False)
    unit_price = StringField(_l("Unit price"), validators=[DataRequired(), Length(max=20)])
    status = SelectField(_l("Status"), choices=[(s, STATUS_LABELS[s]) for s in PRODUCT_STATUSES])
    discontinued_on = DateField(_l("Discontinued on"), validators=[Optional()])
    is_spare_part = BooleanField(_l("Spare part"))
    parts = TextAreaField(_l("Bill of materials"), validators=[Optional(), Length(max=5000)],
                          description=_l("One part per line: SKU and quantity, e.g. DRV-40W 1"))


def _product_form_setup(form, record):
    form.category_code.choices = [(c.code, f"{c.code} {c.name}") for c in db.session.scalars(
        select(ProductCategory).order_by(ProductCategory.code))]


def _product_data(form) -> dict:
    raw = (form.unit_price.data or "").strip()
    try:
        price = Decimal(raw)
    except InvalidOperation:
        price = raw  # the schema reports it
    parts = []
    for line in (form.parts.data or "").splitlines():
        bits = line.replace(",", " ").replace(":", " ").split()
        if bits:
            parts.append({"sku": bits[0], "quantity": bits[1] if len(bits) > 1 else 1})
    return {"sku": form.sku.data.strip(), "name": form.name.data.strip(), "category_code": form.category_code.data,
            "unit_price": price, "status": form.status.data,
            "discontinued_on": form.discontinued_on.data if form.status.data == "discontinued" else None,
            "is_spare_part": bool(form.is_spare_part.data), "parts": parts}


def _load_product(record_id):
    product = db.session.get(Product, record_id)
    if product is None or (product.status != "active" and not services.sees_whole_catalogue(current_user)):
        raise NotFound(_("Product not found."))
    return product


def _product_base():
    stmt = select(Product)
    if not services.sees_whole_catalogue(current_user):
        stmt = stmt.where(Product.status == "active")
    return stmt


products_crud = Crud(
    name="products", model=Product, title=_l("Products"), singular=_l("Product"),
    view_permission="core.products.view", manage_permission="core.products.manage",
    columns=[Column(_l("SKU / model"), lambda p: p.sku, Product.sku, "sku", link=True),
             Column(_l("Name"), lambda p: p.name, Product.name, "name"),
             Column(_l("Category"), lambda p: p.category.name),
             Column(_l("Unit price"), lambda p: f"{p.unit_price:.2f}", Product.unit_price, "unit_price"),
             Column(_l("Spare part"), lambda p: _("yes") if p.is_spare_part else ""),
             Column(_l("Status"), lambda p: STATUS_LABELS.get(p.status, p.status), Product.status, "status")],
    default_sort="sku", form=ProductForm,
    create=services.create_product, update=services.update_product, delete=services.delete_product,
    load=_load_product, to_data=_product_data,
    from_record=lambda p: {"sku": p.sku, "name": p.name, "category_code": p.category.code,
                           "unit_price": f"{p.unit_price:.2f}", "status": p.status, "discontinued_on": p.discontinued_on,
                           "is_spare_part": p.is_spare_part,
                           "parts": "\n".join(f"{pp.part.sku} {pp.quantity}" for pp in p.parts)},
    base_stmt=_product_base, search=services.product_search_clause,
    filters=[Filter("category", _l("Category"), lambda: [(c.code, c.name) for c in db.session.scalars(select(ProductCategory).order_by(ProductCategory.code))],
                    lambda stmt, v: stmt.where(Product.category_id.in_(select(ProductCategory.id).where(ProductCategory.code == v)))),
             Filter("status", _l("Status"), lambda: [(s, STATUS_LABELS[s]) for s in PRODUCT_STATUSES],
                    lambda stmt, v: stmt.where(Product.status == v)),
             Filter("spare", _l("Spare part"), lambda: [("1", _("yes")), ("0", _("no"))],
                    lambda stmt, v: stmt.where(Product.is_spare_part.is_(v == "1")))],
    detail=lambda p: [(_l("SKU / model"), p.sku), (_l("Name"), p.name), (_l("Category"), p.category.name),
                      (_l("Unit price"), f"{p.unit_price:.2f}"), (_l("Status"), STATUS_LABELS.get(p.status, p.status)),
                      (_l("Discontinued on"), p.discontinued_on or ""), (_l("Spare part"), _("yes") if p.is_spare_part else _("no")),
                      (_l("Bill of materials"), ", ".join(f"{pp.part.sku} × {pp.quantity}" for pp in p.parts))],
    label=lambda p: f"{p.sku} {p.name}", form_setup=_product_form_setup,
    extra_actions=[(_l("Export CSV"), "core_products.export_products", "core.products.view"),
                   (_l("Import CSV"), "core_products.import_products", "core.products.manage")],
).register(bp)


@bp.route("/products/export.csv")
@require("core.products.view")
def export_products():
    products = db.session.scalars(_product_base().order_by(Product.sku)).unique()
    from core.toolkit import export_response

    return export_response("products", services.PRODUCT_CSV_FIELDS, services.product_export_rows(products))


@bp.route("/products/import", methods=["GET", "POST"])
@require("core.products.manage")
def import_products():
    return csv_import_page(ImportForm(), services.import_products_csv, services.PRODUCT_CSV_FIELDS,
                           _("Import products"), "core_products.list_products")
