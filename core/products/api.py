from __future__ import annotations

from flask import Blueprint
from flask_login import current_user
from sqlalchemy import select

from core.api import paginate, route
from core.events import commit
from core.products import services
from core.products.models import Product, ProductCategory
from core.products.schemas import (CategoryIn, CategoryOut, CategoryPatch, CategoryQuery, ProductIn, ProductOut,
                                   ProductPatch, ProductQuery)
from core.errors import NotFound

bp = Blueprint("products_api", __name__)

PRODUCT_SORTS = {"sku": Product.sku, "name": Product.name, "unit_price": Product.unit_price}


@route(bp, "/product-categories", query=CategoryQuery, response=CategoryOut, many=True, permission="core.products.view", tag="products")
def list_categories(query: CategoryQuery):
    """Product categories with warranty and retention months."""
    stmt = select(ProductCategory).order_by(ProductCategory.code)
    if query.q:
        stmt = stmt.where(ProductCategory.code.ilike(f"%{query.q}%") | ProductCategory.name.ilike(f"%{query.q}%"))
    return paginate(stmt, query, services.serialize_category)


@route(bp, "/product-categories", ["POST"], body=CategoryIn, response=CategoryOut, status=201, permission="core.products.manage", tag="products")
def create_category(body: CategoryIn):
    """Create a product category."""
    cat = services.create_category(body, actor=current_user)
    commit()
    return services.serialize_category(cat)


@route(bp, "/product-categories/<int:cat_id>", response=CategoryOut, permission="core.products.view", tag="products")
def get_category(cat_id: int):
    """One product category."""
    return services.serialize_category(services.get_category(cat_id))


@route(bp, "/product-categories/<int:cat_id>", ["PATCH"], body=CategoryPatch, response=CategoryOut, permission="core.products.manage", tag="products")
def update_category(cat_id: int, body: CategoryPatch):
    """Change a product category."""
    cat = services.update_category(services.get_category(cat_id), body, actor=current_user)
    commit()
    return services.serialize_category(cat)


@route(bp, "/product-categories/<int:cat_id>", ["DELETE"], status=204, permission="core.products.manage", tag="products")
def delete_category(cat_id: int):
    """Delete a category no product belongs to."""
    services.delete_category(services.get_category(cat_id), actor=current_user)
    commit()
    return "", 204


def product_list_stmt(query: ProductQuery, user):
    column = PRODUCT_SORTS[query.sort.lstrip("-")]
    stmt = select(Product).order_by(column.desc() if query.sort.startswith("-") else column, Product.id)
    if query.q:
        stmt = stmt.where(services.product_search_clause(query.q))
    if query.category_code:
        stmt = stmt.where(Product.category_id.in_(select(ProductCategory.id).where(ProductCategory.code == query.category_code)))
    status = query.status
    if user.scope != "all" and user.scope != "region":
        status = "active"  # dealers see the active catalogue
    if status:
        stmt = stmt.where(Product.status == status)
    if query.is_spare_part is not None:
        stmt = stmt.where(Product.is_spare_part.is_(query.is_spare_part))
    return stmt


@route(bp, "/products", query=ProductQuery, response=ProductOut, many=True, permission="core.products.view", tag="products")
def list_products(query: ProductQuery):
    """Products (dealers see active ones), with search, filters and sorting."""
    return paginate(product_list_stmt(query, current_user), query, services.serialize_product)


@route(bp, "/products", ["POST"], body=ProductIn, response=ProductOut, status=201, permission="core.products.manage", tag="products")
def create_product(body: ProductIn):
    """Create a product with its bill of materials."""
    product = services.create_product(body, actor=current_user)
    commit()
    return services.serialize_product(product)


def _visible_product(product_id: int) -> Product:
    product = services.get_product(product_id)
    if product.status != "active" and current_user.scope not in ("all", "region"):
        raise NotFound(f"product {product_id} not found")
    return product


@route(bp, "/products/<int:product_id>", response=ProductOut, permission="core.products.view", tag="products")
def get_product(product_id: int):
    """One product."""
    return services.serialize_product(_visible_product(product_id))


@route(bp, "/products/<int:product_id>", ["PATCH"], body=ProductPatch, response=ProductOut, permission="core.products.manage", tag="products")
def update_product(product_id: int, body: ProductPatch):
    """Change a product; discontinuing it records the date."""
    product = services.update_product(services.get_product(product_id), body, actor=current_user)
    commit()
    return services.serialize_product(product)


@route(bp, "/products/<int:product_id>", ["DELETE"], status=204, permission="core.products.manage", tag="products")
def delete_product(product_id: int):
    """Delete a product nothing refers to (else discontinue it)."""
    services.delete_product(services.get_product(product_id), actor=current_user)
    commit()
    return "", 204
