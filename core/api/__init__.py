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
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask_babel import gettext as _
import pydantic
from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from core.errors import BadRequest, DomainError, PermissionDenied
from core.extensions import db

API_PREFIX = "/api/v1"


class Schema(BaseModel):
    """Base for request bodies: unknown fields are an error, not silently dropped."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutSchema(BaseModel):
    """Base for responses: exactly the documented fields."""
    model_config = ConfigDict(extra="forbid")


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    page: int = Field(1, ge=1)
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
    content_type: str = "application/json"


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    resp = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="aftersales"'
    return resp


def pydantic_fields(exc: pydantic.ValidationError, prefix: str = "") -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        fields.setdefault(prefix + loc, msg)
    return fields


def _parse_body(model: type[BaseModel]):
    if not request.is_json:
        raise BadRequest(_("expected a JSON body (Content-Type: application/json)"), code="malformed")
    payload = request.get_json(silent=True)
    if payload is None:
        raise BadRequest(_("the body is not valid JSON"), code="malformed")
    if not isinstance(payload, dict):
        raise BadRequest(_("the body must be a JSON object"), code="malformed")
    try:
        return model.model_validate(payload)
    except pydantic.ValidationError as exc:
        from core.errors import ValidationError

        raise ValidationError(_("invalid input"), pydantic_fields(exc))


def _parse_query(model: type[BaseModel]):
    try:
        return model.model_validate(request.args.to_dict())
    except pydantic.ValidationError as exc:
        raise BadRequest(_("invalid query parameters"), pydantic_fields(exc), code="bad_query")


def route(bp: Blueprint, rule: str, methods=("GET",), *, body=None, query=None, response=None,
          many: bool = False, status: int = 200, summary: str = "", auth: bool = True,
          permission: str | None = None, tag: str | None = None, content_type: str = "application/json",
          endpoint: str | None = None):
    """Declare an API route; see the module docstring."""
    methods = list(methods)

    def decorator(view):
        meta = RouteMeta(methods, body, query, response, many, status, summary or (view.__doc__ or "").strip(),
                         auth, permission, tag or bp.name, content_type)

        @wraps(view)
        def wrapped(*args, **kwargs):
            if auth and not current_user.is_authenticated:
                return error_response(401, "unauthorized", "authentication required")
            if permission and not current_user.can(permission):
                raise PermissionDenied(_("permission %(permission)r required", permission=permission))
            if body is not None:
                kwargs["body"] = _parse_body(body)
            if query is not None:
                kwargs["query"] = _parse_query(query)
            result = view(*args, **kwargs)
            if not isinstance(result, (dict, list)):
                return result  # a ready Response (PDF, CSV, 204)
            if response is not None and current_app.config.get("API_VALIDATE_RESPONSES"):
                _validate_response(response, result, many)
            resp = jsonify(result)
            resp.status_code = status
            return resp

        wrapped._api_meta = meta
        # Flask-WTF does not see nested blueprints as exempt; session callers are checked in before_api_request
        from core.extensions import csrf

        csrf.exempt(wrapped)
        bp.add_url_rule(rule, endpoint=endpoint or view.__name__, view_func=wrapped, methods=methods)
        return wrapped

    return decorator


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
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        if request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX:
            return error_response(exc.status, exc.code, exc.message, exc.fields)
        from core.web import render_domain_error

        return render_domain_error(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if request.path.startswith(API_PREFIX + "/"):
            codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                     405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
                     422: "validation_error", 429: "too_many_requests"}
            return error_response(exc.code or 500, codes.get(exc.code, "error"), exc.description or exc.name)
        from core.web import render_http_error

        return render_http_error(exc)


class OutPage(OutSchema):
    total: int
    page: int
    per_page: int
    pages: int


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
        for m in (meta.body, meta.response):
            if isinstance(m, type) and issubclass(m, BaseModel):
                models.add(m)
    ordered = sorted(models, key=lambda m: m.__name__)
    _, defs = models_json_schema([(m, "validation" if m not in _responses(routes) else "serialization")
                                  for m in ordered], ref_template="#/components/schemas/{model}")
    schemas = defs.get("$defs", {})
    paths: dict = {}
    for rule, meta in sorted(routes, key=lambda rm: rm[0].rule):
        path = rule.rule
        params = []
        for arg in rule.arguments:
            conv = rule._converters.get(arg)
            typ = "integer" if conv is not None and type(conv).__name__ == "IntegerConverter" else "string"
            path = path.replace(f"<int:{arg}>", "{" + arg + "}").replace(f"<{arg}>", "{" + arg + "}")
            params.append({"name": arg, "in": "path", "required": True, "schema": {"type": typ}})
        if meta.query is not None:
            qschema = meta.query.model_json_schema()
            for name, prop in qschema.get("properties", {}).items():
                params.append({"name": name, "in": "query", "required": name in qschema.get("required", []),
                               "schema": {k: v for k, v in prop.items() if k != "title"}})
        for method in meta.methods:
            op: dict = {"summary": meta.summary.splitlines()[0] if meta.summary else "",
                        "operationId": f"{rule.endpoint}_{method.lower()}", "tags": [meta.tag],
                        "parameters": params, "responses": {}}
            if meta.auth:
                op["security"] = [{"bearer": []}]
            if meta.body is not None:
                op["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": {"$ref": f"#/components/schemas/{meta.body.__name__}"}}}}
            if meta.response is not None:
                ref = {"$ref": f"#/components/schemas/{meta.response.__name__}"}
                schema = ({"allOf": [{"$ref": "#/components/schemas/OutPage"},
                                     {"type": "object", "properties": {"items": {"type": "array", "items": ref}}}]}
                          if meta.many else ref)
                op["responses"][str(meta.status)] = {"description": "OK", "content": {"application/json": {"schema": schema}}}
            elif meta.content_type != "application/json":
                op["responses"][str(meta.status)] = {"description": "OK", "content": {meta.content_type: {}}}
            else:
                op["responses"][str(meta.status)] = {"description": "OK"}
            err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
            for code, text in (("400", "malformed"), ("401", "unauthenticated"), ("403", "forbidden"),
                               ("404", "absent or outside your scope"), ("409", "illegal transition or stale version"),
                               ("422", "validation error with a field map")):
                op["responses"][code] = {"description": text, **err}
            paths.setdefault(path, {})[method.lower()] = op
    schemas["OutPage"] = OutPage.model_json_schema()
    return {
        "openapi": "3.1.0",
        "info": {"title": "aftersales API", "version": "1"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


def _responses(routes):
    return {meta.response for _, meta in routes if meta.response is not None}
