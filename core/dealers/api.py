from __future__ import annotations

from flask import Blueprint
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api import paginate, route
from core.dealers import services
from core.dealers.models import Dealer, Region
from core.dealers.schemas import DealerIn, DealerOut, DealerPatch, DealerQuery, RegionIn, RegionOut, RegionPatch, RegionQuery
from core.events import commit
from core.security import get_scoped, scoped

bp = Blueprint("dealers_api", __name__)

DEALER_SORTS = {"code": Dealer.code, "name": Dealer.name, "status": Dealer.status}


@route(bp, "/regions", query=RegionQuery, response=RegionOut, many=True, permission="core.regions.view", tag="regions")
def list_regions(query: RegionQuery):
    """Regions with their managers."""
    stmt = select(Region).options(selectinload(Region.managers)).order_by(Region.code)
    if query.q:
        stmt = stmt.where(Region.code.ilike(f"%{query.q}%") | Region.name.ilike(f"%{query.q}%"))
    return paginate(stmt, query, services.serialize_region)


@route(bp, "/regions", ["POST"], body=RegionIn, response=RegionOut, status=201, permission="core.regions.manage", tag="regions")
def create_region(body: RegionIn):
    """Create a region."""
    region = services.create_region(body, actor=current_user)
    commit()
    return services.serialize_region(region)


@route(bp, "/regions/<int:region_id>", response=RegionOut, permission="core.regions.view", tag="regions")
def get_region(region_id: int):
    """One region."""
    return services.serialize_region(services.get_region(region_id))


@route(bp, "/regions/<int:region_id>", ["PATCH"], body=RegionPatch, response=RegionOut, permission="core.regions.manage", tag="regions")
def update_region(region_id: int, body: RegionPatch):
    """Change a region."""
    region = services.update_region(services.get_region(region_id), body, actor=current_user)
    commit()
    return services.serialize_region(region)


@route(bp, "/regions/<int:region_id>", ["DELETE"], status=204, permission="core.regions.manage", tag="regions")
def delete_region(region_id: int):
    """Delete a region no dealer belongs to."""
    services.delete_region(services.get_region(region_id), actor=current_user)
    commit()
    return "", 204


def dealer_list_stmt(query: DealerQuery):
    from core.dealers.models import Dealer as Parent
    from sqlalchemy.orm import aliased

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
        parent = aliased(Parent)
        stmt = stmt.where(Dealer.parent_id.in_(select(parent.id).where(parent.code == query.parent_code)))
    return stmt


@route(bp, "/dealers", query=DealerQuery, response=DealerOut, many=True, permission="core.dealers.view", tag="dealers")
def list_dealers(query: DealerQuery):
    """Dealers the caller may see, with search, filters and sorting."""
    return paginate(dealer_list_stmt(query), query, services.serialize_dealer)


@route(bp, "/dealers", ["POST"], body=DealerIn, response=DealerOut, status=201, permission="core.dealers.manage", tag="dealers")
def create_dealer(body: DealerIn):
    """Create a dealer, agent or distributor."""
    dealer = services.create_dealer(body, actor=current_user)
    commit()
    return services.serialize_dealer(dealer)


@route(bp, "/dealers/<int:dealer_id>", response=DealerOut, permission="core.dealers.view", tag="dealers")
def get_dealer(dealer_id: int):
    """One dealer (404 outside the caller's scope)."""
    return services.serialize_dealer(get_scoped(Dealer, dealer_id))


@route(bp, "/dealers/<int:dealer_id>", ["PATCH"], body=DealerPatch, response=DealerOut, tag="dealers")
def update_dealer(dealer_id: int, body: DealerPatch):
    """Change a dealer; a status change records its reason and who made it."""
    dealer = get_scoped(Dealer, dealer_id)
    from core.security import ensure

    ensure(current_user, "core.dealers.manage")
    services.update_dealer(dealer, body, actor=current_user)
    commit()
    return services.serialize_dealer(dealer)


@route(bp, "/dealers/<int:dealer_id>", ["DELETE"], status=204, tag="dealers")
def delete_dealer(dealer_id: int):
    """Delete a dealer nothing refers to (else set its status)."""
    dealer = get_scoped(Dealer, dealer_id)
    from core.security import ensure

    ensure(current_user, "core.dealers.manage")
    services.delete_dealer(dealer, actor=current_user)
    commit()
    return "", 204
