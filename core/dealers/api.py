from __future__ import annotations

from flask import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from core.api.crud import CrudApi
from core.dealers import services
from core.dealers.models import Dealer, Region
from core.dealers.schemas import DealerIn, DealerOut, DealerPatch, DealerQuery, RegionIn, RegionOut, RegionPatch, RegionQuery
from core.security import get_scoped, scoped

bp = Blueprint("core_dealers_api", __name__)

DEALER_SORTS = {"code": Dealer.code, "name": Dealer.name, "status": Dealer.status}


def region_list_stmt(query: RegionQuery):
    stmt = select(Region).options(selectinload(Region.managers)).order_by(Region.code)
    if query.q:
        stmt = stmt.where(Region.code.ilike(f"%{query.q}%") | Region.name.ilike(f"%{query.q}%"))
    return stmt


def dealer_list_stmt(query: DealerQuery):
    column = DEALER_SORTS[query.sort.lstrip("-")]
    stmt = scoped(select(Dealer), Dealer).order_by(column.desc() if query.sort.startswith("-") else column, Dealer.id)
    if query.q:
        stmt = stmt.where(services.dealer_search_clause(query.q))
    for attr in ("kind", "status", "abc_class"):
        value = getattr(query, attr)
        if value:
            stmt = stmt.where(getattr(Dealer, attr) == value)
    if query.region_code:
        stmt = stmt.where(Dealer.region_id.in_(select(Region.id).where(Region.code == query.region_code)))
    if query.parent_code:
        parent = aliased(Dealer)
        stmt = stmt.where(Dealer.parent_id.in_(select(parent.id).where(parent.code == query.parent_code)))
    return stmt


CrudApi("/regions", "region", "regions", RegionOut, RegionIn, RegionPatch, RegionQuery, region_list_stmt,
        services.serialize_region, services.get_region, services.create_region, services.update_region,
        services.delete_region, "core.regions.view", "core.regions.manage").register(bp)

CrudApi("/dealers", "dealer", "dealers", DealerOut, DealerIn, DealerPatch, DealerQuery, dealer_list_stmt,
        services.serialize_dealer, lambda record_id: get_scoped(Dealer, record_id), services.create_dealer,
        services.update_dealer, services.delete_dealer, "core.dealers.view", "core.dealers.manage").register(bp)
