"""API responses are encoded with orjson (issue 8): the same JSON as Flask's standard encoder
(sorted keys, compact, HTTP dates, Decimal as a string), non-ASCII written as UTF-8."""
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from flask import jsonify
from flask.json.provider import DefaultJSONProvider

from core.jsonenc import OrjsonProvider
from core.testing import api_headers, make_dealer, make_user


@dataclass
class Point:
    x: int
    y: str


SAMPLES = [
    {"b": [1, -2, None, True, False, 1.5], "a": {"z": "x", "c": "\n\t\"\\ \x01"}},
    {"when": date(2026, 1, 2), "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "fee": Decimal("45.50")},
    [Point(1, "p"), {"2": 2, "10": 10}],
    {1: "integer keys", 10: "go to the standard encoder"},
    {"huge": 2**70},
]


def test_responses_are_the_standard_encoders_bytes_for_ascii(app):
    assert isinstance(app.json, OrjsonProvider)
    standard = DefaultJSONProvider(app)
    for sample in SAMPLES:
        assert jsonify(sample).get_data() == standard.response(sample).get_data(), sample


def test_non_ascii_is_utf8_and_the_same_json(app):
    sample = {"carrier": "顺丰", "emoji": "\U0001f600", "del": "\x7f"}
    body = jsonify(sample).get_data()
    assert "顺丰".encode() in body and b"\\u" not in body
    assert json.loads(body) == json.loads(DefaultJSONProvider(app).response(sample).get_data()) == sample


def test_an_api_response_through_orjson(app, client):
    user = make_user("jsonenc", roles=["admin"])
    make_dealer("D9", name="华东经销商")
    r = client.get("/api/v1/dealers?per_page=5", headers=api_headers(user))
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert "华东经销商".encode() in r.get_data()
    assert [d["name"] for d in r.json["items"]] == ["华东经销商"]


def test_debug_mode_still_indents(app):
    app.debug = True
    try:
        assert jsonify({"b": 1, "a": 2}).get_data() == b'{\n  "a": 2,\n  "b": 1\n}\n'
    finally:
        app.debug = False
