"""The API base as an internal plugin: the OpenAPI document and request authentication."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask_login import current_user

from pydantic import Field

from core.api import OutSchema, Schema, route
from core.plugin_system import hookimpl

bp = Blueprint("core_api", __name__)


@bp.route("/openapi.json")
def openapi():
    from core.api import openapi_document

    return jsonify(openapi_document(current_app))


class ChatterPostIn(Schema):
    body: str = Field(min_length=1, max_length=4000)


class ChatterChangeOut(OutSchema):
    field: str
    old: str
    new: str


class ChatterFileOut(OutSchema):
    id: int
    filename: str
    content_type: str
    size: int


class ChatterItemOut(OutSchema):
    kind: str
    id: int
    at: str
    author: str
    body: str
    action: str | None = None
    changes: list[ChatterChangeOut] = []
    comment: str = ""
    files: list[ChatterFileOut] = []


class ChatterStreamOut(OutSchema):
    items: list[ChatterItemOut]


@route(bp, "/chatter/<model>/<int:record_id>", response=ChatterStreamOut, tag="chatter")
def chatter_stream(model, record_id):
    """The record's chatter: comments and activity, newest first, in the caller's language."""
    from core import chatter

    _decl, record = chatter.record_for(model, record_id, current_user)
    return {"items": [chatter.plain(i) for i in chatter.stream(record)]}


@route(bp, "/chatter/<model>/<int:record_id>", ["POST"], body=ChatterPostIn, response=ChatterItemOut,
       status=201, tag="chatter", endpoint="chatter_post")
def chatter_post(model, record_id, body):
    """Post a comment; ``@username`` notifies that user when they may see the record."""
    from core import chatter
    from core.events import commit

    _decl, record = chatter.record_for(model, record_id, current_user)
    message = chatter.post(record, body.body, current_user)
    commit()
    item = next(i for i in chatter.stream(record, limit=50) if i["kind"] == "comment" and i["id"] == message.id)
    return chatter.plain(item)


def before_api_request():
    """Authenticate API calls: a Bearer token, when sent, decides who the caller is (even with a
    browser session open); a browser session calling with unsafe methods must send its CSRF token."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        from core.api import error_response
        from core.users.services import user_for_token

        user = user_for_token(header[7:].strip())
        if user is None:
            return error_response(401, "unauthorized", "invalid, expired or revoked token")
        g._login_user = user  # what flask_login.current_user returns for this request
        g.token_auth = True
        return None
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if current_user.is_authenticated and not g.get("token_auth"):
        from flask_wtf.csrf import CSRFError, validate_csrf

        from core.api import error_response

        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except (CSRFError, Exception):
            return error_response(400, "csrf", "missing or invalid X-CSRFToken header for a session-authenticated request")
    return None


@hookimpl
def aftersales_api_blueprints():
    return [bp]
