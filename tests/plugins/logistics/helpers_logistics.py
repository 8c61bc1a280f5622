"""Shared builders for the logistics tests."""
from core.testing import api_headers

URL = "/api/v1/logistics-exceptions"


def body(**over):
    data = {"delivery_note": "DN-001", "carrier": "德邦物流", "waybill": "WB1", "shipped_on": "2026-11-01",
            "received_on": "2026-11-02", "kind": "short", "responsible_party": "unknown", "unopened": False,
            "lines": [{"sku": "PNL-600", "expected_quantity": 10, "actual_quantity": 8, "description": "2 missing"}]}
    data.update(over)
    return data


def create(client, user, **over):
    r = client.post(URL, json=body(**over), headers=api_headers(user))
    assert r.status_code == 201, r.json
    return r.json


def act(client, user, record, action, **payload):
    payload.setdefault("version", record["version"])
    return client.post(f"{URL}/{record['id']}/{action}", json=payload, headers=api_headers(user))


def get(client, user, record_id):
    return client.get(f"{URL}/{record_id}", headers=api_headers(user))
