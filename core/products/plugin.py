"""Product registry as an internal plugin of the core."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from core.declarations import MenuItem, Permission
from core.plugin_system import hookimpl
from core.users.plugin import ALL_STAFF


@hookimpl
def aftersales_permissions():
    return [
        Permission("core.products.view", _l("See products"), ALL_STAFF + ("dealer",)),
        Permission("core.products.manage", _l("Manage products and categories"), ("admin",)),
    ]


@hookimpl
def aftersales_blueprints():
    from core.products.views import bp

    return [bp]


@hookimpl
def aftersales_api_blueprints():
    from core.products.api import bp

    return [bp]


@hookimpl
def aftersales_menu_items():
    return [
        MenuItem("core.products", _l("Products"), "core_products.list_products", "core.products.view", section="master", order=20, icon="box-seam"),
        MenuItem("core.categories", _l("Product categories"), "core_products.list_categories", "core.products.view", section="master", order=21, icon="tags"),
    ]


DEMO_CATEGORIES = [
    # code, name, warranty months, retention months, whole-unit returns
    ("LIGHTING", "照明产品", 36, 36, False),
    ("RIGID_STRIP", "硬灯条", 24, 24, False),
    ("ELECTRONIC", "电子配件", 36, 36, True),
]
DEMO_PRODUCTS = [
    # sku, name, category, price, spare, parts
    ("DRV-20W", "LED 驱动电源 20W", "ELECTRONIC", "45.00", True, []),
    ("DRV-40W", "LED 驱动电源 40W", "ELECTRONIC", "68.00", True, []),
    ("LS-COB-10", "COB 光源模组 10W", "ELECTRONIC", "22.50", True, []),
    ("FR-600", "面板灯边框 600x600", "LIGHTING", "35.00", True, []),
    ("PNL-600", "LED 平板灯 600x600 40W", "LIGHTING", "268.00", False, [("DRV-40W", 1), ("FR-600", 1)]),
    ("DL-10W", "LED 筒灯 10W", "LIGHTING", "89.00", False, [("DRV-20W", 1), ("LS-COB-10", 1)]),
    ("STRIP-1M", "硬灯条 1 米 12W", "RIGID_STRIP", "39.00", False, [("DRV-20W", 1)]),
]


@hookimpl
def aftersales_load_demo(ctx):
    from sqlalchemy import select

    from core.extensions import db
    from core.products import services
    from core.products.models import ProductCategory

    for code, name, warranty, retention, whole in DEMO_CATEGORIES:
        if db.session.scalar(select(ProductCategory).where(ProductCategory.code == code)) is None:
            services.create_category({"code": code, "name": name, "warranty_months": warranty,
                                      "retention_months": retention, "whole_unit_returns": whole})
    for sku, name, cat, price, spare, parts in DEMO_PRODUCTS:
        product = services.get_product_by_sku(sku)
        if product is None:
            product = services.create_product({"sku": sku, "name": name, "category_code": cat,
                                               "unit_price": Decimal(price), "is_spare_part": spare,
                                               "parts": [{"sku": s, "quantity": q} for s, q in parts]})
        ctx.products[sku] = product
