"""RMA business logic: filing with eligibility, the workflow, penalties, freight claims, SLA, cost.

Free of the Flask request: every function takes the ``actor``; nothing here commits
(the caller runs ``core.events.commit()`` once per action).
"""
from __future__ import annotations

import re
from collections import namedtuple
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from types import SimpleNamespace

from flask import current_app
from flask_babel import get_translations, gettext as _, lazy_gettext as _l
from sqlalchemy import bindparam, delete, insert, inspect, select, text, update
from sqlalchemy.orm import defaultload, lazyload, make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from core.toolkit import (Conflict, Dealer, NotFound, PermissionDenied, Product, ProductCategory, Transition,
                         ValidationError, Workflow, N_, activity, add_working_days, check, db, get_scoped,
                         notifications, local_date, scoped, sequences, settings, utcnow, validate,
                         working_days_between)
from plugins.rma import eligibility as elig, files
from plugins.rma.models import (FLAGS, OPEN_STATES, SENT_BACK, SLA_STATES, STATES, Rma, RmaFreightClaim,
                                RmaLine, RmaPenalty)
from plugins.rma.schemas import (BoxesIn, ClaimIn, DecisionIn, InspectIn, LineIn, ReceiveIn, RejectIn, ResolveIn,
                                 ReturnShipIn, RmaCommentIn, RmaPatch, ShipIn, VersionIn)

CENT = Decimal("0.01")
NUMBER_RE = re.compile(r"RMA-\d{4}-\d{3,}", re.IGNORECASE)


# --- guards ---------------------------------------------------------------------------

def _own_dealer(rma, actor, **kw):
    """Filing-side actions belong to the returning dealer's own users (or head office staff)."""
    if actor.dealer_id is not None and actor.dealer_id != rma.dealer_id:
        raise PermissionDenied(_("Only the returning dealer may do this."), code="not_returning_unit")


def _receiving_unit(rma, actor, **kw):
    """Receipt and resolution belong to the receiving unit: head office, or the distributor's agent."""
    if rma.receiving_dealer_id is None:
        if actor.dealer_id is not None:
            raise PermissionDenied(_("This return goes back to head office."), code="not_receiving_unit")
    elif actor.dealer_id != rma.receiving_dealer_id:
        raise PermissionDenied(_("Only the receiving agent may do this."), code="not_receiving_unit")


def _not_distributor(rma, actor, **kw):
    if rma.dealer.kind == "distributor":
        return _("A distributor's return goes back to its agent after review.")


def _is_distributor(rma, actor, **kw):
    if rma.dealer.kind != "distributor":
        return _("Only a distributor's return goes to its agent.")


def sends_back(rma) -> bool:
    """Repaired, replaced and no-fault goods go back to the returning unit (004 §6.3); a credit does not."""
    return any(l.resolution in SENT_BACK for l in rma.lines)


def _sends_back(rma, actor, **kw):
    if not sends_back(rma):
        return _("Nothing goes back to the returning unit: every line is credited.")


def _nothing_to_send_back(rma, actor, **kw):
    if rma.state == "resolved" and sends_back(rma):
        return _("Goods go back to the returning unit: record the return shipment and wait for the dealer to "
                 "confirm receipt before closing.")


def _rejecter(rma, actor, **kw):
    needed = "rma.review" if rma.state == "submitted" else "rma.approve"
    if not actor.can(needed):
        raise PermissionDenied(_("You may not reject a return in this state."), code="forbidden")


WORKFLOW = Workflow(
    model=Rma, states=STATES, event="rma_state_changed",
    forbidden=_l("Your role may not do this."), stale=_l("The return was changed by someone else; reload it."),
    illegal=_l("This cannot be done in the return's current state."),
    transitions=(
        Transition("submit", ("draft",), "submitted", "rma.file", (_own_dealer,),
                   message=_l("Return submitted for review.")),
        Transition("cancel", ("draft", "submitted", "reviewed"), "cancelled", "rma.file", (_own_dealer,),
                   message=_l("Return cancelled.")),
        Transition("review", ("submitted",), "reviewed", "rma.review", (_not_distributor,),
                   message=_l("Return reviewed: it goes to the order department for approval.")),
        Transition("review_to_agent", ("submitted",), "approved", "rma.review", (_is_distributor,),
                   message=_l("Return approved: the distributor sends it to its agent.")),
        Transition("approve", ("reviewed",), "approved", "rma.approve",
                   message=_l("Return approved: its number and box labels are issued.")),
        Transition("reject", ("submitted", "reviewed"), "rejected", "rma.reject", role_guards=(_rejecter,),
                   message=_l("Return rejected.")),
        Transition("ship", ("approved",), "shipped", "rma.file", (_own_dealer,), message=_l("Return marked shipped.")),
        Transition("receive", ("shipped",), "received", "rma.receive", (_receiving_unit,),
                   message=_l("Receipt recorded.")),
        Transition("inspect", ("received",), "inspected", "rma.inspect", message=_l("Inspection recorded.")),
        Transition("resolve", ("inspected",), "resolved", "rma.resolve", (_receiving_unit,),
                   message=_l("Return resolved.")),
        Transition("return_ship", ("resolved",), "returning", "rma.resolve", (_receiving_unit, _sends_back),
                   message=_l("Return shipment recorded.")),
        Transition("confirm_return", ("returning",), "returned", "rma.file", (_own_dealer,),
                   message=_l("Receipt of the goods sent back confirmed.")),
        Transition("close", ("resolved", "returned"), "closed", "rma.close", (_nothing_to_send_back,),
                   message=_l("Return closed.")),
    ),
)
ACTIONS = ("submit", "cancel", "review", "approve", "reject", "ship", "receive", "inspect", "resolve", "return_ship",
           "confirm_return", "close")


def allowed_actions(rma, user) -> list[str]:
    """Actions the user may try now (permission and state; guards are checked on the attempt)."""
    names = []
    for t in WORKFLOW.allowed(rma, user):
        name = "review" if t.name == "review_to_agent" else t.name
        try:
            for guard in t.role_guards + t.guards:
                if guard(rma, user):
                    raise Conflict("")
        except (PermissionDenied, Conflict):
            continue
        if name not in names:
            names.append(name)
    return names


# --- eligibility ----------------------------------------------------------------------

def rules() -> elig.Rules:
    return elig.Rules(order_mismatch_hours=settings.get("rma.order_mismatch_hours"),
                      company_error_days=settings.get("rma.company_error_days"))


def facts(line: RmaLine) -> elig.LineFacts:
    product = line.product
    category = product.category
    return line_facts(line, category.warranty_months, product.status, category.whole_unit_returns)


def line_facts(line, warranty_months: int, product_status: str, whole_unit_returns) -> elig.LineFacts:
    """The facts of a line (an ``RmaLine`` or a row with the same column names) and its product."""
    return elig.LineFacts(
        issue=line.issue, warranty_months=warranty_months,
        production_date=line.production_date, purchase_date=line.purchase_date, sale_date=line.sale_date,
        received_date=line.received_date, received_time=line.received_time,
        discontinued=product_status == "discontinued", whole_unit_allowed=bool(whole_unit_returns),
        opened=bool(line.opened), installed=bool(line.installed), sample=bool(line.sample),
        special_order=bool(line.special_order), scrap=bool(line.scrap), mixed_brand=bool(line.mixed_brand),
        whole_unit=bool(line.whole_unit), label_intact=bool(line.label_intact))


def evaluate_line(line: RmaLine, now: datetime, rule_set=None, extra: list[str] | None = None,
                  line_facts: elig.LineFacts | None = None) -> elig.Eligibility:
    result = elig.evaluate(line_facts or facts(line), now, rule_set or rules())
    for code in extra or ():
        if code not in result.reasons:
            result.reasons.append(code)
    result.accepted = not result.reasons
    return result


def extra_checks(rma, line) -> list[str]:
    """Blocking codes other plugins add through the ``rma_line_checks`` hook."""
    pm = current_app.extensions["aftersales"].pm
    codes: list[str] = []
    for result in pm.hook.rma_line_checks(rma=rma, line=line):
        for code in result or ():
            if code not in codes:
                codes.append(str(code))
    return codes


def eligibility_time(rma: Rma | None) -> datetime:
    """Lines are judged at filing time: the submission, or now for a draft."""
    if rma is not None and rma.submitted_at is not None:
        return rma.submitted_at
    return utcnow()


# --- filing ---------------------------------------------------------------------------
#
# A return and its lines are written with Core statements (INSERT .. RETURNING, one INSERT for all
# lines) and attached to the session as loaded objects (``_attach``): the ORM's unit of work cost
# more CPU than the rest of a filing, and nothing is read back after the writes.

_RMA, _LINE = Rma.__table__, RmaLine.__table__
_INPUT_FIELDS = tuple(f for f in LineIn.model_fields if f not in ("sku", "received_date"))
# what a new line holds besides its input: the receiving side's columns, at their defaults
_NEW_LINE = {c.key: c.default.arg if c.default is not None and c.default.is_scalar else None for c in _LINE.c
             if c.key not in ("id", "rma_id", "product_id", "received_date", "received_time") + _INPUT_FIELDS}
_LOOKUPS: dict = {}


def _lookup_stmt(by: str | None):
    """The products of the lines by SKU (with their categories, as the ORM loads them) and, unless
    ``by`` is None, the dealer by ``id`` or ``code``: one Core statement (the dealer outer-joined to
    the products, so it comes without any), built once. Its rows become objects in ``_lookup``:
    through the ORM the same read cost twice as much (its loaders are set up on every execution)."""
    if by not in _LOOKUPS:
        dealer, product, category = Dealer.__table__, Product.__table__, ProductCategory.__table__
        skus = product.c.sku.in_(bindparam("skus", expanding=True))
        products = product.outerjoin(category, category.c.id == product.c.category_id)
        if by is None:
            stmt = select(*product.c, *category.c).select_from(products).where(skus)
        else:
            stmt = (select(*dealer.c, *product.c, *category.c)
                    .select_from(dealer.outerjoin(products, skus))
                    .where((dealer.c.id if by == "id" else dealer.c.code) == bindparam("dealer")))
        _LOOKUPS[by] = stmt
    return _LOOKUPS[by]


def _row_instance(session, cls, values: dict):
    """The object of a row read with Core, as the ORM would give it: the one the session holds
    (its unloaded attributes filled from the row, as a load does), else a new one in the session
    as if loaded (its other references lazy: the dealer's parent and region, a product's parts)."""
    obj = session.identity_map.get(cls.__mapper__.identity_key_from_primary_key((values["id"],)))
    if obj is None:
        return _attach(cls, values, session, known=True)
    for name in inspect(obj).unloaded & values.keys():
        set_committed_value(obj, name, values[name])
    return obj


_DEALER_COLUMNS = [c.key for c in Dealer.__table__.c]
_PRODUCT_COLUMNS = [c.key for c in Product.__table__.c]
_CATEGORY_COLUMNS = [c.key for c in ProductCategory.__table__.c]


def _lookup(by: str | None, params: dict) -> tuple[Dealer | None, dict]:
    """The dealer (None when ``by`` is None or none matches) and the products found, by SKU."""
    session = db.session()
    rows = session.connection().execute(_lookup_stmt(by), params).all()
    dealer, products = None, {}
    start = 0 if by is None else len(_DEALER_COLUMNS)
    middle = start + len(_PRODUCT_COLUMNS)
    for row in rows:
        if by is not None and dealer is None:
            dealer = _row_instance(session, Dealer, dict(zip(_DEALER_COLUMNS, row[:start])))
        values = dict(zip(_PRODUCT_COLUMNS, row[start:middle]))
        if values["id"] is not None:  # else the dealer without products
            values["category"] = _row_instance(session, ProductCategory, dict(zip(_CATEGORY_COLUMNS, row[middle:])))
            products[values["sku"]] = _row_instance(session, Product, values)
    return dealer, products


def _dealer_and_products(by: str, value, skus) -> tuple[Dealer | None, dict]:
    return _lookup(by, {"dealer": value, "skus": list(skus)})


def _products(skus) -> dict:
    return _lookup(None, {"skus": list(skus)})[1] if skus else {}


def _filing_dealer(actor, dealer_code: str | None, skus=()) -> tuple[Dealer, dict]:
    """The dealer a return is filed for (the actor's company; staff name ``dealer_code``) and the
    products of ``skus``, read together."""
    if actor.dealer_id is not None:
        dealer, products = _dealer_and_products("id", actor.dealer_id, skus)
        if dealer_code and dealer_code != dealer.code:
            raise ValidationError(_("invalid input"), {"dealer_code": _("You can only file for your own company.")})
        return dealer, products
    if not dealer_code:
        raise ValidationError(_("invalid input"), {"dealer_code": _("Choose the dealer the return is for.")})
    dealer, products = _dealer_and_products("code", dealer_code, skus)
    if dealer is None:
        raise ValidationError(_("invalid input"), {"dealer_code": _("No dealer with this code.")})
    return dealer, products


def _line_inputs(raw_lines) -> tuple[list[LineIn], ValidationError | None]:
    """The lines validated (the API's are already), or the first line's error: raised by the caller
    after the dealer's errors, which take precedence."""
    try:
        return [l if isinstance(l, LineIn) else validate(LineIn, l) for l in raw_lines], None
    except ValidationError as exc:
        return [], exc


def _check_skus(items: list[LineIn], products: dict) -> None:
    errors = {f"lines.{i}.sku": _("Unknown SKU %(sku)s.", sku=item.sku)
              for i, item in enumerate(items) if item.sku not in products}
    if errors:
        raise ValidationError(_("invalid input"), errors)


def _line_values(item: LineIn) -> dict:
    """A line's columns from its input (``received_date`` may carry the hour: kept in ``received_time``)."""
    given = item.__dict__
    values = {f: given[f] for f in _INPUT_FIELDS}
    received, received_time = item.received_date, None
    if isinstance(received, datetime):
        if received.tzinfo is None:
            received = received.replace(tzinfo=elig.CHINA)
        received_time = received.astimezone(timezone.utc)
        received = received.astimezone(elig.CHINA).date()
    values["received_date"], values["received_time"] = received, received_time
    return values


def _attach(cls, values: dict, session=None, known: bool = False):
    """An object of a row this transaction has just written (or read) with Core, in the session as
    if loaded from it (no flush, no reload); ``values`` holds every column and the loaded references.
    ``known``: the session holds no object of that row (the caller looked).

    Put in the identity map without ``Session.add``'s save-update cascade: that walks every
    property of the mapper (half the cost of an attached line), and finds nothing to add, as the
    references given (dealer, products, the return of a line) were read or attached in this
    session already."""
    obj = cls.__mapper__.class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    session = session or db.session()
    stale = None if known else session.identity_map.get(obj._sa_instance_state.key)
    if stale is not None:  # the object of a row deleted in this session, whose id SQLite gave again
        session.expunge(stale)
    session._update_impl(obj._sa_instance_state)  # Session.add of a detached object, less the cascade
    return obj


def _insert_rma(dealer: Dealer, actor) -> Rma:
    row = db.session.connection().execute(  # not through the ORM's execution layer: nothing of it applies
        _RMA_INSERT, {"dealer_id": dealer.id, "created_by_id": actor.id, "state": "draft"}).one()
    rma = _attach(Rma, {**row._mapping, "dealer": dealer, "receiving_dealer": None})
    set_committed_value(rma, "lines", [])
    return rma


_RMA_INSERT = insert(_RMA).returning(*_RMA.c)


def _insert_lines(rma: Rma, values: list[dict], products: list[Product]) -> list[RmaLine]:
    """The lines of ``rma`` in ONE INSERT, in order. PostgreSQL returns their ids in order
    (``sort_by_parameter_order``). SQLite has no ordered RETURNING for a multi-row INSERT: one
    ``INSERT .. VALUES (..), (..)`` gives its rows the ids after the largest one in the order
    written (the statement holds the write lock), so they end at its ``lastrowid``. The same in a
    request, the CLI or an import."""
    rows = [{**_NEW_LINE, **v, "rma_id": rma.id, "product_id": p.id} for v, p in zip(values, products)]
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        params = {f"{key}_{i}": value for i, row in enumerate(rows) for key, value in row.items()}
        last = conn.execute(_sqlite_lines_insert(len(rows), conn.dialect), params).lastrowid
        ids = range(last - len(rows) + 1, last + 1)
    else:
        ids = conn.execute(_LINE_INSERT_RETURNING, rows).scalars().all()
    lines = [_attach(RmaLine, {**row, "id": line_id, "product": product, "rma": rma})
             for row, line_id, product in zip(rows, ids, products)]
    set_committed_value(rma, "lines", lines)
    return lines


_LINE_INSERT_RETURNING = insert(_LINE).returning(_LINE.c.id, sort_by_parameter_order=True)
_SQLITE_LINE_INSERTS: dict = {}


def _sqlite_lines_insert(n: int, dialect):
    """``INSERT INTO rma_line .. VALUES (..), .. (..)`` for ``n`` lines, parameters ``<column>_<i>``
    typed as their columns. A text statement, built once per count: SQLAlchemy neither caches nor
    reuses the compiled form of a multi-row ``insert().values([...])``."""
    if n not in _SQLITE_LINE_INSERTS:
        columns = [c for c in _LINE.c if c.key != "id"]
        quote = dialect.identifier_preparer.format_column
        rows = ", ".join("(" + ", ".join(f":{c.key}_{i}" for c in columns) + ")" for i in range(n))
        _SQLITE_LINE_INSERTS[n] = text(
            f"INSERT INTO {_LINE.name} ({', '.join(quote(c) for c in columns)}) VALUES {rows}"
        ).bindparams(*(bindparam(f"{c.key}_{i}", type_=c.type) for i in range(n) for c in columns))
    return _SQLITE_LINE_INSERTS[n]


def check_dealer_may_file(dealer: Dealer) -> None:
    """A disqualified dealer keeps its 403 ``dealer_disqualified``; a suspended one gets the core's 409."""
    from core.toolkit import ensure_dealer_may_file

    if dealer.status == "disqualified":
        raise PermissionDenied(elig.message("dealer_disqualified"), code="dealer_disqualified")
    ensure_dealer_may_file(dealer)


def preview(raw_lines, actor, dealer_code: str | None = None) -> list[tuple[RmaLine, elig.Eligibility]]:
    """Eligibility of lines being filed, without saving anything (live feedback on the form)."""
    check(actor, "rma.file")
    items, invalid = _line_inputs(raw_lines)
    dealer, products = _filing_dealer(actor, dealer_code, {item.sku for item in items})
    if invalid:
        raise invalid
    _check_skus(items, products)
    rma = Rma(dealer=dealer, state="draft")  # never persisted (no reference leads to it from the session)
    lines = [RmaLine(product=products[item.sku], **_line_values(item)) for item in items]
    now, rule_set = utcnow(), rules()
    return [(line, evaluate_line(line, now, rule_set, extra_checks(rma, line))) for line in lines]


def create_rma(dealer, lines: list, actor, submit: bool = False) -> Rma:
    """File a return for ``dealer`` (a Dealer, or a dealer code or None for the actor's company);
    optionally submit it. The dealer and the products are read in one statement, then the return
    and its lines written in one INSERT each."""
    actor = actor._get_current_object() if hasattr(actor, "_get_current_object") else actor  # read 5 times
    check(actor, "rma.file")
    items, invalid = _line_inputs(lines)
    skus = {item.sku for item in items}
    if dealer is None or isinstance(dealer, str):
        dealer, products = _filing_dealer(actor, dealer, skus)
    elif actor.dealer_id is not None and dealer.id != actor.dealer_id:
        raise PermissionDenied(_("You can only file for your own company."))
    else:
        products = _products(skus)
    check_dealer_may_file(dealer)
    if not lines:
        raise ValidationError(_("invalid input"), {"lines": _("Add at least one line.")})
    if invalid:
        raise invalid
    _check_skus(items, products)
    with activity.batched():  # the entry by one Core INSERT, as a transition's: no ORM object to flush
        rma = _insert_rma(dealer, actor)
        _insert_lines(rma, [_line_values(item) for item in items], [products[item.sku] for item in items])
        if submit:  # the submission entry records the filing
            apply_action(rma, "submit", actor, rma.version)
        else:
            activity.log(rma, "created", {"state": (None, "draft"), "lines": (None, len(rma.lines))}, actor=actor)
    return rma


FILED_LINE_FIELDS = ("product_id", "quantity", "serial", "production_date", "purchase_date", "sale_date",
                     "received_date", "received_time", "issue", "description") + FLAGS


def copy_rejected(rma: Rma, actor) -> Rma:
    """A new draft with the lines of a rejected return, as filed (the dealer corrects and files again)."""
    check(actor, "rma.file")
    if rma.state != "rejected":
        raise Conflict(_("Only a rejected return can be copied and filed again."), code="illegal_transition")
    _own_dealer(rma, actor)
    check_dealer_may_file(rma.dealer)
    with activity.batched():  # the entry by one Core INSERT, as at filing
        copy = _insert_rma(rma.dealer, actor)
        _insert_lines(copy, [{f: getattr(l, f) for f in FILED_LINE_FIELDS if f != "product_id"} for l in rma.lines],
                      [l.product for l in rma.lines])
        activity.log(copy, "created", {"state": (None, "draft"), "lines": (None, len(copy.lines))},
                     comment=rma.filing_number or rma.number or f"#{rma.id}", actor=actor)
    return copy


def update_draft(rma: Rma | int, data, actor) -> Rma:
    """Replace the lines of a draft. ``rma``: the loaded return (pages), or its id (the API): then
    the version UPDATE, scoped to the caller and to a draft of that version, reads the return
    itself (RETURNING) instead of a load before it; when it matches nothing, the return is loaded
    and checked as on a page, for the error that applies (404, 403, 409)."""
    body = data if isinstance(data, RmaPatch) else validate(RmaPatch, data)
    items = body.lines
    claimed = None if isinstance(rma, Rma) else _claim_draft(rma, body.version, actor)
    if claimed is None:
        rma = rma if isinstance(rma, Rma) else get_scoped(Rma, rma, options=load_options())
    WORKFLOW.check(claimed or rma, "submit", actor)  # only the filer may edit ...
    if claimed is None:
        if body.version != rma.version:
            raise Conflict(_("stale version %(body_version)s; current is %(rma_version)s", body_version=body.version, rma_version=rma.version), code="stale_version")
        if rma.state != "draft":
            raise Conflict(_("Only a draft can be changed."), code="illegal_transition")
        products = _products({item.sku for item in items})
    else:
        rma = claimed
        dealer, products = _dealer_and_products("id", rma.dealer_id, {item.sku for item in items})
        set_committed_value(rma, "dealer", dealer)
    _check_skus(items, products)
    for line in rma.__dict__.get("lines", ()):
        db.session.expunge(line)
    # the new lines first: on SQLite they take the ids after the old ones, never an old line's id
    lines = _insert_lines(rma, [_line_values(item) for item in items], [products[item.sku] for item in items])
    old = db.session.execute(_DELETE_LINES, {"rma_id": rma.id, "new": [line.id for line in lines]}).rowcount
    if claimed is None:
        rma.updated_at = utcnow()  # bumps the version even when only lines change
    with activity.batched():  # the entry by one Core INSERT, as at filing (the API's PATCH then has nothing to flush)
        activity.log(rma, "updated", {"lines": (old, len(lines))}, actor=actor)
    return rma


_DELETE_LINES = delete(_LINE).where(_LINE.c.rma_id == bindparam("rma_id"),
                                    _LINE.c.id.not_in(bindparam("new", expanding=True)))


def _claim_draft(rma_id: int, version: int, actor) -> Rma | None:
    """The draft ``rma_id`` at ``version`` in the caller's scope, its version raised (one UPDATE ..
    RETURNING); None when there is no such row or the session holds the return already."""
    if db.session.identity_map.get(Rma.__mapper__.identity_key_from_primary_key((rma_id,))) is not None:
        return None
    row = db.session.execute(scoped(_CLAIM_DRAFT, Rma, actor),
                             {"rma_id": rma_id, "version": version, "now": utcnow()}).one_or_none()
    if row is None:
        return None
    rma = _attach(Rma, row._asdict())
    if rma.receiving_dealer_id is None:
        set_committed_value(rma, "receiving_dealer", None)
    return rma


_CLAIM_DRAFT = (update(_RMA).where(_RMA.c.id == bindparam("rma_id"), _RMA.c.version == bindparam("version"),
                                   _RMA.c.state == "draft")
                .values(version=_RMA.c.version + 1, updated_at=bindparam("now")).returning(*_RMA.c))


# --- transitions ----------------------------------------------------------------------

def _lines_by_id(rma: Rma, items, field_name: str = "lines") -> dict:
    by_id = {l.id: l for l in rma.lines}
    seen = {}
    errors = {}
    for i, item in enumerate(items):
        if item.line_id not in by_id:
            errors[f"{field_name}.{i}.line_id"] = _("Not a line of this return.")
        elif item.line_id in seen:
            errors[f"{field_name}.{i}.line_id"] = _("Line given twice.")
        seen[item.line_id] = item
    missing = [l.id for l in rma.lines if l.id not in seen]
    if missing:
        errors[field_name] = _("Every line must be given (missing: %(ids)s).", ids=", ".join(map(str, missing)))
    if errors:
        raise ValidationError(_("invalid input"), errors)
    return seen


def _write_line(line: RmaLine, **values) -> None:
    """Set these columns of a line, each marked written even where its value stays: every line of
    the return then carries the same SET list, so the flush updates them all in ONE executemany
    UPDATE (lines changing different fields would otherwise each get their own statement)."""
    for key, value in values.items():
        setattr(line, key, value)
        flag_modified(line, key)


def apply_action(rma: Rma, action: str, actor, version, **payload) -> Rma:
    """Run one workflow action on ``rma`` with its payload (see the API for each body)."""
    if action not in ACTIONS:
        raise NotFound(_("unknown action %(action)r", action=action))
    handler = _HANDLERS[action]
    # No flush until the transition is applied: a flush bumps the version the workflow checks.
    # Every group told about it in one INSERT .. SELECT at the end (no recipient is loaded), the
    # activity entries in one INSERT of their values (no ORM object to flush).
    with db.session.no_autoflush, notifications.batched(), activity.batched():
        handler(rma, actor, version, payload)
    return rma


def transition_for(rma: Rma, action: str) -> str:
    """The transition an action runs: a distributor's return is reviewed straight to its agent."""
    if action == "review" and rma.dealer.kind == "distributor" and rma.dealer.parent_id is not None:
        return "review_to_agent"
    return action


def precheck(rma: Rma, action: str, actor, version) -> None:
    """Role (403), then version and state (409) of ``action``, before its body is looked at."""
    if action not in ACTIONS:
        raise NotFound(_("unknown action %(action)r", action=action))
    WORKFLOW.check_access(rma, transition_for(rma, action), actor, version)


def _payload(schema, version, payload):
    return validate(schema, {"version": version, **payload})


def _submit(rma, actor, version, payload):
    WORKFLOW.check(rma, "submit", actor, version=version)
    check_dealer_may_file(rma.dealer)
    now, rule_set = utcnow(), rules()
    # the other plugins' checks asked of each line only when a plugin offers some
    checked = bool(current_app.extensions["aftersales"].pm.hook.rma_line_checks.get_hookimpls())
    errors = {}
    for i, line in enumerate(rma.lines):
        result = evaluate_line(line, now, rule_set, extra_checks(rma, line) if checked else None)
        if not result.accepted:
            errors[f"lines.{i}"] = "; ".join(elig.message(c, hours=rule_set.order_mismatch_hours,
                                                          days=rule_set.company_error_days) for c in result.reasons)
            errors[f"lines.{i}.reasons"] = ",".join(result.reasons)
    if errors:
        raise ValidationError(_("Some lines are not accepted."), errors, code="not_accepted")
    changes = {}
    if rma.filing_number is None:  # a number people can quote from the moment it is filed
        filing_number = sequences.next_number("RMAF", now.year)  # may flush: before the record changes
        rma.filing_number = filing_number
        changes["filing_number"] = (None, filing_number)
    rma.submitted_at = now
    WORKFLOW.apply(rma, "submit", actor, version=version, changes=changes)
    _tell(region_managers(rma.dealer.region_id), rma, N_("Return to review: %(dealer)s"),
          N_("%(n)s line(s) filed."), n=len(rma.lines))


def _review(rma, actor, version, payload):
    comment = validate(RmaCommentIn, {"version": version, **payload}).comment
    if rma.dealer.kind == "distributor" and rma.dealer.parent_id is not None:
        WORKFLOW.check(rma, "review_to_agent", actor, version=version)
        now = utcnow()
        number = sequences.next_number("RMA", now.year)  # may flush: before the record changes
        WORKFLOW.apply(rma, "review_to_agent", actor, version=version, comment=comment,
                       changes={"number": (None, number), "receiving_unit": (None, rma.dealer.parent.code)})
        rma.reviewed_at = rma.approved_at = now
        rma.receiving_dealer_id = rma.dealer.parent_id
        rma.number = number
        _tell(dealer_users(rma.dealer_id), rma, N_("Return %(number)s approved: send it to your agent %(agent)s."),
              agent=rma.dealer.parent.name)
        _tell(dealer_users(rma.receiving_dealer_id), rma,
              N_("Return %(number)s of your distributor %(dealer)s comes to you: receive and resolve it"))
        return
    WORKFLOW.check(rma, "review", actor, version=version)
    rma.reviewed_at = utcnow()
    WORKFLOW.apply(rma, "review", actor, version=version, comment=comment)
    _tell(notifications.Recipients.role("order_dept"), rma, N_("Return to approve: %(dealer)s"))
    _tell(dealer_users(rma.dealer_id), rma, N_("Return %(number)s reviewed by the regional manager"))


def _approve(rma, actor, version, payload):
    WORKFLOW.check(rma, "approve", actor, version=version)
    comment = validate(RmaCommentIn, {"version": version, **payload}).comment
    now = utcnow()
    number = sequences.next_number("RMA", now.year)  # may flush: before the record changes
    WORKFLOW.apply(rma, "approve", actor, version=version, comment=comment, changes={"number": (None, number)})
    rma.approved_at, rma.number = now, number
    _tell(dealer_users(rma.dealer_id), rma, N_("Return %(number)s approved: print the box labels and ship it."))


def _reject(rma, actor, version, payload):
    WORKFLOW.check(rma, "reject", actor, version=version)
    body = _payload(RejectIn, version, payload)
    rma.reject_reason = body.reason
    WORKFLOW.apply(rma, "reject", actor, version=version, comment=body.reason)
    _tell(dealer_users(rma.dealer_id), rma, N_("Your return %(number)s was rejected"), N_("Reason: %(reason)s"),
          reason=body.reason)


def _cancel(rma, actor, version, payload):
    old, _new = WORKFLOW.apply(rma, "cancel", actor, version=version, comment=str(payload.get("reason") or ""))
    waiting = {"submitted": lambda: region_managers(rma.dealer.region_id),
               "reviewed": lambda: notifications.Recipients.role("order_dept")}.get(old)
    if waiting:
        _tell(waiting(), rma, N_("Return %(number)s was withdrawn by the dealer"))


def _check_boxes(field: str, boxes: int) -> None:
    """A business maximum (setting): the labels PDF has one page per box."""
    maximum = settings.get("rma.max_boxes")
    if boxes > maximum:
        raise ValidationError(_("invalid input"), {field: _("At most %(n)s boxes.", n=maximum)})


def set_boxes(rma, actor, data) -> Rma:
    """The returning dealer says how many boxes it packs before printing the labels (box k of N);
    shipping keeps that count unless the dealer gives another."""
    body = data if isinstance(data, BoxesIn) else validate(BoxesIn, data)
    WORKFLOW.check(rma, "ship", actor, version=body.version)  # the returning dealer, while the return waits to be shipped
    _check_boxes("boxes", body.boxes)
    if body.boxes != rma.boxes:
        activity.log(rma, "boxes_set", {"boxes": (rma.boxes, body.boxes)}, actor=actor)
        rma.boxes = body.boxes
        rma.updated_at = utcnow()
    return rma


def _ship(rma, actor, version, payload):
    WORKFLOW.check(rma, "ship", actor, version=version)
    body = _payload(ShipIn, version, payload)
    boxes = body.boxes or rma.boxes
    if boxes is None:
        raise ValidationError(_("invalid input"), {"boxes": _("Give the number of boxes.")})
    _check_boxes("boxes", boxes)
    old_boxes = rma.boxes
    rma.boxes, rma.carrier, rma.tracking = boxes, body.carrier, body.tracking
    rma.shipped_at = utcnow()
    WORKFLOW.apply(rma, "ship", actor, version=version,
                   changes={"boxes": (old_boxes, boxes), "carrier": (None, body.carrier),
                            "tracking": (None, body.tracking)})
    _tell(receiving_users(rma), rma, N_("Return %(number)s shipped to you: %(boxes)s box(es)"),
          N_("%(carrier)s %(tracking)s"), boxes=boxes, carrier=body.carrier, tracking=body.tracking)


def _receive(rma, actor, version, payload):
    WORKFLOW.check(rma, "receive", actor, version=version)
    body = _payload(ReceiveIn, version, payload)
    _check_boxes("boxes_received", body.boxes_received)
    items = _lines_by_id(rma, body.lines)
    changes = {"boxes_received": (rma.boxes, body.boxes_received)}
    differences = []
    for line in rma.lines:
        qty = items[line.id].received_quantity
        _write_line(line, received_quantity=qty)
        if qty != line.quantity:
            differences.append(f"{line.product.sku}: {line.quantity} -> {qty}")
            changes[f"line {line.id} quantity"] = (line.quantity, qty)
    now = utcnow()
    rma.boxes_received = body.boxes_received
    rma.received_at = now
    rma.due_date = add_working_days(elig.china_today(now), settings.get("rma.sla_working_days"))
    changes["due_date"] = (None, rma.due_date)
    WORKFLOW.apply(rma, "receive", actor, version=version, changes=changes,
                   comment="; ".join(differences))
    _tell(notifications.Recipients.role("technical"), rma, N_("Return %(number)s received: inspect it"))
    _tell(dealer_users(rma.dealer_id), rma, N_("Return %(number)s received"),
          N_("%(boxes)s box(es) counted by the receiving unit."), boxes=body.boxes_received)


def _inspect(rma, actor, version, payload):
    WORKFLOW.check(rma, "inspect", actor, version=version)
    body = _payload(InspectIn, version, payload)
    items = _lines_by_id(rma, body.lines)
    changes = {}
    for line in rma.lines:
        item = items[line.id]
        _write_line(line, verdict=item.verdict, serious=item.serious and item.verdict == "human_damage",
                    worth_analysis=item.worth_analysis, findings=item.findings.strip())
        changes[f"line {line.id} verdict"] = (None, item.verdict)
    rma.inspected_at = utcnow()
    WORKFLOW.apply(rma, "inspect", actor, version=version, changes=changes)
    _tell(dealer_users(rma.dealer_id), rma, N_("Return %(number)s inspected"))
    _tell(receiving_users(rma), rma, N_("Return %(number)s inspected: resolve it"))
    damaged = [l for l in rma.lines if l.verdict == "human_damage"]
    if damaged:
        _propose_penalty(rma, any(l.serious for l in damaged), actor)
    for line in rma.lines:
        if line.issue in ("safety", "recall") or line.worth_analysis:
            claim = RmaFreightClaim(rma_id=rma.id, rma_line_id=line.id, dealer_id=rma.dealer_id, state="open")
            db.session.add(claim)


ALLOWED_RESOLUTIONS = {
    "quality_fault": ("repair", "replace", "credit", "paid_repair"),
    "no_fault_found": ("return_to_sender",),
    "human_damage": ("return_to_sender", "paid_repair"),
    "not_covered": ("return_to_sender", "paid_repair"),
}


def _resolve(rma, actor, version, payload):
    WORKFLOW.check(rma, "resolve", actor, version=version)
    body = _payload(ResolveIn, version, payload)
    items = _lines_by_id(rma, body.lines)
    errors = {}
    for i, item in enumerate(body.lines):
        line = next(l for l in rma.lines if l.id == item.line_id)
        allowed = ALLOWED_RESOLUTIONS.get(line.verdict or "", ())
        if item.resolution not in allowed:
            errors[f"lines.{i}.resolution"] = _("A %(verdict)s line resolves as: %(allowed)s.",
                                                verdict=line.verdict, allowed=", ".join(allowed))
        if item.resolution == "paid_repair" and not item.fee:
            errors[f"lines.{i}.fee"] = _("A paid repair needs its fee.")
        if item.resolution != "paid_repair" and item.fee:
            errors[f"lines.{i}.fee"] = _("Only a paid repair has a fee.")
    if errors:
        raise ValidationError(_("invalid input"), errors)
    changes = {}
    for line in rma.lines:
        item = items[line.id]
        _write_line(line, resolution=item.resolution, fee=item.fee.quantize(CENT) if item.fee is not None else None)
        changes[f"line {line.id} resolution"] = (None, item.resolution)
    rma.resolved_at = utcnow()
    WORKFLOW.apply(rma, "resolve", actor, version=version, changes=changes)
    if sends_back(rma):
        _tell(dealer_users(rma.dealer_id), rma, N_("Return %(number)s resolved: the goods will be sent back to you"))
    else:
        _tell(dealer_users(rma.dealer_id), rma, N_("Return %(number)s resolved"))
        if rma.receiving_dealer_id is not None:  # the agent resolved it: head office closes it
            _tell(notifications.Recipients.role("order_dept"), rma, N_("Return %(number)s resolved: close it"))


def return_contents(rma) -> str:
    """What goes back by default: each line resolved for sending back, its model and counted quantity."""
    return "; ".join(f"{l.product.sku} × {l.counted_quantity}" for l in rma.lines if l.resolution in SENT_BACK)


def _return_ship(rma, actor, version, payload):
    WORKFLOW.check(rma, "return_ship", actor, version=version)
    body = _payload(ReturnShipIn, version, payload)
    _check_boxes("boxes", body.boxes)
    contents = body.contents.strip() or return_contents(rma)
    rma.return_boxes, rma.return_carrier, rma.return_tracking = body.boxes, body.carrier, body.tracking
    rma.return_contents = contents
    rma.returned_at = utcnow()
    WORKFLOW.apply(rma, "return_ship", actor, version=version, comment=contents,
                   changes={"return_boxes": (None, body.boxes), "return_carrier": (None, body.carrier),
                            "return_tracking": (None, body.tracking)})
    _tell(dealer_users(rma.dealer_id), rma, N_("Return %(number)s: goods sent back to you in %(boxes)s box(es)"),
          N_("%(carrier)s %(tracking)s"), boxes=body.boxes, carrier=body.carrier, tracking=body.tracking)


def _confirm_return(rma, actor, version, payload):
    WORKFLOW.check(rma, "confirm_return", actor, version=version)
    rma.return_received_at = utcnow()
    WORKFLOW.apply(rma, "confirm_return", actor, version=version)
    recipients = receiving_users(rma)
    if rma.receiving_dealer_id is not None:  # head office closes the agent's returns
        recipients |= notifications.Recipients.role("order_dept")
    _tell(recipients, rma, N_("Return %(number)s: the dealer confirmed receipt of the goods sent back; close it"))


def _close(rma, actor, version, payload):
    WORKFLOW.check(rma, "close", actor, version=version)
    rma.closed_at = utcnow()
    WORKFLOW.apply(rma, "close", actor, version=version)
    _tell(dealer_users(rma.dealer_id), rma, N_("Return %(number)s closed"))


_HANDLERS = {"submit": _submit, "review": _review, "approve": _approve, "reject": _reject, "cancel": _cancel,
             "ship": _ship, "receive": _receive, "inspect": _inspect, "resolve": _resolve,
             "return_ship": _return_ship, "confirm_return": _confirm_return, "close": _close}


def region_managers(region_id) -> notifications.Recipients:
    """The managers of the region (as notification recipients)."""
    return notifications.Recipients.region_managers(region_id)


def reference(rma) -> str:
    """How people name a return: its approval number, else its filing number."""
    return rma.number or getattr(rma, "filing_number", None) or f"#{rma.id}"


def _tell(users, rma, title, body="", link: str | None = None, **args) -> None:
    """Notify ``users`` about ``rma``: message ids rendered in each reader's language when read."""
    notifications.notify(users, title, body, link or f"/rma/{rma.id}", number=reference(rma),
                         dealer=rma.dealer.name, **args)


def dealer_users(dealer_id) -> notifications.Recipients:
    """The active users of one dealer (the returning unit, or a receiving agent), as recipients."""
    return notifications.Recipients.dealer(dealer_id)


def receiving_users(rma):
    """Who receives and resolves the goods: the order department, or the distributor's agent."""
    if rma.receiving_dealer_id is None:
        return notifications.Recipients.role("order_dept")
    return dealer_users(rma.receiving_dealer_id)


# --- receiving lookup -----------------------------------------------------------------

def lookup_for_receipt(text: str, actor) -> Rma:
    """The RMA a scanned QR code or a typed number names, if it can be received now."""
    check(actor, "rma.receive")
    match = NUMBER_RE.search(text or "")
    if not match:
        raise NotFound(_("No approved return has this number; goods without approval are not processed."),
                       code="unknown_rma")
    rma = db.session.scalar(select(Rma).where(Rma.number == match.group(0).upper()))
    if rma is None:
        raise NotFound(_("No approved return has this number; goods without approval are not processed."),
                       code="unknown_rma")
    rma = get_scoped(Rma, rma.id, actor)
    if rma.state != "shipped":
        raise Conflict(_("Return %(number)s is %(state)s, not shipped: it cannot be received.",
                         number=rma.number, state=rma.state), code="not_receivable")
    _receiving_unit(rma, actor)
    return rma


# --- penalties ------------------------------------------------------------------------

def batch_value(rma: Rma) -> Decimal:
    return sum((Decimal(l.counted_quantity) * (l.product.unit_price or Decimal("0")) for l in rma.lines),
               Decimal("0"))


def penalty_breakdown(penalty: RmaPenalty) -> dict:
    """How a penalty was computed: each line's counted quantity × unit price, the batch value and
    the multiplier applied (the amount over the batch value, so a later change of the setting
    does not rewrite history)."""
    rma = penalty.rma
    lines = [{"sku": l.product.sku, "quantity": l.counted_quantity, "unit_price": money(l.product.unit_price),
              "subtotal": money(Decimal(l.counted_quantity) * (l.product.unit_price or Decimal("0"))),
              "verdict": l.verdict} for l in rma.lines]
    value = batch_value(rma)
    multiplier = (penalty.amount / value).quantize(CENT) if value else Decimal("0")
    return {"lines": lines, "batch_value": money(value), "multiplier": str(multiplier.normalize()),
            "amount": money(penalty.amount)}


def _propose_penalty(rma: Rma, serious: bool, actor) -> RmaPenalty:
    multiplier = Decimal(str(settings.get("rma.penalty_multiplier")))
    amount = (batch_value(rma) * multiplier).quantize(CENT)
    penalty = RmaPenalty(rma_id=rma.id, dealer_id=rma.dealer_id, amount=amount, serious=serious,
                         state="proposed", disqualification="proposed" if serious else "none")
    db.session.add(penalty)
    db.session.flush()
    activity.log(penalty, "proposed", {"amount": (None, amount), "serious": (None, serious)}, actor=actor)
    _tell(notifications.Recipients.role("order_dept"), rma, N_("Penalty proposed for return %(number)s"),
          N_("%(amount)s"), link="/rma/penalties", amount=str(amount))
    return penalty


def _reason_required(message):
    """A guard: the decision needs a reason (422 on ``reason`` with ``message``)."""
    def guard(record, actor, reason: str = "", **kw):
        if not (reason or "").strip():
            raise ValidationError(_("invalid input"), {"reason": str(message)})
    return guard


def _claimant(claim, actor, **kw):
    if actor.dealer_id is not None and actor.dealer_id != claim.dealer_id:
        raise PermissionDenied(_("Only the returning dealer may claim its freight."))


def _receipt_attached(claim, actor, **kw):
    """The receipt file comes first (the page uploads it in the same transaction)."""
    if not files.receipts(claim):
        raise ValidationError(_("invalid input"), {"file": _("Attach the receipt (image or PDF).")})


PENALTY_WORKFLOW = Workflow(
    model=RmaPenalty, states=("proposed", "confirmed", "waived"), event="rma_penalty_state_changed",
    event_arg="penalty",
    transitions=(
        Transition("confirm", ("proposed",), "confirmed", "rma.penalty", label=_l("Confirm"),
                   message=_l("Penalty confirmed."), illegal=_l("This penalty was already decided.")),
        Transition("waive", ("proposed",), "waived", "rma.penalty", label=_l("Waive"), message=_l("Penalty waived."),
                   guards=(_reason_required(_l("Give the reason for waiving.")),),
                   illegal=_l("This penalty was already decided.")),
    ),
)
DISQUALIFICATION_WORKFLOW = Workflow(
    model=RmaPenalty, states=("none", "proposed", "confirmed", "declined"), state_attr="disqualification",
    event="rma_penalty_disqualification_changed", event_arg="penalty",
    transitions=tuple(
        Transition(name, ("proposed",), target, "rma.disqualify", label=label, activity="disqualification_" + target,
                   message=message, guards=(_reason_required(_l("A reason is required.")),),
                   illegal=_l("No disqualification is proposed here."))
        for name, target, label, message in (
            ("disqualify", "confirmed", _l("Disqualify dealer"), _l("The dealer's qualification is withdrawn.")),
            ("keep_qualification", "declined", _l("Keep qualification"), _l("The dealer keeps its qualification.")))),
)
CLAIM_WORKFLOW = Workflow(
    model=RmaFreightClaim, states=("open", "claimed", "confirmed", "waived"),
    event="rma_freight_claim_state_changed", event_arg="claim",
    transitions=(
        Transition("claim", ("open", "claimed"), "claimed", "rma.file", guards=(_claimant, _receipt_attached),
                   label=_l("Claim"), activity="claimed", message=_l("Freight claim filed."), illegal=_l("This claim was already decided.")),
        Transition("confirm", ("claimed",), "confirmed", "rma.freight", label=_l("Approve"),
                   message=_l("Freight claim approved."),
                   illegal=_l("Only a filed claim (amount and receipt) can be decided.")),
        Transition("waive", ("claimed",), "waived", "rma.freight", label=_l("Refuse"),
                   message=_l("Freight claim refused."),
                   guards=(_reason_required(_l("Give the reason for refusing.")),),
                   illegal=_l("Only a filed claim (amount and receipt) can be decided.")),
    ),
)


def _decide(workflow, record, decision: str, actor, body) -> None:
    """A penalty's or freight claim's order-department decision: confirmed or waived, by whom, why."""
    with db.session.no_autoflush:  # a flush would bump the version the workflow checks
        workflow.check(record, decision, actor, version=body.version, reason=body.reason)
        record.reason = body.reason
        record.decided_by_id, record.decided_at = actor.id, utcnow()
        workflow.apply(record, decision, actor, version=body.version, comment=body.reason, reason=body.reason)


def decide_penalty(penalty: RmaPenalty, decision: str, actor, data) -> RmaPenalty:
    check(actor, "rma.penalty")
    body = data if isinstance(data, DecisionIn) else validate(DecisionIn, data)
    _decide(PENALTY_WORKFLOW, penalty, decision, actor, body)
    _tell(dealer_users(penalty.dealer_id), penalty.rma,
          N_("Penalty for return %(number)s confirmed: %(amount)s") if decision == "confirm"
          else N_("Penalty for return %(number)s waived"), N_("%(reason)s"), amount=str(penalty.amount),
          reason=body.reason or "")
    return penalty


def decide_disqualification(penalty: RmaPenalty, confirm: bool, actor, data) -> RmaPenalty:
    """An admin confirms (the dealer is disqualified) or declines a proposed disqualification."""
    from core.toolkit import change_status

    check(actor, "rma.disqualify")
    body = data if isinstance(data, DecisionIn) else validate(DecisionIn, data)
    name = "disqualify" if confirm else "keep_qualification"
    with db.session.no_autoflush:
        DISQUALIFICATION_WORKFLOW.check(penalty, name, actor, version=body.version, reason=body.reason)
        penalty.updated_at = utcnow()
        DISQUALIFICATION_WORKFLOW.apply(penalty, name, actor, version=body.version, comment=body.reason,
                                        reason=body.reason)
    if confirm and penalty.dealer.status != "disqualified":
        change_status(penalty.dealer, "disqualified", body.reason, actor)
    return penalty


# --- freight claims -------------------------------------------------------------------

def file_claim(claim: RmaFreightClaim, actor, data) -> RmaFreightClaim:
    check(actor, "rma.file")
    body = data if isinstance(data, ClaimIn) else validate(ClaimIn, data)
    with db.session.no_autoflush:
        CLAIM_WORKFLOW.check(claim, "claim", actor, version=body.version)
        amount = body.amount.quantize(CENT)
        claim.amount, claim.receipt = amount, body.receipt
        CLAIM_WORKFLOW.apply(claim, "claim", actor, version=body.version, changes={"amount": (None, amount)})
    return claim


def decide_claim(claim: RmaFreightClaim, decision: str, actor, data) -> RmaFreightClaim:
    check(actor, "rma.freight")
    body = data if isinstance(data, DecisionIn) else validate(DecisionIn, data)
    _decide(CLAIM_WORKFLOW, claim, decision, actor, body)
    _tell(dealer_users(claim.dealer_id), claim.rma,
          N_("Freight claim for return %(number)s approved: %(amount)s") if decision == "confirm"
          else N_("Freight claim for return %(number)s refused"), N_("%(reason)s"), amount=str(claim.amount),
          reason=body.reason or "", link="/rma/claims")
    return claim


# --- SLA, cost, serialization ---------------------------------------------------------

def is_overdue(rma: Rma, today: date | None = None) -> bool:
    return rma.state in SLA_STATES and rma.due_date is not None and (today or local_date(utcnow())) > rma.due_date


def overdue_clause(today: date | None = None):
    return (Rma.state.in_(SLA_STATES)) & (Rma.due_date < (today or local_date(utcnow())))


def working_days_to_resolve(rma: Rma) -> int | None:
    if rma.received_at is None or rma.resolved_at is None:
        return None
    return working_days_between(elig.china_today(rma.received_at), elig.china_today(rma.resolved_at))


def cost(rma: Rma, penalties=None, claims=None) -> dict:
    """Replaced/credited value, repair fees, approved freight and confirmed penalties of one RMA."""
    if penalties is None:
        penalties = list(db.session.scalars(select(RmaPenalty).where(RmaPenalty.rma_id == rma.id)))
    if claims is None:
        claims = list(db.session.scalars(select(RmaFreightClaim).where(RmaFreightClaim.rma_id == rma.id)))
    freight = sum((c.amount or Decimal("0") for c in claims if c.state == "confirmed"), Decimal("0"))
    penalty = sum((p.amount for p in penalties if p.state == "confirmed"), Decimal("0"))
    return cost_of([(l.resolution, l.quantity, l.received_quantity, l.fee, l.product.unit_price) for l in rma.lines],
                   freight, penalty)


def cost_of(lines, freight, penalties) -> dict:
    """The cost roll-up from the lines' ``(resolution, quantity, received quantity, fee, unit price)``
    and the confirmed freight and penalty sums (tuples: the detail read has them as plain columns)."""
    replaced = fees = Decimal("0")
    for resolution, quantity, received_quantity, fee, unit_price in lines:
        if resolution in ("replace", "credit"):
            replaced += Decimal(received_quantity if received_quantity is not None else quantity) * unit_price
        elif resolution == "paid_repair":
            fees += fee or Decimal("0")
    return {"replaced_value": money(replaced), "repair_fees": money(fees), "freight": money(freight or 0),
            "penalties": money(penalties or 0)}


def money(value) -> str | None:
    return None if value is None else str(Decimal(value).quantize(CENT))


def _iso(value):
    return value.isoformat() if value is not None else None


def serialize_line(line: RmaLine, result: elig.Eligibility, rule_set=None) -> dict:
    product = line.product
    return line_dict(line, product.sku, product.name, product.unit_price, eligibility_dict(result, rule_set or rules()))


def eligibility_dict(result: elig.Eligibility, rule_set) -> dict:
    """A line's ``eligibility`` in the API: the result with its messages in the user's language."""
    ev = result.as_dict()
    ev["messages"] = messages(result.reasons + result.warnings, rule_set)
    return ev


def messages(codes, rule_set) -> list[str]:
    """The messages of reason and warning codes, in the user's language."""
    return [elig.message(c, hours=rule_set.order_mismatch_hours, days=rule_set.company_error_days) for c in codes]


# What ``elig.judge`` reads of a line and its product, as a list row carries it (see RowJudge): not the
# receipt time, which only ``elig.late_receipt`` reads (its answer is the judgement's ``late``)
ROW_FACTS = ("issue", "production_date", "purchase_date", "sale_date", "received_date", *FLAGS,
             "warranty_months", "product_status", "whole_unit_returns")
_FactRow = namedtuple("_FactRow", (*ROW_FACTS, "received_time"), defaults=(None,))


class RowJudge:
    """``eligibility_dict`` of the lines of list and detail rows, for one request and its rules.

    Judging a line is a function of its facts (the values of ``ROW_FACTS``), the day it is judged
    on in China, ``elig.late_receipt`` at that moment and the rules, and its messages of their codes,
    the rules and the language: both are remembered for the last few thousand sets of these (the
    lines of a page repeat: the same products, dates and flags; the same page read again). A changed
    rule, product status, category or fact is another key. Each call returns a fresh dict."""

    def __init__(self, rule_set: elig.Rules):
        self.rule_set, self.rule_values = rule_set, tuple(vars(rule_set).values())
        self.translations = None  # the request's, looked up at the first message (most lines have none)

    def __call__(self, facts: tuple, today: date, late: bool | None) -> dict:
        judged, codes = _judged(facts, today, late, self.rule_values)
        ev = {**judged, "reasons": judged["reasons"].copy(), "warnings": judged["warnings"].copy()}
        if codes:
            if self.translations is None:
                self.translations = get_translations()
            ev["messages"] = list(_messages(codes, self.rule_values, self.translations))
        else:
            ev["messages"] = []
        return ev


@lru_cache(maxsize=4096)
def _judged(facts: tuple, today: date, late: bool | None, rule_values: tuple) -> tuple[dict, tuple]:
    line = _FactRow(*facts)
    result = elig.judge(line_facts(line, line.warranty_months, line.product_status, line.whole_unit_returns),
                        today, late, elig.Rules(*rule_values))
    return result.as_dict(), tuple(result.reasons + result.warnings)


@lru_cache(maxsize=1024)
def _messages(codes: tuple, rule_values: tuple, translations) -> tuple:
    # translations: the language's catalogue (one object per app and locale), which the messages come from
    return tuple(messages(codes, elig.Rules(*rule_values)))


_FLAG_NAMES = tuple(FLAGS)  # a tuple and a C getter: every line of a list page reads them
_flag_values = attrgetter(*_FLAG_NAMES)
_flag_dicts: dict[tuple, dict] = {}  # the flags' values (0/1, booleans or None) -> their part of a line dict


def _flags(line) -> dict:
    values = _flag_values(line)
    flags = _flag_dicts.get(values)
    if flags is None:  # a few keys: each value is 0/False, 1/True (equal as keys) or None
        flags = _flag_dicts[values] = dict(zip(_FLAG_NAMES, map(bool, values)))
    return flags


def line_dict(line, sku: str, product_name: str, unit_price, eligibility: dict) -> dict:
    """A line of the API (an ``RmaLine`` or a row with its column names, and its product's values), with
    its ``eligibility_dict``. One dict literal and the dates formatted inline: every line of a page."""
    received_time, fee = line.received_time, line.fee
    production, purchase, sale = line.production_date, line.purchase_date, line.sale_date
    if received_time is not None:
        received = received_time.astimezone(elig.CHINA).isoformat()
    else:
        received = line.received_date
        received = received.isoformat() if received is not None else None
    data = {
        "id": line.id, "sku": sku, "product_name": product_name, "quantity": line.quantity,
        "issue": line.issue, "serial": line.serial or "",
        "production_date": production.isoformat() if production is not None else None,
        "purchase_date": purchase.isoformat() if purchase is not None else None,
        "sale_date": sale.isoformat() if sale is not None else None, "received_date": received,
        "description": line.description or "", "unit_price": money(unit_price),
        "received_quantity": line.received_quantity, "verdict": line.verdict, "serious": bool(line.serious),
        "worth_analysis": bool(line.worth_analysis), "findings": line.findings or "",
        "resolution": line.resolution, "fee": None if fee is None else money(fee), "eligibility": eligibility,
    }
    data.update(_flags(line))
    return data


def serialize_rma(rma: Rma, with_cost: bool = False, extra: dict | None = None, today: date | None = None,
                  rule_set=None) -> dict:
    rule_set = rule_set or rules()
    loaded = _loaded(rma, _RMA_READ)
    at = eligibility_time(loaded)
    lines = []
    for l in rma.lines:
        l = _loaded(l, _LINE_READ)
        lines.append(serialize_line(l, evaluate_line(l, at, rule_set, (extra or {}).get(l.id)), rule_set))
    return rma_dict(loaded, rma.dealer.code, rma.dealer.name,
                    rma.receiving_dealer.code if loaded.receiving_dealer_id else None, lines,
                    cost(rma) if with_cost else None, today)


# What serialize_rma reads of a return and of each line (``rma_dict``, ``line_dict``, ``facts``)
_RMA_READ = frozenset(("id", "number", "filing_number", "state", "version", "receiving_dealer_id", "due_date",
                       "boxes", "carrier", "tracking", "boxes_received", "reject_reason", "return_boxes",
                       "return_carrier", "return_tracking", "return_contents", "returned_at", "return_received_at",
                       "created_at", "submitted_at", "reviewed_at", "approved_at", "shipped_at", "received_at",
                       "inspected_at", "resolved_at", "closed_at"))
_LINE_READ = frozenset(("id", "quantity", "issue", "serial", "production_date", "purchase_date", "sale_date",
                        "received_date", "received_time", *FLAGS, "description", "received_quantity", "verdict",
                        "serious", "worth_analysis", "findings", "resolution", "fee", "product"))


def _loaded(obj, names: frozenset):
    """``obj``'s values as plain attributes when all ``names`` are loaded, else ``obj`` itself: a loaded
    attribute's value is its entry in the instance's ``__dict__`` (pending changes included), so the
    answer is the same, without one ORM descriptor call per read (a write's answer of 5 lines read
    about 280). An expired or deferred one is missing there: ``obj`` then loads it as before."""
    values = obj.__dict__
    return SimpleNamespace(**values) if values.keys() >= names else obj


def rma_dict(rma, dealer_code: str, dealer_name: str, receiving_code: str | None, lines: list[dict],
             cost_data: dict | None, today: date | None = None) -> dict:
    """A return of the API (an ``Rma`` or a row with its column names), its lines already serialized."""
    return {
        "id": rma.id, "number": rma.number, "filing_number": rma.filing_number, "state": rma.state, "version": rma.version,
        "dealer_code": dealer_code, "dealer_name": dealer_name,
        "receiving_unit": ({"kind": "agent", "dealer_code": receiving_code}
                           if rma.receiving_dealer_id else {"kind": "head_office", "dealer_code": None}),
        "due_date": _iso(rma.due_date), "overdue": is_overdue(rma, today),
        "boxes": rma.boxes, "carrier": rma.carrier or "", "tracking": rma.tracking or "",
        "boxes_received": rma.boxes_received, "reject_reason": rma.reject_reason or "",
        "return_boxes": rma.return_boxes, "return_carrier": rma.return_carrier or "",
        "return_tracking": rma.return_tracking or "", "return_contents": rma.return_contents or "",
        "returned_at": _iso(rma.returned_at), "return_received_at": _iso(rma.return_received_at),
        "created_at": _iso(rma.created_at), "submitted_at": _iso(rma.submitted_at),
        "reviewed_at": _iso(rma.reviewed_at), "approved_at": _iso(rma.approved_at),
        "shipped_at": _iso(rma.shipped_at), "received_at": _iso(rma.received_at),
        "inspected_at": _iso(rma.inspected_at), "resolved_at": _iso(rma.resolved_at),
        "closed_at": _iso(rma.closed_at), "lines": lines,
        "cost": cost_data,
    }


def serialize_penalty(p: RmaPenalty) -> dict:
    return {"id": p.id, "rma_id": p.rma_id, "rma_number": p.rma.number, "dealer_code": p.dealer.code,
            "amount": money(p.amount), "serious": bool(p.serious), "state": p.state, "reason": p.reason or "",
            "disqualification": p.disqualification, "version": p.version}


def serialize_claim(c: RmaFreightClaim) -> dict:
    return {"id": c.id, "rma_id": c.rma_id, "rma_number": c.rma.number, "rma_line_id": c.rma_line_id,
            "dealer_code": c.dealer.code, "amount": money(c.amount), "receipt": c.receipt or "", "state": c.state,
            "reason": c.reason or "", "version": c.version}


# --- queries --------------------------------------------------------------------------

def load_options():
    """Eager loads of one return for its actions (``queries.load``): the return, its lines with their
    products and its dealers in ONE statement (the lines joined, not selected in a second one).
    Built once: the options are immutable, and building them cost as much as running the load."""
    if not _LOAD_OPTIONS:
        from sqlalchemy.orm import joinedload

        from core.toolkit import Region

        _LOAD_OPTIONS.append((joinedload(Rma.lines).defaultload(RmaLine.product).lazyload(Product.parts),
                              defaultload(Rma.dealer).defaultload(Dealer.region).lazyload(Region.managers),
                              defaultload(Rma.receiving_dealer).defaultload(Dealer.region).lazyload(Region.managers)))
    return _LOAD_OPTIONS[0]  # the same tuple each time: get_scoped keeps its statement


_LOAD_OPTIONS: list = []


def read_options():
    """Eager loads for the JSON list and detail: only the columns the serializer reads.

    Every row of a list page comes with its lines, their products and categories and the
    dealers; loading whole dealers (with parent, region and the parent's region) and whole
    products for 50 returns cost more than the rest of the request."""
    from sqlalchemy.orm import joinedload, load_only

    from core.toolkit import ProductCategory

    def dealer(attr):
        return joinedload(attr).options(load_only(Dealer.id, Dealer.code, Dealer.name, Dealer.kind,
                                                  Dealer.parent_id, Dealer.region_id),
                                         lazyload(Dealer.parent), lazyload(Dealer.region))

    return (selectinload(Rma.lines).joinedload(RmaLine.product).options(
                load_only(Product.id, Product.sku, Product.name, Product.unit_price, Product.status,
                          Product.category_id),
                joinedload(Product.category).load_only(ProductCategory.id, ProductCategory.warranty_months,
                                                       ProductCategory.whole_unit_returns),
                lazyload(Product.parts)),
            dealer(Rma.dealer), dealer(Rma.receiving_dealer))


def serial_history(serial: str, actor):
    from core.toolkit import scoped

    stmt = (select(RmaLine).join(RmaLine.rma).where(RmaLine.serial == serial)
            .order_by(Rma.created_at, RmaLine.id))
    stmt = scoped(stmt, Rma, actor)
    return list(db.session.scalars(stmt))


def overdue_rmas(today: date | None = None) -> list[Rma]:
    return list(db.session.scalars(select(Rma).where(overdue_clause(today)).order_by(Rma.due_date, Rma.id)))


def remind_overdue(today: date | None = None) -> int:
    """Notify the order department, and each receiving agent, of every overdue return."""
    rmas = overdue_rmas(today)
    staff = notifications.Recipients.role("order_dept") | notifications.Recipients.role("technical")
    with notifications.batched():
        for rma in rmas:
            _tell(staff | dealer_users(rma.receiving_dealer_id), rma, N_("Return %(number)s is overdue (due %(due)s)"),
                  due=rma.due_date.isoformat())
    return len(rmas)
