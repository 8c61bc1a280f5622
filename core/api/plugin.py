"""The API base as an internal plugin: the OpenAPI document and request authentication."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask_login import current_user

from core.plugin_system import hookimpl

bp = Blueprint("core_api", __name__)


@bp.route("/openapi.json")
def openapi():
    from core.api import openapi_document

    return jsonify(openapi_document(current_app))


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
