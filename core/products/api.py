from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.api.crud import CrudApi
from core.errors import NotFound
from core.products import services
from core.products.models import Product, ProductCategory
from core.products.schemas import (CategoryIn, CategoryOut, CategoryPatch, CategoryQuery, ProductIn, ProductOut,
                                   ProductPatch, ProductQuery)

bp = Blueprint("core_products_api", __name__)

PRODUCT_SORTS = {"sku": Product.sku, "name": Product.name, "unit_price": Product.unit_price}


def category_list_stmt(query: CategoryQuery):
    stmt = select(ProductCategory).order_by(ProductCategory.code)
    if query.q:
        stmt = stmt.where(ProductCategory.code.ilike(f"%{query.q}%") | ProductCategory.name.ilike(f"%{query.q}%"))
    return stmt


def product_list_stmt(query: ProductQuery):
    column = PRODUCT_SORTS[query.sort.lstrip("-")]
    stmt = select(Product).order_by(column.desc() if query.sort.startswith("-") else column, Product.id)
    if query.q:
        stmt = stmt.where(services.product_search_clause(query.q))
    if query.category_code:
        stmt = stmt.where(Product.category_id.in_(select(ProductCategory.id).where(ProductCategory.code == query.category_code)))
    status = query.status if services.sees_whole_catalogue(current_user) else "active"
    if status:
        stmt = stmt.where(Product.status == status)
    if query.is_spare_part is not None:
        stmt = stmt.where(Product.is_spare_part.is_(query.is_spare_part))
    return stmt


def load_visible_product(product_id: int) -> Product:
    product = services.get_product(product_id)
    if product.status != "active" and not services.sees_whole_catalogue(current_user):
        raise NotFound(_("product %(product_id)s not found", product_id=product_id))
    return product


CrudApi("/product-categories", "category", "products", CategoryOut, CategoryIn, CategoryPatch, CategoryQuery,
        category_list_stmt, services.serialize_category, services.get_category, services.create_category,
        services.update_category, services.delete_category, "core.products.view", "core.products.manage",
        label="a product category").register(bp)

CrudApi("/products", "product", "products", ProductOut, ProductIn, ProductPatch, ProductQuery, product_list_stmt,
        services.serialize_product, load_visible_product, services.create_product, services.update_product,
        services.delete_product, "core.products.view", "core.products.manage").register(bp)
