"""Dashboard widgets (three SQL queries in all, within the viewer's scope).

Open returns by state with the overdue count; average working days from receipt to
resolution this month and the cost roll-up per month; top returned products and returns
by dealer.
"""
from __future__ import annotations

from datetime import datetime, time, timezone
from decimal import Decimal

from flask import g, render_template
from markupsafe import Markup
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal, select, union_all

from core.toolkit import Widget, db, scope_clause
from core.toolkit import today as business_today
from plugins.rma import services
from plugins.rma.models import OPEN_STATES, Rma, RmaFreightClaim, RmaLine, RmaPenalty

MONTHS = 6  # months shown in the cost roll-up (a display choice, not a business rule)
TOP_N = 5


def _scoped(stmt):
    from flask_login import current_user

    clause = scope_clause(Rma, current_user)
    return stmt if clause is None else stmt.where(clause)


def dashboard_stats(today=None) -> dict:
    """One query (UNION ALL): open returns by state with overdue counts, and the returns resolved
    in the last months with their cost components (for the monthly roll-up and the SLA average)."""
    from core.toolkit import Product, UTCDateTime, working_days_between
    from plugins.rma.eligibility import china_today
    from sqlalchemy import Integer, Numeric, String, cast, null

    today = today or business_today()
    first = today.replace(day=1)
    month, year = first.month - (MONTHS - 1), first.year
    while month < 1:
        month, year = month + 12, year - 1
    since = datetime.combine(first.replace(year=year, month=month), time(0), tzinfo=timezone.utc)
    money = Numeric(14, 2)

    def none(type_):
        return cast(null(), type_)

    overdue = services.overdue_clause(today)
    open_rows = _scoped(select(literal("o").label("kind"), Rma.state.label("state"),
                               func.count(Rma.id).label("n"), func.sum(case((overdue, 1), else_=0)).label("late"),
                               none(UTCDateTime).label("received_at"), none(UTCDateTime).label("resolved_at"),
                               none(money).label("r"), none(money).label("f"), none(money).label("fr"),
                               none(money).label("p"))
                        .where(Rma.state.in_(OPEN_STATES)).group_by(Rma.state))
    price = select(Product.unit_price).where(Product.id == RmaLine.product_id).scalar_subquery()
    counted = func.coalesce(RmaLine.received_quantity, RmaLine.quantity)
    replaced = (select(func.coalesce(func.sum(counted * price), 0)).where(
        RmaLine.rma_id == Rma.id, RmaLine.resolution.in_(("replace", "credit"))).scalar_subquery())
    fees = (select(func.coalesce(func.sum(RmaLine.fee), 0)).where(
        RmaLine.rma_id == Rma.id, RmaLine.resolution == "paid_repair").scalar_subquery())
    freight = (select(func.coalesce(func.sum(RmaFreightClaim.amount), 0)).where(
        RmaFreightClaim.rma_id == Rma.id, RmaFreightClaim.state == "confirmed").scalar_subquery())
    penalty = (select(func.coalesce(func.sum(RmaPenalty.amount), 0)).where(
        RmaPenalty.rma_id == Rma.id, RmaPenalty.state == "confirmed").scalar_subquery())
    resolved_rows = _scoped(select(literal("r"), none(String), none(Integer), none(Integer), Rma.received_at,
                                   Rma.resolved_at, cast(replaced, money), cast(fees, money), cast(freight, money),
                                   cast(penalty, money)).where(Rma.resolved_at >= since))
    counts, late = {s: 0 for s in OPEN_STATES}, 0
    months: dict[str, dict] = {}
    days = []
    this_month = today.strftime("%Y-%m")
    for kind, state, n, o, received_at, resolved_at, r, f, fr, p in db.session.execute(
            union_all(open_rows, resolved_rows)):
        if kind == "o":
            counts[state] = int(n)
            late += int(o or 0)
            continue
        if isinstance(resolved_at, str):  # SQLite returns the union's datetimes as text
            resolved_at = datetime.fromisoformat(resolved_at).replace(tzinfo=timezone.utc)
            received_at = datetime.fromisoformat(received_at).replace(tzinfo=timezone.utc) if received_at else None
        key = resolved_at.strftime("%Y-%m")
        acc = months.setdefault(key, {"replaced_value": Decimal("0"), "repair_fees": Decimal("0"),
                                      "freight": Decimal("0"), "penalties": Decimal("0")})
        for k, v in (("replaced_value", r), ("repair_fees", f), ("freight", fr), ("penalties", p)):
            acc[k] += Decimal(str(v or 0))
        if key == this_month and received_at is not None:
            days.append(working_days_between(china_today(received_at), china_today(resolved_at)))
    return {"counts": counts, "overdue": late, "avg": round(sum(days) / len(days), 1) if days else None,
            "months": [(k, {n: services.money(v) for n, v in c.items()}) for k, c in sorted(months.items(), reverse=True)]}


def rankings() -> tuple[list, list]:
    """One query (UNION ALL): most returned products and the dealers returning most."""
    from core.toolkit import Dealer, Product

    limit = TOP_N
    live = Rma.state.not_in(("draft", "cancelled"))
    products = _scoped(select(literal("p").label("kind"), Product.sku.label("code"), Product.name.label("name"),
                              func.sum(RmaLine.quantity).label("n"))
                       .join(RmaLine, RmaLine.product_id == Product.id).join(Rma, Rma.id == RmaLine.rma_id)
                       .where(live).group_by(Product.sku, Product.name)
                       .order_by(func.sum(RmaLine.quantity).desc()).limit(limit)).subquery()
    dealers = _scoped(select(literal("d").label("kind"), Dealer.code.label("code"), Dealer.name.label("name"),
                             func.count(Rma.id).label("n"))
                      .join(Rma, Rma.dealer_id == Dealer.id).where(live).group_by(Dealer.code, Dealer.name)
                      .order_by(func.count(Rma.id).desc()).limit(limit)).subquery()
    rows = db.session.execute(union_all(select(products), select(dealers))).all()
    top = sorted([(c, n, int(q)) for k, c, n, q in rows if k == "p"], key=lambda r: -r[2])
    by_dealer = sorted([(c, n, int(q)) for k, c, n, q in rows if k == "d"], key=lambda r: -r[2])
    return top, by_dealer


def _stats():
    if "_rma_stats" not in g:
        g._rma_stats = dashboard_stats()
    return g._rma_stats


def _render_open():
    stats = _stats()
    return Markup(render_template("rma/widgets/open.html", counts=stats["counts"], overdue=stats["overdue"],
                                  avg=stats["avg"]))


def _render_top():
    products, dealers = rankings()
    return Markup(render_template("rma/widgets/top.html", products=products, dealers=dealers))


def _render_cost():
    return Markup(render_template("rma/widgets/cost.html", months=_stats()["months"]))


def trend_charts(today=None) -> tuple[dict, dict]:
    """Returns filed per month by cause (stacked bars) and the share resolved within the SLA per
    month (line, %): two grouped queries over the last months, within the viewer's scope."""
    from core.toolkit import series_chart
    from plugins.rma.views import ISSUE_LABELS

    today = today or business_today()
    months = []
    year, month = today.year, today.month
    for _ in range(MONTHS):
        months.insert(0, f"{year}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    since = datetime.combine(datetime.strptime(months[0] + "-01", "%Y-%m-%d").date(), time(0), tzinfo=timezone.utc)
    y, m = func.extract("year", Rma.created_at), func.extract("month", Rma.created_at)
    by_cause: dict = {}
    for issue, yy, mm, n in db.session.execute(_scoped(
            select(RmaLine.issue, y, m, func.count(func.distinct(Rma.id))).join(RmaLine, RmaLine.rma_id == Rma.id)
            .where(Rma.created_at >= since, Rma.state != "draft").group_by(RmaLine.issue, y, m))):
        by_cause.setdefault(str(ISSUE_LABELS.get(issue, issue)), {})[f"{int(yy)}-{int(mm):02d}"] = n
    ry, rm = func.extract("year", Rma.resolved_at), func.extract("month", Rma.resolved_at)
    met = case((func.date(Rma.resolved_at) <= Rma.due_date, 1), else_=0)
    sla = {}
    for yy, mm, total, on_time in db.session.execute(_scoped(
            select(ry, rm, func.count(Rma.id), func.sum(met))
            .where(Rma.resolved_at >= since, Rma.due_date.is_not(None)).group_by(ry, rm))):
        sla[f"{int(yy)}-{int(mm):02d}"] = round(100.0 * int(on_time or 0) / total, 1) if total else None
    causes = series_chart(months, sorted(by_cause.items()), "stacked")
    met_chart = series_chart(months, [(_l("Share resolved within the SLA, percent"), sla)], "line", y_min=0, y_max=100)
    return causes, met_chart


def _render_trends():
    causes, sla = trend_charts()
    return Markup(render_template("rma/widgets/trends.html", causes=causes, sla=sla))


WIDGETS = [
    Widget("rma.open", _l("Open returns"), _render_open, "rma.dashboard", order=20, width=6),
    Widget("rma.top", _l("Most returned"), _render_top, "rma.dashboard", order=21, width=6),
    Widget("rma.cost", _l("Return cost per month"), _render_cost, "rma.dashboard", order=22, width=12),
    Widget("rma.trends", _l("Returns per month by cause and SLA met"), _render_trends, "rma.dashboard", order=23,
           width=12),
]
