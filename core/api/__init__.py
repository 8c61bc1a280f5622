"""The JSON API base: one decorator declares a route's input, output and permission.

``@route(bp, "/dealers", methods=["POST"], body=DealerIn, response=DealerOut, status=201)``
authenticates the caller (bearer token, or a browser session with its CSRF token),
parses and validates the body and query string with pydantic (422/400 with a field map),
and records everything the OpenAPI document at ``/api/v1/openapi.json`` says; that
document is generated from these declarations, never written by hand. In tests every
response is validated against its declared schema, so the document cannot drift.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import Any

from flask_babel import gettext as _
import pydantic
from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from core.errors import BadRequest, DomainError, PermissionDenied
from core.extensions import db

API_PREFIX = "/api/v1"
INT32_MAX = 2**31 - 1  # ids, versions, quantities are INTEGER columns (32-bit on PostgreSQL)


def reject_out_of_range_path_ints(endpoint, values) -> None:
    """``<int:id>`` beyond what an INTEGER column holds is a 404 for every method (it was a 500:
    OverflowError on SQLite, "integer out of range" on PostgreSQL). Checked after routing, as a
    converter's refusal would make werkzeug answer 405 for some methods."""
    from werkzeug.exceptions import NotFound as HTTPNotFound

    for value in (values or {}).values():
        if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= INT32_MAX:
            raise HTTPNotFound()


def out_of_range_ints(value, path: str = "") -> dict[str, str]:
    """Field paths of integers (in a parsed body or query) no INTEGER column can hold."""
    found: dict[str, str] = {}
    if isinstance(value, BaseModel):
        value = {k: getattr(value, k) for k in type(value).model_fields}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(out_of_range_ints(item, f"{path}.{key}" if path else str(key)))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found.update(out_of_range_ints(item, f"{path}.{i}" if path else str(i)))
    elif isinstance(value, int) and not isinstance(value, bool) and not -INT32_MAX - 1 <= value <= INT32_MAX:
        found[path or "body"] = _("must be between %(low)s and %(high)s", low=-INT32_MAX - 1, high=INT32_MAX)
    return found


class Schema(BaseModel):
    """Base for request bodies: unknown fields are an error, not silently dropped."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutSchema(BaseModel):
    """Base for responses: exactly the documented fields."""
    model_config = ConfigDict(extra="forbid")


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(50, ge=1, le=200)


class ErrorBody(OutSchema):
    code: str
    message: str
    fields: dict[str, str] = {}


class ErrorOut(OutSchema):
    error: ErrorBody


@dataclass
class RouteMeta:
    methods: list[str]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: Any
    many: bool
    status: int
    summary: str
    auth: bool
    permission: str | None
    tag: str
    content_type: str | tuple = "application/json"  # a tuple: several documented types
    idempotent: bool = False  # a creating POST: accepts an Idempotency-Key header
    extra_responses: dict | None = None  # {status: (schema, description)}: other answers the route gives


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    resp = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="aftersales"'
    return resp


def _limit(ctx: dict, *keys):
    for key in keys:
        if ctx.get(key) is not None:
            return ctx[key]
    return ""


# pydantic's error types as a person reads them, in the caller's language (pydantic's own
# messages are English): type -> (message, context keys it interpolates as %(limit)s).
PYDANTIC_MESSAGES = {
    "missing": (lambda: _("required"), ()),
    "extra_forbidden": (lambda: _("unknown field"), ()),
    "string_too_short": (lambda: _("at least %(limit)s characters"), ("min_length",)),
    "string_too_long": (lambda: _("at most %(limit)s characters"), ("max_length",)),
    "too_short": (lambda: _("at least %(limit)s items"), ("min_length",)),
    "too_long": (lambda: _("at most %(limit)s items"), ("max_length",)),
    "greater_than": (lambda: _("must be greater than %(limit)s"), ("gt",)),
    "greater_than_equal": (lambda: _("must be at least %(limit)s"), ("ge",)),
    "less_than": (lambda: _("must be less than %(limit)s"), ("lt",)),
    "less_than_equal": (lambda: _("must be at most %(limit)s"), ("le",)),
    "multiple_of": (lambda: _("must be a multiple of %(limit)s"), ("multiple_of",)),
    "decimal_max_places": (lambda: _("at most %(limit)s decimal places"), ("decimal_places",)),
    "decimal_max_digits": (lambda: _("at most %(limit)s digits"), ("max_digits",)),
    "decimal_whole_digits": (lambda: _("at most %(limit)s digits before the decimal point"), ("whole_digits",)),
    "literal_error": (lambda: _("must be one of: %(limit)s"), ("expected",)),
    "enum": (lambda: _("must be one of: %(limit)s"), ("expected",)),
    "string_pattern_mismatch": (lambda: _("has the wrong format"), ()),
    "string_type": (lambda: _("must be text"), ()),
    "bool_type": (lambda: _("must be true or false"), ()), "bool_parsing": (lambda: _("must be true or false"), ()),
    "list_type": (lambda: _("must be a list"), ()), "tuple_type": (lambda: _("must be a list"), ()),
    "set_type": (lambda: _("must be a list"), ()),
    "dict_type": (lambda: _("must be an object"), ()), "model_type": (lambda: _("must be an object"), ()),
    "model_attributes_type": (lambda: _("must be an object"), ()),
}
for _kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
    PYDANTIC_MESSAGES[_kind] = (lambda: _("must be a whole number"), ())
for _kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing", "finite_number"):
    PYDANTIC_MESSAGES[_kind] = (lambda: _("must be a number"), ())
for _kind in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
    PYDANTIC_MESSAGES[_kind] = (lambda: _("must be a date (YYYY-MM-DD)"), ())
for _kind in ("datetime_type", "datetime_parsing", "datetime_from_date_parsing", "timezone_aware", "timezone_naive"):
    PYDANTIC_MESSAGES[_kind] = (lambda: _("must be a date and time (ISO 8601)"), ())


def pydantic_message(err: dict) -> str:
    """One pydantic error in the caller's language. A validator's own ``ValueError`` message is
    kept (it is translated where it is raised); an unknown type reads "invalid value"."""
    known = PYDANTIC_MESSAGES.get(err["type"])
    if known is not None:
        message, keys = known
        limit = _limit(err.get("ctx") or {}, *keys) if keys else ""
        if err["type"] in ("literal_error", "enum"):
            limit = str(limit).replace(" or ", ", ")
        return message() % {"limit": limit} if keys else message()
    if err["type"] in ("value_error", "assertion_error"):
        error = (err.get("ctx") or {}).get("error")
        return str(error) if error is not None else _("invalid value")
    return _("invalid value")


def pydantic_fields(exc: pydantic.ValidationError, prefix: str = "") -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        fields.setdefault(prefix + loc, pydantic_message(err))
    return fields


def _parse_body(model: type[BaseModel]):
    if not request.is_json:
        raise BadRequest(_("expected a JSON body (Content-Type: application/json)"), code="malformed")
    payload = request.get_json(silent=True)
    if payload is None:
        raise BadRequest(_("the body is not valid JSON"), code="malformed")
    if not isinstance(payload, dict):
        raise BadRequest(_("the body must be a JSON object"), code="malformed")
    from core.errors import ValidationError

    try:
        parsed = model.model_validate(payload)
    except pydantic.ValidationError as exc:
        raise ValidationError(_("invalid input"), pydantic_fields(exc))
    too_large = out_of_range_ints(parsed)
    if too_large:
        raise ValidationError(_("invalid input"), too_large)
    return parsed


_QUERY_FORMATS = {int: (re.compile(r"\s*[+-]?\d+\s*"), "expected an integer"),
                  bool: (re.compile(r"(?i)\s*(true|false|1|0)\s*"), "expected true or false"),
                  date: (re.compile(r"\s*\d{4}-\d{2}-\d{2}\s*"), "expected a date YYYY-MM-DD")}


def _strict_query_errors(model: type[BaseModel], args: dict) -> dict[str, str]:
    """Query strings in the documented format only: pydantic alone reads ``date_to=0`` as
    1970-01-01 and ``page=1.0`` as 1."""
    import types
    import typing

    errors = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key not in args:
            continue
        kinds = [field.annotation]
        if typing.get_origin(field.annotation) in (typing.Union, types.UnionType):
            kinds = [k for k in typing.get_args(field.annotation) if k is not type(None)]
        for kind in kinds:
            fmt = _QUERY_FORMATS.get(kind)
            if fmt is not None and len(kinds) == 1 and not fmt[0].fullmatch(args[key]):
                errors[key] = fmt[1]
    return errors


def _parse_query(model: type[BaseModel]):
    args = request.args.to_dict()
    malformed = _strict_query_errors(model, args)
    if malformed:
        raise BadRequest(_("invalid query parameters"), malformed, code="bad_query")
    try:
        parsed = model.model_validate(args)
    except pydantic.ValidationError as exc:
        raise BadRequest(_("invalid query parameters"), pydantic_fields(exc), code="bad_query")
    too_large = out_of_range_ints(parsed)
    if too_large:
        raise BadRequest(_("invalid query parameters"), too_large, code="bad_query")
    return parsed


def route(bp: Blueprint, rule: str, methods=("GET",), *, body=None, query=None, response=None,
          many: bool = False, status: int = 200, summary: str = "", auth: bool = True,
          permission: str | None = None, tag: str | None = None, content_type: str | tuple = "application/json",
          endpoint: str | None = None, extra_responses: dict | None = None):
    """Declare an API route; see the module docstring. ``extra_responses`` ``{status: (schema,
    description)}`` documents (and, in tests, validates) another answer: the view returns
    ``(body, status)`` for it (a check-only request answering 200 where saving answers 201)."""
    methods = list(methods)

    def decorator(view):
        meta = RouteMeta(methods, body, query, response, many, status, summary or (view.__doc__ or "").strip(),
                         auth, permission, tag or bp.name, content_type, extra_responses=extra_responses)
        creates = methods == ["POST"] and status == 201 and auth
        meta.idempotent = creates

        @wraps(view)
        def wrapped(*args, **kwargs):
            if auth or permission:
                user = current_user._get_current_object()  # once: each proxied access costs a dozen calls
                if auth and not user.is_authenticated:
                    return error_response(401, "unauthorized", _("authentication required"))
                if permission and not user.can(permission):
                    raise PermissionDenied(_("permission %(permission)r required", permission=permission))
            if creates and request.headers.get(IDEMPOTENCY_HEADER) is not None and user.is_authenticated:
                return idempotent(lambda: run(args, kwargs))
            return run(args, kwargs)

        def run(args, kwargs):
            if body is not None:
                kwargs["body"] = _parse_body(body)
            if query is not None:
                kwargs["query"] = _parse_query(query)
            result = view(*args, **kwargs)
            answer, schema, is_many = status, response, many
            if isinstance(result, tuple) and extra_responses and result[1] in extra_responses:
                result, answer = result
                schema, is_many = extra_responses[answer][0], False
            if not isinstance(result, (dict, list)):
                return result  # a ready Response (PDF, CSV, 204)
            if schema is not None and current_app.config.get("API_VALIDATE_RESPONSES"):
                _validate_response(schema, result, is_many)
            resp = jsonify(result)
            resp.status_code = answer
            return resp

        wrapped._api_meta = meta
        # Flask-WTF does not see nested blueprints as exempt; session callers are checked in before_api_request
        from core.extensions import csrf

        csrf.exempt(wrapped)
        bp.add_url_rule(rule, endpoint=endpoint or view.__name__, view_func=wrapped, methods=methods)
        return wrapped

    return decorator


IDEMPOTENCY_HEADER = "Idempotency-Key"


def idempotent(call):
    """Run a creating POST once per ``Idempotency-Key`` and caller: a retry with the same key and
    body gets the first response again (``Idempotent-Replayed: true``), the same key with another
    body 422, a retry while the first is still running 409. Keys expire after the setting
    ``core.idempotency_hours``. The key is claimed (committed) before the view runs, so two
    concurrent retries cannot both create."""
    import hashlib
    from datetime import timedelta

    from flask import Response
    from sqlalchemy import delete, update
    from sqlalchemy.exc import IntegrityError

    from core import settings
    from core.model_utils import utcnow
    from core.users.models import IdempotencyRecord

    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key or len(key) > 255:
        return error_response(400, "bad_idempotency_key", "Idempotency-Key must be 1 to 255 characters")
    digest = hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n"
                            + request.get_data(cache=True)).hexdigest()
    user_id, now = current_user.id, utcnow()
    record = db.session.get(IdempotencyRecord, (user_id, key))
    if record is not None and record.expires_at > now:
        if record.request_hash != digest:
            return error_response(422, "idempotency_key_reused", "this Idempotency-Key was used for another request",
                                  {IDEMPOTENCY_HEADER: "already used with a different request"})
        if not record.status:
            return error_response(409, "idempotency_in_progress", "the first request with this key is still running")
        replay = Response(record.body, status=record.status, mimetype="application/json")
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    db.session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.expires_at <= now, IdempotencyRecord.user_id == user_id))
    db.session.add(IdempotencyRecord(user_id=user_id, key=key, request_hash=digest, status=0, body="",
                                     created_at=now,
                                     expires_at=now + timedelta(hours=settings.get("core.idempotency_hours"))))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return error_response(409, "idempotency_in_progress", "the first request with this key is still running")
    claim = (IdempotencyRecord.user_id == user_id) & (IdempotencyRecord.key == key)
    try:
        resp = call()
    except BaseException:
        db.session.rollback()
        db.session.execute(delete(IdempotencyRecord).where(claim))  # a failed request may be retried
        db.session.commit()
        raise
    if 200 <= resp.status_code < 300:
        db.session.execute(update(IdempotencyRecord).where(claim).values(status=resp.status_code,
                                                                          body=resp.get_data(as_text=True)))
    else:
        db.session.execute(delete(IdempotencyRecord).where(claim))
    db.session.commit()
    return resp


def _validate_response(model, result, many):
    items = result["items"] if many else [result]
    if many:
        missing = {"items", "total", "page", "per_page"} - set(result)
        if missing:
            raise AssertionError(f"list response lacks {missing}")
    for item in items:
        try:
            model.model_validate(item)
        except pydantic.ValidationError as exc:
            raise AssertionError(f"response does not match {model.__name__}: {exc}") from exc


def list_route(bp: Blueprint, rule: str, stmt, serialize, *, query, response, endpoint: str, summary: str,
               permission: str | None = None, tag: str | None = None, extras=None):
    """Declare ``GET rule``, a resource's list: ``stmt(query)`` (already scoped to the caller) paginated
    with ``paginate`` (two statements), each row as ``serialize(row)``. With ``extras(rows) -> dict``
    (one batch query for the page's related rows) each row is ``serialize(row, extras)``. A
    ``route`` like any other: OpenAPI (``summary``), permission, the authorisation matrix; the
    endpoint is ``<blueprint>.<endpoint>``."""
    def view(query):
        if extras is None:
            return paginate(stmt(query), query, serialize)
        found: dict = {}
        return paginate(stmt(query), query, lambda row: serialize(row, found),
                        loader=lambda rows: found.update(extras(rows)))

    view.__name__, view.__doc__ = endpoint, summary
    return route(bp, rule, query=query, response=response, many=True, permission=permission, tag=tag)(view)


def detail_route(bp: Blueprint, rule: str, get, serialize, *, response, endpoint: str, summary: str,
                 permission: str | None = None, tag: str | None = None):
    """Declare ``GET rule`` (``/things/<int:record_id>``), one record: ``serialize(get(record_id))``,
    where ``get`` answers 404 outside the caller's scope. OpenAPI, permission and endpoint as
    ``list_route``."""
    def view(**ids):
        return serialize(get(*ids.values()))

    view.__name__, view.__doc__ = endpoint, summary
    return route(bp, rule, response=response, permission=permission, tag=tag)(view)


def paginate(stmt, query: ListQuery, serialize, *, count_stmt=None, loader=None) -> dict:
    """Two queries whatever the page size: the count and the page (plus loader's eager loads)."""
    if count_stmt is None:
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = db.session.scalar(count_stmt) or 0
    rows = db.session.scalars(stmt.limit(query.per_page).offset((query.page - 1) * query.per_page)).unique().all()
    if loader is not None:
        loader(rows)
    return {"items": [serialize(r) for r in rows], "total": total, "page": query.page,
            "per_page": query.per_page, "pages": math.ceil(total / query.per_page) if total else 0}


def register_error_handlers(app):
    from sqlalchemy.exc import DataError
    from werkzeug.exceptions import HTTPException, InternalServerError

    def _rollback():
        # An error page must never run its queries (menu, unread count) in an aborted
        # transaction (PostgreSQL: InFailedSqlTransaction): start clean.
        try:
            db.session.rollback()
        except Exception:  # the connection itself may be gone; the page still renders
            db.session.remove()

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _out_of_range(exc):
        # a number or text the database cannot store: the caller's input, not a server error
        _rollback()
        return _domain(BadRequest(_("a value is out of range"), code="out_of_range"))

    @app.errorhandler(InternalServerError)
    def _server_error(exc):
        _rollback()
        if request.path.startswith(API_PREFIX + "/"):
            return error_response(500, "server_error", _("internal error"))
        from core.web import render_http_error

        return render_http_error(exc)

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        _rollback()
        if request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX:
            return error_response(exc.status, exc.code, exc.message, exc.fields)
        from core.web import render_domain_error

        return render_domain_error(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        _rollback()
        if request.path.startswith(API_PREFIX + "/"):
            codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                     405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
                     422: "validation_error", 429: "too_many_requests"}
            from core.web import http_error_message

            # werkzeug's own descriptions are English: its default one reads in the caller's language
            default = exc.description == type(exc).description or not exc.description
            resp = error_response(exc.code or 500, codes.get(exc.code, "error"),
                                  http_error_message(exc.code or 500) if default else exc.description)
            for key, value in exc.get_headers():
                if key.lower() in ("allow", "retry-after"):
                    resp.headers[key] = value  # 405 names the allowed methods
            return resp
        from core.web import render_http_error

        return render_http_error(exc)


class OutPage(OutSchema):
    total: int
    page: int
    per_page: int
    pages: int
    total_is_estimate: bool = Field(False, description=(
        "a list that stops counting at a limit (GET /rmas: the setting rma.list_count_limit) says true when more "
        "rows match: `total` (and `pages`) is then a lower bound; lists without it count exactly"))


def openapi_document(app) -> dict:
    """Build the OpenAPI 3.1 document from the declared routes of the running app."""
    from pydantic.json_schema import models_json_schema

    routes = []
    models: set = {ErrorOut}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        meta = getattr(view, "_api_meta", None)
        if meta is None:
            continue
        routes.append((rule, meta))
        for m in (meta.body, meta.response, *(m for m, _d in (meta.extra_responses or {}).values())):
            if isinstance(m, type) and issubclass(m, BaseModel):
                models.add(m)
    ordered = sorted(models, key=lambda m: (m.__name__, m.__module__))
    responses = _responses(routes)
    keyed = [(m, "validation" if m not in responses else "serialization") for m in ordered]
    refs, defs = models_json_schema(keyed, ref_template="#/components/schemas/{model}")
    schemas, renames = _unique_schema_names(defs.get("$defs", {}))
    _bound_integers(schemas)
    ref_of = {model: renames.get(refs[(model, mode)]["$ref"], refs[(model, mode)]["$ref"]) for model, mode in keyed}
    paths: dict = {}
    for rule, meta in sorted(routes, key=lambda rm: rm[0].rule):
        # OpenAPI path syntax: /serials/{serial}/history, never Flask's <path:serial>
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        params = []
        for arg in rule.arguments:
            conv = rule._converters.get(arg)
            schema = ({"type": "integer", "minimum": 0, "maximum": INT32_MAX}
                      if isinstance(conv, IntegerConverter) else {"type": "string"})
            params.append({"name": arg, "in": "path", "required": True, "schema": schema})
        if meta.query is not None:
            qschema = meta.query.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, prop in qschema.get("properties", {}).items():
                pschema = _bound_integers({k: v for k, v in prop.items() if k not in ("title", "default")})
                params.append({"name": name, "in": "query", "required": name in qschema.get("required", []),
                               "schema": pschema})
        for method in meta.methods:
            op: dict = {"summary": meta.summary.splitlines()[0] if meta.summary else "",
                        "operationId": f"{rule.endpoint}_{method.lower()}", "tags": [meta.tag],
                        "parameters": params, "responses": {}}
            if meta.auth:
                op["security"] = [{"bearer": []}]
            if meta.idempotent:
                op["parameters"] = params + [{
                    "name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
                    "description": "a retry with the same key returns the first response; another body: 422",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255}}]
            if meta.body is not None:
                op["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": {"$ref": ref_of[meta.body]}}}}
            if meta.response is not None:
                ref = {"$ref": ref_of[meta.response]}
                schema = ({"type": "object", "required": ["items", "total", "page", "per_page"],
                           "properties": {"items": {"type": "array", "items": ref},
                                          **OutPage.model_json_schema()["properties"]}}
                          if meta.many else ref)
                op["responses"][str(meta.status)] = {"description": "OK", "content": {"application/json": {"schema": schema}}}
            elif meta.content_type != "application/json":
                types = meta.content_type if isinstance(meta.content_type, tuple) else (meta.content_type,)
                op["responses"][str(meta.status)] = {"description": "OK", "content": {t: {} for t in types}}
            else:
                op["responses"][str(meta.status)] = {"description": "OK"}
            for code, (model, text) in (meta.extra_responses or {}).items():
                op["responses"][str(code)] = {"description": text, "content": {"application/json": {
                    "schema": {"$ref": ref_of[model]}}}}
            err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
            for code, text in (("400", "malformed"), ("401", "unauthenticated"), ("403", "forbidden"),
                               ("404", "absent or outside your scope"), ("409", "illegal transition or stale version"),
                               ("422", "validation error with a field map")):
                op["responses"][code] = {"description": text, **err}
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "aftersales API", "version": "1"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


def _bound_integers(node):
    """Every integer in the document says the range the API accepts (an INTEGER column's)."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            node.setdefault("maximum", INT32_MAX)
            node.setdefault("minimum", -INT32_MAX - 1)
        for value in node.values():
            _bound_integers(value)
    elif isinstance(node, list):
        for value in node:
            _bound_integers(value)
    return node


def _unique_schema_names(defs: dict) -> tuple[dict, dict]:
    """Component names unique across plugins: pydantic qualifies colliding class names
    (``plugins__rma__schemas__ClaimOut``); they become ``RmaClaimOut``, ``LogisticsClaimOut``
    (the plugin id in CamelCase), so every plugin's ``$ref`` resolves to its own schema."""
    renames: dict = {}
    for name in list(defs):
        if "__" not in name:
            continue
        parts = name.split("__")
        owner = parts[1] if parts[0] == "plugins" and len(parts) > 2 else parts[0]
        prefix = "".join(word.capitalize() for word in owner.split("_"))
        short = parts[-1]
        new = short if short.startswith(prefix) else prefix + short
        if new in defs or new in renames.values():  # still taken: the full module path
            new = "".join(word.capitalize() for word in parts[:-1]) + short
        renames[f"#/components/schemas/{name}"] = f"#/components/schemas/{new}"
    if not renames:
        return defs, {}
    import json

    text = json.dumps(defs)
    for old, new in renames.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    renamed = {}
    for name, schema in json.loads(text).items():
        key = f"#/components/schemas/{name}"
        renamed[renames[key].rsplit("/", 1)[1] if key in renames else name] = schema
    return renamed, renames


def _responses(routes):
    return ({meta.response for _, meta in routes if meta.response is not None}
            | {m for _, meta in routes for m, _d in (meta.extra_responses or {}).values()})
