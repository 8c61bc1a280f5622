"""A stored file as a download (the API and the pages serve documents the same way)."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response


def file_response(att) -> Response:
    resp = Response(att.data, mimetype=att.content_type)
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(att.filename)}"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
