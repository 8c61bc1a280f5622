"""JSON responses encoded with orjson.

Flask's ``DefaultJSONProvider`` runs the standard library's encoder; orjson writes the same
document (keys sorted, compact, dates as HTTP dates and ``Decimal`` as a string through Flask's
own ``default``) several times faster, with one difference in the bytes, not in the JSON:
characters beyond ASCII are written as UTF-8 instead of ``\\uXXXX`` escapes (escaping them
again in Python cost more than the standard encoder itself). Anything orjson refuses (integer
dict keys, integers beyond 64 bits, types Flask's ``default`` does not know) and every call
with other options (``indent`` in debug mode, ``tojson`` in templates) goes to the standard
encoder as before.
"""
from __future__ import annotations

import orjson
from flask.json.provider import DefaultJSONProvider

COMPACT = {"separators": (",", ":")}
OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class OrjsonProvider(DefaultJSONProvider):
    def _fast(self, obj) -> bytes | None:
        try:
            return orjson.dumps(obj, default=self.default, option=OPTIONS)
        except TypeError:  # orjson.JSONEncodeError: the standard encoder decides (or raises) as before
            return None

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        if (self.compact is None and self._app.debug) or self.compact is False or not self.sort_keys:
            return super().response(obj)
        raw = self._fast(obj)
        if raw is None:
            return super().response(obj)
        return self._app.response_class(raw + b"\n", mimetype=self.mimetype)
