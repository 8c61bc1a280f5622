from __future__ import annotations

import math

from flask import Blueprint
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.toolkit import Dealer, Product, Region, ValidationError, commit, db, paginate, route, scoped
from plugins.spares import services
from plugins.spares.models import Application, Movement, Obligation, Stock, StockReport
from plugins.spares.schemas import (ActionIn, ApplicationIn, ApplicationOut, ApplicationQuery, ComplianceOut,
                                    ComplianceQuery, MovementIn, MovementOut, MovementQuery, NonCompliantOut,
                                    ObligationIn, ObligationOut, ObligationPatch, ObligationQuery, RateOut, RatesQuery,
                                    RetentionOut, RetentionQuery, StockOut, StockQuery, StockReportCheckOut, StockReportIn,
                                    StockReportOut,
                                    StockReportQuery)

bp = Blueprint("spares_api", __name__)


def _page(items: list, query) -> dict:
    start = (query.page - 1) * query.per_page
    return {"items": items[start:start + query.per_page], "total": len(items), "page": query.page,
            "per_page": query.per_page, "pages": math.ceil(len(items) / query.per_page) if items else 0}


# --- obligations ------------------------------------------------------------------------------

@route(bp, "/spare-obligations", query=ObligationQuery, response=ObligationOut, many=True, permission="spares.stock",
       tag="spares")
def list_obligations(query: ObligationQuery):
    """Obligation rules, filtered by part, scope or dealer."""
    stmt = services.visible_obligations(
        select(Obligation).join(Product, Product.id == Obligation.part_id).order_by(Product.sku, Obligation.id))
    if query.sku:
        stmt = stmt.where(Product.sku == query.sku)
    if query.dealer_code:
        stmt = stmt.where(Obligation.dealer_id.in_(select(Dealer.id).where(Dealer.code == query.dealer_code)))
    if query.scope == "dealer":
        stmt = stmt.where(Obligation.dealer_id.is_not(None))
    elif query.scope == "region":
        stmt = stmt.where(Obligation.dealer_id.is_(None), Obligation.region_id.is_not(None))
    elif query.scope == "abc_class":
        stmt = stmt.where(Obligation.dealer_id.is_(None), Obligation.region_id.is_(None), Obligation.abc_class.is_not(None))
    elif query.scope == "dealer_kind":
        stmt = stmt.where(Obligation.dealer_id.is_(None), Obligation.region_id.is_(None), Obligation.abc_class.is_(None),
                          Obligation.dealer_kind.is_not(None))
    elif query.scope == "all":
        stmt = stmt.where(Obligation.dealer_id.is_(None), Obligation.region_id.is_(None), Obligation.abc_class.is_(None),
                          Obligation.dealer_kind.is_(None))
    return paginate(stmt, query, services.serialize_obligation)


@route(bp, "/spare-obligations", ["POST"], body=ObligationIn, response=ObligationOut, status=201,
       permission="spares.obligations", tag="spares")
def create_obligation(body: ObligationIn):
    """Create a rule: SKU, quantity and at most one scope (none: every dealer)."""
    ob = services.create_obligation(body, actor=current_user)
    commit()
    return services.serialize_obligation(ob)


@route(bp, "/spare-obligations/<int:ob_id>", response=ObligationOut, permission="spares.stock", tag="spares")
def get_obligation(ob_id: int):
    """One rule."""
    return services.serialize_obligation(services.get_obligation(ob_id))


@route(bp, "/spare-obligations/<int:ob_id>", ["PATCH"], body=ObligationPatch, response=ObligationOut,
       permission="spares.obligations", tag="spares")
def update_obligation(ob_id: int, body: ObligationPatch):
    """Change a rule's quantity or note (its part and scope are its identity)."""
    ob = services.update_obligation(services.get_obligation(ob_id), body, actor=current_user)
    commit()
    return services.serialize_obligation(ob)


@route(bp, "/spare-obligations/<int:ob_id>", ["DELETE"], status=204, permission="spares.obligations", tag="spares")
def delete_obligation(ob_id: int):
    """Delete a rule."""
    services.delete_obligation(services.get_obligation(ob_id), actor=current_user)
    commit()
    return "", 204


# --- compliance -------------------------------------------------------------------------------

@route(bp, "/spare-compliance", query=ComplianceQuery, response=ComplianceOut, permission="spares.view", tag="spares")
def compliance(query: ComplianceQuery):
    """Per part: required, on hand (latest report), compliant, and the rule that applied and why."""
    if current_user.scope == "dealer" and not query.dealer_code:
        dealer = current_user.dealer
    elif not query.dealer_code:
        raise ValidationError(_("dealer required"), {"dealer_code": _("required")})
    else:
        dealer = db.session.scalar(scoped(select(Dealer).where(Dealer.code == query.dealer_code), Dealer))
        if dealer is None:
            from core.toolkit import NotFound

            raise NotFound(_("dealer %(query_dealer_code)s not found", query_dealer_code=query.dealer_code))
    return services.dealer_compliance(dealer)


@route(bp, "/spare-compliance/rates", query=RatesQuery, response=RateOut, many=True, permission="spares.view",
       tag="spares")
def compliance_rates(query: RatesQuery):
    """Compliance rate (compliant dealer-part pairs / obliged pairs) by dealer, region or part."""
    return _page(services.compliance_rates(query.by), query)


@route(bp, "/spare-compliance/non-compliant", query=StockQuery, response=NonCompliantOut, many=True,
       permission="spares.view", tag="spares")
def non_compliant(query: StockQuery):
    """Dealers holding less than required of at least one part."""
    items, total = services.non_compliant_page((query.page - 1) * query.per_page, query.per_page)
    return {"items": items, "total": total, "page": query.page, "per_page": query.per_page,
            "pages": math.ceil(total / query.per_page)}


# --- stock reports ----------------------------------------------------------------------------

@route(bp, "/spare-stock-reports", query=StockReportQuery, response=StockReportOut, many=True,
       permission="spares.view", tag="spares")
def list_reports(query: StockReportQuery):
    """Stock reports the caller may see, newest first."""
    stmt = scoped(select(StockReport), StockReport).order_by(StockReport.reported_on.desc(), StockReport.id.desc())
    if query.dealer_code:
        stmt = stmt.where(StockReport.dealer_id.in_(select(Dealer.id).where(Dealer.code == query.dealer_code)))
    if query.date_from:
        stmt = stmt.where(StockReport.reported_on >= query.date_from)
    if query.date_to:
        stmt = stmt.where(StockReport.reported_on <= query.date_to)
    return paginate(stmt, query, services.serialize_report)


@route(bp, "/spare-stock-reports", ["POST"], body=StockReportIn, response=StockReportOut, status=201,
       permission="spares.report", tag="spares",
       extra_responses={200: (StockReportCheckOut, "check_only: the warnings saving would give; nothing saved")})
def create_report(body: StockReportIn):
    """Report on-hand spare parts (``dealer_code`` for staff only); all lines or none.

    The answer's ``warnings`` (code ``obliged_parts_omitted``) say when the report replaces one
    of the same date and leaves out obliged parts; ``check_only: true`` asks first (200, nothing saved).
    """
    dealer = services.acting_dealer(current_user, body.dealer_code)
    lines = [(l.sku, l.quantity) for l in body.lines]
    if body.check_only:
        services.check_stock_report(dealer, body.reported_on, lines, actor=current_user)
        warnings = services.stock_report_warnings(dealer, body.reported_on, [sku for sku, _q in lines])
        return {"saved": False, "warnings": warnings}, 200
    warnings = services.stock_report_warnings(dealer, body.reported_on, [sku for sku, _q in lines])
    report = services.create_stock_report(dealer, body.reported_on, lines, actor=current_user)
    commit()
    return {**services.serialize_report(report), "warnings": warnings}


@route(bp, "/spare-stock-reports/<int:report_id>", response=StockReportOut, permission="spares.view", tag="spares")
def get_report(report_id: int):
    """One report (404 outside the caller's scope)."""
    from core.toolkit import get_scoped

    return services.serialize_report(get_scoped(StockReport, report_id))


# --- applications -----------------------------------------------------------------------------

@route(bp, "/spare-applications", query=ApplicationQuery, response=ApplicationOut, many=True,
       permission="spares.view", tag="spares")
def list_applications(query: ApplicationQuery):
    """Spare-part applications the caller may see."""
    stmt = scoped(select(Application), Application).order_by(Application.id.desc())
    if query.state:
        stmt = stmt.where(Application.state == query.state)
    if query.open:
        stmt = stmt.where(Application.state.in_(services.OPEN_STATES))
    if query.dealer_code:
        stmt = stmt.where(Application.dealer_id.in_(select(Dealer.id).where(Dealer.code == query.dealer_code)))
    return paginate(stmt, query, lambda a: services.serialize_application(a, current_user))


@route(bp, "/spare-applications", ["POST"], body=ApplicationIn, response=ApplicationOut, status=201,
       permission="spares.apply", tag="spares")
def create_application(body: ApplicationIn):
    """Apply to customer service for spare parts: lines, reason, optional RMA."""
    app = services.create_application(body, current_user)
    commit()
    return services.serialize_application(app, current_user)


@route(bp, "/spare-applications/<int:app_id>", response=ApplicationOut, permission="spares.view", tag="spares")
def get_application(app_id: int):
    """One application (404 outside the caller's scope)."""
    return services.serialize_application(services.get_application(app_id), current_user)


@route(bp, "/spare-applications/<int:app_id>/<action>", ["POST"], body=ActionIn,
       response=ApplicationOut, tag="spares")
def application_action(app_id: int, action: str, body: ActionIn):
    """approve, reject (``reason``), ship (optional shipped ``lines``; stock leaves head office), receive."""
    app = services.get_application(app_id)
    services.act(app, action, current_user, version=body.version, reason=body.reason, lines=body.lines)
    commit()
    return services.serialize_application(services.get_application(app_id), current_user)


# --- head-office stock --------------------------------------------------------------------------

@route(bp, "/spare-stock", query=StockQuery, response=StockOut, many=True, permission="spares.stock", tag="spares")
def list_stock(query: StockQuery):
    """Head-office on-hand per spare part: new and repaired (repaired parts are for warranty replacement only)."""
    stmt = services.stock_rows_stmt().order_by(Product.sku)
    if query.q:
        stmt = stmt.where(Product.sku.ilike(f"%{query.q}%") | Product.name.ilike(f"%{query.q}%"))
    if query.zero:
        stmt = stmt.where((Stock.on_hand.is_(None)) | (Stock.on_hand == 0))
    from sqlalchemy import func

    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.execute(stmt.limit(query.per_page).offset((query.page - 1) * query.per_page)).all()
    return {"items": [{"sku": p.sku, "part_name": p.name, "on_hand": int(n), "repaired_on_hand": int(r)}
                      for p, n, r in rows],
            "total": total, "page": query.page, "per_page": query.per_page,
            "pages": math.ceil(total / query.per_page) if total else 0}


@route(bp, "/spare-movements", query=MovementQuery, response=MovementOut, many=True, permission="spares.stock",
       tag="spares")
def list_movements(query: MovementQuery):
    """The append-only stock ledger, newest first."""
    services.ensure_head_office(current_user)
    stmt = select(Movement).order_by(Movement.id.desc())
    if query.sku:
        stmt = stmt.where(Movement.part_id.in_(select(Product.id).where(Product.sku == query.sku)))
    if query.kind:
        stmt = stmt.where(Movement.kind == query.kind)
    return paginate(stmt, query, services.serialize_movement)


@route(bp, "/spare-movements", ["POST"], body=MovementIn, response=MovementOut, status=201,
       permission="spares.stock.manage", tag="spares")
def create_movement(body: MovementIn):
    """Receipt, RMA replacement issue, repaired-part return, or adjustment (signed, with a reason)."""
    m = services.record_movement(body, actor=current_user)
    commit()
    return services.serialize_movement(db.session.get(Movement, m.id))


@route(bp, "/spare-retention", query=RetentionQuery, response=RetentionOut, many=True, permission="spares.stock",
       tag="spares")
def retention(query: RetentionQuery):
    """Retention obligations of discontinued products' parts, their end dates and head-office stock."""
    return _page(services.retention_rows(query.on, query.in_force, query.zero_stock), query)
