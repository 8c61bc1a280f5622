"""Spare-part business rules, free of the Flask request (callers pass ``actor``)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import gettext as _, pgettext
from sqlalchemy import and_, case, false, func, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import aliased

from core.toolkit import (DEALER_KIND_LABELS, Conflict, Dealer, NotFound, PermissionDenied, Product, ProductCategory,
                         ProductPart, Region, Transition, ValidationError, Workflow, acting_dealer, activity,
                         add_months, db, get_scoped, scoped, settings, utcnow)
from core.toolkit import first_errors, max_import_rows, too_many_rows
from core.toolkit import N_, ensure_dealer_may_file, notify, users_with_role
from plugins.spares.models import (Application, ApplicationLine, ComplianceSummary, Movement, Obligation, Stock,
                                   StockReport, StockReportLine)

SPECIFICITY = {"dealer": 4, "region": 3, "abc_class": 2, "dealer_kind": 1, "all": 0}
COUNTED_STATUSES = ("active", "warned", "suspended")  # disqualified dealers hold no obligation


# --- helpers ----------------------------------------------------------------------------

def spare_part(sku: str, field: str = "sku") -> Product:
    part = db.session.scalar(select(Product).where(Product.sku == sku))
    if part is None:
        raise ValidationError(_("unknown part"), {field: _("no product with SKU %(sku)r", sku=sku)})
    if not part.is_spare_part:
        raise ValidationError(_("not a spare part"), {field: _("%(sku)s is not a spare part", sku=sku)})
    return part


def _parts_by_sku(skus, prefix: str = "lines") -> dict[str, Product]:
    """Resolve many SKUs in one query; errors keyed ``lines.N.sku``."""
    found = {p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(set(skus))))} if skus else {}
    errors, seen = {}, {}
    for i, sku in enumerate(skus):
        part = found.get(sku)
        if part is None:
            errors[f"{prefix}.{i}.sku"] = _("no product with SKU %(sku)r", sku=sku)
        elif not part.is_spare_part:
            errors[f"{prefix}.{i}.sku"] = _("%(sku)s is not a spare part", sku=sku)
        elif sku in seen:
            errors[f"{prefix}.{i}.sku"] = _("%(sku)s is listed twice (line %(line)d)", sku=sku, line=seen[sku] + 1)
        seen.setdefault(sku, i)
    if errors:
        raise ValidationError(_("invalid lines"), errors)
    return found


def viewer(user=None):
    """The user whose record rules apply: given, else the request's, else the system (CLI, demo)."""
    if user is not None:
        return user
    from flask import has_request_context
    from flask_login import current_user

    return current_user if has_request_context() else SYSTEM


def dealer_by_code(code: str, field: str = "dealer_code", user=None) -> Dealer:
    dealer = db.session.scalar(scoped(select(Dealer).where(Dealer.code == code), Dealer, viewer(user)))
    if dealer is None:
        raise ValidationError(_("unknown dealer"), {field: _("no dealer with code %(code)r", code=code)})
    return dealer


def percent(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- obligations --------------------------------------------------------------------------

def _scope_columns(body) -> dict:
    values = {"dealer_id": None, "region_id": None, "abc_class": body.abc_class, "dealer_kind": body.dealer_kind}
    if body.dealer_code:
        values["dealer_id"] = dealer_by_code(body.dealer_code).id
    if body.region_code:
        region = db.session.scalar(select(Region).where(Region.code == body.region_code))
        if region is None:
            raise ValidationError(_("unknown region"), {"region_code": _("no region with code %(body_region_code)r", body_region_code=body.region_code)})
        values["region_id"] = region.id
    return values


def create_obligation(body, actor=None) -> Obligation:
    from plugins.spares.schemas import ObligationIn

    if not isinstance(body, ObligationIn):
        from core.toolkit import validate

        body = validate(ObligationIn, body)
    part = spare_part(body.sku)
    scope = _scope_columns(body)
    clash = select(Obligation.id).where(Obligation.part_id == part.id, *[
        (getattr(Obligation, k) == v) if v is not None else getattr(Obligation, k).is_(None) for k, v in scope.items()])
    if db.session.scalar(clash) is not None:
        raise ValidationError(_("duplicate rule"), {"sku": _("a rule for this part and scope exists; change it instead")})
    ob = Obligation(part=part, quantity=body.quantity, note=body.note, **scope)
    db.session.add(ob)
    db.session.flush()
    activity.log(ob, "created", {"sku": (None, part.sku), "quantity": (None, ob.quantity),
                                 "scope": (None, f"{ob.scope}:{ob.scope_value or '*'}")}, actor=actor)
    return ob


def update_obligation(ob: Obligation, body, actor=None) -> Obligation:
    values = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    changes = activity.apply_changes(ob, values)
    if changes:
        activity.log(ob, "updated", changes, actor=actor)
    return ob


def delete_obligation(ob: Obligation, actor=None) -> None:
    activity.log(ob, "deleted", {"sku": (ob.part.sku, None), "quantity": (ob.quantity, None)}, actor=actor)
    db.session.delete(ob)
    db.session.flush()


def visible_obligations(stmt, user=None):
    """General rules (by region, class, kind or for all) are visible to every holder of
    spares.stock; a dealer-specific one follows the dealer record rule (a regional manager sees
    only its region's dealers' obligations)."""
    from flask_login import current_user

    from core.toolkit import visible_dealers_clause

    clause = visible_dealers_clause(Obligation.dealer_id, current_user if user is None else user)
    return stmt if clause is None else stmt.where(or_(Obligation.dealer_id.is_(None), clause))


def get_obligation(ob_id, user=None) -> Obligation:
    ob = (db.session.scalar(visible_obligations(select(Obligation).where(Obligation.id == int(ob_id)), user))
          if str(ob_id).isdigit() else None)
    if ob is None:
        raise NotFound(_("obligation %(ob_id)s not found", ob_id=ob_id))
    return ob


def ensure_head_office(user) -> None:
    """The movement ledger names every dealer's applications: head-office roles only (403)."""
    if getattr(user, "scope", None) != "all":
        raise PermissionDenied(_("the movement ledger is for head office"), code="head_office_only")


def serialize_obligation(ob: Obligation) -> dict:
    return {"id": ob.id, "sku": ob.part.sku, "part_name": ob.part.name, "quantity": ob.quantity, "scope": ob.scope,
            "dealer_code": ob.dealer.code if ob.dealer else None, "dealer_kind": ob.dealer_kind,
            "abc_class": ob.abc_class, "region_code": ob.region.code if ob.region else None, "note": ob.note or ""}


# --- the compliance engine ------------------------------------------------------------------

@dataclass
class Rules:
    """Every obligation, read once and indexed by scope, applied to any number of dealers in memory."""
    by_part: dict  # part_id -> list[Obligation] most specific first
    parts: dict  # part_id -> Product
    index: dict  # (scope, key) -> {part_id: Obligation}

    @classmethod
    def load(cls) -> "Rules":
        by_part: dict = {}
        parts: dict = {}
        index: dict = {}
        from sqlalchemy.orm import defaultload, lazyload

        # the parts' own bills of materials are never needed here
        stmt = select(Obligation).options(defaultload(Obligation.part).lazyload(Product.parts))
        for ob in db.session.scalars(stmt).unique():
            by_part.setdefault(ob.part_id, []).append(ob)
            parts[ob.part_id] = ob.part
            key = {"dealer": ob.dealer_id, "region": ob.region_id, "abc_class": ob.abc_class,
                   "dealer_kind": ob.dealer_kind, "all": None}[ob.scope]
            index.setdefault((ob.scope, key), {})[ob.part_id] = ob
        for rules in by_part.values():
            rules.sort(key=lambda o: -SPECIFICITY[o.scope])
        return cls(by_part, parts, index)

    @classmethod
    def for_request(cls) -> "Rules":
        """``load()`` once per GET request (the rates by part and the dashboard's widgets share it);
        other requests, which may change obligations, load afresh. A dealer's compliance page reads
        only the rules that apply to that dealer, in SQL (``dealer_compliance``)."""
        from flask import g, has_request_context, request

        if not has_request_context() or request.method != "GET":
            return cls.load()
        cache = g.setdefault("_spares_cache", {})
        if "rules" not in cache:
            cache["rules"] = cls.load()
        return cache["rules"]

    @staticmethod
    def matches(ob: Obligation, d) -> bool:
        scope = ob.scope
        return (scope == "all" or (scope == "dealer" and ob.dealer_id == d.id)
                or (scope == "region" and ob.region_id == d.region_id)
                or (scope == "abc_class" and ob.abc_class == d.abc_class)
                or (scope == "dealer_kind" and ob.dealer_kind == d.kind))

    def winners(self, d) -> dict:
        """part_id -> the winning obligation: the general rules, overlaid by ever more specific ones."""
        out: dict = {}
        for key in (("all", None), ("dealer_kind", d.kind), ("abc_class", d.abc_class), ("region", d.region_id),
                    ("dealer", d.id)):
            layer = self.index.get(key)
            if layer:
                out.update(layer)
        return out

    def for_dealer(self, d) -> dict:
        """part_id -> (winning obligation, the less specific ones it overrides)."""
        out = {}
        for part_id, rules in self.by_part.items():
            matching = [o for o in rules if self.matches(o, d)]
            if matching:
                out[part_id] = (matching[0], matching[1:])
        return out


def scope_value_text(ob: Obligation) -> str | None:
    """The value a rule applies to as a person reads it (a dealer kind's label, not its id)."""
    v = ob.scope_value
    return str(DEALER_KIND_LABELS.get(v, v)) if ob.scope == "dealer_kind" else v


def describe_rule(ob: Obligation, overridden=()) -> str:
    scope, v = ob.scope, scope_value_text(ob)  # translate only the text that applies (once per part per dealer)
    if scope == "dealer":
        why = _("override for dealer %(v)s", v=v)
    elif scope == "region":
        why = _("rule for dealers in region %(v)s", v=v)
    elif scope == "abc_class":
        why = _("rule for class %(v)s dealers", v=v)
    elif scope == "dealer_kind":
        why = _("rule for every %(v)s", v=v)
    else:
        why = _("rule for every dealer")
    if overridden:
        others = "; ".join(f"{describe_rule(o)} ({o.quantity})" for o in overridden)
        why += "; " + _("most specific, it overrides %(others)s", others=others)
    return why


def serialize_rule(ob: Obligation, overridden=()) -> dict:
    return {"id": ob.id, "scope": ob.scope, "value": ob.scope_value, "quantity": ob.quantity,
            "why": describe_rule(ob, overridden)}


def latest_reports(dealer_ids=None, before: date | None = None, filed_before=None) -> dict:
    """dealer_id -> (report_id, reported_on) of each dealer's latest report.

    ``before`` limits the count date; ``filed_before`` (a datetime) ignores reports entered
    later, so a report back-dated after the fact never changes what was known at that time.
    """
    rank = func.row_number().over(partition_by=StockReport.dealer_id,
                                  order_by=(StockReport.reported_on.desc(), StockReport.id.desc())).label("rank")
    inner = select(StockReport.id, StockReport.dealer_id, StockReport.reported_on, rank)
    if dealer_ids is not None:
        inner = inner.where(StockReport.dealer_id.in_(dealer_ids))
    if before is not None:
        inner = inner.where(StockReport.reported_on <= before)
    if filed_before is not None:
        inner = inner.where(StockReport.created_at <= filed_before)
    sub = inner.subquery()
    rows = db.session.execute(select(sub.c.id, sub.c.dealer_id, sub.c.reported_on).where(sub.c.rank == 1)).all()
    return {r.dealer_id: (r.id, r.reported_on) for r in rows}


def report_quantities(report_ids) -> dict:
    """report_id -> {part_id: quantity}."""
    out: dict = {}
    if not report_ids:
        return out
    ids = list(report_ids)
    for start in range(0, len(ids), 900):  # stay below SQLite's bound-parameter limit
        for rid, part_id, qty in db.session.execute(select(
                StockReportLine.report_id, StockReportLine.part_id, StockReportLine.quantity)
                .where(StockReportLine.report_id.in_(ids[start:start + 900]))):
            out.setdefault(rid, {})[part_id] = qty
    return out


def report_overdue(reported_on: date | None, today: date | None = None) -> bool:
    today = today or date.today()
    return reported_on is None or (today - reported_on).days > settings.get("spares.report_max_age_days")


def _dealer_rules(dealer: Dealer, report_id: int | None) -> list[tuple]:
    """[(part_id, sku, name, on hand in report ``report_id``, winning rule, the rules it overrides)]
    of the parts obliged to ``dealer``, by SKU: one statement over the obligations that apply to
    this dealer (as many as the parts, whatever the number of dealers) with their parts, regions
    and the report's line of each part."""
    from plugins.spares.summary import applies

    line = StockReportLine
    held = and_(line.report_id == report_id, line.part_id == Obligation.part_id) if report_id is not None else false()
    rows = db.session.execute(
        select(Obligation.id, Obligation.part_id, Obligation.quantity, Obligation.dealer_id, Obligation.region_id,
               Obligation.abc_class, Obligation.dealer_kind, Product.sku, Product.name, Region.code, line.quantity)
        .join(Product, Product.id == Obligation.part_id).outerjoin(Region, Region.id == Obligation.region_id)
        .outerjoin(line, held).where(applies(dealer)).order_by(Obligation.id)).all()
    by_part: dict = {}
    for ob_id, part_id, quantity, dealer_id, region_id, abc_class, kind, sku, name, region_code, on_hand in rows:
        rule = RuleRow(ob_id, quantity, dealer_id, region_id, abc_class, kind,
                       dealer.code if dealer_id is not None else region_code)
        by_part.setdefault(part_id, (sku, name, on_hand or 0, []))[3].append(rule)
    out = []
    for part_id, (sku, name, on_hand, rules) in by_part.items():
        rules.sort(key=lambda o: -SPECIFICITY[o.scope])  # stable: as Rules.for_dealer
        out.append((part_id, sku, name, on_hand, rules[0], rules[1:]))
    out.sort(key=lambda i: i[1])
    return out


@dataclass
class RuleRow:
    """An obligation as the compliance of one dealer explains it (``describe_rule``, ``serialize_rule``);
    ``code`` is its dealer's or region's code."""
    id: int
    quantity: int
    dealer_id: int | None
    region_id: int | None
    abc_class: str | None
    dealer_kind: str | None
    code: str | None

    scope = Obligation.scope

    @property
    def scope_value(self) -> str | None:
        return {"dealer": self.code, "region": self.code, "abc_class": self.abc_class,
                "dealer_kind": self.dealer_kind, "all": None}[self.scope]


def dealer_compliance(dealer: Dealer, today: date | None = None) -> dict:
    """Each obliged part of one dealer against its latest stock report, read in SQL: two statements
    (the latest report; the obligations that apply with the report's lines), flat in the dealers."""
    latest = db.session.execute(select(StockReport.id, StockReport.reported_on).where(StockReport.dealer_id == dealer.id)
                                .order_by(StockReport.reported_on.desc(), StockReport.id.desc()).limit(1)).first()
    items = [{"sku": sku, "part_name": name, "required": ob.quantity, "on_hand": on_hand,
              "compliant": on_hand >= ob.quantity, "rule": serialize_rule(ob, overridden)}
             for _pid, sku, name, on_hand, ob, overridden in _dealer_rules(dealer, latest[0] if latest else None)]
    today = today or date.today()
    reported_on = latest[1] if latest else None
    return {"dealer_code": dealer.code, "reported_on": reported_on.isoformat() if reported_on else None,
            "report_age_days": (today - reported_on).days if reported_on else None,
            "report_overdue": report_overdue(reported_on, today) if items else False,
            "rate": percent(sum(i["compliant"] for i in items), len(items)), "items": items}


def compliance_trend(dealer: Dealer, limit: int = 12) -> list[tuple[date, float | None]]:
    """(count date, compliance rate %) of the dealer's last ``limit`` stock reports, oldest first,
    measured against today's obligations: one statement (the reports x the dealer's winning
    obligations x their lines, counted in SQL)."""
    from plugins.spares.summary import winners

    reports = (select(StockReport.id, StockReport.reported_on).where(StockReport.dealer_id == dealer.id)
               .order_by(StockReport.reported_on.desc(), StockReport.id.desc()).limit(limit).subquery())
    w = winners(Dealer.id == dealer.id)
    line = StockReportLine.__table__
    met = func.sum(case((func.coalesce(line.c.quantity, 0) >= w.c.quantity, 1), else_=0))
    rows = db.session.execute(
        select(reports.c.reported_on, func.count(w.c.part_id), met).select_from(reports).outerjoin(w, true())
        .outerjoin(line, and_(line.c.report_id == reports.c.id, line.c.part_id == w.c.part_id))
        .group_by(reports.c.id, reports.c.reported_on).order_by(reports.c.reported_on, reports.c.id)).all()
    return [(reported_on, round(100.0 * met / required, 1) if required else None) for reported_on, required, met in rows]


def required_for(dealer: Dealer, part_id: int, rules: Rules | None = None):
    """The winning obligation of ``dealer`` for ``part_id``, or None."""
    rules = rules or Rules.load()
    hit = rules.for_dealer(dealer).get(part_id)
    return hit[0] if hit else None


@dataclass
class DealerRow:
    dealer: Dealer
    reported_on: date | None
    required: dict  # part_id -> required quantity
    on_hand: dict  # part_id -> reported quantity

    def compliant_parts(self) -> int:
        q = self.on_hand
        return sum(1 for pid, req in self.required.items() if q.get(pid, 0) >= req)

    def missing(self) -> list[int]:
        q = self.on_hand
        return [pid for pid, req in self.required.items() if q.get(pid, 0) < req]


def compliance_matrix(user=None):
    """(rules, [DealerRow]) for every counted dealer the user may see.

    A fixed number of queries whatever the dealer and part counts (rules, dealers, latest
    reports, their lines); requirement maps are built once per dealer profile (kind, class,
    region) and copied only for dealers with overrides, so 2,000 dealers x 500 parts stay
    plain dictionary work.
    """
    from flask import g, has_request_context

    who = viewer(user)
    cache_key = ("spares_matrix", getattr(who, "id", None), getattr(who, "scope", None))
    if has_request_context() and cache_key in g.setdefault("_spares_cache", {}):
        return g._spares_cache[cache_key]  # the dashboard's widgets share one computation per request
    result = _compute_matrix(who)
    if has_request_context():
        g._spares_cache[cache_key] = result
    return result


def _compute_matrix(who):
    rules = Rules.for_request()
    if not rules.by_part:
        return rules, []
    dealers = list(db.session.scalars(scoped(select(Dealer).where(Dealer.status.in_(COUNTED_STATUSES)), Dealer, who)
                                      .order_by(Dealer.code)).unique())
    latest = latest_reports()
    visible = {d.id for d in dealers}
    quantities = report_quantities([rid for did, (rid, _) in latest.items() if did in visible])
    rows = []
    for d, required in requirements(rules, dealers):
        rep = latest.get(d.id)
        rows.append(DealerRow(d, rep[1] if rep else None, required, quantities.get(rep[0], {}) if rep else {}))
    return rules, rows


def requirements(rules: Rules, dealers):
    """(dealer, {part_id: required quantity}) of each dealer (anything with id, kind, abc_class,
    region_id): one map per dealer profile (kind, class, region), copied only for overrides."""
    profiles: dict = {}
    for d in dealers:
        key = (d.kind, d.abc_class, d.region_id)
        base = profiles.get(key)
        if base is None:
            base = {}
            for layer_key in (("all", None), ("dealer_kind", d.kind), ("abc_class", d.abc_class), ("region", d.region_id)):
                base.update({pid: ob.quantity for pid, ob in rules.index.get(layer_key, {}).items()})
            profiles[key] = base
        own = rules.index.get(("dealer", d.id))
        yield d, ({**base, **{pid: ob.quantity for pid, ob in own.items()}} if own else base)


def _summary_rows(user, *columns, where=()):
    """Rows of the compliance summary (plugins.spares.summary) of the counted dealers the user may see."""
    from plugins.spares.summary import sync

    sync()
    stmt = (select(*columns).select_from(ComplianceSummary).join(Dealer, Dealer.id == ComplianceSummary.dealer_id)
            .where(Dealer.status.in_(COUNTED_STATUSES), ComplianceSummary.obliged > 0, *where))
    return scoped(stmt, Dealer, viewer(user))


def compliance_rates(by: str, user=None) -> list[dict]:
    if by == "part":
        return _part_rates(user)
    s = ComplianceSummary
    if by == "dealer":
        keys = (Dealer.code, Dealer.name)
        stmt = _summary_rows(user, *keys, func.sum(s.obliged), func.sum(s.compliant)).group_by(Dealer.id, *keys)
    else:
        keys = (Region.code, Region.name)
        stmt = (_summary_rows(user, *keys, func.sum(s.obliged), func.sum(s.compliant))
                .outerjoin(Region, Region.id == Dealer.region_id).group_by(Region.id, *keys))
    out = []
    for key, name, obliged, compliant in db.session.execute(stmt):
        if key is None:
            key, name = "-", _("No region")
        out.append({"key": key, "name": name, "obliged": int(obliged), "compliant": int(compliant)})
    out.sort(key=lambda g: g["key"])
    for g in out:
        g["rate"] = percent(g["compliant"], g["obliged"])
    return out


def _part_rates(user=None) -> list[dict]:
    """By part without a dealer's lines: who is obliged follows from the dealers' profiles (kind,
    class, region: one count each) and the per-dealer overrides; who falls short, from the summary."""
    from collections import Counter

    rules = Rules.for_request()
    if not rules.by_part:
        return []
    s = ComplianceSummary
    profiles = db.session.execute(_summary_rows(user, Dealer.kind, Dealer.abc_class, Dealer.region_id, func.count())
                                  .group_by(Dealer.kind, Dealer.abc_class, Dealer.region_id)).all()
    obliged: Counter = Counter()
    bases = {}
    for kind, abc_class, region_id, n in profiles:
        base = bases[(kind, abc_class, region_id)] = set()
        for layer in (("all", None), ("dealer_kind", kind), ("abc_class", abc_class), ("region", region_id)):
            base.update(rules.index.get(layer, {}))
        for pid in base:
            obliged[pid] += n
    overridden = [key[1] for key in rules.index if key[0] == "dealer"]
    if overridden:
        for did, kind, abc_class, region_id in db.session.execute(_summary_rows(
                user, Dealer.id, Dealer.kind, Dealer.abc_class, Dealer.region_id, where=(Dealer.id.in_(overridden),))):
            for pid in set(rules.index[("dealer", did)]) - bases.get((kind, abc_class, region_id), set()):
                obliged[pid] += 1
    short = Counter(int(pid) for missing in db.session.scalars(_summary_rows(user, s.missing, where=(s.missing != "",)))
                    for pid in missing.split())
    out = []
    for pid, n in obliged.items():
        part = rules.parts[pid]
        out.append({"key": part.sku, "name": part.name, "obliged": n, "compliant": n - short[pid],
                    "rate": percent(n - short[pid], n)})
    out.sort(key=lambda g: g["key"])
    return out


def overall_rate(user=None) -> tuple[int, int]:
    s = ComplianceSummary
    compliant, obliged = db.session.execute(_summary_rows(user, func.sum(s.compliant), func.sum(s.obliged))).one()
    return int(compliant or 0), int(obliged or 0)


def non_compliant(user=None) -> list[dict]:
    return non_compliant_page(user=user)[0]


def non_compliant_page(offset: int = 0, limit: int | None = None, user=None) -> tuple[list[dict], int]:
    """(a page of the dealers short of a part, by code; how many there are in all), paginated in SQL."""
    s = ComplianceSummary
    stmt = (_summary_rows(user, Dealer.code, Dealer.name, Region.code, s.reported_on, s.obliged, s.compliant, s.missing,
                          func.count().over(), where=(s.compliant < s.obliged,))
            .outerjoin(Region, Region.id == Dealer.region_id).order_by(Dealer.code))
    if limit is not None:
        stmt = stmt.offset(offset).limit(limit)
    rows = db.session.execute(stmt).all()
    if rows:
        total = rows[0][-1]
    else:  # past the last page (or none): count apart
        total = db.session.scalar(stmt.with_only_columns(func.count()).order_by(None).offset(None).limit(None)) \
            if offset else 0
    skus = dict(db.session.execute(select(Product.id, Product.sku).where(
        Product.id.in_(select(Obligation.part_id)))).all()) if rows else {}  # a missing part has an obligation
    return [{"dealer_code": code, "dealer_name": name, "region_code": region,
             "reported_on": reported_on.isoformat() if reported_on else None,
             "missing_parts": sorted(skus[int(pid)] for pid in missing.split()),
             "rate": percent(compliant, obliged)}
            for code, name, region, reported_on, obliged, compliant, missing, _total in rows], int(total or 0)


def overdue_dealers(today: date | None = None) -> list[tuple[Dealer, date | None]]:
    """Obliged dealers whose last report is older than ``spares.report_max_age_days`` (or who never reported)."""
    today = today or date.today()
    _rules, rows = compliance_matrix(user=SYSTEM)
    return [(r.dealer, r.reported_on) for r in rows
            if any(q > 0 for q in r.required.values()) and report_overdue(r.reported_on, today)]


class _System:
    """An actor that sees every dealer (CLI and scheduled jobs)."""
    is_authenticated = True
    scope = "all"
    id = None


SYSTEM = _System()


def send_report_reminders(today: date | None = None) -> list[str]:
    from core.toolkit import User

    overdue = overdue_dealers(today)
    if not overdue:
        return []
    users = list(db.session.scalars(select(User).where(User.dealer_id.in_([d.id for d, _ in overdue]),
                                                       User.active.is_(True))))
    days = settings.get("spares.report_max_age_days")
    for d, on in overdue:
        body = (N_("Your last spare-part stock report is dated %(on)s.") if on
                else N_("You have not reported your spare-part stock yet."))
        notify([u for u in users if u.dealer_id == d.id],
               N_("Please report your spare-part stock (due every %(days)d days)"), body,
               "/spares/reports/new", days=days, on=on.isoformat() if on else "")
    return [d.code for d, _ in overdue]


# --- stock reports ------------------------------------------------------------------------

def check_stock_report(dealer: Dealer, reported_on: date, lines: list, actor=None, today: date | None = None) -> dict:
    """Every check of a stock report, nothing written: the parts by SKU (422/403 as on saving)."""
    today = today or date.today()
    if reported_on > today:
        raise ValidationError(_("date in the future"), {"reported_on": _("cannot be later than today")})
    if actor is not None and not actor.can("spares.report"):
        raise PermissionDenied(_("permission 'spares.report' required"))
    ensure_dealer_may_file(dealer)
    return _parts_by_sku([sku for sku, _ in lines])


def create_stock_report(dealer: Dealer, reported_on: date, lines: list, actor=None, today: date | None = None) -> StockReport:
    """``lines``: [(sku, quantity)]; every line is checked before anything is written."""
    parts = check_stock_report(dealer, reported_on, lines, actor, today)
    report = StockReport(dealer_id=dealer.id, reported_on=reported_on, created_by_id=actor.id if actor else None)
    report.lines = [StockReportLine(part=parts[sku], quantity=qty) for sku, qty in lines]
    db.session.add(report)
    db.session.flush()
    activity.log(report, "reported", {"reported_on": (None, reported_on), "lines": (None, len(lines))}, actor=actor)
    return report


# Column headers a stock file may use: English, or the Chinese of the seeds (型号, 数量) and of the UI.
STOCK_FILE_COLUMNS = {"sku": ("sku", "型号", "物料编码", "物料号", "产品型号", "备件型号"),
                      "quantity": ("quantity", "qty", "数量", "库存数量", "库存"),
                      "name": ("name", "名称", "备件名称", "物料名称")}
STOCK_FILE_ALIASES = {alias.lower(): column for column, names in STOCK_FILE_COLUMNS.items() for alias in names}


def parse_stock_file(filename: str, data: bytes) -> list[tuple[str, int]]:
    """CSV or xlsx with columns ``sku`` and ``quantity`` (or 型号 and 数量); every row checked,
    errors keyed ``row N`` (the spreadsheet line) in the reader's language."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv") or not name:
        from core.toolkit import read_csv

        rows = read_csv(data, ["sku", "quantity"], aliases=STOCK_FILE_ALIASES)
    else:
        raise ValidationError(_("unsupported file"), {"file": _("upload a .csv or .xlsx file")})
    errors: dict = {}
    lines: list = []
    seen: dict = {}
    for row in rows:
        n = row["__row__"]
        sku = (row.get("sku") or "").strip()
        raw = str(row.get("quantity") if row.get("quantity") is not None else "").strip()
        if not sku and not raw:
            continue
        if not sku:
            errors[f"row {n}"] = _("the SKU is missing")
            continue
        try:
            qty = int(Decimal(raw)) if raw and Decimal(raw) == int(Decimal(raw)) else None
        except Exception:
            qty = None
        if qty is None or qty < 0:
            errors[f"row {n}"] = _("%(sku)s: quantity %(raw)r is not a whole number of 0 or more", sku=sku, raw=raw)
            continue
        if sku in seen:
            errors[f"row {n}"] = _("%(sku)s is listed twice (line %(line)d)", sku=sku, line=seen[sku])
            continue
        seen[sku] = n
        lines.append((sku, qty, n))
    if lines:
        found = {p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_([l[0] for l in lines])))}
        for sku, _q, n in lines:
            part = found.get(sku)
            if part is None:
                errors[f"row {n}"] = _("no product with SKU %(sku)r", sku=sku)
            elif not part.is_spare_part:
                errors[f"row {n}"] = _("%(sku)s is not a spare part", sku=sku)
    if errors:
        raise ValidationError(_("%(n)d row(s) have errors; nothing was imported", n=len(errors)),
                              first_errors(dict(sorted(errors.items(), key=lambda kv: int(kv[0].split()[1])))))
    if not lines:
        raise ValidationError(_("empty file"), {"file": _("the file has no rows")})
    return [(sku, qty) for sku, qty, _n in lines]


def _xlsx_rows(data: bytes) -> list[dict]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ValidationError(_("unreadable file"), {"file": _("not a valid .xlsx workbook")})
    sheet = wb.worksheets[0]
    limit = max_import_rows()
    if (sheet.max_row or 0) - 1 > limit:  # the declared dimension: refused before parsing
        raise too_many_rows(limit)
    it = sheet.iter_rows(values_only=True)
    header = [str(h).strip().lower() if h is not None else "" for h in next(it, [])]
    header = [STOCK_FILE_ALIASES.get(h, h) for h in header]
    missing = [c for c in ("sku", "quantity") if c not in header]
    if missing:
        raise ValidationError(_("missing columns"), {"file": _("missing column(s): %(missing)s", missing=", ".join(missing))})
    rows = []
    for n, values in enumerate(it, start=2):  # streamed (read_only): one row in memory at a time
        if n - 1 > limit:
            raise too_many_rows(limit)
        row = {header[i]: ("" if v is None else str(v)) for i, v in enumerate(values) if i < len(header) and header[i]}
        row["__row__"] = n
        rows.append(row)
    return rows


def stock_file_template(dealer: Dealer | None, chinese: bool) -> tuple[list[str], list[list]]:
    """Header and rows of the stock report template: the dealer's obliged parts, quantity left blank."""
    header = ["型号", "名称", "数量"] if chinese else ["sku", "name", "quantity"]
    rows = []
    if dealer is not None:
        rules = Rules.load()
        rows = sorted([rules.parts[pid].sku, rules.parts[pid].name, ""]
                      for pid, (ob, _o) in rules.for_dealer(dealer).items() if ob.quantity > 0)
    return header, rows


def omitted_obliged(dealer: Dealer, reported_on: date, skus) -> list[dict]:
    """Obliged parts a report leaves out while it replaces one of the same date.

    The latest report stands alone for compliance: a second count for the same day without
    a part makes the dealer hold none of it. Each item: sku, name, required, and the quantity
    the report it replaces had.
    """
    previous = db.session.scalar(select(StockReport.id).where(StockReport.dealer_id == dealer.id,
                                                              StockReport.reported_on == reported_on)
                                 .order_by(StockReport.id.desc()).limit(1))
    if previous is None:
        return []
    rules, given = Rules.load(), set(skus)
    before = report_quantities([previous]).get(previous, {})
    return sorted(({"sku": rules.parts[pid].sku, "name": rules.parts[pid].name, "required": ob.quantity,
                    "before": before.get(pid, 0)}
                   for pid, (ob, _o) in rules.for_dealer(dealer).items()
                   if ob.quantity > 0 and rules.parts[pid].sku not in given), key=lambda o: o["sku"])


def stock_report_warnings(dealer: Dealer, reported_on: date, skus) -> list[dict]:
    """What a stock report should be told before (or when) it is saved, for API clients: today
    one warning, ``obliged_parts_omitted``, when it replaces a report of the same date and leaves
    out obliged parts (see ``omitted_obliged``; the web form asks for a confirmation instead)."""
    omitted = omitted_obliged(dealer, reported_on, skus)
    if not omitted:
        return []
    return [{"code": "obliged_parts_omitted",
             "message": _("A report for %(date)s already exists. This one replaces it and leaves out parts the "
                          "dealer must hold; they will count as none on hand:", date=reported_on.isoformat()),
             "parts": omitted}]


def serialize_report(r: StockReport) -> dict:
    return {"id": r.id, "dealer_code": r.dealer.code, "reported_on": r.reported_on.isoformat(),
            "created_at": r.created_at.isoformat(),
            "lines": [{"sku": l.part.sku, "quantity": l.quantity} for l in r.lines]}


# --- head-office stock and its ledger -------------------------------------------------------

def _column(pool: str):
    return Stock.__table__.c.on_hand if pool == "new" else Stock.__table__.c.repaired_on_hand


def move_stock(part: Product, quantity: int, kind: str, actor=None, pool: str = "new", reason: str = "",
               application: Application | None = None, rma_id: int | None = None) -> Movement:
    """Change one pool of head-office stock by ``quantity`` and append the ledger line.

    An outgoing move is one conditional ``UPDATE ... WHERE on_hand >= qty``: of two
    concurrent issues of the last unit the database lets exactly one through; the other
    updates no row and is refused. Stock therefore never goes negative.
    """
    if quantity == 0:
        raise ValidationError(_("zero quantity"), {"quantity": _("must not be 0")})
    table = Stock.__table__
    col = _column(pool)
    if quantity < 0:
        stmt = (update(table).where(table.c.part_id == part.id, col >= -quantity)
                .values({col.name: col + quantity}).returning(col))
        try:
            balance = db.session.execute(stmt).scalar()
        except OperationalError as exc:
            # SQLite only: another transaction holds the write lock while ours already read
            # (a deadlock SQLite refuses at once). Refuse this issue; the caller may retry.
            if db.engine.dialect.name != "sqlite":
                raise
            raise Conflict(_("%(part_sku)s: another stock change is in progress; try again", part_sku=part.sku), code="stock_busy") from exc
        if balance is None:
            have = db.session.scalar(select(col).where(table.c.part_id == part.id)) or 0
            raise ValidationError(_("insufficient stock"),
                                  {"quantity": _("%(part_sku)s: only %(have)s on hand (%(pool)s)", part_sku=part.sku,
                                                 have=have, pool=pgettext("stock pool", "New") if pool == "new"
                                                 else _("Repaired"))},
                                  code="insufficient_stock")
    else:
        stmt = update(table).where(table.c.part_id == part.id).values({col.name: col + quantity}).returning(col)
        balance = db.session.execute(stmt).scalar()
        if balance is None:
            try:
                with db.session.begin_nested():
                    db.session.execute(insert(table).values(part_id=part.id, on_hand=0, repaired_on_hand=0))
            except IntegrityError:
                pass  # created concurrently
            balance = db.session.execute(stmt).scalar()
    movement = Movement(part_id=part.id, kind=kind, pool=pool, quantity=quantity, balance_after=balance,
                        application_id=application.id if application else None, rma_id=rma_id,
                        reason=reason or "", actor_id=actor.id if actor is not None and actor.id else None)
    db.session.add(movement)
    db.session.flush()
    return movement


def record_movement(body, actor=None) -> Movement:
    """A movement entered by head office: receipt, RMA replacement, repaired-part return, adjustment."""
    part = spare_part(body.sku)
    qty, pool, kind = body.quantity, body.pool, body.kind
    if kind == "adjustment":
        if qty == 0:
            raise ValidationError(_("zero"), {"quantity": _("must not be 0")})
        if not body.reason:
            raise ValidationError(_("reason required"), {"reason": _("an adjustment needs a reason")})
    elif qty <= 0:
        raise ValidationError(_("positive"), {"quantity": _("must be greater than 0")})
    if kind == "receipt" and pool != "new":
        raise ValidationError(_("new stock only"), {"pool": _("receipts go to new stock; repaired parts come back as repaired_return")})
    if kind == "repaired_return":
        pool = "repaired"
    if kind == "issue_rma":
        if not body.rma_id:
            raise ValidationError(_("rma required"), {"rma_id": _("required for an RMA replacement")})
        if pool == "repaired" and not body.warranty:
            raise ValidationError(_("repaired parts"), {"pool": _("repaired parts may replace faulty ones under warranty only, never be sold")})
        validate_rma(body.rma_id, None)
        qty = -qty
    return move_stock(part, qty, kind, actor=actor, pool=pool, reason=body.reason, rma_id=body.rma_id)


def issue_for_rma(part: Product, quantity: int, rma_id: int, warranty: bool, actor=None, prefer_repaired: bool = True,
                  reason: str = "") -> Movement:
    """Issue a replacement part for an RMA: a repaired part when under warranty and one is available."""
    if warranty and prefer_repaired:
        have = db.session.scalar(select(Stock.repaired_on_hand).where(Stock.part_id == part.id)) or 0
        if have >= quantity:
            try:
                with db.session.begin_nested():
                    return move_stock(part, -quantity, "issue_rma", actor, pool="repaired", rma_id=rma_id, reason=reason)
            except ValidationError:
                pass  # taken concurrently: fall back to new stock
    return move_stock(part, -quantity, "issue_rma", actor, pool="new", rma_id=rma_id, reason=reason)


def issue_from_head_office(lines, reference: str, actor=None, field: str = "lines") -> list[Movement]:
    """Issue parts from new head-office stock for a job outside this plugin (an on-site service
    visit): ``lines`` are ``(sku, quantity)``; each becomes an ``issue_service`` movement whose
    reason is ``reference`` (the job's number). Every line is checked first and all problems are
    refused at once with a 422 keyed ``<field>.<i>.sku`` / ``<field>.<i>.qty`` in the caller's
    language (unknown SKU, not a spare part, stock short: ``insufficient_stock``); a line taken
    concurrently is refused the same way. Nothing is committed: on a refusal the caller rolls back
    and no movement is written."""
    lines = [(str(sku), int(qty)) for sku, qty in lines]
    skus = [sku for sku, _qty in lines]
    found = {p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(set(skus))))} if skus else {}
    on_hand = dict(db.session.execute(select(Stock.part_id, Stock.on_hand).where(
        Stock.part_id.in_([p.id for p in found.values()]))).all()) if found else {}
    needed: dict[int, int] = {}
    for sku, qty in lines:
        if sku in found:
            needed[found[sku].id] = needed.get(found[sku].id, 0) + qty
    errors = {}
    for i, (sku, qty) in enumerate(lines):
        part = found.get(sku)
        if part is None:
            errors[f"{field}.{i}.sku"] = _("no product with SKU %(sku)r", sku=sku)
        elif not part.is_spare_part:
            errors[f"{field}.{i}.sku"] = _("%(sku)s is not a spare part", sku=sku)
        elif qty <= 0:
            errors[f"{field}.{i}.qty"] = _("must be greater than 0")
        elif needed[part.id] > on_hand.get(part.id, 0):
            errors[f"{field}.{i}.qty"] = _("%(sku)s: %(need)s needed, only %(have)s in head-office stock",
                                           sku=sku, need=needed[part.id], have=on_hand.get(part.id, 0))
    if errors:
        code = "insufficient_stock" if all(k.endswith(".qty") for k in errors) else "validation_error"
        raise ValidationError(_("The parts cannot be issued from head-office stock."), errors, code=code)
    movements = []
    for i, (sku, qty) in enumerate(lines):
        try:
            movements.append(move_stock(found[sku], -qty, "issue_service", actor, pool="new", reason=reference))
        except ValidationError as exc:  # taken by a concurrent issue since the check
            raise ValidationError(_("The parts cannot be issued from head-office stock."),
                                  {f"{field}.{i}.qty": "; ".join(exc.fields.values()) or exc.message},
                                  code="insufficient_stock") from exc
    return movements


def serialize_stock(s: Stock) -> dict:
    return {"sku": s.part.sku, "part_name": s.part.name, "on_hand": s.on_hand, "repaired_on_hand": s.repaired_on_hand}


def serialize_movement(m: Movement) -> dict:
    return {"id": m.id, "sku": m.part.sku, "kind": m.kind, "pool": m.pool, "quantity": m.quantity,
            "balance_after": m.balance_after, "application_id": m.application_id, "rma_id": m.rma_id,
            "reason": m.reason or "", "actor": m.actor.username if m.actor else None,
            "created_at": m.created_at.isoformat()}


def stock_rows_stmt():
    """Every spare part with its head-office stock (zero where none was ever received)."""
    return (select(Product, func.coalesce(Stock.on_hand, 0), func.coalesce(Stock.repaired_on_hand, 0))
            .outerjoin(Stock, Stock.part_id == Product.id).where(Product.is_spare_part.is_(True)))


# --- applications ---------------------------------------------------------------------------

def _hook():
    return current_app.extensions["aftersales"].pm.hook


def lookup_rmas(dealer: Dealer | None, user, text: str, exact: bool = False, limit: int = 20) -> list[dict]:
    """The returns the link plugins offer for ``text`` (empty without ``spares_rma``)."""
    return [r for answer in _hook().spares_rma_lookup(dealer=dealer, user=viewer(user), text=text.strip(), exact=exact,
                                                      limit=limit) for r in answer or []][:limit]


def rma_refs(rma_ids) -> dict:
    """{rma_id: {"number", "url"}} of the returns named by applications (empty without ``spares_rma``)."""
    ids = sorted({i for i in rma_ids if i is not None})
    refs: dict = {}
    if ids:
        for answer in _hook().spares_rma_refs(rma_ids=ids):
            refs.update(answer or {})
    return refs


def resolve_rma(rma_id: int | None, rma_number: str | None, dealer: Dealer, user) -> int | None:
    """The return an application names: by its number (as people quote it) or, as before, by its id."""
    number = (rma_number or "").strip()
    if not number:
        validate_rma(rma_id, dealer)
        return rma_id
    hits = lookup_rmas(dealer, user, number, exact=True, limit=1)
    if not hits:
        raise ValidationError(_("invalid RMA"), {"rma_number": _("no return numbered %(number)s of this dealer",
                                                                 number=number)})
    if rma_id is not None and rma_id != hits[0]["id"]:
        raise ValidationError(_("invalid RMA"), {"rma_number": _("%(number)s is not return %(id)s given as rma_id",
                                                                 number=number, id=rma_id)})
    return hits[0]["id"]


def validate_rma(rma_id: int | None, dealer: Dealer | None, field: str = "rma_id") -> None:
    """Ask the link plugins (``spares_validate_rma``); with none enabled, any id is kept as given."""
    if rma_id is None:
        return
    for message in _hook().spares_validate_rma(rma_id=rma_id, dealer=dealer):
        if message:
            raise ValidationError(_("invalid RMA"), {field: str(message)})


def _reason_guard(app, actor, reason: str = "", **kw):
    if not (reason or "").strip():
        raise ValidationError(_("reason required"), {"reason": _("a rejection needs a reason")})


WORKFLOW = Workflow(
    model=Application,
    states=("submitted", "approved", "shipped", "received", "rejected"),
    transitions=(
        Transition("approve", ("submitted",), "approved", "spares.approve"),
        Transition("reject", ("submitted", "approved"), "rejected", "spares.approve", guards=(_reason_guard,)),
        Transition("ship", ("approved",), "shipped", "spares.ship"),
        Transition("receive", ("shipped",), "received", "spares.receive"),
    ),
    event="spares_application_state_changed",
)
OPEN_STATES = ("submitted", "approved", "shipped")


def create_application(body, actor) -> Application:
    from core.toolkit import next_number

    dealer = acting_dealer(actor, body.dealer_code)
    ensure_dealer_may_file(dealer)
    parts = _parts_by_sku([l.sku for l in body.lines])
    rma_id = resolve_rma(body.rma_id, body.rma_number, dealer, actor)
    now = utcnow()
    app = Application(number=next_number("SPA", now.year), dealer_id=dealer.id, dealer=dealer, state="submitted",
                      reason=body.reason, rma_id=rma_id, submitted_at=now,
                      created_by_id=actor.id if actor else None)
    app.lines = [ApplicationLine(part=parts[l.sku], quantity=l.quantity) for l in body.lines]
    db.session.add(app)
    db.session.flush()
    activity.log(app, "submitted", {"state": (None, "submitted"), "rma_id": (None, rma_id)},
                 comment=body.reason, actor=actor)
    _tell_application(users_with_role("customer_service"), app, N_("Spare-part application %(number)s to approve"),
                      N_("%(dealer)s: %(reason)s"))
    return app


APPLICATION_MESSAGES = {
    "approve": N_("Spare-part application %(number)s approved"),
    "reject": N_("Spare-part application %(number)s rejected"),
    "ship": N_("Spare-part application %(number)s shipped"),
    "receive": N_("Spare-part application %(number)s received by the dealer"),
}


def _tell_application(users, app: Application, title, body="", **args) -> None:
    notify(users, title, body, f"/spares/applications/{app.id}", number=app.number,
           dealer=f"{app.dealer.code} {app.dealer.name}", reason=app.reason or "", **args)


def _application_parties(app: Application, action: str):
    """Who a transition concerns: the dealer (approved, rejected, shipped); customer service (received)."""
    from core.toolkit import User

    if action == "receive":
        return users_with_role("customer_service")
    return db.session.scalars(select(User).where(User.dealer_id == app.dealer_id, User.active.is_(True)))


def act(app: Application, action: str, actor, version: int | None = None, reason: str = "", lines=None) -> Application:
    WORKFLOW.check(app, action, actor, version=version, reason=reason)
    changes = {}
    if action == "reject":
        app.reject_reason = reason.strip()
    if action == "ship":
        shipped = {l.sku: l.quantity for l in lines} if lines else None
        by_sku = {l.part.sku: l for l in app.lines}
        if shipped is not None:
            unknown = [s for s in shipped if s not in by_sku]
            over = [s for s, q in shipped.items() if s in by_sku and q > by_sku[s].quantity]
            if unknown or over:
                raise ValidationError(_("invalid shipment"), {"lines": "; ".join(
                    [f"{s} is not on this application" for s in unknown] +
                    [f"{s}: more than applied for" for s in over])})
        for line in app.lines:
            qty = line.quantity if shipped is None else shipped.get(line.part.sku, 0)
            line.shipped_quantity = qty
            if qty:
                move_stock(line.part, -qty, "issue_application", actor, application=app, reason=app.number)
        changes["shipped"] = (None, {l.part.sku: l.shipped_quantity for l in app.lines})
    WORKFLOW.apply(app, action, actor, version=version, comment=reason, changes=changes, reason=reason)
    _tell_application(_application_parties(app, action), app, APPLICATION_MESSAGES[action],
                      N_("Reason: %(reject_reason)s") if action == "reject" else "", reject_reason=reason.strip())
    return app


def head_office_on_hand(part_ids) -> dict[int, int]:
    """New (sellable) head-office stock per part: what an application ships from."""
    ids = set(part_ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(Stock.part_id, Stock.on_hand).where(Stock.part_id.in_(ids))).all())


def shortages(app: Application) -> list[dict]:
    """The lines head office cannot ship in full today: shipping them would be refused."""
    stock = head_office_on_hand(l.part_id for l in app.lines)
    return [{"sku": l.part.sku, "name": l.part.name, "quantity": l.quantity, "on_hand": stock.get(l.part_id, 0)}
            for l in app.lines if stock.get(l.part_id, 0) < l.quantity]


def spare_parts_with_stock(limit: int = 5000) -> list[tuple]:
    """(sku, name, new on hand) of every spare part, for the application form's picker."""
    return [(p.sku, p.name, int(on_hand)) for p, on_hand, _r in
            db.session.execute(stock_rows_stmt().order_by(Product.sku).limit(limit))]


def get_application(app_id, user=None) -> Application:
    return get_scoped(Application, app_id, viewer(user))


def serialize_application(a: Application, user=None) -> dict:
    rma_number = rma_refs([a.rma_id]).get(a.rma_id, {}).get("number") if a.rma_id is not None else None
    return {"id": a.id, "number": a.number, "dealer_code": a.dealer.code, "state": a.state, "reason": a.reason or "",
            "reject_reason": a.reject_reason or "", "rma_id": a.rma_id, "rma_number": rma_number,
            "submitted_at": a.submitted_at.isoformat(),
            "lines": [{"sku": l.part.sku, "part_name": l.part.name, "quantity": l.quantity,
                       "shipped_quantity": l.shipped_quantity} for l in a.lines],
            "version": a.version, "actions": [t.name for t in WORKFLOW.allowed(a, user)] if user is not None else []}


# --- retention after discontinuation ------------------------------------------------------------

def retention_rows(on: date | None = None, in_force: bool | None = True, zero_stock: bool | None = None) -> list[dict]:
    """Every BOM part of every discontinued product, kept until discontinued_on + category.retention_months.

    Computed from the products at query time, so a product re-activated, a BOM edited or a
    category's retention changed is reflected at once, with nothing to keep in sync.
    """
    on = on or date.today()
    part = aliased(Product)
    rows = db.session.execute(
        select(Product.sku, Product.name, Product.discontinued_on, ProductCategory.code, ProductCategory.retention_months,
               part.sku, part.name, func.coalesce(Stock.on_hand, 0))
        .join(ProductCategory, ProductCategory.id == Product.category_id)
        .join(ProductPart, ProductPart.product_id == Product.id)
        .join(part, part.id == ProductPart.part_id)
        .outerjoin(Stock, Stock.part_id == part.id)
        .where(Product.status == "discontinued", Product.discontinued_on.is_not(None))
        .order_by(Product.sku, part.sku)).all()
    out = []
    for psku, pname, disc, cat, months, sku, name, stock in rows:
        ends = add_months(disc, months)
        row = {"product_sku": psku, "product_name": pname, "category_code": cat, "sku": sku, "part_name": name,
               "discontinued_on": disc.isoformat(), "retention_months": months, "ends_on": ends.isoformat(),
               "in_force": ends >= on, "head_office_on_hand": int(stock), "zero_stock": int(stock) == 0}
        if in_force is not None and row["in_force"] != in_force:
            continue
        if zero_stock is not None and row["zero_stock"] != zero_stock:
            continue
        out.append(row)
    return out
