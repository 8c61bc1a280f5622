"""Domain errors raised by services; the API turns them into JSON, the web views into messages."""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", fields: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.fields = {k: str(v) for k, v in (fields or {}).items()}
        if code:
            self.code = code


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class ValidationError(DomainError):
    """422: input understood but not acceptable; ``fields`` maps field name to message."""
    status, code = 422, "validation_error"


class PermissionDenied(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    """409: illegal transition for the current state, or a stale version."""
    status, code = 409, "conflict"
